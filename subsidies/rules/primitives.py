"""Reusable, typed calculation steps. A rule is a list of steps; each reads facts and dated parameters, records one
trace line with its citation, and either narrows the amount or makes the result ineligible (with a Chinese reason).

Gates (``is_gate = True``) all run first so every failed condition is reported; amount steps then run in order.

Amounts are exact ``Decimal`` values from step to step: no step rounds. The calculator quantizes the result once, to
the cent, half-up (subsidy_rules.md "Conventions"), so a sum or a difference of parts (DE-12, CB-01) is never off by
the cent its rounded parts would add.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from subsidies.rules.facts import HistoryItem, fmt, show

OPS = {">": (operator.gt, "超过"), ">=": (operator.ge, "达到"), "<": (operator.lt, "低于"), "<=": (operator.le, "不超过")}
ZERO = Decimal("0")


@dataclass
class Context:
    """Mutable state of one calculation."""

    code: str
    citation: str
    facts: dict[str, Any]
    params: dict[str, Any]
    history: list[HistoryItem]  # same rule (and same key when the rule is keyed)
    on: Any
    labels: dict[str, str]
    amount: Decimal | None = None
    reasons: list[str] = field(default_factory=list)
    trace: list[dict[str, str]] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    def p(self, name: str) -> Any:
        return self.params[name]

    def dec(self, name: str) -> Decimal:
        return Decimal(str(self.params[name]))

    def record(self, step: str, value: Any, citation: str = "") -> None:
        text = show(value) if isinstance(value, Decimal) else str(value)
        self.trace.append({"step": step, "value": text, "citation": citation or self.citation})

    def fail(self, reason: str) -> None:
        self.reasons.append(reason)

    def same_year_history(self) -> Decimal:
        return sum((h.amount for h in self.history if h.date.year == self.on.year), ZERO)

    def all_history(self) -> Decimal:
        return sum((h.amount for h in self.history), ZERO)


def pct(rate: Decimal) -> str:
    return f"{(rate * 100).normalize():f}%"


class Step:
    is_gate = False

    def apply(self, ctx: Context) -> None:  # pragma: no cover - interface
        raise NotImplementedError

    def params(self) -> tuple[str, ...]:
        return ()


# ----------------------------------------------------------------------------------------------- gates
@dataclass
class AllTrue(Step):
    """Every boolean fact of the rule must be true (each false one is a reason)."""

    names: tuple[str, ...]
    reasons: dict[str, str] = field(default_factory=dict)
    is_gate = True

    def apply(self, ctx: Context) -> None:
        false = [n for n in self.names if not ctx.facts.get(n)]
        for n in false:
            ctx.fail(self.reasons.get(n) or f"不符合条件：{ctx.labels[n]}")
        ctx.record("conditions: " + ", ".join(self.names), "否" if false else "是")


@dataclass
class Threshold(Step):
    """``fact <op> parameter``: 超过 (>) and 低于 (<) exclude the number; 达到/以上 (>=) and 不超过 (<=) include it."""

    fact: str
    op: str
    param: str
    reason: str = ""
    is_gate = True

    def apply(self, ctx: Context) -> None:
        value = Decimal(ctx.facts[self.fact])
        limit = ctx.dec(self.param)
        func, word = OPS[self.op]
        ok = func(value, limit)
        shown = fmt(limit) if isinstance(ctx.facts[self.fact], Decimal) else f"{limit.normalize():f}"
        ctx.record(f"threshold: {self.fact} {self.op} {shown}", "是" if ok else "否")
        if not ok:
            ctx.fail(self.reason.format(limit=shown) if self.reason else f"{ctx.labels[self.fact]}未{word}{shown}")

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class GrowthAtLeast(Step):
    """(this − prev) / prev ≥ parameter; prev must be positive."""

    prev: str
    this: str
    param: str
    is_gate = True

    def apply(self, ctx: Context) -> None:
        prev, this = Decimal(ctx.facts[self.prev]), Decimal(ctx.facts[self.this])
        minimum = ctx.dec(self.param)
        if prev <= 0:
            ctx.record("growth: previous year = 0", "否")
            ctx.fail("上年度报关单量为0，无法计算同比增长，不符合“比增达到50%以上”的条件")
            return
        growth = (this - prev) / prev
        ok = growth >= minimum
        ctx.record(f"growth ({self.this} − {self.prev}) / {self.prev} ≥ {pct(minimum)}",
                   f"{(growth * 100).quantize(Decimal('0.01'))}%")
        if not ok:
            ctx.fail(f"报关单量同比增长{(growth * 100).quantize(Decimal('0.01'))}%，未达到{pct(minimum)}")

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class OncePerYear(Step):
    """At most one award of the rule per enterprise per calendar year."""

    is_gate = True

    def apply(self, ctx: Context) -> None:
        count = sum(1 for h in ctx.history if h.date.year == ctx.on.year)
        ctx.record(f"once per year: awards in {ctx.on.year}", str(count))
        if count:
            ctx.fail(f"{ctx.on.year}年度已享受过本项奖补，每年限一次")


# ----------------------------------------------------------------------------------------------- amounts
@dataclass
class Base(Step):
    """The fact itself is the amount (full reward, or actual expenditure before a cap)."""

    fact: str
    label: str = "base"

    def apply(self, ctx: Context) -> None:
        ctx.amount = Decimal(ctx.facts[self.fact])
        ctx.record(f"{self.label}: {self.fact}", ctx.amount)


@dataclass
class Rate(Step):
    """rate × base; with ``add=True`` the product is added to the amount so far (several components)."""

    fact: str
    param: str
    add: bool = False

    def apply(self, ctx: Context) -> None:
        rate = ctx.dec(self.param)
        value = rate * Decimal(ctx.facts[self.fact])
        if self.add and ctx.amount is not None:
            ctx.amount = ctx.amount + value
            ctx.record(f"+ rate × base: {pct(rate)} × {self.fact}", ctx.amount)
        else:
            ctx.amount = value
            ctx.record("rate × base", value)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class Fixed(Step):
    param: str

    def apply(self, ctx: Context) -> None:
        ctx.amount = ctx.dec(self.param)
        ctx.record("fixed amount", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class PerUnit(Step):
    fact: str
    param: str

    def apply(self, ctx: Context) -> None:
        unit = ctx.dec(self.param)
        ctx.amount = unit * Decimal(ctx.facts[self.fact])
        ctx.record(f"per unit: {self.fact} × {fmt(unit)}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class PerUnitByChoice(Step):
    """units × rate, the rate chosen by a choice fact (e.g. minutes × national/provincial rate)."""

    fact: str
    choice: str
    param: str  # {choice: rate}

    def apply(self, ctx: Context) -> None:
        rate = Decimal(str(ctx.p(self.param)[ctx.facts[self.choice]]))
        ctx.amount = rate * Decimal(ctx.facts[self.fact])
        ctx.record(f"per unit: {self.fact} × {fmt(rate)} ({ctx.facts[self.choice]})", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class TierByKey(Step):
    """Fixed amount looked up by the fact's value; a value without a tier is ineligible."""

    fact: str
    param: str
    reason: str = ""

    def apply(self, ctx: Context) -> None:
        tiers = ctx.p(self.param)
        key = str(ctx.facts[self.fact])
        if key not in tiers:
            ctx.record(f"tier: {self.fact} = {key}", "无对应档次")
            ctx.fail(self.reason or f"{ctx.labels[self.fact]}“{key}”不在奖补档次内")
            return
        ctx.amount = Decimal(str(tiers[key]))
        ctx.record(f"tier: {self.fact} = {key}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class TierByThreshold(Step):
    """Highest tier whose threshold the value reaches (inclusive, 达到/以上)."""

    fact: str
    param: str  # [[threshold, amount], ...]
    reason: str = ""

    def apply(self, ctx: Context) -> None:
        value = Decimal(ctx.facts[self.fact])
        reached = [(Decimal(str(t)), Decimal(str(a))) for t, a in ctx.p(self.param) if value >= Decimal(str(t))]
        if not reached:
            lowest = min(Decimal(str(t)) for t, _ in ctx.p(self.param))
            ctx.record(f"tier: {self.fact} ≥ {fmt(lowest)}", "否")
            ctx.fail(self.reason or f"{ctx.labels[self.fact]}未达到{fmt(lowest)}")
            return
        threshold, amount = max(reached)
        ctx.amount = amount
        ctx.record(f"tier: {self.fact} ≥ {fmt(threshold)}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class FirstCrossing(Step):
    """Thresholds crossed for the first time: prior < threshold ≤ value; pays the highest such tier."""

    fact: str
    prior: str
    param: str

    def apply(self, ctx: Context) -> None:
        value, prior = Decimal(ctx.facts[self.fact]), Decimal(ctx.facts[self.prior])
        crossed = [(Decimal(str(t)), Decimal(str(a))) for t, a in ctx.p(self.param)
                   if prior < Decimal(str(t)) <= value]
        if not crossed:
            ctx.record(f"first crossing: {self.prior} < threshold ≤ {self.fact}", "无")
            ctx.fail("本年度营业收入未首次突破任一奖励档次（1000万元、5000万元、1亿元，含本数）")
            return
        threshold, amount = max(crossed)
        ctx.amount = amount
        ctx.record(f"first crossing: threshold {fmt(threshold)}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class HighestOf(Step):
    """就高不重复: the highest tier among the values of a list fact."""

    fact: str
    param: str

    def apply(self, ctx: Context) -> None:
        tiers = ctx.p(self.param)
        best = max(ctx.facts[self.fact], key=lambda v: Decimal(str(tiers[v])))
        ctx.amount = Decimal(str(tiers[best]))
        ctx.record(f"highest not repeated: {best}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class ExcessOverRate(Step):
    """max(0, paid − rate × base) (e.g. tax paid above the 15% burden)."""

    paid: str
    base: str
    param: str

    def apply(self, ctx: Context) -> None:
        rate = ctx.dec(self.param)
        burden = rate * Decimal(ctx.facts[self.base])
        ctx.record(f"rate × base: {pct(rate)} × {self.base}", burden)
        ctx.amount = max(ZERO, Decimal(ctx.facts[self.paid]) - burden)
        ctx.record(f"difference: {self.paid} − {pct(rate)} × {self.base}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


# ----------------------------------------------------------------------------------------------- caps & history
@dataclass
class Cap(Step):
    param: str

    def apply(self, ctx: Context) -> None:
        cap = ctx.dec(self.param)
        assert ctx.amount is not None
        ctx.amount = min(ctx.amount, cap)
        ctx.record(f"cap {fmt(cap)}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class CapByTier(Step):
    """Cap chosen by an integer fact: highest key ≤ value; below the lowest key the result is ineligible."""

    fact: str
    param: str  # {"2": cap, "3": cap, "4": cap} meaning ≥ key
    reason: str = ""

    def apply(self, ctx: Context) -> None:
        value = int(ctx.facts[self.fact])
        keys = sorted(int(k) for k in ctx.p(self.param))
        usable = [k for k in keys if k <= value]
        if not usable:
            ctx.record(f"tier cap: {self.fact} ≥ {keys[0]}", "否")
            ctx.fail(self.reason or f"{ctx.labels[self.fact]}低于{keys[0]}")
            return
        cap = Decimal(str(ctx.p(self.param)[str(usable[-1])]))
        assert ctx.amount is not None
        ctx.amount = min(ctx.amount, cap)
        ctx.record(f"tier cap: {self.fact} ≥ {usable[-1]} → {fmt(cap)}", ctx.amount)

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class YearCap(Step):
    """Per enterprise per calendar year: cap − awards of the rule dated in the year of ``on``."""

    param: str

    label = "年度上限"

    def usage(self, ctx: Context) -> tuple[Decimal, Decimal]:
        """(cap, already awarded in the year of ``on``): the per-enterprise limit this step applies."""
        return ctx.dec(self.param), ctx.same_year_history()

    def apply(self, ctx: Context) -> None:
        cap, used = self.usage(ctx)
        assert ctx.amount is not None
        ctx.amount = max(ZERO, min(ctx.amount, cap - used))
        ctx.record(f"annual cap {fmt(cap)} − {ctx.on.year} history {fmt(used)}", ctx.amount)
        if used > 0 and cap - used <= 0:  # a zero entitlement is the calculator's general "0元" reason
            ctx.fail(f"{ctx.on.year}年度本项奖补已享受{fmt(used)}元，已达上限{fmt(cap)}元")

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class CumulativeCap(Step):
    param: str

    label = "累计上限"

    def usage(self, ctx: Context) -> tuple[Decimal, Decimal]:
        """(cap, already awarded under the rule in all years): the per-enterprise limit this step applies."""
        return ctx.dec(self.param), ctx.all_history()

    def apply(self, ctx: Context) -> None:
        cap, used = self.usage(ctx)
        assert ctx.amount is not None
        ctx.amount = max(ZERO, min(ctx.amount, cap - used))
        ctx.record(f"cumulative cap {fmt(cap)} − history {fmt(used)}", ctx.amount)
        if used > 0 and cap - used <= 0:
            ctx.fail(f"本项奖补累计已享受{fmt(used)}元，已达上限{fmt(cap)}元")

    def params(self) -> tuple[str, ...]:
        return (self.param,)


@dataclass
class Difference(Step):
    """差额: entitlement now − everything already paid under the rule (same key); never below zero."""

    def apply(self, ctx: Context) -> None:
        used = ctx.all_history()
        assert ctx.amount is not None
        entitled = ctx.amount
        ctx.amount = max(ZERO, entitled - used)
        ctx.record(f"difference: − history {fmt(used)}", ctx.amount)
        if used > 0 and ctx.amount == 0:  # nothing enjoyed yet and nothing due is the general "0元" reason
            ctx.fail(f"已享受本项奖补{fmt(used)}元，不低于本次应享受的{show(entitled)}元，按差额规则无可补差额")
