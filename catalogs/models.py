"""政务数据资源目录: models (built in its own issue)."""
