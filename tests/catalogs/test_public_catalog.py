"""Public open-data catalog (issue 13 point 12): organisation pages, facet counts on the search filters, a public change
log per entry.

Seed 000 泉政办〔2021〕21号 §六(四) (普遍开放的数据直接获取) and §六(五) (授权开放); seed 001 闽数字办〔2022〕6号 第九条–第十条
(通过统一开放平台获取可开放使用的公共数据；普遍开放/依申请开放) and 第十四条 (不得随意撤销开放数据、调整开放类型: changes are shown
to the public); FJ-OPEN 第十一条 / GD 第三十二条: 不予开放, state-secret and undesensitised personal data never appear.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogs.models import Classification, EntryStatus, OpenType, ShareType
from catalogs.open_catalog import open_entry_changelog, open_entry_facets, open_organization_list
from catalogs.services import desensitisation_record, entry_transition, entry_update

pytestmark = pytest.mark.django_db

CATALOG = "/open-data/"


@pytest.fixture
def world(make_entry, unit_a, user_a, unit_b, user_b, make_unit, make_user, city_authority):
    from portal.roles import Role

    unit_c = make_unit("QZ-CLOSED", "只有不开放数据的单位")
    user_c = make_user("admin_c", Role.UNIT_DATA_ADMIN, unit_c)
    econ = Classification.objects.create(code="ZW-JJ", name="经济运行")
    pub = {"status": EntryStatus.PUBLISHED, "authority": city_authority}
    e = {
        "a_open_monthly": make_entry(unit_a, user_a, code="A-1", title="规上工业企业名录", open_type=OpenType.OPEN,
                                     classification=econ, **pub),
        "a_open_yearly": make_entry(unit_a, user_a, code="A-2", title="工业园区名录", open_type=OpenType.OPEN,
                                    update_frequency="yearly", **pub),
        "a_auth": make_entry(unit_a, user_a, code="A-3", title="企业用能数据", open_type=OpenType.AUTHORIZED,
                             share_type=ShareType.CONDITIONAL, legal_basis="《节约能源法》", classification=econ, **pub),
        "a_closed": make_entry(unit_a, user_a, code="A-4", title="企业用电明细（不开放）", **pub),
        "a_draft": make_entry(unit_a, user_a, code="A-5", title="草稿中的开放目录", open_type=OpenType.OPEN),
        "b_auth": make_entry(unit_b, user_b, code="B-1", title="企业登记信息", open_type=OpenType.AUTHORIZED, **pub),
        "b_personal": make_entry(unit_b, user_b, code="B-2", title="个体户经营者名册", open_type=OpenType.CLOSED,
                                 items=[{"name": "经营者姓名", "is_personal_info": True}], **pub),
        "c_closed": make_entry(unit_c, user_c, code="C-1", title="内部数据（不开放）", **pub),
    }
    return type("World", (), {"e": e, "unit_a": unit_a, "unit_b": unit_b, "unit_c": unit_c, "econ": econ,
                              "user_a": user_a, "user_b": user_b, "authority": city_authority})


# ------------------------------------------------------------------------------------------ facets
def test_facet_counts_per_filter_option(world):
    """FJ-OPEN 第十条 (普遍开放 / 依申请开放): each option shows how many open entries choosing it would list; closed,
    draft entries are not counted."""
    facets = open_entry_facets()
    assert facets["open_type"] == {"open": 2, "authorized": 2}
    assert facets["unit"] == {world.unit_a.pk: 3, world.unit_b.pk: 1}
    assert facets["frequency"] == {"monthly": 3, "yearly": 1}
    assert facets["classification"] == {world.econ.pk: 2}
    assert facets["share_type"] == {"unconditional": 3, "conditional": 1}
    # a chosen filter narrows the other facets, not its own (the other options stay choosable with their counts)
    facets = open_entry_facets(filters={"open_type": "authorized"})
    assert facets["open_type"] == {"open": 2, "authorized": 2}
    assert facets["unit"] == {world.unit_a.pk: 1, world.unit_b.pk: 1}
    facets = open_entry_facets(filters={"q": "名录"})
    assert facets["open_type"] == {"open": 2} and facets["unit"] == {world.unit_a.pk: 2}


def test_facet_counts_are_shown_next_to_the_options(client, world):
    """The public search form shows “label（n）” on every option of its filters."""
    html = client.get(CATALOG).content.decode()
    for text in ("普遍开放（2）", "授权开放（2）", "单位甲（3）", "单位乙（1）", "经济运行（2）", "每月（3）", "每年（1）",
                 "无条件共享（3）", "有条件共享（1）", "暂不共享（0）"):
        assert text in html, text
    html = client.get(CATALOG, {"unit": world.unit_b.pk}).content.decode()
    assert "普遍开放（0）" in html and "授权开放（1）" in html and "企业登记信息" in html and "规上工业企业名录" not in html
    assert "只有不开放数据的单位" not in html  # a unit without open data is no option


def test_list_and_facets_keep_a_constant_number_of_queries(client, make_entry, unit_a, user_a, city_authority):
    """Constant query count: 5 entries or 45 entries, the same number of queries (one GROUP BY per facet)."""
    def add(start, stop):
        for i in range(start, stop):
            make_entry(unit_a, user_a, code=f"Q-{i:03d}", title=f"开放数据{i}", open_type=OpenType.OPEN,
                       status=EntryStatus.PUBLISHED, authority=city_authority)
    add(0, 5)
    with CaptureQueriesContext(connection) as small:
        assert client.get(CATALOG, {"open_type": "open"}).status_code == 200
    add(5, 45)
    with CaptureQueriesContext(connection) as large:
        assert client.get(CATALOG, {"open_type": "open"}).status_code == 200
    assert len(large) == len(small) <= 10


# ------------------------------------------------------------------------------------------ organisations
def test_organisation_index_and_page(client, world):
    """An organisation page per 数源单位 with open data: its open entries and counts; a unit with only closed data has
    no page (404) and is not listed; nothing closed or draft is shown."""
    assert [(o.code, o.total, o.open, o.authorized) for o in open_organization_list()] == [
        ("QZ-A", 3, 2, 1), ("QZ-B", 1, 0, 1)]
    index = client.get(reverse("catalogs_site:open_organizations")).content.decode()
    assert "单位甲" in index and "单位乙" in index and "只有不开放数据的单位" not in index
    url = reverse("catalogs_site:open_organization", args=[world.unit_a.code])
    html = client.get(url).content.decode()
    assert "规上工业企业名录" in html and "工业园区名录" in html and "企业用能数据" in html
    assert "企业用电明细（不开放）" not in html and "草稿中的开放目录" not in html
    assert "<dt>开放数据</dt><dd>3 条</dd>" in html and "<dt>授权开放</dt><dd>1 条</dd>" in html
    assert "每月 2 条" in html and "每年 1 条" in html
    assert client.get(reverse("catalogs_site:open_organization", args=[world.unit_c.code])).status_code == 404
    assert client.get(reverse("catalogs_site:open_organization", args=["NO-SUCH"])).status_code == 404
    # the entry page and the list link to the organisation page
    assert url in client.get(CATALOG).content.decode()
    assert url in client.get(reverse("catalogs_site:open_entry", args=["A-1"])).content.decode()


def test_organisation_page_queries_are_constant(client, make_entry, unit_a, user_a, city_authority):
    def add(start, stop):
        for i in range(start, stop):
            make_entry(unit_a, user_a, code=f"O-{i:03d}", title=f"开放数据{i}", open_type=OpenType.OPEN,
                       status=EntryStatus.PUBLISHED, authority=city_authority)
    url = reverse("catalogs_site:open_organization", args=[unit_a.code])
    add(0, 3)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(3, 30)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small) <= 8
    with CaptureQueriesContext(connection) as index:
        assert client.get(reverse("catalogs_site:open_organizations")).status_code == 200
    assert len(index) <= 3


# ------------------------------------------------------------------------------------------ change log
def _republish(entry, user, authority, **changes):
    entry = entry_transition(entry=entry, action="revise", acting_user=user)
    entry = entry_update(entry=entry, acting_user=user, **changes)
    entry = entry_transition(entry=entry, action="submit", acting_user=user)
    return entry_transition(entry=entry, action="publish", acting_user=authority)


def test_public_change_log_per_version(client, world):
    """FJ-OPEN 第十四条: what changed in each published version is public: fields, items and interfaces added, removed
    or changed; internal fields (legal basis, interface endpoints and specs) stay out."""
    entry = world.e["a_auth"]
    entry = _republish(entry, world.user_a, world.authority, title="企业用能数据（月度）",
                       legal_basis="内部依据原文XYZ", update_frequency="quarterly",
                       items=[{"name": "企业名称", "description": "企业登记名称（全称）"},
                              {"name": "用能总量", "data_type": "decimal", "description": "吨标准煤"}],
                       interfaces=[{"name": "用能统计接口", "kind": "statistics",
                                    "endpoint": "https://internal.example/secret-endpoint", "spec": "内部规范ABC",
                                    "call_instructions": "授权后调用"}])
    entry = _republish(entry, world.user_a, world.authority, legal_basis="内部依据原文第二版")
    versions = open_entry_changelog(entry)
    assert [v.number for v in versions] == [3, 2, 1] and versions[-1].is_first_open
    assert versions[0].changes == []  # only an internal field changed
    labels = {(c.kind, c.label, c.old, c.new) for c in versions[1].changes}
    assert ("changed", "资源名称", "企业用能数据", "企业用能数据（月度）") in labels
    assert ("changed", "更新频率", "每月", "每季度") in labels
    assert ("added", "信息项“用能总量”", "", "") in labels and ("removed", "信息项“金额”", "", "") in labels
    assert ("changed", "信息项“企业名称”的说明", "企业登记名称", "企业登记名称（全称）") in labels
    assert ("added", "服务接口“用能统计接口”", "", "") in labels
    html = client.get(reverse("catalogs_site:open_entry_changes", args=[entry.code])).content.decode()
    assert "第 2 版" in html and "新增信息项“用能总量”" in html and "删除信息项“金额”" in html
    assert "企业用能数据（月度）" in html and "首次作为开放数据发布" in html and "公开内容无变化" in html
    for internal in ("内部依据原文", "secret-endpoint", "内部规范ABC"):
        assert internal not in html
    assert reverse("catalogs_site:open_entry_changes", args=[entry.code]) in client.get(
        reverse("catalogs_site:open_entry", args=[entry.code])).content.decode()


def test_change_log_hides_versions_published_as_not_open(client, world):
    """FJ-OPEN 第十一条: a version published as 不予开放 is neither shown nor compared with: the first open version is
    “首次作为开放数据发布” and the closed version's item names do not appear."""
    entry = world.e["a_closed"]
    entry = _republish(entry, world.user_a, world.authority, items=[{"name": "企业名称", "description": "名称"},
                                                                    {"name": "用电户号"}])
    entry = _republish(entry, world.user_a, world.authority, open_type=OpenType.AUTHORIZED,
                       items=[{"name": "企业名称", "description": "名称"}])
    versions = open_entry_changelog(entry)
    assert [(v.number, v.is_first_open) for v in versions] == [(3, True)]
    html = client.get(reverse("catalogs_site:open_entry_changes", args=[entry.code])).content.decode()
    assert "用电户号" not in html and "第 1 版" not in html and "第 3 版" in html


def test_change_log_is_only_for_open_entries(client, world):
    """Closed, draft and undesensitised-personal entries have no public change log (404)."""
    for key in ("a_closed", "a_draft", "c_closed"):
        code = world.e[key].code
        assert client.get(reverse("catalogs_site:open_entry_changes", args=[code])).status_code == 404
    # the personal entry opened without a record (legacy) stays hidden; recorded and republished it appears
    entry = world.e["b_personal"]
    type(entry).objects.filter(pk=entry.pk).update(open_type=OpenType.AUTHORIZED)
    assert client.get(reverse("catalogs_site:open_entry_changes", args=[entry.code])).status_code == 404
    entry = entry_transition(entry=type(entry).objects.get(pk=entry.pk), action="revise", acting_user=world.user_b)
    desensitisation_record(item=entry.items.get(name="经营者姓名"), method="mask", performed_on=timezone.localdate(),
                           note="保留姓氏", acting_user=world.user_b)
    entry = entry_transition(entry=entry, action="submit", acting_user=world.user_b)
    entry_transition(entry=entry, action="publish", acting_user=world.authority)
    assert client.get(reverse("catalogs_site:open_entry_changes", args=[entry.code])).status_code == 200


# ------------------------------------------------------------------------------------------ browser
@pytest.mark.django_db(transaction=True)
def test_public_catalog_in_chromium(browser, live_server, world):
    """Headless Chromium: a visitor filters by unit using the counted options, opens the organisation page, an entry
    and its change log."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + CATALOG)
        options = page.locator("#id_unit option").all_inner_texts()
        assert "单位甲（3）" in options and "单位乙（1）" in options
        page.select_option("#id_unit", label="单位乙（1）")
        page.locator("form[role=search] button[type=submit]").click()
        page.wait_for_load_state()
        assert "企业登记信息" in page.content() and "规上工业企业名录" not in page.content()
        page.get_by_role("link", name="单位乙").first.click()
        page.wait_for_load_state()
        assert page.locator("h1").inner_text() == "单位乙"
        page.get_by_role("link", name="企业登记信息").click()
        page.wait_for_load_state()
        page.get_by_role("link", name="变更记录").click()
        page.wait_for_load_state()
        assert "首次作为开放数据发布" in page.content()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    finally:
        context.close()
