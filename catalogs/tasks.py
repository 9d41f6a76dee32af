"""Background jobs for 政务数据资源目录; SCHEDULES lists (name, function path, schedule type, minutes)."""

from __future__ import annotations

from catalogs.services import (
    collection_reminders_send,
    collection_tasks_generate,
    collection_tasks_mark_overdue,
    interface_requests_mark_overdue,
)

SCHEDULES: list[tuple[str, str, str, int | None]] = [
    ("目录：生成采集任务并标记逾期、发送到期提醒", "catalogs.tasks.daily_collection", "D", None),
]


def daily_collection() -> dict[str, int]:
    """Idempotent daily run: create the tasks of newly closed periods, flag overdue ones, remind before due dates,
    flag interface requests past their due date."""
    return {"generated": collection_tasks_generate(), "overdue": collection_tasks_mark_overdue(),
            "reminded": collection_reminders_send(), "interface_requests_overdue": interface_requests_mark_overdue()}
