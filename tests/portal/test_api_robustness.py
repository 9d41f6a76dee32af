"""Regression tests of issue 10 (API part), each with the input the fuzzing found, on the seeded demo.

Malformed input is a 4xx with a Chinese message, never a 500, on SQLite and PostgreSQL; the permission is checked
before the body is read; responses match the OpenAPI schema.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import RequestFactory
from django.urls import get_resolver

from catalogs.models import CatalogEntry, CollectionTask, DataCorrection, InterfaceRequest, ShareType
from procurement.models import RedFlag
from sharing.models import Authorization
from subsidies.models import Application, ApplicationStatus

pytestmark = pytest.mark.django_db

API = "/api/v1"
CHINESE = re.compile(r"[\u4e00-\u9fff]")
NON_OBJECTS = ["[]", "5", "null"]
DEEP = "[" * 5000 + "]" * 5000


def _post(client: Any, path: str, raw: str, headers: dict[str, str] | None = None, method: str = "POST") -> Any:
    return client.open(path, method=method, data=raw, content_type="application/json", headers=headers or {})


def _chinese_detail(response: Any) -> str:
    """The JSON error text of an answer (any shape), asserted to be Chinese."""
    assert response.mimetype == "application/json", response.get_data(as_text=True)[:200]
    text = json.dumps(response.get_json(), ensure_ascii=False)
    assert CHINESE.search(text), text
    return text


def _under_review_app() -> Application:
    """An application under review whose rule the demo city authority reviews (DE-09, 市数据管理局)."""
    return Application.objects.get(status=ApplicationStatus.UNDER_REVIEW, rule__code="DE-09")


# ------------------------------------------------------------------------------------------- non-object bodies
def _body_operations() -> list[tuple[str, str]]:
    """The 20 operations that read the body before any permission check (issue 10): (method, path)."""
    app = _under_review_app().pk
    steps = ["submit", "resubmit", "withdraw", "accept", "return", "review", "score", "approve", "reject",
             "publicity", "publicity-close", "disburse", "cancel"]
    correction, task = DataCorrection.objects.order_by("pk").first().pk, CollectionTask.objects.order_by("pk").first().pk
    auth = Authorization.objects.order_by("pk").first().pk
    return ([("POST", f"{API}/subsidies/applications/{app}/{step}/") for step in steps]
            + [("PATCH", f"{API}/subsidies/applications/{app}/")]
            + [("POST", f"{API}/catalogs/corrections/{correction}/{step}/")
               for step in ("dispatch_to_source", "decide", "complete")]
            + [("POST", f"{API}/catalogs/tasks/{task}/submit/"), ("POST", f"{API}/sharing/usage-records/"),
               ("POST", f"{API}/sharing/authorizations/{auth}/renew/")])


@pytest.mark.parametrize("body", NON_OBJECTS)
def test_non_object_bodies_are_refused_on_every_operation_that_read_them(openapi, api_headers, body):
    _, client = openapi
    for method, path in _body_operations():
        for role in ("city_authority", "unit_admin", "applicant", "tech_operator", "unit_admin_b"):
            response = _post(client, path, body, api_headers(role), method)
            assert response.status_code in (400, 403, 404), (role, method, path, response.status_code)
            _chinese_detail(response)


def test_an_applicant_posting_an_array_to_a_staff_action_is_refused_403(openapi, api_headers):
    _, client = openapi
    own = Application.objects.filter(enterprise__uscc="91350582MA2XK0A106",
                                     status=ApplicationStatus.UNDER_REVIEW).first()
    for action in ("accept", "approve", "score", "reject"):
        response = _post(client, f"{API}/subsidies/applications/{own.pk}/{action}/", "[]", api_headers("applicant"))
        assert response.status_code == 403, (action, response.get_data(as_text=True))
        _chinese_detail(response)


def test_a_permitted_caller_sending_a_non_object_gets_400_naming_the_expected_object(openapi, api_headers):
    _, client = openapi
    approve = f"{API}/subsidies/applications/{_under_review_app().pk}/approve/"
    for path, role in ((approve, "city_authority"), (f"{API}/sharing/usage-records/", "unit_admin")):
        for body in NON_OBJECTS:
            response = _post(client, path, body, api_headers(role))
            assert response.status_code == 400
            assert response.get_json() == {"detail": "请求体应为 JSON 对象（{…}）。"}


# ------------------------------------------------------------------------------------------- nesting and numbers
def test_the_public_calculator_refuses_a_5000_deep_body_with_400(openapi):
    _, client = openapi
    for body in (DEEP, '{"facts": ' + "[" * 65 + "]" * 65 + "}"):
        response = _post(client, f"{API}/subsidies/rules/DE-09/calculate/", body)
        assert response.status_code == 400
        assert response.get_json() == {"detail": "请求体嵌套过深：最多 64 层。"}


def test_every_write_operation_refuses_a_deep_body_without_5xx(openapi, api_headers):
    """As the city authority, on a real row: refused for depth (400), or earlier for scope or role (404/403)."""
    schema, client = openapi
    headers = api_headers("city_authority")
    refused = 0
    for result in schema.get_all_operations():
        op = result.ok()
        if op.method.upper() not in ("POST", "PUT", "PATCH"):
            continue
        path = op.full_path
        if "{id}" in path:
            listing = client.get(path[: path.index("{id}")], headers=headers).get_json() or {}
            rows = listing.get("results") or [{"id": 1}]
            path = path.replace("{id}", str(rows[0]["id"]))
        path = path.replace("{code}", "DE-09").replace("{name}", "submit")
        response = _post(client, path, DEEP, headers, op.method.upper())
        assert response.status_code < 500, (op.method, path, response.status_code)
        if len(op.body):  # the operation reads a body
            deep = response.get_json() == {"detail": "请求体嵌套过深：最多 64 层。"}
            assert deep or response.status_code in (403, 404), (op.method, path, response.get_json())
            refused += deep
    assert refused >= 25


@pytest.mark.parametrize("raw", ["1e308", '"1e309"', str(10**40), "1e309", '"NaN"', "NaN", '"Infinity"'])
def test_the_calculator_refuses_money_beyond_range_with_400(openapi, raw):
    _, client = openapi
    response = _post(client, f"{API}/subsidies/rules/DE-09/calculate/",
                     '{"facts": {"compute_service_invoiced": ' + raw + "}}")
    assert response.status_code == 400
    _chinese_detail(response)


@pytest.mark.parametrize(("action", "body"), [
    ("approve", '{"amount": "1e309"}'), ("approve", '{"amount": 1e309}'), ("approve", '{"amount": 1e308}'),
    ("approve", '{"amount": "NaN"}'), ("score", '{"score": "NaN"}'), ("score", '{"score": NaN}'),
    ("score", '{"score": "Infinity"}'), ("score", '{"score": 1e400}')])
def test_approve_and_score_refuse_overflow_and_nan_with_400(openapi, api_headers, action, body):
    _, client = openapi
    app = _under_review_app()
    response = _post(client, f"{API}/subsidies/applications/{app.pk}/{action}/", body, api_headers("city_authority"))
    assert response.status_code == 400, response.get_data(as_text=True)
    _chinese_detail(response)
    app.refresh_from_db()
    assert app.status == ApplicationStatus.UNDER_REVIEW and not app.scores.exists()


# ------------------------------------------------------------------------------------------- path ids
@pytest.mark.parametrize(("method", "path", "role"), [
    ("GET", "/catalogs/submissions/abc/download/", "city_authority"),
    ("GET", "/catalogs/entries/abc/diff/", "city_authority"),
    ("POST", "/catalogs/tasks/abc/submit/", "jj_finance_admin"),
    ("POST", "/catalogs/interface-requests/null/deliver/", "unit_admin_b"),
    ("GET", "/subsidies/applications/99999999999999999999/", "applicant"),
    ("GET", "/catalogs/entries/9999999999999999999/", "city_authority"),
    ("POST", "/sharing/authorizations/1.5/renew/", "city_authority"),
    ("GET", "/procurement/tenders/-1/", "procurement_supervisor"),
])
def test_path_ids_that_are_not_bigint_integers_are_404(openapi, api_headers, method, path, role):
    _, client = openapi
    response = _post(client, API + path, "{}", api_headers(role), method)
    assert response.status_code == 404
    _chinese_detail(response)


def test_usage_record_for_an_authorization_id_beyond_bigint_is_400(openapi, api_headers):
    _, client = openapi
    for ref in ('"99999999999999999999"', "99999999999999999999", '"²"'):
        response = _post(client, f"{API}/sharing/usage-records/", '{"authorization": ' + ref + "}",
                         api_headers("unit_admin"))
        assert response.status_code == 400
        assert "授权不存在或无权访问。" in _chinese_detail(response)


# ------------------------------------------------------------------------------------------- NUL bytes, CKAN
@pytest.mark.parametrize("url", ["/open-data/%00/", "/policies/a%00/", "/api/3/action/package_show?id=a%00",
                                 "/api/3/action/package_search?q=a%00", f"{API}/catalogs/entries/?search=a%00",
                                 f"{API}/subsidies/rules/?family=%00"])
def test_a_nul_byte_in_path_or_query_is_400_on_public_pages(client, demo, url):
    response = client.get(url)
    assert response.status_code == 400
    assert "NUL" in response.content.decode()


@pytest.mark.parametrize(("action", "body"), [("package_show", {"id": "a\x00"}), ("package_search", {"q": "a\x00"})])
def test_a_nul_character_in_a_ckan_json_body_is_400(client, demo, action, body):
    response = client.post(f"/api/3/action/{action}", body, content_type="application/json")
    assert response.status_code == 400 and "NUL" in response.json()["error"]["message"]


def test_ckan_refuses_a_start_beyond_its_bound_and_caps_rows(client, demo):
    response = client.get("/api/3/action/package_search?start=99999999999999999999")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "参数 start 不能大于 1000000。"
    assert client.get("/api/3/action/package_search?start=abc").status_code == 400
    assert client.get("/api/3/action/package_list?offset=1e400").status_code == 400
    capped = client.get("/api/3/action/package_search?rows=99999999999999999999").json()
    assert capped["success"] and len(capped["result"]["results"]) == capped["result"]["count"]


# ------------------------------------------------------------------------------------------- error format
def test_api_errors_outside_drf_are_json_in_chinese(client, demo):
    missing = client.get(f"{API}/no-such-endpoint/")
    assert missing.status_code == 404 and missing.json() == {"detail": "未找到该接口或记录。"}
    handler = get_resolver().resolve_error_handler(500)
    api_error = handler(RequestFactory().get(f"{API}/subsidies/rules/"))
    assert api_error.status_code == 500 and api_error["Content-Type"] == "application/json"
    assert CHINESE.search(json.loads(api_error.content)["detail"])
    page_error = handler(RequestFactory().get("/policies/"))
    assert page_error.status_code == 500 and "text/html" in page_error["Content-Type"]


# ------------------------------------------------------------------------------------------- schema conformance
def _conforms(schema: Any, path: str, method: str, response: Any) -> None:
    assert response.status_code < 300, response.get_data(as_text=True)[:300]
    schema[path][method].validate_response(response)


def test_boards_and_summaries_match_their_schema(openapi, api_headers):
    schema, client = openapi
    authority = api_headers("city_authority")
    for path, query in ((f"{API}/sharing/applications/overdue/", {}),
                        (f"{API}/sharing/applications/assessment/", {"month": "2026-10"}),
                        (f"{API}/subsidies/pools/utilisation/", {}),
                        (f"{API}/subsidies/awards/summary/", {"year": "2026"}),
                        (f"{API}/subsidies/rules/", {}), (f"{API}/subsidies/pools/", {}),
                        (f"{API}/procurement/red-flags/", {}), (f"{API}/sharing/authorizations/", {})):
        _conforms(schema, path, "GET", client.get(path, query_string=query, headers=authority))
    app = Application.objects.filter(enterprise__uscc="91350582MA2XK0A106").order_by("pk").first()
    timeline = client.get(f"{API}/subsidies/applications/{app.pk}/timeline/", headers=api_headers("applicant"))
    _conforms(schema, f"{API}/subsidies/applications/{{id}}/timeline/", "GET", timeline)


def test_assessment_as_xlsx_is_a_workbook(openapi, api_headers):
    schema, client = openapi
    response = client.get(f"{API}/sharing/applications/assessment/", query_string={"format": "xlsx"},
                          headers=api_headers("city_authority"))
    assert response.status_code == 200 and response.get_data()[:2] == b"PK"
    _conforms(schema, f"{API}/sharing/applications/assessment/", "GET", response)
    refused = client.get(f"{API}/sharing/applications/assessment/", query_string={"format": "xlsx"},
                         headers=api_headers("applicant"))
    assert refused.status_code == 403 and refused.mimetype == "application/json"


def test_blank_interface_kind_and_restricted_entries_match_their_schema(openapi, api_headers):
    schema, client = openapi
    blank = Authorization.objects.filter(interface_kind="").first()
    response = client.get(f"{API}/sharing/authorizations/{blank.pk}/", headers=api_headers("city_authority"))
    assert response.get_json()["interface_kind"] == ""
    _conforms(schema, f"{API}/sharing/authorizations/{{id}}/", "GET", response)
    restricted = CatalogEntry.objects.filter(share_type=ShareType.NOT_SHARED).exclude(source_unit__code="QZ-GXJ")
    response = client.get(f"{API}/catalogs/entries/{restricted.first().pk}/", headers=api_headers("unit_admin"))
    assert response.get_json()["is_restricted"] is True and "description" not in response.get_json()
    _conforms(schema, f"{API}/catalogs/entries/{{id}}/", "GET", response)


def test_deliver_and_dispose_answer_the_record_they_changed(openapi, api_headers):
    schema, client = openapi
    request = InterfaceRequest.objects.filter(producer_unit__code="QZ-SCJGJ", status="open").first()
    body = {"name": "市场主体登记信息查询", "endpoint": "https://api.qz.gov.cn/scj/registration",
            "spec": "GET ?uscc=…，返回 JSON", "call_instructions": "凭授权令牌调用"}
    delivered = client.post(f"{API}/catalogs/interface-requests/{request.pk}/deliver/", json=body,
                            headers=api_headers("unit_admin_b"))
    assert delivered.get_json()["status"] == "delivered"
    _conforms(schema, f"{API}/catalogs/interface-requests/{{id}}/deliver/", "POST", delivered)
    flag = RedFlag.objects.filter(disposition="open").order_by("pk").first()
    disposed = client.post(f"{API}/procurement/red-flags/{flag.pk}/dispose/",
                           json={"disposition": "confirmed", "reason": "经核实属实"},
                           headers=api_headers("procurement_supervisor"))
    assert disposed.get_json()["disposition"] == "confirmed"
    _conforms(schema, f"{API}/procurement/red-flags/{{id}}/dispose/", "POST", disposed)
