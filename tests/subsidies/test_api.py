"""REST API: rules and calculator (same JSON as the service), applications scoped per user, workflow actions,
evidence upload/download, awards, pools, and constant query counts on lists."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subsidies.calculator import calculate
from subsidies.models import Application
from subsidies.models import ApplicationStatus as S
from subsidies.services import application_approve, application_create

from .conftest import PDF, advance_to_review

pytestmark = pytest.mark.django_db
BASE = "/api/v1/subsidies"


def auth(api_client, token_for, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    return api_client


def test_rules_list_has_all_38_with_facts(api_client):
    response = api_client.get(f"{BASE}/rules/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 38 and len(body["results"]) == 38 and body["next"] is None
    codes = {r["code"] for r in body["results"]}
    assert {"PE-01", "PE-11", "DE-01", "DE-23", "MDX-01", "MDX-03", "CB-01"} <= codes
    de09 = next(r for r in body["results"] if r["code"] == "DE-09")
    assert de09["facts"][0]["name"] == "compute_service_invoiced" and de09["facts"][0]["type"] == "money"
    assert de09["citation"] == "泉政办规〔2025〕18号 三(一)" and de09["family_label"] == "数字经济"
    assert {p["name"] for p in de09["parameters"]} == {"fee_threshold", "rate", "annual_cap"}
    assert api_client.get(f"{BASE}/rules/PE-04/").json()["superseded_by"] == "MDX-02"


@pytest.mark.parametrize(("code", "payload", "expected"), [
    ("DE-09", {"facts": {"compute_service_invoiced": 800000}, "on": "2026-06-01"}, "240000.00"),
    ("DE-03", {"facts": {"dcmm_level": 4, "first_pass_at_level": True}, "on": "2026-06-01",
               "history": [{"rule": "DE-03", "amount": "50000.00", "date": "2026-05-01"}]}, "50000.00"),
    ("PE-11", {"facts": {"newly_connected_enterprises": 30}, "on": "2026-06-01"}, "1200000.00"),
    ("MDX-01", {"facts": {"investment_ex_tax": 800000, "digital_level_after": 3, "newly_listed_pilot": True},
                "on": "2026-05-01"}, "300000.00"),
])
def test_calculate_endpoint_equals_service(api_client, code, payload, expected):
    response = api_client.post(f"{BASE}/rules/{code}/calculate/", payload, format="json")
    assert response.status_code == 200
    assert response.json()["amount"] == expected
    assert response.json() == calculate(code, payload["facts"], payload.get("history"), payload.get("on"))


def test_calculate_not_eligible_and_errors(api_client):
    late = api_client.post(f"{BASE}/rules/MDX-01/calculate/", {"facts": {
        "investment_ex_tax": 800000, "digital_level_after": 3, "newly_listed_pilot": True}, "on": "2027-04-01"},
        format="json").json()
    assert late["eligible"] is False and late["amount"] == "0.00" and late["reasons"]
    for code, payload, field in [
        ("XX-01", {"facts": {}}, "rule"),
        ("DE-09", {"facts": {"compute_service_invoiced": -1}}, "compute_service_invoiced"),
        ("DE-09", {"facts": {}}, "compute_service_invoiced"),
        ("DE-09", {"facts": {"compute_service_invoiced": 1, "bogus": 2}}, "bogus"),
        ("PE-11", {"facts": {"newly_connected_enterprises": "x"}}, "newly_connected_enterprises"),
        ("DE-09", {"nofacts": 1}, "facts"),
    ]:
        response = api_client.post(f"{BASE}/rules/{code}/calculate/", payload, format="json")
        assert response.status_code == 400, (code, payload)
        assert field in response.json()["errors"] and response.json()["detail"]


def _make(call, pair, facts=None, submit=True):
    from subsidies.services import application_submit, evidence_add

    user, enterprise = pair
    app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                             facts=facts or {"compute_service_invoiced": "800000"}, acting_user=user)
    if submit:
        evidence_add(application=app, uploaded_file=SimpleUploadedFile("f.pdf", PDF), kind="invoice",
                     acting_user=user)
        application_submit(application=app, acting_user=user)
    return app


def test_applicant_flow_through_the_api(api_client, token_for, applicant, make_call):
    user, enterprise = applicant
    call = make_call(["DE-09"])
    client = auth(api_client, token_for, user)
    created = client.post(f"{BASE}/applications/", {"call": call.pk, "rule_code": "DE-09",
                                                      "facts": {"compute_service_invoiced": "600000"}}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["uscc"] == enterprise.uscc and created.json()["status"] == S.DRAFT
    assert client.post(f"{BASE}/applications/{pk}/submit/").status_code == 400  # invoice missing
    bad = client.post(f"{BASE}/applications/{pk}/evidence/", {"file": SimpleUploadedFile("a.exe", b"MZ"),
                                                                "kind": "invoice"}, format="multipart")
    assert bad.status_code == 400
    up = client.post(f"{BASE}/applications/{pk}/evidence/", {"file": SimpleUploadedFile("发票.pdf", PDF),
                                                               "kind": "invoice"}, format="multipart")
    assert up.status_code == 201
    download = client.get(up.json()["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    assert "attachment" in download["Content-Disposition"]
    patched = client.patch(f"{BASE}/applications/{pk}/", {"facts": {"compute_service_invoiced": "800000"}},
                           format="json")
    assert patched.status_code == 200
    submitted = client.post(f"{BASE}/applications/{pk}/submit/")
    assert submitted.status_code == 200 and submitted.json()["ceiling"] == "240000.00"
    assert client.post(f"{BASE}/applications/{pk}/accept/").status_code == 403  # not a reviewer
    timeline = client.get(f"{BASE}/applications/{pk}/timeline/").json()
    assert timeline[0]["label"] == "提交申报" and timeline[1]["status"] == "current"
    assert client.post(f"{BASE}/applications/{pk}/withdraw/", {"reason": "不再申报"}).json()["status"] == S.WITHDRAWN


def test_staff_flow_and_refusals_through_the_api(api_client, token_for, applicant, reviewer, finance, make_call):
    call = make_call(["DE-09"])
    app = _make(call, applicant)
    client = auth(api_client, token_for, reviewer)
    assert client.post(f"{BASE}/applications/{app.pk}/accept/").json()["status"] == S.ACCEPTED
    assert client.post(f"{BASE}/applications/{app.pk}/review/").json()["status"] == S.UNDER_REVIEW
    over = client.post(f"{BASE}/applications/{app.pk}/approve/", {"amount": "240000.01"}, format="json")
    assert over.status_code == 400 and "上限" in str(over.json())
    ok = client.post(f"{BASE}/applications/{app.pk}/approve/", {"amount": "240000"}, format="json")
    assert ok.status_code == 200 and ok.json()["approved_amount"] == "240000.00"
    pools = client.get(f"{BASE}/pools/?call={call.pk}").json()["results"]
    assert {p["level"]: p["reserved"] for p in pools if p["county"] in (None, "C-350582")} == {
        "city": "120000.00", "county": "120000.00"}
    awards = client.get(f"{BASE}/awards/").json()
    assert awards["count"] == 1 and awards["results"][0]["amount"] == "240000.00"
    summary = client.get(f"{BASE}/awards/summary/?year={app.period}").json()
    assert summary["rule"][0]["total"] == "240000.00"


def test_applicant_cannot_see_others_through_any_api_path(api_client, token_for, applicant, other_applicant,
                                                          reviewer, make_call):
    call = make_call(["DE-09"])
    mine = _make(call, applicant)
    theirs = _make(call, other_applicant)
    advance_to_review(theirs, reviewer)
    application_approve(application=theirs, amount="1000", note="经审核，按实际核定", acting_user=reviewer)
    evidence = theirs.evidence.first()
    user, _ = applicant
    client = auth(api_client, token_for, user)
    listed = client.get(f"{BASE}/applications/").json()
    assert [a["id"] for a in listed["results"]] == [mine.pk]
    assert client.get(f"{BASE}/applications/{theirs.pk}/").status_code == 404
    assert client.get(f"{BASE}/applications/{theirs.pk}/timeline/").status_code == 404
    assert client.post(f"{BASE}/applications/{theirs.pk}/withdraw/", {"reason": "x"}).status_code == 404
    assert client.patch(f"{BASE}/applications/{theirs.pk}/", {"facts": {}}, format="json").status_code == 404
    assert client.get(f"{BASE}/evidence/{evidence.pk}/").status_code == 404
    assert client.get(f"/files/subsidies/evidence/{evidence.pk}/file/").status_code == 404
    assert all(e["application"] == mine.pk for e in client.get(f"{BASE}/evidence/").json()["results"])
    assert client.get(f"{BASE}/awards/").json()["count"] == 0
    assert client.get(f"{BASE}/pools/").json()["count"] == 0
    assert client.get(f"{BASE}/awards/summary/?year=2026").status_code == 403
    # through another enterprise's USCC
    other_uscc = other_applicant[1].uscc
    refused = client.post(f"{BASE}/applications/", {"call": call.pk, "rule_code": "DE-09", "uscc": other_uscc},
                          format="json")
    assert refused.status_code == 403
    # the same download path with the browser session
    from django.test import Client

    web = Client()
    web.force_login(user)
    assert web.get(f"/files/subsidies/evidence/{evidence.pk}/file/").status_code == 404
    assert web.get(f"/files/subsidies/evidence/{mine.evidence.first().pk}/file/").status_code == 200
    assert api_client.credentials() is None and api_client.get(f"{BASE}/applications/").status_code in (401, 403)


def test_staff_scope(api_client, token_for, applicant, other_applicant, reviewer, reviewer_gxj, make_user, units,
                     make_call):
    from portal.roles import Role

    call = make_call(["DE-09"])
    jj = _make(call, applicant)  # 晋江
    fz = _make(call, other_applicant)  # 丰泽
    draft = _make(call, applicant, submit=False)
    county = make_user("jj_auth", Role.COUNTY_AUTHORITY, units["JJ-DATA"])
    seen = {u.username: {a["id"] for a in auth(api_client, token_for, u).get(f"{BASE}/applications/").json()[
        "results"]} for u in (reviewer, reviewer_gxj, county)}
    assert seen["po_data"] == {jj.pk, fz.pk}  # responsible unit of DE-09, never drafts
    assert seen["po_gxj"] == set()
    assert seen["jj_auth"] == {jj.pk}
    assert draft.pk not in seen["po_data"]


def test_application_list_query_count_is_constant(api_client, token_for, applicant, make_call):
    user, enterprise = applicant
    call = make_call(["DE-09"], evidence=[])
    client = auth(api_client, token_for, user)

    def count_for(n):
        Application.objects.filter(enterprise=enterprise).update(retired_at=None)
        while Application.objects.filter(enterprise=enterprise).count() < n:
            application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                               facts={"compute_service_invoiced": "1"}, acting_user=user)
        client.get(f"{BASE}/applications/?page_size=200")  # warm-up (token last-used stamp, content types)
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{BASE}/applications/?page_size=200")
        assert len(response.json()["results"]) == n
        return len(ctx.captured_queries)

    assert count_for(10) == count_for(100)
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"{BASE}/rules/")
    assert len(ctx.captured_queries) <= 6
