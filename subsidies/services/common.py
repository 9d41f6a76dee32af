"""Shared pieces of the subsidies services: today, fact checks and the calculator on an application.

Nothing here imports another service module (``money`` and ``applications`` import this one, never the reverse).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.services import notify_enterprise
from portal.workflow import Step
from subsidies.calculator import CalculationBatch, calculate
from subsidies.models import Application, ApplicationEvent
from subsidies.rules import CalculationError, get_rule_def
from subsidies.rules.facts import parse_facts
from subsidies.selectors import award_history
from subsidies.workflow import APPLICATION


def today() -> dt.date:
    return timezone.localdate()


def facts_errors(rule_code: str, facts: Any, *, partial: bool) -> None:
    """Raise a Chinese ValidationError keyed by fact when the facts are malformed (or incomplete unless partial)."""
    try:
        parse_facts(get_rule_def(rule_code).facts, facts, partial=partial)
    except CalculationError as exc:
        raise ValidationError({"facts": [f"{k}：{v}" if not v.startswith(k) else v
                                         for k, v in exc.errors.items()] or [exc.summary]}) from None


def compute(app: Application, *, facts: dict[str, Any] | None = None,
            batch: CalculationBatch | None = None) -> dict[str, Any]:
    """The calculator on the application's facts, its event date and the award history from the database (from
    ``batch`` when given: rule state and awards read once for many applications, the same result)."""
    history = (award_history if batch is None else batch.award_history)(
        enterprise_id=app.enterprise_id, rule_id=app.rule_id, exclude_application_id=app.pk)
    return calculate(app.rule.code, facts if facts is not None else app.facts, history=history,
                     on=app.event_on or today(), batch=batch)


def compute_all(apps: Iterable[Application]) -> dict[int, dict[str, Any]]:
    """``compute`` for many applications (id → result) in three queries: the rules' state and the award histories
    read once for all of them (applications read with ``select_related("rule")``)."""
    apps = list(apps)
    batch = CalculationBatch(app.rule.code for app in apps)
    batch.preload_awards(enterprise_ids=[a.enterprise_id for a in apps], rule_ids=[a.rule_id for a in apps])
    return {app.pk: compute(app, batch=batch) for app in apps}


def step_effect(name: str) -> Callable[[Callable[[Step], str | None]], Callable[[Step], str | None]]:
    """Register what transition ``name`` of ``APPLICATION`` does; the effect returns the note of the step (or None).

    Every step also starts the new step's day and appends its ``ApplicationEvent`` (who, from → to, note, the due
    date it set) after the application is saved; the note is the audit row's reason as well.
    """
    def register(fn: Callable[[Step], str | None]) -> Callable[[Step], str | None]:
        def run(step: Step) -> None:
            source = step.obj.status
            note = (fn(step) or "").strip()
            step.obj.step_started_on = step.on
            step.audit_reason = note
            actor = step.user if getattr(step.user, "is_authenticated", False) else None
            step.then(lambda: ApplicationEvent.objects.create(
                application=step.obj, actor=actor, action=step.transition.name, from_status=source,
                to_status=step.target, note=note, due_on=step.due_on))

        APPLICATION.effect(name)(run)
        return fn

    return register


def notify_applicant(step: Step, title: str, body: Callable[[], str]) -> None:
    """Tell the applicant organisation, in the same transaction as the step (``body`` is read after the save, so it
    may name the new due date)."""
    app = step.obj
    step.then(lambda: notify_enterprise(enterprise=app.enterprise, title=title, body=body()))
