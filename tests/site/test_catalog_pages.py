"""Public open-data catalog pages: only the open part is shown, search and filters work, constant queries."""

from __future__ import annotations

from django.urls import reverse

from catalogs.models import CatalogEntry, DataItem, EntryStatus, OpenType


def _entry(unit, code, title, *, open_type=OpenType.OPEN, status=EntryStatus.PUBLISHED, **extra):
    entry = CatalogEntry.objects.create(code=code, title=title, source_unit=unit, open_type=open_type, status=status,
                                        **extra)
    DataItem.objects.create(entry=entry, name="统一社会信用代码")
    return entry


def test_catalog_lists_only_published_open_entries(client, unit_a):
    _entry(unit_a, "QZ-OPEN-1", "企业登记信息", description="市场主体登记")
    _entry(unit_a, "QZ-AUTH-1", "企业用电数据", open_type=OpenType.AUTHORIZED)
    _entry(unit_a, "QZ-CLOSED-1", "不开放的数据", open_type=OpenType.CLOSED)
    _entry(unit_a, "QZ-DRAFT-1", "草稿数据", status=EntryStatus.DRAFT)
    html = client.get(reverse("catalogs_site:open_catalog")).content.decode()
    assert "企业登记信息" in html and "企业用电数据" in html
    assert "不开放的数据" not in html and "草稿数据" not in html
    assert 'href="/catalog.jsonld"' in html and "/api/3/action/package_list" in html


def test_catalog_search_and_filters(client, unit_a, unit_b):
    _entry(unit_a, "QZ-OPEN-1", "企业登记信息", keywords="法人,登记")
    _entry(unit_b, "QZ-AUTH-1", "企业用电数据", open_type=OpenType.AUTHORIZED)
    url = reverse("catalogs_site:open_catalog")
    html = client.get(url, {"q": "登记"}).content.decode()
    assert "企业登记信息" in html and "企业用电数据" not in html
    html = client.get(url, {"open_type": "authorized"}).content.decode()
    assert "企业用电数据" in html and "企业登记信息" not in html
    html = client.get(url, {"unit": unit_a.pk}).content.decode()
    assert "企业登记信息" in html and "企业用电数据" not in html
    # a bad filter value is reported next to the field, not a crash
    response = client.get(url, {"open_type": "closed"})
    assert response.status_code == 200 and 'id="id_open_type_error"' in response.content.decode()


def test_entry_detail_and_authorized_entry_offers_application(client, unit_a):
    entry = _entry(unit_a, "QZ-AUTH-1", "企业用电数据", open_type=OpenType.AUTHORIZED, open_conditions="仅限统计分析")
    html = client.get(reverse("catalogs_site:open_entry", args=[entry.code])).content.decode()
    assert "仅限统计分析" in html and "统一社会信用代码" in html
    assert f"?entry={entry.pk}" in html
    assert "package_show?id=QZ-AUTH-1" in html


def test_closed_or_draft_entry_is_not_found(client, unit_a):
    _entry(unit_a, "QZ-CLOSED-1", "不开放的数据", open_type=OpenType.CLOSED)
    _entry(unit_a, "QZ-DRAFT-1", "草稿数据", status=EntryStatus.DRAFT, open_type=OpenType.OPEN)
    assert client.get(reverse("catalogs_site:open_entry", args=["QZ-CLOSED-1"])).status_code == 404
    assert client.get(reverse("catalogs_site:open_entry", args=["QZ-DRAFT-1"])).status_code == 404


def test_catalog_list_query_count_is_constant(client, unit_a, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("catalogs_site:open_catalog")
    for i in range(10):
        _entry(unit_a, f"QZ-A-{i:03d}", f"数据{i}")
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for i in range(10, 100):
        _entry(unit_a, f"QZ-A-{i:03d}", f"数据{i}")
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
    assert len(large) <= 9  # count + page + 2 option lists + one GROUP BY per facet (5)
