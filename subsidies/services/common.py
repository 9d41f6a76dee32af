"""Shared pieces of the workflow services: locking, transitions with due dates, fact checks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.audit import audit_record
from portal.permissions import require
from portal.workdays import add_workdays
from subsidies.models import Application, ApplicationEvent
from subsidies.permissions import can_act
from subsidies.rules import CalculationError, calculate, get_rule_def
from subsidies.rules.facts import parse_facts
from subsidies.workflow import TRANSITIONS


def today() -> dt.date:
    return timezone.localdate()


def check_action(user: Any, app: Application, action: str) -> None:
    require(can_act(user, app, action))


def move(app: Application, action: str, *, actor: Any, note: str = "", target: str | None = None,
         due_on: dt.date | None | bool = True, fields: list[str] | None = None) -> Application:
    """Apply a transition of the workflow table: state, step start, due date, event row and audit row."""
    t = TRANSITIONS[action]
    source = app.status
    app.status = target or t.target
    if due_on is True:
        due_on = add_workdays(today(), t.workdays) if t.workdays is not None else app.due_on
    if due_on is not False:
        app.due_on = due_on or None
    app.step_started_on = today()
    app.save()
    ApplicationEvent.objects.create(application=app, actor=actor if getattr(actor, "is_authenticated", False) else None,
                                    action=action, from_status=source, to_status=app.status, note=note,
                                    due_on=app.due_on)
    audit_record(actor=actor, action=f"subsidy_{action}", obj=app, reason=note,
                 before={"status": source}, after={"status": app.status, **({f: str(getattr(app, f))
                                                                             for f in fields or []})})
    return app


def facts_errors(rule_code: str, facts: Any, *, partial: bool) -> None:
    """Raise a Chinese ValidationError keyed by fact when the facts are malformed (or incomplete unless partial)."""
    try:
        parse_facts(get_rule_def(rule_code).facts, facts, partial=partial)
    except CalculationError as exc:
        raise ValidationError({"facts": [f"{k}：{v}" if not v.startswith(k) else v
                                         for k, v in exc.errors.items()] or [exc.summary]}) from None


def compute(app: Application, *, facts: dict[str, Any] | None = None) -> dict[str, Any]:
    """The calculator on the application's facts, its event date and the award history from the database."""
    from subsidies.services.money import award_history

    return calculate(app.rule.code, facts if facts is not None else app.facts,
                     history=award_history(enterprise_id=app.enterprise_id, rule_id=app.rule_id,
                                           exclude_application_id=app.pk),
                     on=app.event_on or today())
