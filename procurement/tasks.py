"""Background jobs for 政务信息化项目与采购; SCHEDULES lists (name, function path, schedule type, minutes)."""

SCHEDULES: list[tuple[str, str, str, int | None]] = []
