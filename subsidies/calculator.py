"""The calculator over the database: the pure ``subsidies.rules.calculate`` fed with each rule's window,
supersession, retirement, funding and parameter values in force on the calculation date, read from ``Rule`` and
``RuleParameter`` (dated data edited by staff), falling back to the catalog where the database holds nothing.

Every caller that should see the data staff maintain (API, site 试算, services, the ``calculate_award`` command)
calls ``calculate`` here; ``subsidies.rules`` itself stays free of the ORM.

One evaluation reads the rule's row and parameters (two queries). Many evaluations — a matching run, a list of
applications, a benchmark — share one ``CalculationBatch``: the rules' rows and parameters read once (two queries
for every rule asked for), each (rule, day) state built once, award histories read in one query, and ``calculate(…,
batch=batch)`` gives exactly what the single evaluation gives, trace included. A batch is made by its
caller for one request or job and dropped with it: nothing is cached across requests, so nothing goes stale.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from subsidies.models import Rule, RuleParameter
from subsidies.rules import CalculationError, HistoryItem, RuleDef, default_state
from subsidies.rules import calculate as calculate_pure

__all__ = ["CalculationBatch", "CalculationError", "calculate", "rule_state", "rule_states"]

ParamRow = tuple[str, Any, dt.date, dt.date | None]  # name, value, valid from, valid to


def rule_state(rdef: RuleDef, on: dt.date) -> dict[str, Any]:
    """The rule's state in force on ``on`` from the database (catalog defaults where there is no row)."""
    row = Rule.objects.filter(code=rdef.code).select_related("superseded_by").first()
    params = [] if row is None else list(RuleParameter.objects.filter(rule=row, retired_at__isnull=True).values_list(
        "name", "value", "valid_from", "valid_to"))
    return _state(rdef, row, params, on)


class CalculationBatch:
    """What a batch of evaluations reads from the database, read once: the rows and parameters of the rules (two
    queries, whatever the number of rules, dates and evaluations), each (rule, day) state built once, and — when
    ``preload_awards`` was called — the award histories (one query). Callable as a ``state_of(rdef, on)``.

    Made by the caller for one request or job and dropped with it (never a module-level cache). A rule outside
    ``codes`` is read when first asked for (two more queries), so a narrow batch is never wrong, only slower.
    """

    def __init__(self, codes: Iterable[str] | None = None) -> None:
        self.queries = 0
        self._rows: dict[str, Rule | None] = {}
        self._params: dict[str, list[ParamRow]] = {}
        self._states: dict[tuple[str, dt.date], dict[str, Any]] = {}
        self._awards: dict[tuple[int, int], list[tuple[int | None, HistoryItem]]] = {}
        self._load(None if codes is None else sorted({str(c) for c in codes}))

    def _load(self, codes: list[str] | None) -> None:
        rules = Rule.objects.select_related("superseded_by")
        params = RuleParameter.objects.filter(retired_at__isnull=True)
        if codes is not None:
            rules, params = rules.filter(code__in=codes), params.filter(rule__code__in=codes)
            self._rows.update(dict.fromkeys(codes))  # a code without a row: the catalog's defaults
        for row in rules:
            self._rows[row.code] = row
            self._params.setdefault(row.code, [])
        for code, *values in params.values_list("rule__code", "name", "value", "valid_from", "valid_to").order_by(
                "rule__code", "name", "valid_from"):
            self._params.setdefault(code, []).append(tuple(values))  # type: ignore[arg-type]
        self.queries += 2

    def state_of(self, rdef: RuleDef, on: dt.date) -> dict[str, Any]:
        """The rule's state in force on ``on`` (the same dict for the same rule and day: callers only read it)."""
        key = (rdef.code, on)
        state = self._states.get(key)
        if state is None:
            if rdef.code not in self._rows:
                self._load([rdef.code])
            state = self._states[key] = _state(rdef, self._rows[rdef.code], self._params.get(rdef.code, []), on)
        return state

    __call__ = state_of

    def calculate(self, code: str, facts: Any, history: Any = None, on: Any = None) -> dict[str, Any]:
        """``subsidies.calculator.calculate`` with this batch's rule state: the same JSON, trace included."""
        return calculate_pure(code, facts, history=history, on=on, state_of=self.state_of)

    # ------------------------------------------------------------------------------------------- award history
    def preload_awards(self, *, enterprise_ids: Iterable[int], rule_ids: Iterable[int]) -> None:
        """Read the live awards of ``enterprise_ids`` under ``rule_ids`` in one query (``award_history`` then asks
        nothing more for those pairs)."""
        from subsidies.models import Award
        from subsidies.selectors import LIVE_AWARDS

        enterprise_ids, rule_ids = sorted(set(enterprise_ids)), sorted(set(rule_ids))
        for ent in enterprise_ids:
            for rule in rule_ids:
                self._awards.setdefault((ent, rule), [])
        rows = Award.objects.filter(enterprise_id__in=enterprise_ids, rule_id__in=rule_ids, status__in=LIVE_AWARDS)
        for ent, rule, app, code, amount, event_on, approved_on, key in rows.values_list(
                "enterprise_id", "rule_id", "application_id", "rule__code", "amount", "application__event_on",
                "approved_on", "key").order_by("pk"):
            item = HistoryItem(rule=code, amount=amount, date=event_on or approved_on, key=key)
            self._awards[(ent, rule)].append((app, item))
        self.queries += 1

    def award_history(self, *, enterprise_id: int, rule_id: int,
                      exclude_application_id: int | None = None) -> list[HistoryItem]:
        """``subsidies.selectors.award_history`` from the batch (one query for a pair not preloaded)."""
        if (enterprise_id, rule_id) not in self._awards:
            self.preload_awards(enterprise_ids=[enterprise_id], rule_ids=[rule_id])
        return [item for app, item in self._awards[(enterprise_id, rule_id)]
                if not exclude_application_id or app != exclude_application_id]


def rule_states(codes: Any) -> CalculationBatch:
    """A ``state_of`` for the rules ``codes`` that reads their rows and parameters once (two queries, whatever the
    number of rules and dates asked for afterwards): list pages computing many rules' limits."""
    return CalculationBatch(codes)


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


def calculate(code: str, facts: Any, history: Any = None, on: Any = None, *,
              batch: CalculationBatch | None = None) -> dict[str, Any]:
    """``subsidies.rules.calculate`` with the rule's dated state from the database (``batch``: from the batch)."""
    return calculate_pure(code, facts, history=history, on=on, state_of=rule_state if batch is None else batch)
