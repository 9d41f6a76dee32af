"""Workflow bookkeeping shared by the share and open-data effects: numbers, and the ``WorkflowStep`` rows (who had to
act, by when, what they did) that feed the overdue board and the assessment — written by ``book_step`` as part of the
kernel's ``Workflow.apply``, never on their own."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.utils import timezone

from portal.locks import lock_first
from portal.models import Organization, OrgKind, OrgLevel
from portal.workflow import Step
from sharing.models import WorkflowStep
from sharing.states import Actor
from sharing.workflow import step_actor, step_is_statutory


def new_number(prefix: str) -> str:
    """Human-readable, unguessable reference: prefix + date + 6 hex digits (e.g. GX20261009A1B2C3)."""
    return f"{prefix}{timezone.localdate():%Y%m%d}{secrets.token_hex(3).upper()}"


def city_unit(kind: str) -> Organization | None:
    return Organization.objects.filter(kind=kind, level=OrgLevel.CITY, retired_at__isnull=True).order_by("pk").first()


def responsible_unit(actor: str, *, applicant_unit: Any = None, county: Any = None) -> Organization | None:
    """The unit expected to act in a step (for the overdue board and the per-unit assessment)."""
    if actor == Actor.TECH:
        return city_unit(OrgKind.TECH_SERVICE_UNIT)
    if actor == Actor.CITY_AUTHORITY:
        return city_unit(OrgKind.DATA_AUTHORITY)
    if actor == Actor.COUNTY_AUTHORITY and county is not None:
        return (Organization.objects.filter(kind=OrgKind.COUNTY_AUTHORITY, path__startswith=county.path,
                                            retired_at__isnull=True).order_by("pk").first())
    return applicant_unit


def book_step(step: Step, *, field: str, opinion: str, service_mode: str = "", county: Any = None,
              applicant_unit: Any = None) -> None:
    """The last part of every share/open-data effect, once the target is chosen: the current step's start and
    statutory flag on the record, then (after the save, same transaction) the open ``WorkflowStep`` closed with what
    was done and a new one opened when the target state has a limit."""
    obj, workflow, state = step.obj, step.workflow, step.target
    limit = workflow.limit_of(step.transition, state)
    statutory = bool(step.due_on) and step_is_statutory(workflow, state, service_mode)
    obj.current_step_started_on = step.on if step.due_on else None
    if hasattr(obj, "is_statutory_due"):
        obj.is_statutory_due = statutory

    def rows() -> None:
        finish_step(application=obj, field=field, action=step.transition.name, action_label=step.transition.label,
                    user=step.user, opinion=opinion, on=step.on)
        if limit is not None:
            actor = step_actor(workflow, state, obj)
            WorkflowStep.objects.create(
                **{field: obj}, state=state, state_label=workflow.state_label(state), actor=actor,
                responsible_unit=responsible_unit(actor, applicant_unit=applicant_unit, county=county),
                started_on=step.on, due_on=step.due_on, is_statutory=statutory)

    step.then(rows)


def finish_step(*, application: Any, field: str, action: str, action_label: str, user: Any, opinion: str,
                on: date) -> WorkflowStep | None:
    step = lock_first(WorkflowStep.objects.filter(**{field: application}, finished_on__isnull=True).order_by("-pk"))
    if step is None:
        return None
    fields = {"finished_on": on, "finished_at": timezone.now(), "action": action, "action_label": action_label,
              "opinion": opinion, "finished_by": user if getattr(user, "is_authenticated", False) else None}
    WorkflowStep.objects.filter(pk=step.pk, finished_on__isnull=True).service_update(**fields)  # type: ignore[attr-defined]  # closed once
    for name, value in fields.items():
        setattr(step, name, value)
    return step
