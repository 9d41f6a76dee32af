"""Read-only CKAN action API (v3) over the open catalog: package_list, package_show, package_search,
organization_list — enough for ckanapi clients and CKAN harvesters."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from catalogs.models import CatalogEntry, DataItem, ServiceInterface
from catalogs.selectors import entry_list_open

MAX_ROWS = 1000


def _open() -> QuerySet[CatalogEntry]:
    return entry_list_open().prefetch_related(
        Prefetch("items", queryset=DataItem.objects.filter(retired_at__isnull=True)),
        Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True)))


def _org(unit: Any) -> dict[str, Any]:
    return {"id": unit.code, "name": unit.code.lower(), "title": unit.name, "type": "organization",
            "state": "active", "is_organization": True}


def package_dict(entry: CatalogEntry, base: str) -> dict[str, Any]:
    tags = [w.strip() for w in entry.keywords.replace("、", ",").replace("，", ",").split(",") if w.strip()]
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


def search(q: str) -> QuerySet[CatalogEntry]:
    qs = _open()
    for term in q.split():
        if ":" in term and not term.startswith("http"):  # field:value (CKAN syntax) → search the value
            term = term.split(":", 1)[1]
        if term in {"*", "*:*"} or not term:
            continue
        qs = qs.filter(Q(title__icontains=term) | Q(description__icontains=term) | Q(keywords__icontains=term)
                       | Q(code__icontains=term) | Q(source_unit__name__icontains=term)
                       | Q(items__name__icontains=term, items__retired_at__isnull=True))
    return qs.distinct()


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
            return _ok(request, name, package_dict(entry, base))
        if name == "package_search":
            rows, start = min(_int(params, "rows", 10), MAX_ROWS), _int(params, "start", 0, MAX_OFFSET)
            qs = search(str(params.get("q") or "")).order_by("code")
            page = list(qs[start:start + rows])
            return _ok(request, name, {"count": qs.count(), "sort": "code asc", "facets": {}, "search_facets": {},
                                       "results": [package_dict(e, base) for e in page]})
        if name == "organization_list":
            units = {e.source_unit.code: e.source_unit for e in entry_list_open()}
            ordered = [units[c] for c in sorted(units)]
            if str(params.get("all_fields", "")).lower() in ("true", "1"):
                return _ok(request, name, [_org(u) for u in ordered])
            return _ok(request, name, [u.code.lower() for u in ordered])
        if name in ("status_show", "site_read"):
            return _ok(request, name, True if name == "site_read" else {"ckan_version": "2.10.0", "site_title":
                                                                        "泉州市政务数据开放目录", "extensions": []})
    except ValueError as exc:
        return _error(request, "Validation Error", str(exc), 400)
    return _error(request, "Not Found Error", f"Not found: 不支持的操作 {name}（只读接口）。", 400)
