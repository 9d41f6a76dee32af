"""Overdue steps: flag them once and tell the responsible unit and the authority (daily task)."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from portal.bulk import due_chunks
from portal.faults import checkpoint
from portal.locks import lock_rows
from portal.roles import Role
from portal.services import notify
from sharing.models import WorkflowStep
from sharing.workflow import today


@transaction.atomic
def steps_flag_overdue(*, on: date | None = None) -> list[int]:
    """Open steps past their due date get ``overdue_flagged_at`` (once) and one notice to the city authority.

    Set-based: batches of ``SELECT … FOR UPDATE`` (id, step, due date) and one ``UPDATE`` each, with a checkpoint per
    batch; one transaction for all batches and the notice, so a crash leaves both or neither (steps carry no history
    or audit rows). The query count depends on the number of batches, not of steps."""
    on = on or today()
    due = WorkflowStep.objects.filter(finished_on__isnull=True, due_on__lt=on, overdue_flagged_at__isnull=True)
    now = timezone.now()
    flagged: list[int] = []
    first: list[tuple[int, str, date]] = []
    for chunk in due_chunks(due):
        rows = [(step.pk, step.state_label, step.due_on)
                for step in lock_rows(due.filter(pk__in=chunk).only("pk", "state_label", "due_on"))]
        pks = [pk for pk, _, _ in rows]
        WorkflowStep.objects.filter(pk__in=pks).service_update(overdue_flagged_at=now)  # type: ignore[attr-defined]
        flagged.extend(pks)
        first.extend(rows[: max(20 - len(first), 0)])
        checkpoint("sharing.steps_flag_overdue")  # flagged, not yet notified: one transaction, so both or neither
    if not flagged:
        return []
    authority = list(get_user_model().objects.filter(memberships__role=Role.CITY_AUTHORITY,
                                                     memberships__retired_at__isnull=True).distinct())
    notify(recipients=authority, title=f"共享办理超期：{len(flagged)} 个环节",
           body="以下环节已超过办理期限：" + "；".join(f"{label}（期限 {due_on}）" for _, label, due_on in first),
           url="/admin/sharing/shareapplication/overdue/")
    return flagged
