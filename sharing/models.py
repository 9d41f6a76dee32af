"""数据共享与开放: models (built in its own issue)."""
