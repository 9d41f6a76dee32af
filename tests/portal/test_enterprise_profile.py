"""Issue 14 point 1 — 企业画像 by 统一社会信用代码 over the seeded demo (docs/adr/0010-enterprise-profile.md).

Staff with a need to know open one page (and one API endpoint) per enterprise: identity, subsidy applications and
awards by rule and year with the remaining per-enterprise caps, 一事一议 awards, open-data applications and grants,
bids, contracts, objections, complaints, penalties, bad-conduct records and red flags; each section only for roles
that may see that kind of record, each list scoped like the record's own admin list; every view is one access-log
row; the query count does not grow with the number of records; every record page naming an enterprise links to it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from portal.admin_base import GovernedAdmin
from portal.models import AccessLog, Enterprise
from portal.profile import enterprise_profile
from procurement import models as pm
from sharing.models import OpenDataApplication
from subsidies.calculator import rule_state
from subsidies.models import Application, Award, ManualAward
from subsidies.rules import get_rule_def
from subsidies.selectors import LIVE_AWARDS

pytestmark = pytest.mark.django_db

JINJIANG = "91350582MA2XK0A106"  # 福建晋江智造科技有限公司 (晋江): applications, awards, 一事一议, open data
FENGZE = "91350503MA34HQ2W1X"  # 泉州丰泽跨境电商有限公司 (丰泽): applications of two bureaus
BIDDER = "91350500MA2PD0001Q"  # 泉州数智科技有限公司: bids, objection, complaint, red flag
PENALISED = "91350500MA2PD00042"  # 石狮海丝数据服务有限公司: penalty and bad-conduct record

SUBSIDY_KEYS = {"subsidy_applications", "subsidy_awards", "manual_awards", "collection_facts", "match_candidates"}
OPEN_DATA_KEYS = {"open_data_applications", "open_data_grants"}
PROCUREMENT_KEYS = {"bids", "contracts", "objections", "complaints", "penalties", "bad_conduct", "red_flags"}
ALLOWED = ["city_authority", "county_authority", "program_officer", "finance_officer", "procurement_officer",
           "procurement_supervisor", "auditor"]
REFUSED_STAFF = ["unit_admin", "unit_leader", "tech_operator"]


def user(name: str):  # type: ignore[no-untyped-def]
    return get_user_model().objects.get(username=name)


def client(name: str) -> Client:
    c = Client()
    c.force_login(user(name))
    return c


def firm(uscc: str) -> Enterprise:
    return Enterprise.objects.get(uscc=uscc)


def profile_url(enterprise: Enterprise) -> str:
    return f"/admin/portal/enterprise/{enterprise.pk}/profile/"


def api_url(enterprise_id: int) -> str:
    return f"/api/v1/enterprises/{enterprise_id}/profile/"


def sections(name: str, uscc: str) -> dict[str, dict]:
    profile = enterprise_profile(viewer=user(name), enterprise=firm(uscc))
    return {s["key"]: s for s in profile["sections"]}


def last_id() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# ------------------------------------------------------------------------------------------------ who may open it
@pytest.mark.parametrize("name", ALLOWED)
def test_staff_with_a_need_to_know_open_the_profile(demo, name):
    response = client(name).get(profile_url(firm(JINJIANG)))
    assert response.status_code == 200
    page = response.content.decode()
    assert "企业画像：福建晋江智造科技有限公司" in page and JINJIANG in page and "基本信息" in page


@pytest.mark.parametrize("name", REFUSED_STAFF)
def test_other_staff_are_refused(demo, name):
    c = client(name)
    response = c.get(profile_url(firm(JINJIANG)))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()  # the portal's 403 page (the API gives the reason)
    assert c.get("/admin/portal/enterprise/profile/?q=晋江").status_code == 403


def test_an_applicant_cannot_open_the_profile_even_of_its_own_organisation(demo):
    own = firm(JINJIANG)  # the demo applicant's own organisation
    c = client("applicant")
    for url in (profile_url(own), "/admin/portal/enterprise/profile/"):
        response = c.get(url)
        assert response.status_code in (302, 403), url  # the admin sends non-staff accounts to its login page
        assert "企业画像：" not in response.content.decode()


def test_unknown_enterprise_is_a_404(demo):
    c = client("city_authority")
    assert c.get("/admin/portal/enterprise/999999/profile/").status_code == 404
    assert c.get("/admin/portal/enterprise/abc/profile/").status_code == 404


# ------------------------------------------------------------------------------------------------ sections per role
def test_collection_data_that_mention_the_enterprise_are_shown_with_their_submission(demo):
    """The facts read from the units' submissions (免申即享 fact sources) appear with their submission and row."""
    from subsidies.models import EnterpriseFact

    fact = EnterpriseFact.objects.select_related("enterprise").order_by("pk").first()
    assert fact is not None  # the demo reads facts from its collection submissions
    section = sections("city_authority", fact.enterprise.uscc)["collection_facts"]
    assert section["count"] == EnterpriseFact.objects.filter(enterprise=fact.enterprise).count()
    assert any(f"#{fact.submission_id} / 第 {fact.row_number} 行" == r["row"] for r in section["rows"])
    assert "collection_facts" not in sections("procurement_officer", fact.enterprise.uscc)


def test_sections_follow_the_viewers_roles(demo):
    city = set(sections("city_authority", JINJIANG))
    assert city == {"identity"} | SUBSIDY_KEYS | OPEN_DATA_KEYS | PROCUREMENT_KEYS
    assert set(sections("auditor", JINJIANG)) == city
    # subsidy staff see subsidies, not bids or open data; procurement staff the reverse
    assert set(sections("program_officer", JINJIANG)) == {"identity"} | SUBSIDY_KEYS
    assert set(sections("finance_officer", JINJIANG)) == {"identity"} | SUBSIDY_KEYS
    assert set(sections("procurement_officer", BIDDER)) == {"identity"} | PROCUREMENT_KEYS
    assert set(sections("procurement_supervisor", BIDDER)) == {"identity"} | PROCUREMENT_KEYS


def test_each_section_lists_only_what_the_viewer_may_see(demo):
    """A bureau's program officer sees its own rules' applications of 丰泽, not the other bureau's; the 晋江 county
    authority sees the 晋江 enterprise's applications and none of 丰泽's (another county)."""
    fengze = firm(FENGZE)
    all_apps = Application.objects.filter(enterprise=fengze).exclude(status="draft")
    officer_apps = Application.objects.filter(
        enterprise=fengze, rule__responsible_unit__code="QZ-GXJ").exclude(status="draft")
    assert 0 < officer_apps.count() < all_apps.count()
    assert sections("city_authority", FENGZE)["subsidy_applications"]["count"] == all_apps.count()
    officer = sections("program_officer", FENGZE)["subsidy_applications"]
    assert officer["count"] == officer_apps.count()
    assert {r["number"] for r in officer["rows"]} == set(officer_apps.values_list("number", flat=True))

    county = sections("county_authority", JINJIANG)
    assert county["subsidy_applications"]["count"] == Application.objects.filter(
        enterprise__uscc=JINJIANG).exclude(status="draft").count() > 0
    assert sections("county_authority", FENGZE)["subsidy_applications"]["count"] == 0
    assert sections("county_authority", BIDDER)["bids"]["count"] == 0  # 晋江 tenders only
    assert sections("procurement_officer", BIDDER)["bids"]["count"] == pm.Bid.objects.filter(
        bidder__uscc=BIDDER).count() > 0


def test_procurement_sections_show_penalties_bad_conduct_objections_complaints_red_flags(demo):
    bidder = sections("procurement_supervisor", BIDDER)
    assert bidder["objections"]["count"] == pm.Objection.objects.filter(objector__uscc=BIDDER).count() > 0
    assert bidder["complaints"]["count"] == pm.Complaint.objects.filter(complainant__uscc=BIDDER).count() > 0
    assert bidder["red_flags"]["count"] == pm.RedFlag.objects.filter(bidder__uscc=BIDDER).count() > 0
    penalised = sections("procurement_supervisor", PENALISED)
    penalty = pm.PenaltyDecision.objects.get(party__uscc=PENALISED)
    assert [r["decision_no"] for r in penalised["penalties"]["rows"]] == [penalty.decision_no]
    assert penalised["penalties"]["rows"][0]["url"] == f"/admin/procurement/penaltydecision/{penalty.pk}/change/"
    assert penalised["bad_conduct"]["count"] == 1
    assert penalised["penalties"]["link"] == (
        f"/admin/procurement/penaltydecision/?party__id__exact={firm(PENALISED).pk}")


def test_open_data_section_lists_the_enterprises_applications(demo):
    apps = OpenDataApplication.objects.filter(enterprise__uscc=JINJIANG).exclude(status="draft")
    section = sections("city_authority", JINJIANG)["open_data_applications"]
    assert section["count"] == apps.count() > 0
    assert {r["number"] for r in section["rows"]} == set(apps.values_list("number", flat=True))


def test_section_links_open_the_filtered_admin_lists(demo):
    """Each section's link is the admin list of those records filtered to the enterprise, and it works."""
    c = client("city_authority")
    jinjiang = firm(JINJIANG)
    for key, section in sections("city_authority", JINJIANG).items():
        if key == "identity":
            continue
        response = c.get(section["link"])
        assert response.status_code == 200, section["link"]
        assert "?e=1" not in response.get("Location", ""), section["link"]  # a refused lookup redirects with e=1
    apps = c.get(f"/admin/subsidies/application/?enterprise__id__exact={jinjiang.pk}").context["cl"]
    assert {a.enterprise_id for a in apps.result_list} == {jinjiang.pk}


# ------------------------------------------------------------------------------------------------ remaining caps
def test_awards_by_rule_and_year_with_the_remaining_annual_cap(demo):
    """晋江智造 holds a live PE-09 award (年度上限) this year: the remaining cap is the cap in force minus the live
    awards under the rule, as the calculator counts them; a rule without a per-enterprise cap says so."""
    jinjiang = firm(JINJIANG)
    rows = {r["rule"].split()[0]: r for r in sections("finance_officer", JINJIANG)["subsidy_awards"]["rows"]}
    live = Award.objects.filter(enterprise=jinjiang, rule__code="PE-09", status__in=LIVE_AWARDS)
    used = sum((a.amount for a in live), Decimal("0"))
    year = live.first().year
    cap = Decimal(str(rule_state(get_rule_def("PE-09"), dt.date(year, 12, 31))["params"]["annual_cap"]))
    assert used > 0 and cap > used
    pe09 = rows["PE-09"]
    assert pe09["year"] == str(year)
    assert pe09["cap"] == f"年度上限 {cap:.2f}"
    assert pe09["used"] == f"{used:.2f}"
    assert pe09["remaining"] == f"{cap - used:.2f}" == "22000.00"
    assert rows["DE-09"]["remaining"] == "120000.00"  # 年度上限 300000 − 180000
    assert rows["DE-03"]["cap"].startswith("不设主体上限")


def test_a_released_award_is_counted_but_uses_no_cap(demo):
    rows = {r["rule"].split()[0]: r for r in sections("city_authority", JINJIANG)["subsidy_awards"]["rows"]}
    released = Award.objects.get(enterprise__uscc=JINJIANG, rule__code="MDX-01")
    assert released.status == "released"
    assert rows["MDX-01"]["n"] == "0" and rows["MDX-01"]["total"] == "0.00"


# ------------------------------------------------------------------------------------------------ access log
def test_each_admin_view_writes_one_access_row_naming_the_enterprise(demo):
    jinjiang = firm(JINJIANG)
    since = last_id()
    assert client("auditor").get(profile_url(jinjiang)).status_code == 200
    rows = list(AccessLog.objects.filter(pk__gt=since))
    assert len(rows) == 1
    row = rows[0]
    assert (row.channel, row.action, row.user_name) == ("admin", "query", "auditor")
    assert row.object_id == str(jinjiang.pk) and row.content_type.model == "enterprise"
    assert row.object_repr == f"企业画像：{jinjiang.name}（{JINJIANG}）"
    assert row.result_count and row.result_count > 0


def test_a_refused_view_writes_no_access_row(demo):
    since = last_id()
    assert client("unit_admin").get(profile_url(firm(JINJIANG))).status_code == 403
    assert not AccessLog.objects.filter(pk__gt=since, object_repr__startswith="企业画像").exists()


# ------------------------------------------------------------------------------------------------ API
def test_api_profile_returns_the_same_sections_and_logs_one_row(demo, api_client):
    jinjiang = firm(JINJIANG)
    api_client.force_authenticate(user("program_officer"))
    since = last_id()
    response = api_client.get(api_url(jinjiang.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["enterprise"] == {"id": jinjiang.pk, "uscc": JINJIANG, "name": jinjiang.name}
    assert [s["key"] for s in body["sections"]] == ["identity", "subsidy_applications", "subsidy_awards",
                                                    "manual_awards", "collection_facts", "match_candidates"]
    assert body["sections"] == enterprise_profile(viewer=user("program_officer"), enterprise=jinjiang)["sections"]
    rows = list(AccessLog.objects.filter(pk__gt=since))
    assert [(r.channel, r.action, r.object_id) for r in rows] == [("api", "query", str(jinjiang.pk))]
    assert rows[0].object_repr.startswith("企业画像：")


@pytest.mark.parametrize("name", ["applicant", "unit_admin", "tech_operator"])
def test_api_profile_refuses_applicants_and_staff_without_need(demo, api_client, name):
    api_client.force_authenticate(user(name))
    response = api_client.get(api_url(firm(JINJIANG).pk))
    assert response.status_code == 403
    assert "企业画像" in str(response.json())


def test_api_profile_of_unknown_id_is_404(demo, api_client):
    api_client.force_authenticate(user("city_authority"))
    assert api_client.get(api_url(999999)).status_code == 404


# ------------------------------------------------------------------------------------------------ query count
def test_query_count_does_not_grow_with_the_number_of_records(demo):
    """One bid against three (new bids of the same bidder on the other lots): the same number of queries."""
    nan_an = Enterprise.objects.get(uscc="91350500MA2PD00055")
    viewer = user("city_authority")
    assert pm.Bid.objects.filter(bidder=nan_an).count() == 1

    def queries() -> int:
        viewer.__dict__.pop("_portal_scope", None)
        viewer.__dict__.pop("_perm_cache", None)
        viewer.__dict__.pop("_user_perm_cache", None)
        viewer.__dict__.pop("_group_perm_cache", None)
        with CaptureQueriesContext(connection) as ctx:
            profile = enterprise_profile(viewer=viewer, enterprise=nan_an)
        assert {s["key"]: s["count"] for s in profile["sections"]}["bids"] >= 1
        return len(ctx.captured_queries)

    before = queries()
    lots = list(pm.Lot.objects.exclude(bids__bidder=nan_an).order_by("pk"))
    assert len(lots) >= 2
    for lot in lots:
        pm.Bid.objects.create(lot=lot, bidder=nan_an, submitted_at=timezone.now(), price_figures=Decimal("1000.00"))
    assert pm.Bid.objects.filter(bidder=nan_an).count() == 1 + len(lots)
    assert queries() == before


def test_admin_page_query_budget_is_the_same_for_a_sparse_and_a_rich_enterprise(demo, django_assert_max_num_queries):
    c = client("city_authority")
    c.get(profile_url(firm(BIDDER)))  # warm-up: per-process caches (content types, roles) fill once
    for uscc in ("91350500MA2PD00055", JINJIANG):
        with django_assert_max_num_queries(45):
            assert c.get(profile_url(firm(uscc))).status_code == 200


# ------------------------------------------------------------------------------------------------ links
LINKED = [  # model, foreign key naming the enterprise
    (Application, "enterprise"), (Award, "enterprise"), (ManualAward, "enterprise"),
    (OpenDataApplication, "enterprise"), (pm.Bid, "bidder"), (pm.Objection, "objector"),
    (pm.Complaint, "complainant"), (pm.PenaltyDecision, "party"), (pm.BadConductRecord, "subject"),
    (pm.RedFlag, "bidder"),
]


@pytest.mark.parametrize(("model", "fk"), LINKED, ids=[m.__name__ for m, _ in LINKED])
def test_record_pages_link_to_the_profile(demo, model, fk):
    obj = model.objects.filter(**{f"{fk}__isnull": False}).exclude(
        **({"status": "draft"} if model in (Application, OpenDataApplication) else {})).order_by("pk").first()
    assert obj is not None
    url = f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/"
    response = client("city_authority").get(url)
    assert response.status_code == 200, url
    page = response.content.decode()
    assert f'href="/admin/portal/enterprise/{getattr(obj, fk + "_id")}/profile/">企业画像</a>' in page


def test_the_link_on_a_page_the_viewer_may_edit_and_not_on_the_add_page(demo):
    """A supervisor may change penalty decisions: the link is a read-only column, not a form field."""
    penalty = pm.PenaltyDecision.objects.get(party__uscc=PENALISED)
    c = client("procurement_supervisor")
    page = c.get(f"/admin/procurement/penaltydecision/{penalty.pk}/change/")
    assert page.status_code == 200
    assert f'href="{profile_url(penalty.party)}">企业画像</a>' in page.content.decode()
    assert page.context["has_change_permission"] is True  # an editable page, built with the link kept out of the form
    add = c.get("/admin/procurement/penaltydecision/add/")
    assert add.status_code == 200 and ">企业画像</a>" not in add.content.decode()


def test_every_governed_admin_naming_an_enterprise_gets_the_link(demo):
    """One implementation: every record admin with a foreign key to the enterprise shows the link (contracts and
    open-data grants included, which the demo has no rows of)."""
    with_fk = {model for model, model_admin in admin.site._registry.items()
               if isinstance(model_admin, GovernedAdmin) and model_admin._enterprise_fields()}
    expected = {m for m, _ in LINKED} | {pm.Contract, __import__("sharing.models").models.OpenDataGrant}
    assert expected <= with_fk


def test_no_link_for_a_viewer_who_may_not_open_profiles(demo):
    """The technical unit sees open-data applications but has no need to know the enterprise's profile."""
    obj = OpenDataApplication.objects.exclude(status="draft").order_by("pk").first()
    response = client("tech_operator").get(f"/admin/sharing/opendataapplication/{obj.pk}/change/")
    assert response.status_code == 200
    assert "/profile/\">企业画像</a>" not in response.content.decode()


# ------------------------------------------------------------------------------------------------ search
def test_search_by_exact_uscc_opens_the_profile(demo):
    jinjiang = firm(JINJIANG)
    response = client("procurement_officer").get("/admin/portal/enterprise/profile/", {"q": JINJIANG.lower()})
    assert response.status_code == 302 and response["Location"] == profile_url(jinjiang)


def test_search_by_name_fragment_lists_matching_enterprises(demo):
    response = client("county_authority").get("/admin/portal/enterprise/profile/", {"q": "泉州"})
    assert response.status_code == 200
    page = response.content.decode()
    for e in Enterprise.objects.filter(name__contains="泉州"):
        assert f'href="{profile_url(e)}"' in page
    assert profile_url(firm(JINJIANG)) not in page  # 福建晋江智造 does not match
    assert "没有找到" in client("county_authority").get("/admin/portal/enterprise/profile/",
                                                         {"q": "不存在的公司"}).content.decode()


def test_enterprise_changelist_searches_uscc_and_links_the_profile(demo):
    jinjiang = firm(JINJIANG)
    response = client("city_authority").get("/admin/portal/enterprise/", {"q": JINJIANG})
    assert [e.pk for e in response.context["cl"].result_list] == [jinjiang.pk]
    assert f'href="{profile_url(jinjiang)}"' in response.content.decode()
    assert 'href="/admin/portal/enterprise/profile/">企业画像检索</a>' in response.content.decode()
    by_name = client("city_authority").get("/admin/portal/enterprise/", {"q": "晋江智造"}).context["cl"]
    assert [e.pk for e in by_name.result_list] == [jinjiang.pk]
