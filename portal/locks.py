"""Row locks, taken one way everywhere: ``SELECT … FOR UPDATE OF <table>`` in primary-key order.

Locking only the named table (``of=("self",)``) keeps joined rows (units, counties) unlocked and lets PostgreSQL lock a
row whose ``select_related`` join is a nullable outer join; taking several rows in pk order means two transactions
locking overlapping sets cannot deadlock. SQLite ignores row locks: its writers are serialised by the database lock
(IMMEDIATE transactions, see ``portal/settings/env.py``). Services call these helpers, never ``select_for_update``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], pk: Any, *, related: Iterable[str] = ()) -> M:
    """The row ``pk`` of ``model`` (with ``related`` joined, not locked), locked until the end of the transaction."""
    return model._default_manager.select_for_update(of=("self",)).select_related(*related).get(pk=pk)


def relock(obj: M, *, related: Iterable[str] = ()) -> M:
    """A fresh, locked copy of ``obj`` (the caller's copy may be stale)."""
    return lock(type(obj), obj.pk, related=related)


def lock_rows(queryset: models.QuerySet[M]) -> list[M]:
    """The rows of ``queryset`` (filters and ``select_related`` kept), locked in primary-key order."""
    return list(queryset.select_for_update(of=("self",)).order_by("pk"))


def lock_all(model: type[M], pks: Iterable[Any]) -> list[M]:
    """The rows ``pks`` of ``model``, locked in primary-key order."""
    return lock_rows(model._default_manager.filter(pk__in=list(pks)))


def lock_first(queryset: models.QuerySet[M]) -> M | None:
    """The first row of ``queryset`` in its own order (pk when unordered), locked; ``None`` when there is none."""
    return queryset.select_for_update(of=("self",)).first()
