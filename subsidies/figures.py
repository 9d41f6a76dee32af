"""Figures of 惠企政策奖补 for the 工作台: budget use per pool and per county, within the user's scope.

Each function returns plain data (no markup) read with aggregate queries: a fixed number of queries whatever the
number of pools. Rows are the pools ``BudgetPoolPolicy.scope`` lets the user see, so a figure never adds up money
the user's own lists do not show.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from subsidies.models import BudgetPool, PoolLevel
from subsidies.permissions import BudgetPoolPolicy

ZERO = Decimal("0.00")
CITY_LEVEL = "市级"


@dataclass(frozen=True)
class BudgetUse:
    """One bar: what a pool (or a county's pools) holds and how much of it is spoken for."""

    label: str
    amount: Decimal  # 预算总额
    reserved: Decimal  # 已核定未拨付
    committed: Decimal  # 已拨付

    @property
    def available(self) -> Decimal:
        return self.amount - self.reserved - self.committed

    @property
    def use_rate(self) -> Decimal:
        """(已核定未拨付 + 已拨付) / 预算总额 in per cent, one decimal."""
        if not self.amount:
            return Decimal("0.0")
        return ((self.reserved + self.committed) * 100 / self.amount).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class BudgetFigure:
    year: int | None
    rows: list[BudgetUse]
    total: int  # how many rows there are before ``limit``


def _county(row: dict[str, Any]) -> str:
    """A county as the figures name it: its short name, else its name without 人民政府 (晋江市人民政府 → 晋江市)."""
    return row["county__short_name"] or row["county__name"].removesuffix("人民政府")


def _pools(user: Any) -> Any:
    return BudgetPoolPolicy().scope(user, BudgetPool.objects.filter(retired_at__isnull=True))


def budget_year(user: Any) -> int | None:
    """The year to show: the current year, or the latest year before it that has pools in the user's scope."""
    this_year = timezone.localdate().year
    latest = _pools(user).filter(call__year__lte=this_year).aggregate(year=Max("call__year"))["year"]
    return latest


def budget_use_by_pool(user: Any, *, year: int | None = None, limit: int = 12) -> BudgetFigure:
    """Pools of ``year`` (default ``budget_year``) in the user's scope, the most used first (share of the budget
    reserved or paid; then the largest budget), labelled "县（市、区）或市级｜申报批次": 预算总额, 已核定未拨付, 已拨付
    (two queries: the year, the pools)."""
    year = year if year is not None else budget_year(user)
    if year is None:
        return BudgetFigure(None, [], 0)
    rows = (_pools(user).filter(call__year=year)
            .values("call__name", "level", "county__name", "county__short_name", "amount", "reserved", "committed")
            .order_by("-amount", "call__code", "level", "county__code"))
    out = [BudgetUse(f"{_county(r) if r['level'] == PoolLevel.COUNTY else CITY_LEVEL}｜{r['call__name']}",
                     r["amount"], r["reserved"], r["committed"]) for r in rows]
    out.sort(key=lambda u: -u.use_rate)  # stable: equal rates keep the larger budget first
    return BudgetFigure(year, out[:limit], len(out))


def budget_use_by_county(user: Any, *, year: int | None = None) -> BudgetFigure:
    """The pools of ``year`` in the user's scope summed per county (city-level pools as 市级), in one query."""
    year = year if year is not None else budget_year(user)
    if year is None:
        return BudgetFigure(None, [], 0)
    sums = {k: Coalesce(Sum(k), ZERO) for k in ("amount", "reserved", "committed")}
    rows = list(_pools(user).filter(call__year=year).values("level", "county__name", "county__short_name",
                                                            "county__code")
                .annotate(**sums).order_by("level", "county__code"))
    merged: dict[str, list[Decimal]] = {}
    for r in rows:  # city first (level "city" < "county"), then counties in code order
        key = _county(r) if r["level"] == PoolLevel.COUNTY else CITY_LEVEL
        acc = merged.setdefault(key, [ZERO, ZERO, ZERO])
        for i, k in enumerate(("amount", "reserved", "committed")):
            acc[i] += r[k]
    out = [BudgetUse(k, *v) for k, v in merged.items()]
    return BudgetFigure(year, out, len(out))
