"""Background jobs for 数据共享与开放; SCHEDULES lists (name, function path, schedule type, minutes)."""

SCHEDULES: list[tuple[str, str, str, int | None]] = []
