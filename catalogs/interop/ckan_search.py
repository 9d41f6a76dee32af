"""``package_search`` of the CKAN view: the Solr syntax subset real CKAN clients and harvesters send (``q``, ``fq``,
``facet.field``, ``facet.limit``, ``sort``, ``rows``/``start``), evaluated over the open catalog.

The open catalog is small (hundreds of entries), so the search runs in a fixed number of queries whatever it matches:
the free-text terms narrow the open entries in SQL; one query reads the facts every field filter, facet and sort
needs (``Fact``); the field clauses, facets and sort run over those facts; the page's entries are then loaded with
their items and interfaces. Supported ``fq``/``q`` clauses (docs/api.md):

* ``field:value``, ``field:"quoted value"``, ``field:(a OR b)``, ``field:*``; ``+clause`` (required), ``-clause`` or
  ``NOT clause`` (excluded); clauses side by side or joined by ``AND``/``&&`` must all hold; ``*:*`` matches all;
* fields: ``organization`` (the unit's CKAN name or code), ``owner_org``, ``tags``, ``res_format``, ``license_id``,
  ``name``, ``id``, ``title`` (contains), ``dataset_type``/``type`` (``dataset``), ``state`` (``active``),
  ``capacity`` (``public``); a bare word searches the text like ``q``;
* anything else (an unknown field, ``OR`` between clauses, unbalanced quotes or brackets) is refused the way CKAN
  refuses a bad Solr query: HTTP 409, ``{"success": false, "error": {"__type": "Search Query Error", ...}}``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from catalogs.models import CatalogEntry, ServiceInterface

FACET_FIELDS = ("organization", "tags", "res_format", "license_id")
DEFAULT_FACET_LIMIT = 50
SORT_FIELDS = {"name": "name", "id": "name", "title": "title", "title_string": "title",
               "metadata_modified": "modified", "metadata_created": "created", "score": None}
DEFAULT_SORT = "name asc"


class SearchQueryError(ValueError):
    """A query CKAN's Solr would refuse (409, ``Search Query Error``)."""


def split_tags(keywords: str) -> list[str]:
    """The CKAN tags of an entry: its keywords split on Chinese or Latin commas and 、."""
    return [w.strip() for w in keywords.replace("、", ",").replace("，", ",").split(",") if w.strip()]


@dataclass(frozen=True)
class Fact:
    """What the field clauses, facets and sort read of one open entry."""

    pk: int
    code: str
    title: str
    created: Any
    modified: Any
    org_code: str
    org_title: str
    tags: tuple[str, ...]
    formats: frozenset[str]
    license_id: str = ""

    @property
    def name(self) -> str:
        return self.code.lower()

    @property
    def org_name(self) -> str:
        return self.org_code.lower()


def facts(qs: QuerySet[CatalogEntry]) -> list[Fact]:
    """The facts of every entry of ``qs`` in one query (the metadata resource is JSON; API when it has interfaces)."""
    has_api = Exists(ServiceInterface.objects.filter(entry=OuterRef("pk"), retired_at__isnull=True))
    rows = qs.order_by().annotate(has_api=has_api).values_list(
        "pk", "code", "title", "created_at", "updated_at", "source_unit__code", "source_unit__name", "keywords",
        "has_api")
    return [Fact(pk, code, title, created, modified, org_code, org_title, tuple(split_tags(keywords)),
                 frozenset({"JSON", "API"} if api else {"JSON"}))
            for pk, code, title, created, modified, org_code, org_title, keywords, api in rows]


# ------------------------------------------------------------------------------------------------ the query syntax
@dataclass(frozen=True)
class Clause:
    field: str  # "" for a free-text word
    values: tuple[str, ...]  # any of them matches; ("*",) any non-empty value
    negated: bool = False


TOKEN = re.compile(r'\s*(?:(?P<sign>[+-])?(?:(?P<field>[A-Za-z_][\w.]*|\*):)?'
                   r'(?P<value>"(?:[^"\\]|\\.)*"|\((?:[^()"]|"(?:[^"\\]|\\.)*")*\)|[^\s()"]+))')
OR_LIST = re.compile(r'"((?:[^"\\]|\\.)*)"|(\S+)')


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value[1:-1]) if value.startswith('"') else value


def _values(raw: str) -> tuple[str, ...]:
    if not raw.startswith("("):
        return (_unquote(raw),)
    parts = [quoted if quoted or plain is None else plain for quoted, plain in OR_LIST.findall(raw[1:-1])]
    values = [p for i, p in enumerate(parts) if i % 2 == 0]
    joins = [p.upper() for i, p in enumerate(parts) if i % 2 == 1]
    if not values or any(j not in ("OR", "||") for j in joins) or len(joins) != len(values) - 1:
        raise SearchQueryError(f"不支持的查询条件：{raw}（括号内只支持用 OR 连接的取值）。")
    return tuple(re.sub(r"\\(.)", r"\1", v) for v in values)


def parse(text: str, *, lenient: bool = False) -> list[Clause]:
    """The clauses of an ``fq`` string (all must hold); ``SearchQueryError`` for what is not supported."""
    clauses: list[Clause] = []
    pos, negate_next = 0, False
    text = text.strip()
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise SearchQueryError(f"无法解析的查询条件：{text[pos:pos + 40]}（请检查引号和括号是否成对）。")
        pos = match.end()
        sign, field, raw = match.group("sign"), match.group("field"), match.group("value")
        if not field and not sign and raw.upper() in ("AND", "&&"):
            continue
        if not field and not sign and raw.upper() in ("OR", "||"):
            raise SearchQueryError("不支持在条件之间使用 OR（请分别查询，或在同一字段的括号内使用 OR）。")
        if not field and not sign and raw.upper() == "NOT":
            negate_next = True
            continue
        negated = sign == "-" or negate_next
        negate_next = False
        if field == "*":
            if raw != "*":
                raise SearchQueryError(f"不支持的查询条件：*:{raw}。")
            clauses.append(Clause("*", ("*",), negated))
            continue
        field = (field or "").lower()
        if field and field not in MATCHERS and lenient:
            field = ""
        if field and field not in MATCHERS:
            raise SearchQueryError(f"undefined field {field}：不支持按字段 {field} 筛选（支持："
                                   f"{'、'.join(sorted(MATCHERS))}）。")
        clauses.append(Clause(field, _values(raw), negated))
    if negate_next:
        raise SearchQueryError("NOT 之后缺少查询条件。")
    return clauses


def parse_q(text: str) -> list[Clause]:
    """``q`` as CKAN's search box sends it: the same syntax, but leniently — a field this catalog does not know
    searches its value as text, and text that does not parse is searched word by word (as before fq existed)."""
    try:
        clauses = parse(text, lenient=True)
    except SearchQueryError:
        return [Clause("", (word,)) for word in text.split()]
    return clauses


def _in(values: tuple[str, ...], *candidates: str, fold: bool = True) -> bool:
    norm: Callable[[str], str] = str.lower if fold else str
    wanted = {norm(v) for v in values}
    return "*" in values and any(candidates) or bool(wanted & {norm(c) for c in candidates if c})


MATCHERS: dict[str, Callable[[Fact, tuple[str, ...]], bool]] = {
    "organization": lambda f, v: _in(v, f.org_name, f.org_code),
    "owner_org": lambda f, v: _in(v, f.org_code, f.org_name),
    "tags": lambda f, v: _in(v, *f.tags, fold=False),
    "res_format": lambda f, v: _in(v, *f.formats),
    "license_id": lambda f, v: _in(v, f.license_id, fold=False),
    "name": lambda f, v: _in(v, f.name),
    "id": lambda f, v: _in(v, f.code, f.name),
    "title": lambda f, v: "*" in v or any(x.lower() in f.title.lower() for x in v),
    "dataset_type": lambda f, v: _in(v, "dataset"),
    "type": lambda f, v: _in(v, "dataset"),
    "state": lambda f, v: _in(v, "active"),
    "capacity": lambda f, v: _in(v, "public"),
}


def text_q(word: str) -> Q:
    """A free-text word: title, description, keywords, code, the unit's name or a data item's name."""
    return (Q(title__icontains=word) | Q(description__icontains=word) | Q(keywords__icontains=word)
            | Q(code__icontains=word) | Q(source_unit__name__icontains=word)
            | Q(items__name__icontains=word, items__retired_at__isnull=True))


def narrow_by_text(qs: QuerySet[CatalogEntry], clauses: list[Clause]) -> QuerySet[CatalogEntry]:
    """Apply the free-text words in SQL (a negated word excludes); the field clauses are left to ``matches``."""
    for clause in clauses:
        if clause.field:
            continue
        words = [w for w in clause.values if w not in ("*", "")]
        if not words:
            continue
        q = Q(pk__in=[])
        for word in words:
            q |= text_q(word)
        matching = CatalogEntry.objects.filter(q).values("pk")
        qs = qs.exclude(pk__in=matching) if clause.negated else qs.filter(pk__in=matching)
    return qs


def matches(fact: Fact, clauses: list[Clause]) -> bool:
    for clause in clauses:
        if not clause.field or clause.field == "*":
            if clause.field == "*" and clause.negated:
                return False
            continue
        if MATCHERS[clause.field](fact, clause.values) == clause.negated:
            return False
    return True


# ------------------------------------------------------------------------------------------------ facets and sort
def facet_fields(raw: Any) -> list[str]:
    """``facet.field``: a JSON list (GET: its text; ckanapi: the list itself); unknown fields are refused."""
    if raw in (None, "", []):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise SearchQueryError('参数 facet.field 必须是 JSON 列表，例如 ["organization", "tags"]。') from None
    if not isinstance(raw, list) or not all(isinstance(f, str) for f in raw):
        raise SearchQueryError('参数 facet.field 必须是字段名的 JSON 列表，例如 ["organization", "tags"]。')
    unknown = [f for f in raw if f not in FACET_FIELDS]
    if unknown:
        raise SearchQueryError(f"undefined field {unknown[0]}：不支持按 {unknown[0]} 分面（支持："
                               f"{'、'.join(FACET_FIELDS)}）。")
    return list(dict.fromkeys(raw))


def facet_limit(raw: Any) -> int | None:
    """``facet.limit``: how many values per facet (default 50); a negative number means all."""
    if raw in (None, ""):
        return DEFAULT_FACET_LIMIT
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        raise SearchQueryError("参数 facet.limit 必须是整数（-1 表示不限）。") from None
    return None if value < 0 else value


def _facet_values(fact: Fact, field: str) -> list[tuple[str, str]]:
    """(name, display name) of ``fact`` for one facet field."""
    if field == "organization":
        return [(fact.org_name, fact.org_title)]
    if field == "tags":
        return [(t, t) for t in dict.fromkeys(fact.tags)]
    if field == "res_format":
        return [(f, f) for f in sorted(fact.formats)]
    return [(fact.license_id, fact.license_id)] if fact.license_id else []


def facets(found: list[Fact], fields: list[str], limit: int | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """CKAN 2.9+ ``facets`` ({field: {name: count}}) and ``search_facets`` ({field: {title, items}}), items by
    count then name, at most ``limit`` per field."""
    plain: dict[str, Any] = {}
    rich: dict[str, Any] = {}
    for field in fields:
        counts: Counter[str] = Counter()
        display: dict[str, str] = {}
        for fact in found:
            for name, label in _facet_values(fact, field):
                counts[name] += 1
                display[name] = label
        ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        if limit is not None:
            ordered = ordered[:limit]
        plain[field] = dict(ordered)
        rich[field] = {"title": field, "items": [{"name": n, "display_name": display[n], "count": c}
                                                 for n, c in ordered]}
    return plain, rich


def sort_key(raw: Any) -> tuple[str, Callable[[list[Fact]], list[Fact]]]:
    """``sort`` (``field asc|desc``, comma-separated; ``score`` keeps the default order): the normalised text and
    a function ordering the facts."""
    text = str(raw or "").strip() or DEFAULT_SORT
    parts: list[tuple[str, bool]] = []
    for item in text.split(","):
        words = item.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")) \
                or words[0] not in SORT_FIELDS:
            raise SearchQueryError(f"不支持的排序：{item.strip()}（支持：{'、'.join(SORT_FIELDS)}，后接 asc 或 desc）。")
        attr = SORT_FIELDS[words[0]]
        if attr is not None:
            parts.append((attr, len(words) == 2 and words[1].lower() == "desc"))

    def order(found: list[Fact]) -> list[Fact]:
        out = sorted(found, key=lambda f: f.name)
        for attr, desc in reversed(parts):
            out.sort(key=lambda f: getattr(f, attr), reverse=desc)
        return out
    return text, order
