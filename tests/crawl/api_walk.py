"""The REST API walk: every GET route under /api/v1/ found in the URL resolver (routers' lists with all their pages,
details and detail actions of up to three listed objects, list actions, schema, docs), and the CKAN read actions.

Scope oracle: what the role's lists return (all pages). Objects of the same model that no list page returned must be
denied on every detail route (401/403/404).
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.crawl.crawler import Crawl

IN_SCOPE = 3
OUT_OF_SCOPE = 2
CKAN_ACTIONS = ["package_list", "package_search", "organization_list", "status_show", "site_read"]


def api_routes() -> list[tuple[str, URLPattern]]:
    """(reversible name, pattern) of every URL under api/v1/, format-suffix duplicates left out."""
    root = next(p for p in get_resolver().url_patterns
                if isinstance(p, URLResolver) and str(p.pattern) == "api/v1/")
    out: list[tuple[str, URLPattern]] = []

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, f"{namespace}:{p.namespace}" if namespace and p.namespace
                     else p.namespace or namespace)
            elif p.name and "format" not in p.pattern.regex.groupindex:
                out.append((f"{namespace}:{p.name}" if namespace else p.name, p))

    walk(root.url_patterns, root.namespace or "")
    return out


def _lookup(cls: Any) -> tuple[str, str]:
    """(model field, URL kwarg) of a viewset's detail routes."""
    field = getattr(cls, "lookup_field", "pk") or "pk"
    return field, getattr(cls, "lookup_url_kwarg", None) or field


def _model(cls: Any) -> Any:
    for qs in (getattr(cls, "base_queryset", None), getattr(cls, "queryset", None)):
        if isinstance(qs, QuerySet):
            return qs.model
    meta = getattr(getattr(cls, "serializer_class", None), "Meta", None)
    return getattr(meta, "model", None)


class ApiWalk:
    def __init__(self, crawl: Crawl) -> None:
        self.crawl = crawl

    def get_all_pages(self, url: str) -> list[dict[str, Any]] | None:
        """A list and its following pages (``next``): the items of every page (none if the role is refused the
        list), or None if a page failed (the role's scope is then unknown)."""
        items: list[dict[str, Any]] = []
        while url:
            page = self.crawl.get(url)
            if page is not None and page.status in (401, 403):
                return items
            if page is None or page.status != 200 or "json" not in page.content_type:
                return None
            data = page.json()
            if isinstance(data, dict) and "results" in data:
                items += [i for i in data["results"] if isinstance(i, dict)]
                url = self.crawl.normalize(data["next"]) if data.get("next") else ""
            else:
                items += [i for i in data if isinstance(i, dict)] if isinstance(data, list) else []
                break
        return items

    def run(self) -> None:
        routes = api_routes()
        listed: dict[Any, list[Any]] = {}  # viewset class -> lookup values its list returned
        for name, pattern in routes:
            if pattern.pattern.regex.groupindex:
                continue
            cls, actions = getattr(pattern.callback, "cls", None), getattr(pattern.callback, "actions", None)
            if actions is not None and "get" not in actions:
                continue
            items = self.get_all_pages(reverse(name))
            if items is not None and actions and actions.get("get") == "list":  # else the role's scope is unknown
                field, _ = _lookup(cls)
                key = "id" if field == "pk" else field
                listed[cls] = [i[key] for i in items if key in i]
        for name, pattern in routes:
            kwargs = list(pattern.pattern.regex.groupindex)
            cls, actions = getattr(pattern.callback, "cls", None), getattr(pattern.callback, "actions", None)
            if not kwargs or not actions or "get" not in actions or cls not in listed:
                continue
            field, kwarg = _lookup(cls)
            inside = listed[cls][:IN_SCOPE]
            for value in inside:
                self.crawl.get(reverse(name, kwargs={kwarg: value}))
            model = _model(cls)
            if model is None:
                continue
            outside = (model._default_manager.exclude(**{f"{field}__in": listed[cls]}).order_by("pk")
                       .values_list(field, flat=True)[:OUT_OF_SCOPE])
            for value in outside:
                self.crawl.get(reverse(name, kwargs={kwarg: value}), expect="denied")
        for action in CKAN_ACTIONS:
            page = self.crawl.get(f"/api/3/action/{action}")
            if action == "package_list" and page is not None and page.status == 200:
                for code in page.json().get("result", [])[:IN_SCOPE]:
                    self.crawl.get(f"/api/3/action/package_show?id={code}")
