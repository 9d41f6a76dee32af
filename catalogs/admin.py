"""Admin for 政务数据资源目录."""
