"""API list pages (ADR 0016): the envelope ``{"count", "next", "previous", "results"}`` and ``?page=N`` as before, but
``next`` (and ``previous`` from a page reached by a cursor) carry an opaque ``cursor``: the ordering key of the last
(first) row shown, so following the links reads the next rows through the ordering's index (keyset) and never uses
OFFSET, however deep. ``count`` is the kernel's cheap count (exact up to 10,000 rows, else PostgreSQL's estimate).

A list whose ordering cannot be a key (a nullable column, a related field, an expression) keeps page-number links.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Page
from django.db.models import Field, Q, QuerySet
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from portal.pagination import CheapCountPaginator

INVALID_CURSOR = "分页游标无效，请从列表第一页重新开始。"


class KeysetPage(Page):
    """A page read after (or before) a cursor: whether rows follow or precede it is known from the one extra row
    read, not from the count."""

    def __init__(self, object_list: Any, number: int, paginator: Any, *, more_after: bool, more_before: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more_after, self.more_before = more_after, more_before

    def has_next(self) -> bool:
        return self.more_after

    def has_previous(self) -> bool:
        return self.more_before


def _ordering(qs: QuerySet[Any]) -> list[Any]:
    query = qs.query
    if query.order_by:
        return list(query.order_by)
    return list(qs.model._meta.ordering) if query.default_ordering else []


def keyset_fields(qs: QuerySet[Any]) -> list[tuple[Field[Any, Any], bool]] | None:
    """The ordering of ``qs`` as ``(field, descending)`` with the primary key last, or None when it cannot be a
    keyset (an expression, a related or nullable field)."""
    model, out, seen = qs.model, [], set()
    for item in _ordering(qs):
        if not isinstance(item, str) or item == "?" or "__" in item:
            return None
        descending, name = item.startswith("-"), item.lstrip("-")
        try:
            field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        except FieldDoesNotExist:
            return None
        # a foreign key orders by the related model's ordering unless named by its column (``unit_id``)
        if not getattr(field, "concrete", False) or field.null or field.is_relation and name != field.attname:
            return None
        if field.attname in seen:
            continue
        seen.add(field.attname)
        out.append((field, descending))
        if field.primary_key:
            return out
    pk = model._meta.pk
    return [*out, (pk, out[-1][1] if out else False)]


def _encode(values: list[Any], number: int, before: bool) -> str:
    raw = json.dumps({"k": values, "n": number, "b": before}, default=str, ensure_ascii=False, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, fields: list[tuple[Field[Any, Any], bool]]) -> tuple[list[Any], int, bool]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        values, number, before = data["k"], int(data["n"]), bool(data["b"])
        if not isinstance(values, list) or len(values) != len(fields) or number < 1:
            raise ValueError
        return [field.to_python(v) for (field, _), v in zip(fields, values, strict=True)], number, before
    except (ValueError, TypeError, KeyError, binascii.Error, ValidationError, UnicodeDecodeError) as exc:
        raise NotFound(INVALID_CURSOR) from exc


def after(fields: list[tuple[Field[Any, Any], bool]], values: list[Any], reverse: bool = False) -> Q:
    """Rows strictly after ``values`` in the ordering (before them with ``reverse``): the lexicographic OR of the
    keys, with the first key's bound repeated on its own so the planner starts the index scan there."""
    def beyond(descending: bool) -> str:
        return "lt" if descending != reverse else "gt"
    condition = Q()
    for i, (field, descending) in enumerate(fields):
        term = Q(**{f"{f.attname}": v for (f, _), v in zip(fields[:i], values[:i], strict=True)})
        term &= Q(**{f"{field.attname}__{beyond(descending)}": values[i]})
        condition |= term
    first, descending = fields[0]
    return Q(**{f"{first.attname}__{beyond(descending)}e": values[0]}) & condition


class PortalPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
    cursor_query_param = "cursor"
    django_paginator_class = CheapCountPaginator
    invalid_page_message = "页码无效。"

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        self.request = request
        self.keys = keyset_fields(queryset) if isinstance(queryset, QuerySet) else None
        cursor = request.query_params.get(self.cursor_query_param)
        if self.keys is not None:  # ties broken by the primary key, as the cursors read them
            queryset = queryset.order_by(*[f"{'-' if desc else ''}{field.attname}" for field, desc in self.keys])
        if not cursor or self.keys is None:
            return super().paginate_queryset(queryset, request, view)
        page_size = self.get_page_size(request)
        values, number, before = _decode(cursor, self.keys)
        ordering = [f"{'-' if desc != before else ''}{field.attname}" for field, desc in self.keys]
        rows = list(queryset.filter(after(self.keys, values, reverse=before)).order_by(*ordering)[: page_size + 1])
        more = len(rows) > page_size
        rows = rows[:page_size]
        if before:
            rows.reverse()
        paginator = self.django_paginator_class(queryset, page_size)
        self.page = KeysetPage(rows, number, paginator, more_after=True if before else more,
                               more_before=more if before else True)
        self.display_page_controls = False
        return rows

    def _cursor_link(self, row: Any, number: int, before: bool) -> str:
        assert self.keys is not None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        values = [getattr(row, field.attname) for field, _ in self.keys]
        return replace_query_param(url, self.cursor_query_param, _encode(values, number, before))

    def get_next_link(self) -> str | None:
        if not len(self.page) and not getattr(self.page.paginator, "is_count_exact", True):
            return None  # past the real end of a list whose count was estimated
        if self.keys is None or not len(self.page):
            return super().get_next_link()
        if not self.page.has_next():
            return None
        return self._cursor_link(self.page[-1], self.page.number + 1, before=False)

    def get_previous_link(self) -> str | None:
        if not isinstance(self.page, KeysetPage):
            link = super().get_previous_link()
            return remove_query_param(link, self.cursor_query_param) if link else link
        if not self.page.has_previous() or not len(self.page):
            return None
        if self.page.number <= 2:  # the page before is the list's first page: its plain address
            url = self.request.build_absolute_uri()
            return remove_query_param(remove_query_param(url, self.cursor_query_param), self.page_query_param)
        return self._cursor_link(self.page[0], self.page.number - 1, before=True)

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query",
            "description": "分页游标：由上一页的 next/previous 链接给出，请勿自行构造（深翻页不使用 OFFSET）。",
            "schema": {"type": "string"},
        }]
