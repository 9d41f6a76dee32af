"""Counts that stay cheap on big tables (ADR 0016): every admin changelist and API list counts at most
``COUNT_CAP + 1`` rows (``SELECT COUNT(*) FROM (SELECT … LIMIT 10001)``); up to the cap the count is exact, beyond it
the number shown is PostgreSQL's planner estimate for the same query (never less than the cap + 1; SQLite: “超过
10,000 条”), marked as an estimate (“约 N 条（估计数）”). One count per page, whatever uses it (page links, the access
log, the API envelope).

A deep page by number (``?page=N``, ``?p=N``) is read as a deferred join: the page's primary keys first
(``SELECT id … ORDER BY … OFFSET n LIMIT size``, which PostgreSQL answers from the ordering index alone, without
fetching the rows it skips), then the page's rows by those keys — OFFSET still walks the index, but not the table.
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

COUNT_CAP = 10_000
DEFERRED_JOIN_FROM = 1_000  # rows skipped before a page is read by its keys first


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
    """``(count, is_exact)`` of ``qs``, never a COUNT over millions: at most ``cap + 1`` rows are counted — exact up to
    ``cap``; beyond it the planner's estimate (at least ``cap + 1``; one EXPLAIN on PostgreSQL). The estimate is not
    asked first: a scoped list's estimate can be ten times off, its exact count is what staff should see when it is
    small. Lists (not querysets) are exact."""
    if not isinstance(qs, QuerySet):
        return len(qs), True
    if qs.query.is_sliced:
        return qs.count(), True
    capped = qs.order_by()[: cap + 1].count()
    if capped <= cap:
        return capped, True
    return max(planner_estimate(qs) or 0, cap + 1), False


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
        rows = self.object_list[bottom:top]
        if bottom >= DEFERRED_JOIN_FROM and isinstance(self.object_list, QuerySet) and self.object_list.ordered:
            keys = list(self.object_list.values_list("pk", flat=True)[bottom:top])
            rows = self.object_list.filter(pk__in=keys)  # same ordering, select_related and prefetches
        return self._get_page(rows, number, self)  # type: ignore[attr-defined]
