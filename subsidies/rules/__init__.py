"""The subsidy calculator: ``calculate(code, facts, history=None, on=None, state_of=None)`` returns the JSON of
subsidy_rules.md.

Pure: this package imports no ORM and reads no database. Rules are declared in ``catalog`` as steps built from
``primitives``; windows, supersession and parameter values are the catalog defaults unless the caller passes
``state_of(rdef, on)`` returning the state in force on the calculation date — ``subsidies.calculator`` does, reading
the dated ``Rule`` and ``RuleParameter`` rows (the calculator the API, the site, the services and the command use).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from subsidies.rules.catalog import (
    CITY_ONLY,
    FAMILY_CHOICES,
    RULES,
    RULES_BY_CODE,
    SPLIT,
    SPLIT_CITATION,
    RuleDef,
)
from subsidies.rules.facts import (
    CENT,
    CalculationError,
    HistoryItem,
    money,
    normalize_key,
    parse_facts,
    parse_history,
    parse_on,
)
from subsidies.rules.primitives import Context, CumulativeCap, YearCap

__all__ = ["CalculationError", "HistoryItem", "RULES", "RuleDef", "StateOf", "calculate", "default_state",
           "enterprise_caps", "funding_split", "get_rule_def", "rule_facts_schema", "money"]

FAMILY_LABELS = dict(FAMILY_CHOICES)
FUNDING_TRACE = {SPLIT: "funding split city:county = 1:1", CITY_ONLY: "funding: city only"}
FACT_LABELS = {r.code: {f.name: f.label for f in r.facts} for r in RULES}  # the catalog's, read by the steps


def get_rule_def(code: str) -> RuleDef:
    rdef = RULES_BY_CODE.get(code) if type(code) is str else None
    if rdef is None:
        rdef = RULES_BY_CODE.get(str(code or "").strip().upper())
    if rdef is None:
        raise CalculationError(f"未知的奖补规则编号：{code}", {"rule": f"未知的奖补规则编号：{code}"})
    return rdef


def rule_facts_schema(code: str) -> list[dict[str, Any]]:
    """The facts a rule needs: name, Chinese label, type (money/int/bool/choice/multi_choice/text), required, help."""
    return [f.schema() for f in get_rule_def(code).facts]


def funding_split(amount: Decimal, funding: str) -> dict[str, str]:
    """City/county shares: 1:1 with the city's half rounded half-up to the cent; otherwise city pays all."""
    amount = money(amount)  # both parts are then exact to the cent: str() shows them as fmt() would
    if funding == SPLIT:
        city = (amount / 2).quantize(CENT, rounding=ROUND_HALF_UP)
        return {"city": str(city), "county": str(amount - city)}
    return {"city": str(amount), "county": "0.00"}


def default_state(rdef: RuleDef) -> dict[str, Any]:
    """Window, supersession, retirement, funding and parameters as the catalog declares them."""
    return {"valid_from": rdef.valid_from, "valid_to": rdef.valid_to, "superseded_by": rdef.superseded_by,
            "retired": False, "params": dict(rdef.params), "funding": rdef.funding}


StateOf = Callable[[RuleDef, dt.date], dict[str, Any]]  # (rule, day) -> the state of default_state's shape


def window_citation(rdef: RuleDef, state: dict[str, Any]) -> str:
    """The clause(s) that set the rule's window (e.g. 泉政办规〔2025〕18号 九(一)), not the rule's own clause; a window
    changed by an administrator says so."""
    changed = (state["valid_from"], state["valid_to"], state["superseded_by"]) != (
        rdef.valid_from, rdef.valid_to, rdef.superseded_by)
    return rdef.window_citation + ("；适用期已由管理部门调整，以奖补规则配置为准" if changed else "")


def _window_reason(rdef: RuleDef, state: dict[str, Any], on: dt.date) -> str:
    start, end = state["valid_from"], state["valid_to"]
    span = f"{start.isoformat()} 至 {end.isoformat() if end else '长期'}"
    if state["retired"]:
        return f"{rdef.code} 已停用，不再受理"
    if on < start:
        return f"{rdef.code} 自 {start.isoformat()} 起施行，{on.isoformat()} 尚未施行"
    if end is not None and on > end:
        if state["superseded_by"]:
            return (f"{rdef.code} 适用期为 {span}，自 {(end + dt.timedelta(days=1)).isoformat()} 起由 "
                    f"{state['superseded_by']} 取代")
        return f"{rdef.code} 适用期为 {span}，{on.isoformat()} 已超出有效期"
    return ""


def calculate(code: str, facts: Any, history: Any = None, on: Any = None, *,
              state_of: StateOf | None = None) -> dict[str, Any]:
    """Evaluate one rule: the maximum eligible amount, its city/county split, reasons and a cited trace. The rule's
    state in force on ``on`` comes from ``state_of`` (read after the input is checked), else the catalog."""
    rdef = get_rule_def(code)
    on_date = parse_on(on)
    parsed = parse_facts(rdef.facts, facts)
    items = parse_history(history, known_rules=RULES_BY_CODE, on=on_date)
    state = state_of(rdef, on_date) if state_of is not None else default_state(rdef)
    relevant = [h for h in items if h.rule == rdef.code]
    key = normalize_key(parsed.get("key", "")) if rdef.keyed else ""
    if key:
        relevant = [h for h in relevant if normalize_key(h.key) == key]
    ctx = Context(code=rdef.code, citation=rdef.citation, facts=parsed, params=state["params"], history=relevant,
                  on=on_date, labels=FACT_LABELS[rdef.code])
    window = _window_reason(rdef, state, on_date)
    end = state["valid_to"].isoformat() if state["valid_to"] else "长期"
    ctx.record(f"in force {state['valid_from'].isoformat()} .. {end} on {on_date.isoformat()}",
               "否" if window else "是", window_citation(rdef, state))
    if window:
        ctx.fail(window)
    else:
        for step in rdef.steps:
            if step.is_gate:
                step.apply(ctx)
        if ctx.eligible:
            for step in rdef.steps:
                if not step.is_gate:
                    step.apply(ctx)
                    if not ctx.eligible:
                        break
    exact = ctx.amount if (ctx.eligible and ctx.amount is not None) else Decimal("0")
    amount = money(exact)  # the one rounding of the calculation: the result, to the cent, half-up
    if ctx.eligible and amount <= 0:
        ctx.fail("计算结果为0元，不予奖补")
    eligible = ctx.eligible
    if eligible and amount != exact:
        ctx.record("result rounded half-up to 0.01", amount)
    amount = amount if eligible else Decimal("0.00")
    split = funding_split(amount, state["funding"])
    if eligible:
        label = FUNDING_TRACE.get(state["funding"], "funding: city (local government) 100%")
        ctx.record(f"{label} → city", Decimal(split["city"]),
                   SPLIT_CITATION if state["funding"] in (SPLIT, CITY_ONLY) and rdef.document.startswith("泉政办规")
                   else rdef.citation)
    return {"rule": rdef.code, "eligible": eligible, "amount": str(amount), "funding": split,
            "reasons": list(ctx.reasons), "citation": rdef.citation, "trace": ctx.trace}


def enterprise_caps(code: str, history: list[HistoryItem], on: dt.date, *,
                    state_of: StateOf | None = None) -> list[dict[str, Any]]:
    """The per-enterprise limits of a rule (年度上限, 累计上限) on ``on``: for each, the cap in force, what ``history``
    (the enterprise's awards, as the calculator counts them) already used and what remains (never below zero). Empty
    for rules without such a limit (a per-project cap or a 差额 rule limits one application, not the enterprise)."""
    rdef = get_rule_def(code)
    state = state_of(rdef, on) if state_of is not None else default_state(rdef)
    ctx = Context(code=rdef.code, citation=rdef.citation, facts={}, params=state["params"],
                  history=[h for h in history if h.rule == rdef.code], on=on, labels={})
    out = []
    for step in rdef.steps:
        if isinstance(step, (YearCap, CumulativeCap)):
            cap, used = step.usage(ctx)
            out.append({"kind": step.label, "cap": money(cap), "used": money(used),
                        "remaining": money(max(Decimal("0"), cap - used))})
    return out
