"""Text search of the admin lists and the API (``search_fields``), shaped so that PostgreSQL's trigram indexes serve it
(ADR 0016).

Each term must match one of the fields (Django's and DRF's meaning). A term of three characters or more becomes
``pk IN (SELECT pk … WHERE UPPER(f1::text) LIKE UPPER('%term%') UNION SELECT pk … WHERE UPPER(f2::text) LIKE …)``:
one branch per field, each served by the GIN ``gin_trgm_ops`` index on that very expression (the PostgreSQL-only
migrations create them), a related field's branch through the small related table and the foreign key's index.
The plain ``OR`` Django writes cannot use them: a column of a joined table in the ``OR`` forces a scan of the list.

Trigrams need three characters: a shorter term (two Chinese characters are a common query) is the plain ``OR`` on
the list's own query, which reads the rows in list order and stops at the page's last match, and whose count stops
at the kernel's cap (``portal.pagination``) — bounded, not indexed.
"""

from __future__ import annotations

from functools import reduce
from operator import or_
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model, Q, QuerySet
from django.utils.text import smart_split, unescape_string_literal

TRIGRAM = 3  # pg_trgm extracts no trigram from a shorter ``%term%``
PREFIXES = {"^": "istartswith", "=": "iexact"}


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


def term_condition(model: type[Model], lookups: list[str], term: str) -> Q:
    """Rows where one of ``lookups`` matches ``term``: an indexed UNION for three characters and more, else the OR."""
    if len(term) < TRIGRAM or len(lookups) == 1 and "__" not in lookups[0].rsplit("__", 1)[0]:
        return reduce(or_, (Q(**{lookup: term}) for lookup in lookups))
    manager = model._base_manager
    branches = [manager.filter(**{lookup: term}).order_by().values("pk") for lookup in lookups]
    return Q(pk__in=branches[0].union(*branches[1:]) if len(branches) > 1 else branches[0])


def search(queryset: QuerySet[Any], search_fields: Any, search_term: str) -> QuerySet[Any] | None:
    """``queryset`` narrowed to ``search_term`` over ``search_fields``; None when a field is one this module does not
    handle (the caller then uses the framework's own search)."""
    lookups = [lookup_of(queryset.model, name) for name in search_fields or ()]
    if not lookups or any(lookup is None for lookup in lookups):
        return None
    for term in search_terms(search_term):
        queryset = queryset.filter(term_condition(queryset.model, lookups, term))  # type: ignore[arg-type]
    return queryset
