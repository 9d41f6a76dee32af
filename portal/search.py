"""Text search of the admin lists and the API (``search_fields``), shaped so that PostgreSQL's trigram indexes serve it
(ADR 0016).

Each term must match one of the fields (Django's and DRF's meaning). The fields of the list's own table stay the
``OR`` Django writes, ``UPPER(col::text) LIKE UPPER('%term%')``, which the GIN ``gin_trgm_ops`` index on that very
expression serves (the PostgreSQL-only migrations create them; several columns combine in a ``BitmapOr``), and which
the planner may instead answer by reading the list in index order when the term is common. A field reached through
a foreign key (``applicant_unit__name``) becomes, on PostgreSQL, ``applicant_unit_id IN (ids)``: the small related
table is searched first (one query) and its ids listed, so the planner knows how many rows they select — the foreign
key's index joins the same ``BitmapOr`` for a few, the list is read in order for most (beyond 10,000 related rows:
``= ANY(ARRAY(subquery))``). Django's join would force a scan of the list. Other paths (many-to-many, reverse)
are ``pk IN (SELECT …)``, without duplicate rows.

Trigrams need three characters: a shorter term (two Chinese characters are a common query) can use no index; the
page reads the list in order and stops at its last match, the count (``portal.pagination``) at its cap — cheap for a
common term, a scan of the list for a rare one (ADR 0016).
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import BooleanField, Expression, F, ForeignKey, Model, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

PREFIXES = {"^": "istartswith", "=": "iexact"}
MAX_LISTED_IDS = 10_000  # related rows found first and listed in the query (beyond: ``= ANY(ARRAY(subquery))``)


def lookup_of(model: type[Model], name: str) -> str | None:
    """``name`` of ``search_fields`` as an ORM lookup (``^`` prefix, ``=`` exact, else contains), or None for what this
    module leaves to the framework (``@`` full text, ``$`` regex, paths that are no fields)."""
    lookup = "icontains"
    if name[:1] in PREFIXES:
        lookup, name = PREFIXES[name[0]], name[1:]
    elif not name[:1].isalpha():
        return None
    opts = model._meta
    for part in name.split("__"):
        try:
            field = opts.pk if part == "pk" else opts.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            if field.related_model is None:
                return None
            opts = field.related_model._meta  # type: ignore[union-attr]
        elif part != name.split("__")[-1]:
            return None
    if field.is_relation:
        return None
    return f"{name}__{lookup}"


def search_terms(search_term: str) -> list[str]:
    """The words of a search box as Django's admin splits them (quoted phrases kept together)."""
    terms = []
    for bit in smart_split(search_term):
        if bit[:1] in "\"'" and bit[-1:] == bit[:1]:
            bit = unescape_string_literal(bit)
        if bit:
            terms.append(bit)
    return terms


class AnyOf(Expression):
    """``column = ANY(…)`` (PostgreSQL) over a list of ids (one array parameter, however long: the planner sees its
    length) or a subquery (``ARRAY(subquery)``): an index condition the planner can put in a ``BitmapOr``."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, column: Any, values: QuerySet[Any] | list[Any]) -> None:
        super().__init__()
        self.column = column
        self.values = list(values) if isinstance(values, list) else None
        self.array = ArraySubquery(values) if not isinstance(values, list) else None

    def get_source_expressions(self) -> list[Any]:
        return [self.column, self.array]

    def set_source_expressions(self, exprs: Any) -> None:
        self.column, self.array = exprs

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, Any]:
        column, column_params = compiler.compile(self.column)
        if self.array is None:
            return f"{column} = ANY(%s)", (*column_params, self.values)
        array, array_params = compiler.compile(self.array)
        return f"{column} = ANY({array})", (*column_params, *array_params)


def lookup_condition(model: type[Model], lookup: str, term: str, *, postgresql: bool) -> Q:
    """One field's match (see the module's docstring for the three shapes)."""
    first, _, rest = lookup.partition("__")
    field = model._meta.get_field(first) if rest.count("__") else None
    if field is None or not field.is_relation:
        return Q(**{lookup: term})
    if isinstance(field, ForeignKey):
        column = field.attname
        related = field.related_model._base_manager.filter(**{rest: term}).order_by().values("pk")  # type: ignore[union-attr]
        if not postgresql:
            return Q(**{f"{column}__in": related})
        ids = list(related.values_list("pk", flat=True)[: MAX_LISTED_IDS + 1])
        if len(ids) <= MAX_LISTED_IDS:  # the planner sees how many: a few → the index, most → the list's order
            return Q(AnyOf(F(column), ids)) if ids else Q(pk__in=[])
        return Q(AnyOf(F(column), related))
    return Q(pk__in=model._base_manager.filter(**{lookup: term}).order_by().values("pk"))


def term_condition(model: type[Model], lookups: list[str], term: str, *, postgresql: bool = False) -> Q:
    """Rows where one of ``lookups`` matches ``term``."""
    return reduce(or_, (lookup_condition(model, lookup, term, postgresql=postgresql) for lookup in lookups))


def search(queryset: QuerySet[Any], search_fields: Any, search_term: str) -> QuerySet[Any] | None:
    """``queryset`` narrowed to ``search_term`` over ``search_fields``; None when a field is one this module does not
    handle (the caller then uses the framework's own search)."""
    lookups = [lookup_of(queryset.model, name) for name in search_fields or ()]
    if not lookups or any(lookup is None for lookup in lookups):
        return None
    postgresql = connections[queryset.db].vendor == "postgresql"
    for term in search_terms(search_term):
        queryset = queryset.filter(term_condition(queryset.model, lookups, term, postgresql=postgresql))  # type: ignore[arg-type]
    return queryset
