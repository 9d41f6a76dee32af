"""Open deadlines follow the calendar: when a year's holiday notice is entered or changed, every open due date that
was counted through that year is computed again (docs/adr/0003).

Two kinds of stored due dates are known here:
- a step's due date set by a workflow (``Workflow.due_field``): *n* working days (the step's ``Limit``) after the day
  the step started; the start is found by counting *n* working days back from the stored due date **on the calendar
  in force before the change**, then *n* are counted forward again on the new one. This is exact for every step that
  started before the notice's year (the notice changes no day before its year);
- a fixed date rolled to the next working day (collection deadlines, "遇节假日顺延"): ``nominal`` gives the date set by
  the rule and the due date is rolled again.
Apps register further due dates with ``register``. Natural-day limits (``Limit.calendar``) do not move.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.apps import apps
from django.db.models import Model, Q
from simple_history.utils import bulk_update_with_history

from portal.workdays import add_workdays, next_workday


@dataclass(frozen=True)
class DueDates:
    """One kind of stored due date: ``model``'s ``field`` on the records matched by ``open``."""

    label: str
    model: str  # "app_label.ModelName"
    field: str
    open: Q
    days: Callable[[Any], int | None] | None = None  # working days of the step (counted from its start)
    nominal: Callable[[Any], date | None] | None = None  # the date a rule sets, rolled to a working day


_REGISTERED: dict[str, DueDates] = {}


def register(source: DueDates) -> DueDates:
    _REGISTERED[f"{source.model}.{source.field}"] = source
    return source


def _workflow_sources() -> list[DueDates]:
    from portal.workflow import all_workflows

    out = []
    for wf in all_workflows().values():
        wf._load_effects()  # noqa: SLF001 - effects modules register their own due dates
        if not wf.due_field:
            continue
        limits: dict[str, int] = {}
        for state, _label in wf.states.choices:
            limit = wf.limits.get(state) or next(
                (t.limit for t in wf.transitions.values() if t.limit and state in t.targets), None)
            if limit is not None and not limit.calendar:
                limits[state] = limit.days
        if not limits:
            continue
        state_field = wf.state_field

        def days(obj: Any, limits: dict[str, int] = limits, state_field: str = state_field) -> int | None:
            return limits.get(getattr(obj, state_field))

        out.append(DueDates(label=wf.label, model=wf.model_label, field=wf.due_field,
                            open=Q(**{f"{state_field}__in": list(limits)}), days=days))
    return out


def sources() -> list[DueDates]:
    """Every kind of due date that follows the calendar (workflow due fields, then registered ones)."""
    found = _workflow_sources()
    known = {f"{s.model}.{s.field}" for s in found}
    return found + [s for key, s in _REGISTERED.items() if key not in known]


@dataclass
class Pending:
    source: DueDates
    obj: Model
    start: date | None  # for counted deadlines
    days: int | None


def deadlines_affected(year: int) -> list[Pending]:
    """Open due dates that may move when ``year``'s calendar changes, each with what is needed to count it again
    (read **before** the change: the start of a counted step is found on the calendar still in force)."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    out: list[Pending] = []
    for source in sources():
        model = apps.get_model(source.model)
        rows = model._default_manager.filter(source.open, **{f"{source.field}__gte": first})
        for obj in rows.iterator(chunk_size=500):
            due = getattr(obj, source.field)
            if source.nominal is not None:
                nominal = source.nominal(obj)
                if nominal is not None and nominal <= last:
                    out.append(Pending(source, obj, None, None))
                continue
            n = source.days(obj) if source.days else None
            if not n:
                continue
            start = add_workdays(due, -n)
            if start <= last:
                out.append(Pending(source, obj, start, n))
    return out


def deadlines_recompute(pending: list[Pending], *, acting_user: Any, reason: str) -> int:
    """Count the ``pending`` due dates again on the calendar now in force; changed ones are saved in bulk with
    history (``reason`` as the change reason). Returns how many moved."""
    changed: dict[tuple[type[Model], str], list[Model]] = {}
    for p in pending:
        old = getattr(p.obj, p.source.field)
        if p.source.nominal is not None:
            nominal = p.source.nominal(p.obj)
            new = next_workday(nominal) if nominal is not None else old
        else:
            assert p.start is not None and p.days is not None
            new = add_workdays(p.start, p.days)
        if new != old:
            setattr(p.obj, p.source.field, new)
            changed.setdefault((type(p.obj), p.source.field), []).append(p.obj)
    count = 0
    for (model, field), objs in changed.items():
        for obj in objs:
            obj._change_reason = reason  # type: ignore[attr-defined]
        bulk_update_with_history(objs, model, [field], batch_size=500, default_user=acting_user,
                                 default_change_reason=reason)
        count += len(objs)
    return count
