"""Admin for 数据共享与开放."""
