"""REST API scoping (grants and denials), evaluator visibility, query budgets, OCDS package validity."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from portal.roles import Role
from procurement import ocds
from procurement.models import RedFlag
from procurement.services import award as aw
from procurement.services import tenders as ts

API = "/api/v1/procurement"


@pytest.fixture
def auth(api_client):
    def login(user):
        api_client.force_authenticate(user)
        return api_client
    return login


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_unit_sees_own_tenders_only(make_tender, people, auth, make_user, units):
    tender = make_tender()
    assert ids(auth(people["officer"]).get(f"{API}/tenders/")) == {tender.pk}
    assert ids(auth(people["leader"]).get(f"{API}/tenders/")) == {tender.pk}
    assert ids(auth(people["officer_b"]).get(f"{API}/tenders/")) == set()
    assert auth(people["officer_b"]).get(f"{API}/tenders/{tender.pk}/").status_code == 404
    assert ids(auth(people["supervisor"]).get(f"{API}/tenders/")) == {tender.pk}
    assert ids(auth(people["officer_b"]).get(f"{API}/projects/")) == set()
    assert ids(auth(people["authority"]).get(f"{API}/projects/")) == {tender.project_id}


def test_anonymous_denied(api_client, make_tender):
    make_tender()
    assert api_client.get(f"{API}/tenders/").status_code in (401, 403)


def test_evaluator_sees_assigned_tender_only_after_opening(make_tender, add_bid, people, auth, make_user):
    tender = make_tender()
    other = make_tender("ZB-OTHER")
    for n in range(3):
        add_bid(tender, n + 1, f"公司{n}", "900000")
    expert = make_user("expert_x")
    assert ids(auth(expert).get(f"{API}/tenders/")) == set()
    ts.tender_open(tender=tender, opened_at=ts.Tender.objects.get(pk=tender.pk).bid_deadline,
                   acting_user=people["officer"])
    ts.committee_member_add(tender=tender, name="专家X", user=expert, drawn_at=tender.bid_deadline,
                            acting_user=people["officer"])
    assert ids(auth(expert).get(f"{API}/tenders/")) == {tender.pk}
    assert other.pk not in ids(auth(expert).get(f"{API}/tenders/"))
    assert len(ids(auth(expert).get(f"{API}/bids/"))) == 3
    assert ids(auth(expert).get(f"{API}/red-flags/")) == set()  # evaluators never see red flags


def test_evaluator_not_before_opening(make_tender, people, auth, make_user):
    tender = make_tender()
    expert = make_user("early")
    from procurement.models import CommitteeMember

    CommitteeMember.objects.create(tender=tender, name="提前", user=expert)  # even if assigned early
    assert ids(auth(expert).get(f"{API}/tenders/")) == set()


def test_applicant_sees_own_bids(make_tender, add_bid, auth, make_user):
    from portal.models import EnterpriseMember

    tender = make_tender()
    mine = add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "910000")
    user = make_user("bidder_user")
    EnterpriseMember.objects.create(user=user, enterprise=mine.bidder)
    assert ids(auth(user).get(f"{API}/bids/")) == {mine.pk}
    assert ids(auth(user).get(f"{API}/tenders/")) == set()


def test_red_flag_dispose_api(make_tender, add_bid, people, auth):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "900000")
    flag = RedFlag.objects.filter(tender=tender).first()
    url = f"{API}/red-flags/{flag.pk}/dispose/"
    body = {"disposition": "confirmed", "reason": "报价完全一致，移交调查"}
    assert auth(people["officer"]).post(url, body, format="json").status_code == 403
    response = auth(people["supervisor"]).post(url, body, format="json")
    assert response.status_code == 200 and response.json()["disposition"] == "confirmed"
    bad = auth(people["supervisor"]).post(url, {"disposition": "confirmed", "reason": " "}, format="json")
    assert bad.status_code == 400


def _grow(make_tender, add_bid, people, units, start, stop):
    """Tenders (short bid period → one red flag each), one bid each, and one more project each."""
    from procurement.services import projects as ps
    from tests.procurement.conftest import at

    for i in range(start, stop):
        tender = make_tender(f"ZB-Q{i:03d}", issued=at(2025, 3, 25))
        add_bid(tender, 3 * i + 1, f"甲{i}", "900000")
        ps.project_declare(code=f"XM-E{i}", name="应急项目", construction_unit=units["gxj"],
                           declared_on=date(2025, 2, 1), total_investment=D("1000"), data_resources=["x"],
                           is_emergency_inclusion=True, acting_user=people["officer"])


@pytest.mark.parametrize("path", ["tenders", "bids", "projects", "red-flags", "awards", "contracts"])
def test_list_query_count_constant(make_tender, add_bid, people, units, auth, path):
    client = auth(people["supervisor"])
    _grow(make_tender, add_bid, people, units, 0, 2)
    client.get(f"{API}/{path}/")  # warm-up: the user's scope facts are cached after the first request
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"{API}/{path}/?page_size=100").status_code == 200
    _grow(make_tender, add_bid, people, units, 2, 12)
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"{API}/{path}/?page_size=100")
    assert len(large) == len(small) <= 6, (path, len(small), len(large))
    if path in ("tenders", "bids", "projects", "red-flags"):
        assert response.json()["count"] >= 12


def test_ocds_package_validates_and_contains_scores(evaluated_tender, people, api_client):
    aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18),
                            acting_user=people["officer"])
    tender = aw.award_determine(tender=evaluated_tender, on=date(2025, 4, 21), acting_user=people["officer"])
    aw.award_publicize(tender=tender, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 2),
                       acting_user=people["officer"])
    lot = tender.lots.get()
    aw.contract_sign(lot=lot, contract_no="HT-2025-01", amount=lot.awarded_bid.evaluated_price,
                     signed_on=date(2025, 5, 12), acting_user=people["officer"])
    response = api_client.get(f"{API}/ocds/release-package/")  # public, no token
    assert response.status_code == 200
    package = response.json()
    assert ocds.validation_errors(package) == []
    tags = [r["tag"][0] for r in package["releases"]]
    assert tags == ["planning", "tender", "award", "contract"]
    tender_release = package["releases"][1]
    scores = {d["tenderers"][0]["name"]: d["evaluation"] for d in tender_release["bids"]["details"]}
    assert scores["乙"]["totalScore"] == 90.68 and scores["乙"]["rank"] == 1
    assert scores["戊"]["rejection"]["code"] == "p2"
    draws = tender_release["tender"]["evaluationCriteria"]["randomDraws"]
    assert {(d["parameter"], d["value"]) for d in draws} == {("C", 0.5), ("K", 0.9325)}
    roles = {p["name"]: p["roles"] for p in package["releases"][0]["parties"]}
    assert roles["乙"] == ["tenderer", "supplier"] and "buyer" in roles["市工信局"]


def test_ocds_hides_bids_before_opening_and_detects_invalid(make_tender, add_bid, api_client):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    package = api_client.get(f"{API}/ocds/release-package/").json()
    assert ocds.validation_errors(package) == []
    assert "bids" not in package["releases"][1] and len(package["releases"][0]["parties"]) == 1
    broken = dict(package, releases=[dict(package["releases"][0], tag=["not-a-tag"])])
    assert ocds.validation_errors(broken)  # the validator really checks


def test_ocds_excludes_drafts(approved_project, people, api_client):
    from tests.procurement.conftest import at

    ts.tender_create(project=approved_project, tender_no="DRAFT-1", title="x", bid_deadline=at(2025, 5, 1),
                     lots=[{"subject": "x", "control_price": "1000"}], acting_user=people["officer"])
    response = api_client.get(f"{API}/ocds/release-package/")
    assert response.status_code == 204 and response.content == b""  # nothing published: no (invalid) empty package


def test_ocds_empty_database_answers_204(db, api_client):
    response = api_client.get(f"{API}/ocds/release-package/")
    assert response.status_code == 204 and response.content == b""
    # an empty package would be invalid: OCDS requires at least one release
    empty = ocds.release_package([], uri="http://testserver/")
    assert any("releases" in e for e in ocds.validation_errors(empty))


def test_ocds_amounts_are_exact_decimal_numbers(make_tender, add_bid, api_client):
    from procurement.ocds.encoding import dumps_exact, loads_exact

    tender = make_tender(control="1000000.10")
    add_bid(tender, 1, "甲", "987654.30")
    response = api_client.get(f"{API}/ocds/release-package/")
    text = response.content.decode()
    assert '"amount":1000000.10' in text  # the Decimal text (a float encoder writes 1000000.1)
    package = loads_exact(response.content)
    assert package["releases"][1]["tender"]["value"]["amount"] == D("1000000.10")
    assert ocds.validation_errors(package) == []
    big = D("1234567890123456.78")  # beyond float precision: float() would give 1234567890123456.8
    assert dumps_exact({"amount": big}) == '{"amount": 1234567890123456.78}'
    assert loads_exact(dumps_exact({"a": [D("0.10"), D("3")]})) == {"a": [D("0.10"), D("3")]}


def test_roles_have_group_permissions(people):
    from django.contrib.auth.models import Group

    officer_group = Group.objects.get(name=Role.PROCUREMENT_OFFICER.label)
    assert officer_group.permissions.filter(codename="change_tender").exists()
    supervisor_group = Group.objects.get(name=Role.PROCUREMENT_SUPERVISOR.label)
    assert not supervisor_group.permissions.filter(codename="change_tender").exists()

