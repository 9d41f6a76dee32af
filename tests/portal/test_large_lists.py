"""Issue 16 — lists that stay cheap at any size (ADR 0016), on the seeded demo: the capped count and how the admin
shows it, cursor links in the API that walk every row once in both directions, searches that find exactly what
Django's own search finds, and date-range filters in place of ``date_hierarchy``."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import Client, RequestFactory

from catalogs.models import CatalogEntry
from portal.models import Organization
from portal.pagination import CheapCountPaginator, cheap_count, count_label
from portal.search import search
from sharing.models import ShareApplication

pytestmark = pytest.mark.django_db


def _client(username: str) -> Client:
    c = Client()
    c.force_login(get_user_model().objects.get(username=username))
    return c


def test_count_is_exact_up_to_the_cap_then_marked(demo):
    total = Organization.objects.count()
    assert cheap_count(Organization.objects.all()) == (total, True)
    count, exact = cheap_count(Organization.objects.all(), cap=10)
    assert not exact and count >= 11
    assert count_label(total, True) == f"共 {total:,} 条"
    assert count_label(11, False, cap=10) == "超过 10 条"
    assert count_label(123_456, False) == "约 123,456 条（估计数）"
    paginator = CheapCountPaginator(Organization.objects.order_by("pk"), 10)
    assert paginator.count == total and paginator.is_count_exact
    assert [o.pk for o in paginator.page(2)] == list(Organization.objects.order_by("pk").values_list("pk", flat=True)[10:20])


def test_admin_shows_the_count_in_chinese(demo):
    response = _client("city_authority").get("/admin/catalogs/catalogentry/")
    cl = response.context["cl"]
    assert cl.paginator.count_label == f"共 {CatalogEntry.objects.count():,} 条"
    assert cl.paginator.count_label in response.content.decode()
    assert cl.full_result_count is None  # no second COUNT of the unfiltered list


def _walk(c: Client, url: str) -> tuple[list[Any], dict[str, Any]]:
    rows, last = [], {}
    while url:
        last = c.get(url).json()
        rows += [r["id"] for r in last["results"]]
        url = last["next"]
    return rows, last


@pytest.mark.parametrize("query", ["", "&ordering=-name", "&ordering=code"])
def test_api_cursor_links_walk_every_row_once_both_ways(demo, query):
    c = _client("city_authority")
    base = "/api/v1/organizations/?page_size=7" + query
    everything = [r["id"] for r in c.get(base.replace("page_size=7", "page_size=200")).json()["results"]]
    first = c.get(base).json()
    assert "cursor=" in first["next"] and "page=" not in first["next"] and first["previous"] is None
    rows, last = _walk(c, base)
    assert rows == everything and first["count"] == len(everything)
    back, url = [], last["previous"]
    while url:
        page = c.get(url).json()
        back = [r["id"] for r in page["results"]] + back
        url = page["previous"]
    assert back == everything[: len(back)] and len(back) >= len(everything) - 7


def test_api_page_numbers_still_work_and_link_on_by_cursor(demo):
    c = _client("city_authority")
    page3 = c.get("/api/v1/organizations/?page_size=5&page=3").json()
    everything = [r["id"] for r in c.get("/api/v1/organizations/?page_size=200").json()["results"]]
    assert [r["id"] for r in page3["results"]] == everything[10:15]
    assert "page=2" in page3["previous"]
    assert [r["id"] for r in c.get(page3["next"]).json()["results"]] == everything[15:20]


def test_a_broken_cursor_is_not_found_in_chinese(demo):
    response = _client("city_authority").get("/api/v1/organizations/?cursor=bm9wZQ")
    assert response.status_code == 404 and "分页游标无效" in response.json()["detail"]


@pytest.mark.parametrize("term", ["泉州", "数据资源", "QZ", "有限公司 泉州", "2026", "工信局"])
def test_search_finds_what_djangos_search_finds(demo, term):
    request = RequestFactory().get("/")
    request.user = get_user_model().objects.get(username="admin")
    for model in (CatalogEntry, ShareApplication, Organization):
        model_admin = admin.site._registry[model]
        qs = model._default_manager.all()
        mine = search(qs, model_admin.search_fields, term)
        theirs, _ = admin.ModelAdmin.get_search_results(model_admin, request, qs, term)
        assert mine is not None
        assert set(mine.values_list("pk", flat=True)) == set(theirs.values_list("pk", flat=True)), (model, term)


def test_date_range_filter_replaces_date_hierarchy(demo):
    c = _client("city_authority")
    everything = c.get("/admin/sharing/shareapplication/").context["cl"].result_count
    this_year = c.get("/admin/sharing/shareapplication/?created_at_range=year")
    assert this_year.status_code == 200 and "最近 7 天" in this_year.content.decode()
    assert this_year.context["cl"].result_count <= everything


def test_deep_pages_by_number_read_their_keys_first_and_show_the_same_rows(demo, monkeypatch,
                                                                            django_assert_num_queries):
    import portal.pagination

    monkeypatch.setattr(portal.pagination, "DEFERRED_JOIN_FROM", 3)
    qs = CatalogEntry.objects.select_related("source_unit").order_by("-created_at", "-id")
    expected = list(qs.values_list("pk", flat=True))
    paginator = CheapCountPaginator(qs, 4)
    shown = []
    for number in paginator.page_range:
        shown += [entry.pk for entry in paginator.page(number)]
    assert shown == expected and len(expected) > 8
    with django_assert_num_queries(2):  # the page's keys, then its rows (the related unit joined)
        names = [entry.source_unit.name for entry in paginator.page(3)]
    assert len(names) == 4
    # the API's ?page=N through the same paginator: the rows a single long page shows at that place
    c = _client("city_authority")
    deep = c.get("/api/v1/catalogs/entries/?page_size=4&page=3").json()["results"]
    whole = c.get("/api/v1/catalogs/entries/?page_size=100").json()["results"]
    assert [row["code"] for row in deep] == [row["code"] for row in whole[8:12]] and len(deep) == 4
