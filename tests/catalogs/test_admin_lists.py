"""Lists a civil servant works in (issue 12), over the seeded demo: 本单位 by default for a unit's staff, 全部可见 on
request, city-wide roles see everything by default; trimmed columns with the state badge; related-record links."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from catalogs.models import CatalogEntry, DataCorrection
from catalogs.selectors import correction_list, entry_list
from portal.permissions import user_scope
from tests.portal.test_chinese_staff_pages import login, page, shows

pytestmark = pytest.mark.django_db
ENTRIES = "/admin/catalogs/catalogentry/"


def changelist(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.context["cl"]


def user(username):
    return get_user_model().objects.get(username=username)


def test_unit_admin_opens_the_entries_on_its_own_unit(client, demo):
    login(client, "unit_admin")
    units = user_scope(user("unit_admin")).unit_ids
    cl = changelist(client, ENTRIES)
    own = list(cl.queryset)
    assert own and {e.source_unit_id for e in own} <= units
    everything = list(changelist(client, ENTRIES + "?unit_scope=all").queryset)
    visible = entry_list(user=user("unit_admin"))
    assert {e.pk for e in everything} == set(visible.values_list("pk", flat=True))
    assert len(everything) > len(own), "全部可见 shows other units' entries the scope allows"
    _, text = page(client, ENTRIES)
    assert shows(text, "本单位") and shows(text, "全部可见")


def test_city_authority_opens_on_everything(client, demo):
    login(client, "city_authority")
    cl = changelist(client, ENTRIES)
    assert cl.queryset.count() == entry_list(user=user("city_authority")).count()
    assert len({e.source_unit_id for e in cl.queryset}) > 1


def test_corrections_own_unit_is_source_or_reporter(client, demo):
    login(client, "unit_admin")
    units = user_scope(user("unit_admin")).unit_ids
    own = list(changelist(client, "/admin/catalogs/datacorrection/").queryset)
    assert all(c.source_unit_id in units or c.reporter_unit_id in units for c in own)
    every = changelist(client, "/admin/catalogs/datacorrection/?unit_scope=all").queryset
    assert every.count() == correction_list(user=user("unit_admin")).count()
    assert DataCorrection.objects.exists()


@pytest.mark.parametrize("url", [ENTRIES, "/admin/catalogs/datacorrection/", "/admin/catalogs/interfacerequest/",
                                 "/admin/catalogs/collectiontask/"])
def test_lists_show_the_state_badge(client, demo, url):
    login(client, "city_authority")
    raw, _ = page(client, url)
    assert "badge-state" in raw


def test_list_columns_fit_a_laptop(demo):
    from django.contrib import admin

    for model in (CatalogEntry, DataCorrection):
        assert len(admin.site._registry[model].list_display) <= 8


def test_entry_versions_corrections_interface_requests_linked_both_ways(client, demo):
    import html
    import re

    from django.urls import reverse

    login(client, "city_authority")
    correction = DataCorrection.objects.select_related("entry").first()
    entry = correction.entry

    def links(url):
        raw = client.get(url).content.decode()
        block = raw.split('class="related-records"', 1)[1].split("</ul>", 1)[0]
        return {label: html.unescape(href) for href, label in re.findall(r'<a href="([^"]+)">([^<]+)</a>', block)}

    entry_page = reverse("admin:catalogs_catalogentry_change", args=[entry.pk])
    from_entry = links(entry_page)
    corrections = changelist(client, from_entry["数据纠错"]).queryset
    assert correction in corrections and all(c.entry_id == entry.pk for c in corrections)
    versions = changelist(client, from_entry["发布版本"]).queryset
    assert versions.count() == entry.versions.count() and all(v.entry_id == entry.pk for v in versions)
    assert all(r.entry_id == entry.pk for r in changelist(client, from_entry["接口提供要求"]).queryset)

    from_correction = links(reverse("admin:catalogs_datacorrection_change", args=[correction.pk]))
    assert from_correction["目录条目"] == entry_page
    version = entry.versions.first()
    if version is not None:
        assert links(reverse("admin:catalogs_catalogversion_change", args=[version.pk]))["目录条目"] == entry_page
