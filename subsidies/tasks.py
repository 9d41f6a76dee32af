"""Background jobs for 惠企政策奖补; SCHEDULES lists (name, function path, schedule type, minutes)."""

SCHEDULES: list[tuple[str, str, str, int | None]] = []
