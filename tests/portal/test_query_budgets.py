"""Issue 16 point 4 — query-count budgets for every list (ADR 0016): every registered admin changelist and every API
list endpoint, as the city authority and as a unit user on the seeded demo, runs the same number of SQL queries at two
page sizes, within a budget; following the API's ``next`` cursor costs what the first page costs. A list that reads
per row (a missing ``select_related``, a per-row permission query) fails here, not at city scale."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from portal.pagination import CheapCountPaginator

pytestmark = pytest.mark.django_db

ROLES = ("city_authority", "unit_admin")
ADMIN_BUDGET = 30  # session, user, permissions, count, rows, filters' choices, access log, …
API_BUDGET = 16
SMALL, LARGE = 1, 50


def _client(username: str) -> Client:
    c = Client()
    c.force_login(get_user_model().objects.get(username=username))
    return c


def _queries(c: Client, url: str, data: dict[str, Any] | None = None) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as ctx:
        response = c.get(url, data or {})
    return len(ctx.captured_queries), response


def _sql(c: Client, url: str, data: dict[str, Any] | None = None) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        c.get(url, data or {})
    return [q["sql"] for q in ctx.captured_queries]


def changelists() -> list[Any]:
    return sorted(admin.site._registry.values(), key=lambda a: a.model._meta.label)


def api_lists() -> list[str]:
    """Names of the API's list routes (``<basename>-list`` under ``/api/``) that take no URL argument."""
    names: list[str] = []

    def walk(patterns: Any, prefix: str, ns: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, prefix + str(p.pattern), f"{ns}{p.namespace}:" if p.namespace else ns)
            elif isinstance(p, URLPattern) and p.name and p.name.endswith("-list") and prefix.startswith("api/") \
                    and not p.pattern.regex.groups and "format" not in str(p.pattern):
                names.append(ns + p.name)

    walk(get_resolver().url_patterns, "", "")
    return sorted(set(names))


@pytest.mark.parametrize("username", ROLES)
def test_every_admin_changelist_has_a_constant_query_count(demo, monkeypatch, username):
    c = _client(username)
    measured, over = {}, []
    for model_admin in changelists():
        opts = model_admin.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if c.get(url).status_code != 200:  # warm-up; a role without the model's view permission gets 403
            continue
        counts = []
        for size in (SMALL, LARGE):
            monkeypatch.setattr(model_admin, "list_per_page", size)
            n, response = _queries(c, url)
            assert response.status_code == 200, url
            counts.append(n)
        measured[opts.label] = counts
        if counts[0] != counts[1] or counts[1] > ADMIN_BUDGET:
            over.append((opts.label, counts, _sql(c, url)))
    assert len(measured) >= (20 if username == "city_authority" else 5), measured
    assert not over, "\n".join(f"{label}: {counts}\n  " + "\n  ".join(sql[:80] for sql in sqls)
                               for label, counts, sqls in over)


@pytest.mark.parametrize("username", ROLES)
def test_every_api_list_has_a_constant_query_count(demo, username):
    c = _client(username)
    measured, over = {}, []
    for name in api_lists():
        url = reverse(name)
        if c.get(url).status_code != 200:  # warm-up; 403 for a role that may not list these
            continue
        counts = []
        for size in (SMALL, LARGE):
            n, response = _queries(c, url, {"page_size": size})
            assert response.status_code == 200, url
            counts.append(n)
        first = c.get(url, {"page_size": SMALL}).json()
        if first.get("next"):  # the next page through its cursor: no more queries than the first
            n, response = _queries(c, first["next"])
            assert response.status_code == 200, first["next"]
            counts.append(n)
        measured[name] = counts
        if len(set(counts)) != 1 or counts[0] > API_BUDGET:
            over.append((name, counts, _sql(c, url, {"page_size": LARGE})))
    assert len(measured) >= 10, measured
    assert not over, "\n".join(f"{name}: {counts}\n  " + "\n  ".join(sql[:80] for sql in sqls)
                               for name, counts, sqls in over)


def test_every_changelist_counts_once_and_cheaply(demo):
    """No admin shows a second COUNT of the unfiltered list, and every one counts with the capped paginator."""
    for model_admin in changelists():
        assert model_admin.show_full_result_count is False, model_admin
        assert issubclass(model_admin.paginator, CheapCountPaginator), model_admin
        assert not model_admin.date_hierarchy or model_admin.model._meta.label == "portal.HolidayOverride", model_admin
