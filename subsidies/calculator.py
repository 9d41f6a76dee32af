"""The calculator over the database: the pure ``subsidies.rules.calculate`` fed with each rule's window,
supersession, retirement, funding and parameter values in force on the calculation date, read from ``Rule`` and
``RuleParameter`` (dated data edited by staff), falling back to the catalog where the database holds nothing.

Every caller that should see the data staff maintain (API, site 试算, services, the ``calculate_award`` command)
calls ``calculate`` here; ``subsidies.rules`` itself stays free of the ORM.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from subsidies.models import Rule, RuleParameter
from subsidies.rules import CalculationError, RuleDef, default_state
from subsidies.rules import calculate as calculate_pure

__all__ = ["CalculationError", "calculate", "rule_state", "rule_states"]


def rule_state(rdef: RuleDef, on: dt.date) -> dict[str, Any]:
    """The rule's state in force on ``on`` from the database (catalog defaults where there is no row)."""
    row = Rule.objects.filter(code=rdef.code).select_related("superseded_by").first()
    params = [] if row is None else list(RuleParameter.objects.filter(rule=row, retired_at__isnull=True).values_list(
        "name", "value", "valid_from", "valid_to"))
    return _state(rdef, row, params, on)


def rule_states(codes: Any) -> Any:
    """A ``state_of`` for the rules ``codes`` that reads their rows and parameters once (two queries, whatever the
    number of rules and dates asked for afterwards): list pages computing many rules' limits."""
    codes = sorted(set(codes))
    rows = {r.code: r for r in Rule.objects.filter(code__in=codes).select_related("superseded_by")}
    params: dict[int, list[tuple[str, Any, dt.date, dt.date | None]]] = {}
    for rule_id, *values in RuleParameter.objects.filter(rule__code__in=codes, retired_at__isnull=True).values_list(
            "rule_id", "name", "value", "valid_from", "valid_to"):
        params.setdefault(rule_id, []).append(tuple(values))  # type: ignore[arg-type]

    def state_of(rdef: RuleDef, on: dt.date) -> dict[str, Any]:
        row = rows.get(rdef.code)
        return _state(rdef, row, params.get(row.pk, []) if row is not None else [], on)
    return state_of


def _state(rdef: RuleDef, row: Rule | None, params: Any, on: dt.date) -> dict[str, Any]:
    """The state of ``default_state``'s shape from the rule's row and its parameter rows (name, value, from, to)."""
    state = default_state(rdef)
    if row is None:
        return state
    state.update(valid_from=row.valid_from, valid_to=row.valid_to, retired=row.retired_at is not None,
                 superseded_by=row.superseded_by.code if row.superseded_by else "", funding=row.funding)
    chosen: dict[str, tuple[dt.date, Any]] = {}
    for name, value, start, end in params:
        if start > on or (end is not None and end < on):
            continue
        if name not in chosen or start > chosen[name][0]:
            chosen[name] = (start, value)
    state["params"].update({name: value for name, (_, value) in chosen.items()})
    return state


def calculate(code: str, facts: Any, history: Any = None, on: Any = None) -> dict[str, Any]:
    """``subsidies.rules.calculate`` with the rule's dated state from the database."""
    return calculate_pure(code, facts, history=history, on=on, state_of=rule_state)
