"""Scheduled jobs: each app lists ``SCHEDULES`` in its ``tasks.py``; they are (re)created after every migrate."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from portal.roles import DOMAIN_APPS

# (name, function path, schedule type, minutes) — schedule type per django_q.models.Schedule
KERNEL_SCHEDULES: list[tuple[str, str, str, int | None]] = [
    ("清理过期登录失败记录", "portal.tasks.purge_login_failures", "D", None),
    ("清理满3年的数据访问日志", "portal.tasks.purge_access_log", "D", None),
]


def all_schedules() -> list[tuple[str, str, str, int | None]]:
    found = list(KERNEL_SCHEDULES)
    for app in DOMAIN_APPS:
        try:
            module = import_module(f"{app}.tasks")
        except ModuleNotFoundError:
            continue
        found.extend(getattr(module, "SCHEDULES", []))
    return found


def ensure_schedules() -> None:
    from django_q.models import Schedule

    for name, func, kind, minutes in all_schedules():
        Schedule.objects.update_or_create(
            name=name, defaults={"func": func, "schedule_type": kind, "minutes": minutes, "repeats": -1})


def ensure_schedules_after_migrate(sender: Any, **kwargs: Any) -> None:
    ensure_schedules()
