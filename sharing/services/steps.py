"""Workflow bookkeeping shared by the share and open-data services: numbers, entering and finishing steps."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.locks import lock_first
from portal.models import Organization, OrgKind, OrgLevel
from sharing.models import WorkflowStep
from sharing.workflow import OPEN_STEPS, STEPS, Actor, Step, step_is_statutory


def check_transition_input(app: Any, transition: Any, opinion: str, policy_basis: str, *,
                           basis_message: str) -> tuple[str, str]:
    """State and required texts of a workflow step (share and open-data alike); returns the stripped texts."""
    if app.status not in transition.sources:
        raise ValidationError(f"当前状态为“{app.get_status_display()}”，不能执行“{transition.label}”。")
    opinion, policy_basis = opinion.strip(), policy_basis.strip()
    if transition.needs_reason and not opinion:
        raise ValidationError({"opinion": [f"“{transition.label}”须填写意见或原因。"]})
    if transition.needs_policy_basis and not policy_basis:
        raise ValidationError({"policy_basis": [basis_message]})
    return opinion, policy_basis


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


def enter_step(*, application: Any, state: str, label: str, start: date, due: date | None, field: str,
               service_mode: str = "", county: Any = None, applicant_unit: Any = None) -> WorkflowStep | None:
    """Set the application's current state and due date, and open a step row when the state has an actor."""
    application.status = state
    application.current_step_started_on = start if due else None
    application.current_due_on = due
    if hasattr(application, "is_statutory_due"):
        application.is_statutory_due = bool(due) and step_is_statutory(state, service_mode)
    table: dict[str, Step] = STEPS if field == "share_application" else OPEN_STEPS
    if state not in table:
        return None
    step = table[state]
    return WorkflowStep.objects.create(
        **{field: application}, state=state, state_label=label, actor=step.actor,
        responsible_unit=responsible_unit(step.actor, applicant_unit=applicant_unit, county=county),
        started_on=start, due_on=due, is_statutory=step_is_statutory(state, service_mode))


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
