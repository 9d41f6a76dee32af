"""Issue 10 on the seeded demo: summaries, the year workbook, pool utilisation and the collection board cover exactly
what the caller's lists show; the 承担县 filter offers counties (and only the caller's); the decision notice agrees with
itself."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from portal.models import EnterpriseMember, Organization, OrgKind
from subsidies.models import Application, Award, AwardStatus, Call
from subsidies.models import ApplicationStatus as S
from tests.demo_db import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

API = "/api/v1/subsidies"
LIVE = (AwardStatus.RESERVED, AwardStatus.COMMITTED)


def login(client, username):
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def listed(client, url):
    """Every row of a paginated API list."""
    rows, page = [], f"{url}{'&' if '?' in url else '?'}page_size=200"
    while page:
        body = client.get(page).json()
        rows += body["results"]
        page = body["next"]
    return rows


def money(value):
    return Decimal(str(value))


def test_award_summary_covers_the_callers_awards_only(demo, client):
    everything = Award.objects.filter(year=2026, status__in=LIVE)
    for username in ("county_authority", "program_officer", "city_authority"):
        login(client, username)
        mine = [a for a in listed(client, f"{API}/awards/?year=2026") if a["status"] in LIVE]
        summary = client.get(f"{API}/awards/summary/?year=2026").json()
        for key in ("family", "rule", "county"):
            assert sum(r["n"] for r in summary[key]) == len(mine), (username, key)
            assert sum(money(r["total"]) for r in summary[key]) == sum(money(a["amount"]) for a in mine)
        assert {r["key"] for r in summary["county"]} == {a["county"] or "（市级全额承担）" for a in mine}
        client.logout()
    login(client, "county_authority")
    counties = {r["key"] for r in client.get(f"{API}/awards/summary/?year=2026").json()["county"]}
    assert counties == {"晋江市人民政府"}  # the leak: other counties' totals were listed
    assert everything.exclude(county__name="晋江市人民政府").exists()  # … and the demo has some to leak


def test_pool_utilisation_is_the_pool_list(demo, client):
    for username in ("unit_admin", "county_authority", "program_officer", "finance_officer"):
        login(client, username)
        pools = {p["id"] for p in listed(client, f"{API}/pools/")}
        utilisation = client.get(f"{API}/pools/utilisation/")
        assert utilisation.status_code == 200
        assert {r["id"] for r in utilisation.json()} == pools, username
        calls = client.get(f"{API}/calls/").json()["results"]
        assert {p["id"] for c in calls for p in c["pools"]} <= pools  # the calls list shows no other pools
        client.logout()
        if username == "unit_admin":
            assert pools == set()  # sees none in pools/, so none in pools/utilisation/ either
        if username == "county_authority":
            assert pools and {p["county_name"] for p in listed(login(client, username), f"{API}/pools/")} == {
                "晋江市人民政府"}
            client.logout()


def workbook(client, username):
    """The year-export action of 奖补核定与拨付, as ``username`` runs it on every award they see, read back."""
    login(client, username)
    changelist = client.get(reverse("admin:subsidies_award_changelist") + "?year=2026")
    ids = [a.pk for a in changelist.context["cl"].queryset]
    response = client.post(reverse("admin:subsidies_award_changelist") + "?year=2026",
                           {"action": "export_selected_year", "_selected_action": ids})
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    sheets = {ws.title: list(ws.iter_rows(values_only=True))[1:] for ws in book.worksheets}
    client.logout()
    return sheets


@pytest.mark.parametrize("username", ["county_authority", "program_officer"])
def test_year_export_summaries_and_pools_are_scoped(demo, client, username):
    login(client, username)
    mine = [a for a in listed(client, f"{API}/awards/?year=2026") if a["status"] in LIVE]
    # 一事一议 (approved or paid) are lines of the workbook too, under their decision numbers
    manual = [m for m in listed(client, f"{API}/manual-awards/?year=2026") if m["status"] in ("approved", "disbursed")]
    pools = listed(client, f"{API}/pools/?call__year=2026")
    client.logout()
    sheets = workbook(client, username)
    *detail, detail_total = sheets["2026年拨付明细"]
    assert detail_total[0] == "合计"
    assert {r[12] for r in detail} == {a["application_number"] for a in mine} | {m["decision_number"] for m in manual}
    total = sum(money(a["amount"]) for a in [*mine, *manual])
    assert sum(money(r[4]) for r in detail) == total
    for name in ("按政策类别汇总", "按规则汇总", "按县区汇总"):
        *rows, (label, count, amount, *_rest) = sheets[name]
        assert label == "合计" and count == len(mine) + len(manual) and money(amount) == total, name
    assert {r[0] for r in sheets["按县区汇总"][:-1]} == {a["county"] or "（市级全额承担）" for a in [*mine, *manual]}
    call_names = dict(Call.objects.values_list("code", "name"))
    assert sheets["资金池使用"][-1][0] == "合计"
    assert sorted((r[0], r[3] or "", money(r[4])) for r in sheets["资金池使用"][:-1]) == sorted(
        (call_names[p["call"]], p["county_name"], money(p["amount"])) for p in pools)
    everything = Award.objects.filter(year=2026, status__in=LIVE).count()
    assert len(mine) < everything  # the unscoped sheets used to add up every award of the year


def filter_choices(response, title):
    spec = next(s for s in response.context["cl"].filter_specs if s.title == title)
    return {str(label) for _value, label in spec.lookup_choices}


def test_county_filters_offer_counties(demo, client):
    counties = set(Organization.objects.filter(  # county-level units directly under the city (县市区, 开发区)
        kind__in=[OrgKind.COUNTY_GOVERNMENT, OrgKind.ZONE_COMMITTEE], parent__level="city").values_list("name", flat=True))
    login(client, "city_authority")
    awards = filter_choices(client.get(reverse("admin:subsidies_award_changelist")), "承担县（市、区）")
    assert awards and awards <= counties  # not ~60 bureaus, companies and counties
    assert awards == set(Award.objects.exclude(county=None).values_list("county__name", flat=True))
    pools = filter_choices(client.get(reverse("admin:subsidies_budgetpool_changelist")), "县（市、区）")
    assert pools and pools <= counties
    regions = filter_choices(client.get(reverse("admin:portal_enterprise_changelist")), "所在县（市、区）")
    assert regions and regions <= counties
    client.logout()
    login(client, "county_authority")
    assert filter_choices(client.get(reverse("admin:subsidies_award_changelist")), "承担县（市、区）") == {"晋江市人民政府"}


def test_decision_notice_states_the_approved_split_and_why_below_the_ceiling(demo, client):
    app = Application.objects.filter(status=S.UNDER_REVIEW, ceiling__gt=0, rule__funding="split_1_1").order_by(
        "pk").first()
    amount = app.ceiling - Decimal("6000")
    step = reverse("admin:subsidies_application_step", args=[app.pk, "approve"])
    login(client, "city_authority")
    refused = client.post(step, {"amount": str(amount), "note": ""})
    assert refused.status_code == 200 and "核减理由" in str(refused.context["form"].errors["note"])
    reason = "部分算力服务发票开具日期不在申报期内，相应金额不予计入。"
    assert client.post(step, {"amount": str(amount), "note": reason}).status_code == 302
    client.logout()
    award = Award.objects.get(application=app)
    assert award.amount == amount and award.city_amount + award.county_amount == amount
    member = EnterpriseMember.objects.filter(enterprise=app.enterprise).select_related("user").first()
    login(client, member.user.username)
    page = client.get(reverse("subsidies_site:application_decision", args=[app.pk])).content.decode()
    city_of_ceiling = f"{app.ceiling / 2:.2f}"
    assert f'data-testid="decision-city">{award.city_amount}<' in page
    steps = page.split('data-testid="trace-steps"')[1].split("</ol>")[0]
    assert f"市级承担 {award.city_amount} 元" in steps and city_of_ceiling not in steps  # no second, other figure
    assert f"核减 {Decimal('6000'):.2f} 元" in page and reason in page


def test_collection_board_counts_only_the_callers_units(demo, client):
    from catalogs.models import DataCorrection
    from catalogs.selectors import correction_overdue_counts

    late_units = {name for _id, name, _n in correction_overdue_counts()}
    login(client, "unit_admin")
    board = client.get(reverse("admin:catalogs_collectiontask_board")).context["board"]
    own = demo["orgs"]["QZ-GXJ"].name
    assert {row["unit"] for row in board} <= {own}
    assert late_units - {own}  # the demo has other units' overdue corrections that used to be listed here
    assert DataCorrection.objects.exclude(source_unit__name=own).exists()
