"""Read-only CKAN action API (v3) over the open catalog: package_list, package_show, package_search (q, fq,
facet.field, facet.limit, sort, rows, start: ``ckan_search``), organization_list, organization_show — what ckanapi
clients and CKAN harvesters call. Reads of entries are access-logged like the portal's own API (QZ §八(四))."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from catalogs.interop import ckan_search as cs
from catalogs.models import CatalogEntry, DataItem, ServiceInterface
from catalogs.selectors import entry_list_open
from portal.access_log import access_record

MAX_ROWS = 1000


def _open() -> QuerySet[CatalogEntry]:
    return entry_list_open().prefetch_related(
        Prefetch("items", queryset=DataItem.objects.filter(retired_at__isnull=True)),
        Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True)))


def _org(unit: Any, package_count: int | None = None, *, full: bool = False) -> dict[str, Any]:
    """A unit as a CKAN organisation (name: its code in lower case; title: its Chinese name)."""
    org: dict[str, Any] = {
        "id": unit.code, "name": unit.code.lower(), "title": unit.name, "display_name": unit.name,
        "description": "", "image_url": "", "type": "organization", "state": "active", "is_organization": True,
        "approval_status": "approved", "created": unit.created_at.isoformat()}
    if package_count is not None:
        org["package_count"] = package_count
    if full:
        org.update({"image_display_url": "", "num_followers": 0, "extras": [], "tags": [], "groups": [],
                    "users": []})
    return org


def package_dict(entry: CatalogEntry, base: str) -> dict[str, Any]:
    tags = cs.split_tags(entry.keywords)
    resources = [{"id": f"{entry.code}-interface-{i.pk}", "package_id": entry.code, "name": i.name,
                  "description": i.call_instructions, "url": i.endpoint, "format": "API",
                  "resource_type": i.kind} for i in entry.interfaces.all()]
    resources.insert(0, {"id": f"{entry.code}-metadata", "package_id": entry.code, "name": f"{entry.title}（目录信息）",
                         "url": f"{base}/api/3/action/package_show?id={entry.code}", "format": "JSON",
                         "description": "、".join(i.name for i in entry.items.all())})
    return {
        "id": entry.code, "name": entry.code.lower(), "title": entry.title, "notes": entry.description,
        "type": "dataset", "state": "active", "private": False, "license_id": "", "url": "",
        "author": entry.source_unit.name, "maintainer": entry.source_unit.name, "version": str(entry.version),
        "metadata_created": entry.created_at.isoformat(), "metadata_modified": entry.updated_at.isoformat(),
        "owner_org": entry.source_unit.code, "organization": _org(entry.source_unit),
        "tags": [{"name": t, "display_name": t} for t in tags], "num_tags": len(tags),
        "resources": resources, "num_resources": len(resources),
        "extras": [
            {"key": "open_type", "value": entry.get_open_type_display()},
            {"key": "share_type", "value": entry.get_share_type_display()},
            {"key": "legal_basis", "value": entry.legal_basis},
            {"key": "update_frequency", "value": entry.get_update_frequency_display()},
            {"key": "data_items", "value": "、".join(i.name for i in entry.items.all())},
        ],
    }


def _ok(request: HttpRequest, action: str, result: Any) -> JsonResponse:
    return JsonResponse({"help": request.build_absolute_uri(f"/api/3/action/help_show?name={action}"),
                         "success": True, "result": result}, json_dumps_params={"ensure_ascii": False})


def _error(request: HttpRequest, kind: str, message: str, status: int) -> JsonResponse:
    return JsonResponse({"help": request.build_absolute_uri("/api/3/action/help_show"), "success": False,
                         "error": {"__type": kind, "message": message}}, status=status,
                        json_dumps_params={"ensure_ascii": False})


def _params(request: HttpRequest) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.GET.items())
    if request.method == "POST" and request.body:
        try:
            body = json.loads(request.body)
        except (ValueError, RecursionError):
            body = dict(request.POST.items())
        if isinstance(body, dict):
            params.update(body)
    return params


MAX_OFFSET = 1_000_000  # start/offset beyond this are refused (400) rather than sent to SQL


def _int(params: dict[str, Any], key: str, default: int, maximum: int | None = None) -> int:
    """A non-negative integer parameter (negative counts as 0); above ``maximum`` it is refused."""
    try:
        value = max(0, int(params.get(key, default)))
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"参数 {key} 必须是非负整数。") from None
    if maximum is not None and value > maximum:
        raise ValueError(f"参数 {key} 不能大于 {maximum}。")
    return value


def _search(params: dict[str, Any], base: str) -> dict[str, Any]:
    """``package_search``: ``q``, ``fq``, ``facet.field``/``facet.limit``, ``sort``, ``rows``/``start`` (CKAN 2.9+)."""
    rows, start = min(_int(params, "rows", 10), MAX_ROWS), _int(params, "start", 0, MAX_OFFSET)
    text_clauses = cs.parse_q(str(params.get("q") or ""))
    fq = params.get("fq") or ""
    field_clauses = cs.parse(" ".join(map(str, fq)) if isinstance(fq, list) else str(fq))
    fields = cs.facet_fields(params.get("facet.field"))
    limit = cs.facet_limit(params.get("facet.limit"))
    sort_text, order = cs.sort_key(params.get("sort"))
    clauses = [*text_clauses, *field_clauses]
    found = [f for f in cs.facts(cs.narrow_by_text(entry_list_open(), clauses)) if cs.matches(f, clauses)]
    found = order(found)
    page_ids = [f.pk for f in found[start:start + rows]]
    entries = {e.pk: e for e in _open().filter(pk__in=page_ids)}
    page = [entries[pk] for pk in page_ids if pk in entries]
    plain, rich = cs.facets(found, fields, limit)
    return {"count": len(found), "sort": sort_text, "facets": plain, "search_facets": rich,
            "results": [package_dict(e, base) for e in page], "_entries": page}


def _units() -> list[tuple[Any, int]]:
    """The units with open entries and how many each has, ordered by code (the CKAN organisations)."""
    counts: dict[int, int] = {}
    units: dict[int, Any] = {}
    for entry in entry_list_open().select_related("source_unit").order_by():
        counts[entry.source_unit_id] = counts.get(entry.source_unit_id, 0) + 1
        units[entry.source_unit_id] = entry.source_unit
    return sorted(((units[i], counts[i]) for i in units), key=lambda pair: pair[0].code)


def _organization_list(params: dict[str, Any]) -> list[Any]:
    """``organization_list``: names (or dicts with ``all_fields``), ``sort`` by name/title/package_count,
    ``limit``/``offset``."""
    units = _units()
    sort = str(params.get("sort") or "name asc").strip()
    field, _, direction = sort.partition(" ")
    keys = {"name": lambda p: p[0].code.lower(), "title": lambda p: p[0].name, "package_count": lambda p: p[1]}
    if field not in keys or direction.strip().lower() not in ("", "asc", "desc"):
        raise ValueError(f"不支持的排序：{sort}（支持 name、title、package_count，后接 asc 或 desc）。")
    units.sort(key=keys[field], reverse=direction.strip().lower() == "desc")
    offset = _int(params, "offset", 0, MAX_OFFSET)
    limit = _int(params, "limit", MAX_ROWS) or MAX_ROWS
    units = units[offset:offset + min(limit, MAX_ROWS)]
    if str(params.get("all_fields", "")).lower() in ("true", "1"):
        return [_org(u, count) for u, count in units]
    return [u.code.lower() for u, _ in units]


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() in ("true", "1", "yes")


def _organization_show(params: dict[str, Any], base: str) -> tuple[dict[str, Any], list[CatalogEntry]] | None:
    """``organization_show`` by id (the unit code) or name (its lower case); ``include_datasets`` adds up to
    1000 of its open entries as packages. Only units with open entries are CKAN organisations (else None)."""
    ident = str(params.get("id") or params.get("name") or "").strip().lower()
    found = next(((u, n) for u, n in _units() if ident and u.code.lower() == ident), None)
    if found is None:
        return None
    unit, count = found
    result = _org(unit, count, full=True)
    entries: list[CatalogEntry] = []
    if _truthy(params.get("include_datasets", False)):
        entries = list(_open().filter(source_unit=unit).order_by("code")[:MAX_ROWS])
        result["packages"] = [package_dict(e, base) for e in entries]
    return result, entries


@csrf_exempt
def action(request: HttpRequest, name: str) -> JsonResponse:
    """/api/3/action/<name> (GET query string or POST JSON body, as CKAN accepts both)."""
    if request.method not in ("GET", "POST"):
        return _error(request, "Validation Error", "只支持 GET 或 POST。", 405)
    params = _params(request)
    if any("\x00" in str(value) for value in params.values()):
        return _error(request, "Validation Error", "参数中含有 NUL 字符，无法处理。", 400)
    base = request.build_absolute_uri("/").rstrip("/")
    try:
        if name == "package_list":
            qs = entry_list_open().order_by("code").values_list("code", flat=True)
            limit, offset = _int(params, "limit", MAX_ROWS), _int(params, "offset", 0, MAX_OFFSET)
            return _ok(request, name, [c.lower() for c in qs[offset:offset + min(limit, MAX_ROWS)]])
        if name == "package_show":
            ident = str(params.get("id") or params.get("name") or "").strip()
            entry = _open().filter(code__iexact=ident).first()
            if entry is None:
                return _error(request, "Not Found Error", "Not found: 未找到该开放数据目录。", 404)
            access_record(channel="api", action="access", request=request, obj=entry)
            return _ok(request, name, package_dict(entry, base))
        if name == "package_search":
            try:
                result = _search(params, base)
            except cs.SearchQueryError as exc:
                return _error(request, "Search Query Error", f"Search Query is invalid: {exc}", 409)
            page = result.pop("_entries")
            access_record(channel="api", action="query", request=request, model=CatalogEntry, objects=page,
                          count=result["count"])
            return _ok(request, name, result)
        if name == "organization_list":
            return _ok(request, name, _organization_list(params))
        if name == "organization_show":
            shown = _organization_show(params, base)
            if shown is None:
                return _error(request, "Not Found Error", "Not found: 未找到该组织（开放目录中的数源单位）。", 404)
            result, entries = shown
            if entries:
                access_record(channel="api", action="query", request=request, model=CatalogEntry, objects=entries,
                              count=result["package_count"])
            return _ok(request, name, result)
        if name in ("status_show", "site_read"):
            return _ok(request, name, True if name == "site_read" else {"ckan_version": "2.10.0", "site_title":
                                                                        "泉州市政务数据开放目录", "extensions": []})
    except ValueError as exc:
        return _error(request, "Validation Error", str(exc), 400)
    return _error(request, "Not Found Error", f"Not found: 不支持的操作 {name}（只读接口）。", 400)
