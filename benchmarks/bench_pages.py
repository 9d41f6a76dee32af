"""Every admin changelist, every API list and the 工作台 as the city authority, a county authority and a unit user.

Per page: HTTP status (302/403 = no access, not timed), SQL query count, median and p95 of ``BENCH_SAMPLES`` (7)
requests after a warm-up, and the baseline: the SELECT statements the page ran, re-executed raw through
``connection.cursor()`` (sum of their times, median of 3) → ratio = page / raw SQL. Admin: plain, with one filter
(the first ``list_filter`` choice that returns rows), with one search (``q=`` a Chinese word of a listed row);
query count at ``list_per_page`` 20 and 100. API (every DRF list route under /api/v1/, found from the URL
resolver): first page, a deep page (the last one) and, when ``next`` is a cursor link, the page reached by
following it from the deep page; query count at ``page_size`` 20 and 100. Targets (issue 16): p95 < 300 ms (search
< 500 ms), ratio ≤ 3×, query count independent of the page size.
"""

from __future__ import annotations

import math
import os
import re
import statistics
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

ROLES = ("city_authority", "county_authority", "unit_admin")
TARGET_MS = 300.0
SEARCH_TARGET_MS = 500.0
MAX_RATIO = 3.0
CJK = re.compile(r"[\u4e00-\u9fff]{2,}")


def samples() -> int:
    return int(os.environ.get("BENCH_SAMPLES", "7"))


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def _raw_ms(sqls: list[str]) -> tuple[float, int]:
    """The page's SELECTs re-executed through a plain cursor (rows fetched): median of 3 sums, in ms."""
    from django.db import connection

    selects = [s for s in sqls if s.lstrip().upper().startswith(("SELECT", "WITH"))]
    sums = []
    for _ in range(3):
        total = 0.0
        with connection.cursor() as cursor:
            for sql in selects:
                start = time.perf_counter()
                cursor.execute(sql)
                cursor.fetchall()
                total += time.perf_counter() - start
        sums.append(total * 1000)
    return statistics.median(sums), len(selects)


class Page:
    """One URL as one user: warm-up, captured queries, samples, raw SQL."""

    def __init__(self, client: Any, url: str) -> None:
        self.client, self.url = client, url
        self.response: Any = None
        self.status = 0
        self.error = ""

    def get(self) -> Any:
        try:
            self.response = self.client.get(self.url)
            self.status = self.response.status_code
        except Exception as exc:  # noqa: BLE001 - a failing page is a figure (500), not the end of the run
            self.response, self.status, self.error = None, 500, f"{type(exc).__name__}: {exc}"[:300]
        return self.response

    def queries(self) -> tuple[int, list[str]]:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            self.get()
        return len(ctx.captured_queries), [q["sql"] for q in ctx.captured_queries]

    def measure(self) -> dict[str, Any]:
        self.get()  # warm-up: templates, caches, the plan cache of the connection
        if self.status != 200:
            return {"status": self.status, "error": self.error}
        count, sqls = self.queries()
        times = []
        for _ in range(samples()):
            start = time.perf_counter()
            self.get()
            times.append((time.perf_counter() - start) * 1000)
        raw, selects = _raw_ms(sqls)
        return {"status": self.status, "queries": count, "median": statistics.median(times), "p95": _p95(times),
                "raw": raw, "selects": selects}


def _record(report: Any, name: str, role: str, variant: str, m: dict[str, Any], *, group: str,
            target: float = TARGET_MS, extra: dict[str, Any] | None = None) -> None:
    extra = dict(extra or {})
    if m.get("status") != 200:
        if m.get("error"):
            extra["error"] = m["error"]
        access = m.get("status") in (302, 403)
        report(name, None, None, "ms", group=group, role=role, variant=variant, status=m.get("status"),
               met=None if access else False, extra={**extra, "note": "无权访问" if access else "错误"})
        return
    ratio = m["median"] / m["raw"] if m["raw"] else None
    misses = [w for w, bad in (("p95", m["p95"] > target), ("ratio", ratio is not None and ratio > MAX_RATIO))
              if bad]
    if misses:
        extra["miss"] = misses
    report(name, m["median"], m["raw"], "ms", group=group, role=role, variant=variant, status=200,
           queries=m["queries"], p95=m["p95"], target=target, met=not misses,
           extra={**extra, "raw_selects": m["selects"]})


def _clients() -> dict[str, Any]:
    from django.contrib.auth import get_user_model
    from django.test import Client

    out = {}
    for username in ROLES:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        out[username] = client
    return out


# --------------------------------------------------------------------------------------------------- admin
def _filter_urls(response: Any, base: str) -> list[str]:
    """Query strings of the first list_filter's choices other than the selected "全部", in order."""
    cl = response.context["cl"] if response is not None and response.context else None
    if cl is None:
        return []
    for spec in cl.filter_specs:
        urls = [c["query_string"] for c in spec.choices(cl) if not c.get("selected") and c.get("query_string")]
        if urls:
            return [f"{base}{q}" for q in urls[:4]]
    return []


def _search_word(model_admin: Any, request: Any, response: Any) -> str:
    """A Chinese word from a listed row's first searchable text (the loader's ``SEARCH_WORD`` when it occurs)."""
    from benchmarks.scale import SEARCH_WORD

    cl = response.context["cl"] if response is not None and response.context else None
    if cl is None:
        return ""
    texts = []
    for obj in list(cl.result_list)[:5]:
        for field in model_admin.get_search_fields(request):
            value: Any = obj
            for part in field.lstrip("^=@").split("__"):
                value = getattr(value, part, None)
                if value is None:
                    break
            if isinstance(value, str) and value:
                texts.append(value)
    for text in texts:
        if SEARCH_WORD in text:
            return SEARCH_WORD
    for text in texts:
        found = CJK.search(text)
        if found:
            return found.group(0)[:2]
    return texts[0][:4] if texts else ""


def _admin(report: Any, clients: dict[str, Any]) -> None:
    from django.contrib import admin
    from django.test import RequestFactory
    from django.urls import NoReverseMatch, reverse

    registry = sorted(admin.site._registry.items(), key=lambda kv: kv[0]._meta.label)
    print(f"  {len(registry)} admin changelists × {len(ROLES)} roles", flush=True)
    for model, model_admin in registry:
        try:
            base = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        except NoReverseMatch:
            continue
        name = f"admin {model._meta.verbose_name_plural}（{model._meta.label}）"
        for role, client in clients.items():
            page = Page(client, base)
            plain = page.measure()
            _record(report, name, role, "plain", plain, group="admin")
            if plain.get("status") != 200:
                continue
            response = page.response
            # query count independent of the page size
            saved = model_admin.list_per_page
            counts = {}
            try:
                for size in (20, 100):
                    model_admin.list_per_page = size
                    counts[size] = Page(client, base).queries()[0]
            finally:
                model_admin.list_per_page = saved
            report(f"{name} queries 100 vs 20 per page", counts[100], counts[20], "q", group="admin-queries",
                   role=role, variant="page size", met=counts[100] == counts[20])
            # one filter: the first choice that returns rows
            chosen = None
            for url in _filter_urls(response, base):
                probe = Page(client, url)
                probe.get()
                cl = probe.response.context["cl"] if probe.status == 200 and probe.response.context else None
                if cl is not None and cl.result_count:
                    chosen = url
                    break
            if chosen:
                _record(report, name, role, "filter", Page(client, chosen).measure(), group="admin",
                        extra={"url": chosen})
            # one search
            request = RequestFactory().get(base)
            request.user = response.wsgi_request.user
            if model_admin.get_search_fields(request):
                word = _search_word(model_admin, request, response)
                if word:
                    url = f"{base}?{urlencode({'q': word})}"
                    _record(report, name, role, "search", Page(client, url).measure(), group="admin",
                            target=SEARCH_TARGET_MS, extra={"url": url})


# ----------------------------------------------------------------------------------------------------- API
def api_list_urls() -> list[str]:
    """Every DRF list route under /api/v1/ (a viewset's ``list`` action), from the URL resolver."""
    from django.urls import URLPattern, URLResolver, get_resolver

    found: list[str] = []

    def walk(patterns: Any, prefix: str) -> None:
        for p in patterns:
            regex = str(p.pattern)
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + regex)
            elif isinstance(p, URLPattern):
                actions = getattr(p.callback, "actions", None)
                if not actions or actions.get("get") != "list":
                    continue
                route = (prefix + regex).replace("^", "").replace("$", "")
                if "(" in route or "\\" in route or "<" in route:
                    continue
                url = "/" + route.lstrip("/")
                if url.startswith("/api/v1/") and url not in found:
                    found.append(url)

    walk(get_resolver().url_patterns, "")
    return found


def _api(report: Any, clients: dict[str, Any]) -> None:
    urls = api_list_urls()
    print(f"  {len(urls)} API lists × {len(ROLES)} roles", flush=True)
    for url in urls:
        name = f"API {url}"
        for role, client in clients.items():
            first = Page(client, url)
            m = first.measure()
            _record(report, name, role, "first page", m, group="api")
            if m.get("status") != 200:
                continue
            body = first.response.json() if first.response is not None else {}
            counts = {size: Page(client, f"{url}?page_size={size}").queries()[0] for size in (20, 100)}
            report(f"{name} queries 100 vs 20 per page", counts[100], counts[20], "q", group="api-queries",
                   role=role, variant="page size", met=counts[100] == counts[20])
            if not isinstance(body, dict):
                continue
            total = body.get("count")
            if isinstance(total, int):
                per = len(body.get("results") or []) or 20
                deep = max(1, math.ceil(total / per))
                if deep > 1:
                    deep_url = f"{url}?page={deep}"
                    _record(report, name, role, f"deep page {deep}", Page(client, deep_url).measure(), group="api",
                            extra={"url": deep_url, "count": total})
            nxt = body.get("next")
            if nxt and "cursor=" in str(nxt):  # a cursor link: follow it from a deep position
                deep_url: str | None = url
                for _ in range(int(os.environ.get("BENCH_CURSOR_HOPS", "50"))):
                    resp = client.get(deep_url)
                    link = resp.json().get("next") if resp.status_code == 200 else None
                    if not link:
                        break
                    parts = urlsplit(link)
                    deep_url = f"{parts.path}?{urlencode(parse_qs(parts.query), doseq=True)}"
                _record(report, name, role, "cursor next", Page(client, deep_url).measure(), group="api",
                        extra={"url": deep_url})


# -------------------------------------------------------------------------------------------------- workbench
def _workbench(report: Any, clients: dict[str, Any]) -> None:
    from benchmarks import run as runner

    demo = (runner.STATE.get("load") or {}).get("demo_workbench_queries", {})
    for role, client in clients.items():
        page = Page(client, "/admin/")
        m = page.measure()
        _record(report, "工作台 /admin/", role, "index", m, group="workbench")
        if m.get("status") == 200 and role in demo:
            report(f"工作台 {role} SQL queries: at size vs demo", m["queries"], demo[role], "q", group="workbench",
                   role=role, variant="queries", met=m["queries"] == demo[role])


def run(report: Any) -> None:
    clients = _clients()
    t0 = time.perf_counter()
    _workbench(report, clients)
    t1 = time.perf_counter()
    _api(report, clients)
    t2 = time.perf_counter()
    _admin(report, clients)
    t3 = time.perf_counter()
    print(f"  phases: workbench {t1 - t0:.0f} s, API {t2 - t1:.0f} s, admin {t3 - t2:.0f} s", flush=True)
    from benchmarks import run as runner

    runner.STATE.setdefault("phases_s", {}).update(
        {"pages.workbench": round(t1 - t0, 1), "pages.api": round(t2 - t1, 1), "pages.admin": round(t3 - t2, 1)})
