"""Background jobs for 政务数据资源目录; SCHEDULES lists (name, function path, schedule type, minutes)."""

SCHEDULES: list[tuple[str, str, str, int | None]] = []
