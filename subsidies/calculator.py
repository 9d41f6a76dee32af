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

__all__ = ["CalculationError", "calculate", "rule_state"]


def rule_state(rdef: RuleDef, on: dt.date) -> dict[str, Any]:
    """The rule's state in force on ``on`` from the database (catalog defaults where there is no row)."""
    state = default_state(rdef)
    row = Rule.objects.filter(code=rdef.code).select_related("superseded_by").first()
    if row is None:
        return state
    state.update(valid_from=row.valid_from, valid_to=row.valid_to, retired=row.retired_at is not None,
                 superseded_by=row.superseded_by.code if row.superseded_by else "", funding=row.funding)
    chosen: dict[str, tuple[dt.date, Any]] = {}
    for name, value, start, end in RuleParameter.objects.filter(
        rule=row, retired_at__isnull=True, valid_from__lte=on
    ).values_list("name", "value", "valid_from", "valid_to"):
        if end is not None and end < on:
            continue
        if name not in chosen or start > chosen[name][0]:
            chosen[name] = (start, value)
    state["params"].update({name: value for name, (_, value) in chosen.items()})
    return state


def calculate(code: str, facts: Any, history: Any = None, on: Any = None) -> dict[str, Any]:
    """``subsidies.rules.calculate`` with the rule's dated state from the database."""
    return calculate_pure(code, facts, history=history, on=on, state_of=rule_state)
