"""Counts that stay cheap on big tables (ADR 0016). Every admin changelist and API list asks PostgreSQL's planner
first (``EXPLAIN``, nothing executed): when it expects more than ``EXACT_BELOW`` rows the page shows its estimate,
marked as one (“约 N 条（估计数）”); otherwise the rows are counted, at most ``COUNT_CAP + 1`` of them
(``SELECT COUNT(*) FROM (SELECT … LIMIT 10001)``), exact up to the cap. SQLite has no estimate: the capped count
only. One count per page, whatever uses it (page links, the access log, the API envelope).
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 10_000
EXACT_BELOW = 1_000  # planner estimates up to this many rows are counted exactly


def planner_estimate(qs: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows ``qs`` returns (``EXPLAIN``, no execution); None on other databases or when
    the query cannot be explained."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    try:
        sql, params = qs.order_by().query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
    except Exception:  # noqa: BLE001 — an estimate is a nicety: without one the capped count stands
        return None
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return int(plan[0]["Plan"]["Plan Rows"])


def cheap_count(qs: Any, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """``(count, is_exact)`` of ``qs``, never a COUNT over millions: the planner's estimate when it expects more than
    ``EXACT_BELOW`` rows (one EXPLAIN on PostgreSQL), else a count capped at ``cap + 1`` rows — exact up to ``cap``,
    beyond it the estimate (at least ``cap + 1``). Lists (not querysets) are exact."""
    if not isinstance(qs, QuerySet):
        return len(qs), True
    if qs.query.is_sliced:
        return qs.count(), True
    estimate = planner_estimate(qs)
    if estimate is not None and estimate > EXACT_BELOW:
        return estimate, False
    capped = qs.order_by()[: cap + 1].count()
    if capped <= cap:
        return capped, True
    return max(estimate or 0, cap + 1), False


def count_label(count: int, is_exact: bool, cap: int = COUNT_CAP) -> str:
    """The count as staff read it: “共 1,234 条”, an estimate “约 123,000 条（估计数）”, or “超过 10,000 条”."""
    if is_exact:
        return f"共 {count:,} 条"
    if count == cap + 1:
        return f"超过 {cap:,} 条"
    return f"约 {count:,} 条（估计数）"


class CheapCountPaginator(Paginator):
    """Django's paginator with ``count`` from ``cheap_count`` (computed once); ``is_count_exact`` and
    ``count_label`` tell how to show it. A page past the real end (the estimate was high) is empty, not an error."""

    @cached_property
    def _counted(self) -> tuple[int, bool]:
        return cheap_count(self.object_list)

    @cached_property
    def count(self) -> int:
        return self._counted[0]

    @property
    def is_count_exact(self) -> bool:
        return self._counted[1]

    @property
    def count_label(self) -> str:
        return count_label(*self._counted)

    def page(self, number: Any) -> Any:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if self.is_count_exact and top + self.orphans >= self.count:
            top = self.count
        return self._get_page(self.object_list[bottom:top], number, self)  # type: ignore[attr-defined]
