"""Background jobs for 政务信息化项目与采购; SCHEDULES lists (name, function path, schedule type, minutes)."""

from __future__ import annotations

from django.utils import timezone

SCHEDULES: list[tuple[str, str, str, int | None]] = [
    ("采购：逾期未决定的异议视为受理", "procurement.tasks.deem_objections_accepted", "D", None),
]


def deem_objections_accepted() -> int:
    """Objections without an acceptance decision 2 days after receipt become deemed accepted (R 31)."""
    from procurement.services.remedies import objections_deem_accepted

    return objections_deem_accepted(on=timezone.localdate())
