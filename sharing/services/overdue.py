"""Overdue steps: flag them once and tell the responsible unit and the authority (daily task)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.faults import checkpoint
from portal.locks import lock_rows
from portal.roles import Role
from portal.services import notify
from sharing.models import WorkflowStep
from sharing.workflow import today


@transaction.atomic
def steps_flag_overdue(*, on: date | None = None) -> list[int]:
    """Open steps past their due date get ``overdue_flagged_at`` (once) and a notice to the city authority."""
    on = on or today()
    steps = lock_rows(WorkflowStep.objects.filter(finished_on__isnull=True, due_on__lt=on,
                                                 overdue_flagged_at__isnull=True))
    if not steps:
        return []
    now = timezone.now()
    WorkflowStep.objects.filter(pk__in=[s.pk for s in steps]).service_update(overdue_flagged_at=now)  # type: ignore[attr-defined]
    checkpoint("sharing.steps_flag_overdue")  # flagged, not yet notified: one transaction, so both or neither
    authority = list(get_user_model().objects.filter(memberships__role=Role.CITY_AUTHORITY,
                                                     memberships__retired_at__isnull=True).distinct())
    notify(recipients=authority, title=f"共享办理超期：{len(steps)} 个环节",
           body="以下环节已超过办理期限：" + "；".join(f"{s.state_label}（期限 {s.due_on}）" for s in steps[:20]),
           url="/admin/sharing/shareapplication/overdue/")
    return [s.pk for s in steps]
