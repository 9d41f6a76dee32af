"""The staff UI walk: admin index, app indexes, every changelist (search, each filter's first choice, object tools),
and per model up to three objects in the role's scope (change form, history, the links on them, every custom view of
the ModelAdmin's ``get_urls()``) and two objects outside it (each of those pages must be denied)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urljoin

from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.db import models, transaction
from django.test import RequestFactory

from tests.crawl.crawler import Crawl

IN_SCOPE = 3
REFERENCE_OBJECTS = 8  # objects (of distinct statuses first) whose step links give the real step names
OUT_OF_SCOPE = 2
SEARCH = "泉州"
BOGUS = "zz"  # a value no step/action route knows: must be a 4xx, never a 500
HISTORY_RECORDS = 1  # historical versions opened per object
HISTORY_RECORD = re.compile(r"^/admin/\w+/\w+/[^/]+/history/\d+/$")
_PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\([^)]*\)")


class CustomRoute:
    """One of a ModelAdmin's own URLs (beyond changelist/add/change/history/delete), as a template."""

    def __init__(self, prefix: str, pattern: Any) -> None:
        text = str(pattern.pattern).lstrip("^").rstrip("$")
        self.pieces: list[str | None] = []  # literal text, or None for a parameter
        pos = 0
        for m in _PARAM.finditer(text):
            self.pieces += [text[pos:m.start()], None]
            pos = m.end()
        self.pieces.append(text[pos:])
        self.prefix = prefix
        self.params = self.pieces.count(None)
        self.on_object = self.params > 0 and self.pieces[0] == ""  # starts with the object's id
        self.regex = re.compile("^" + re.escape(prefix) + "".join(
            "([^/?]+)" if p is None else re.escape(p) for p in self.pieces) + "$")

    def url(self, values: tuple[str, ...]) -> str:
        it = iter(values)
        return self.prefix + "".join(str(next(it)) if p is None else p for p in self.pieces)

    def harvest(self, links: set[str]) -> set[tuple[str, ...]]:
        return {m.groups() for link in links if (m := self.regex.match(link.split("?")[0]))}


def custom_routes(model_admin: Any, prefix: str) -> list[CustomRoute]:
    info = model_admin.model._meta.app_label, model_admin.model._meta.model_name
    standard = {"{}_{}_{}".format(*info, v) for v in ("changelist", "add", "history", "delete", "change")}
    return [CustomRoute(prefix, p) for p in model_admin.get_urls()
            if p.name not in standard and str(p.pattern) != "<path:object_id>/"]


def _pick(qs: Any, n: int) -> list[Any]:
    """Up to ``n`` primary keys: one with a stored file, one per status when the model has one (more step pages to
    see), and the newest (the demo's later, richer records)."""
    qs = qs.order_by("pk")
    picked: list[Any] = []
    if any(f.name == "status" for f in qs.model._meta.fields):
        for status in qs.order_by().values_list("status", flat=True).distinct():
            pk = qs.filter(status=status).values_list("pk", flat=True).first()
            if pk is not None and pk not in picked and len(picked) < n - 1:
                picked.append(pk)
    files = [f.name for f in qs.model._meta.fields if isinstance(f, models.FileField)]
    if files:  # a record with a stored file (file fields render links that may fail)
        pk = qs.exclude(**{files[0]: ""}).values_list("pk", flat=True).last()
        if pk is not None and pk not in picked:
            picked.insert(0, pk)
    newest = qs.values_list("pk", flat=True).last()
    if newest is not None and newest not in picked:
        picked.append(newest)
    picked += [pk for pk in qs.values_list("pk", flat=True)[:n] if pk not in picked]
    return picked[:n]


class AdminWalk:
    def __init__(self, crawl: Crawl, user: Any) -> None:
        self.crawl = crawl
        self.user = user or AnonymousUser()
        self.request = RequestFactory().get("/admin/")
        self.request.user = self.user
        self.staff = bool(self.user.is_active and self.user.is_staff)

    def run(self) -> None:
        site = admin.site
        self.crawl.get("/admin/", expect="ok" if self.staff else "denied")
        for label in sorted({m._meta.app_label for m in site._registry}):
            visible = self.staff and bool(site.get_app_list(self.request, label))
            self.crawl.get(f"/admin/{label}/", expect="ok" if visible else "denied")
        for model, model_admin in sorted(site._registry.items(), key=lambda kv: kv[0]._meta.label):
            self.walk_model(model, model_admin)

    def walk_model(self, model: Any, model_admin: Any) -> None:
        get = self.crawl.get
        prefix = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        routes = custom_routes(model_admin, prefix)
        can_view = self.staff and model_admin.has_view_or_change_permission(self.request)
        if can_view:
            scope = model_admin.get_queryset(self.request)
            inside = _pick(scope, IN_SCOPE)
            outside = _pick(model._default_manager.exclude(pk__in=scope.values("pk")), OUT_OF_SCOPE)
        else:
            inside, outside = [], _pick(model._default_manager.all(), OUT_OF_SCOPE)
        expect = "ok" if can_view else "denied"

        page = get(prefix, expect=expect)
        if can_view and page is not None and page.status == 200:
            if page.has_search:
                get(f"{prefix}?q={quote(SEARCH)}")
            for choices in page.filters:
                if choices:
                    get(urljoin(prefix, choices[1] if len(choices) > 1 else choices[0]))
            for href in page.object_tools:
                get(urljoin(prefix, href))
        for route in routes:
            if route.params == 0:
                get(route.url(()), expect=expect)

        seen: set[str] = set()
        for pk in inside:
            links: list[str] = []
            for url in (f"{prefix}{pk}/change/", f"{prefix}{pk}/history/"):
                obj_page = get(url)
                if obj_page is None:
                    continue
                for link in self.crawl.same_site_links(obj_page):
                    path = link.split("?")[0]
                    if path.startswith(f"{prefix}{pk}/") or ("/add/" in path and "?" in link) or link in (
                            obj_page.object_tools):
                        links.append(link)
            records = [link for link in links if HISTORY_RECORD.match(link)]
            for link in dict.fromkeys(x for x in links if x not in records[HISTORY_RECORDS:]):
                get(link)
            seen.update(links)
        seen |= {p.url for p in self.crawl.pages.values()}
        for route in routes:
            if not route.on_object:
                continue
            bogus = (BOGUS,) * (route.params - 1)
            for pk in inside:
                get(route.url((str(pk), *bogus)))
            for pk in outside:
                for values in self.denied_values(model, model_admin, route, pk, seen) or [bogus]:
                    get(route.url((str(pk), *values)), expect="denied")
        for pk in outside:
            get(f"{prefix}{pk}/change/", expect="denied")
            get(f"{prefix}{pk}/history/", expect="denied")
        if can_view:  # a malformed id is a 404, never a 500
            get(f"{prefix}{BOGUS}/change/")
            get(f"{prefix}{BOGUS}/history/")

    @staticmethod
    def denied_values(model: Any, model_admin: Any, route: CustomRoute, pk: Any, seen: set[str]) -> list[tuple]:
        """Real values of a route's other parameters to try on an object outside the role's scope: the object's own
        last historical version for the history-version page, else the steps/actions the superuser is offered."""
        if str(route.regex.pattern).endswith(r"/history/([^/?]+)/$"):
            version = model.history.filter(pk=pk).order_by("-history_id").values_list("history_id", flat=True).first()
            return [(str(version),)] if version else []
        return sorted({values[1:] for values in route.harvest(seen) | reference_values(model_admin, route)})


_REFERENCE: dict[str, set[tuple[str, ...]]] = {}


def reference_values(model_admin: Any, route: CustomRoute) -> set[tuple[str, ...]]:
    """The parameter values of ``route`` on the change pages the superuser sees (objects of every status): the real
    step and action names, to try on objects a role must not reach. Computed once per route per test module."""
    key = route.regex.pattern
    if key not in _REFERENCE:
        from django.contrib.auth import get_user_model
        from django.test import Client

        client = Client(raise_request_exception=False)  # a failing page is the superuser's crawl finding, not here
        client.force_login(get_user_model().objects.filter(is_superuser=True).order_by("pk").first())
        links: set[str] = set()
        for pk in _pick(model_admin.model._default_manager.all(), REFERENCE_OBJECTS):
            with transaction.atomic():
                response = client.get(f"{route.prefix}{pk}/change/")
            if response.status_code == 200:
                links |= set(re.findall(r'href="([^"]+)"', response.content.decode("utf-8", "replace")))
        _REFERENCE[key] = route.harvest(links)
    return _REFERENCE[key]
