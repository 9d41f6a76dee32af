"""REST API writes: entries with items and interfaces, the lifecycle, interface requests, submission downloads;
each with the denials (another unit, wrong role, wrong state)."""

from __future__ import annotations

from datetime import date

import pytest

from catalogs.models import CatalogEntry, DataElement, EntryStatus, InterfaceRequest
from portal.models import AuditLog

URL = "/api/v1/catalogs/entries/"
BODY = {
    "code": "API-001", "source_unit": "QZ-A", "title": "企业补助拨付信息",
    "description": "本目录登记本单位依法履职过程中产生的企业补助拨付数据，按月更新，供各单位共享使用。",
    "share_type": "conditional", "legal_basis": "《某某条例》第十二条", "open_type": "closed",
    "items": [{"name": "企业名称", "description": "登记名称"},
              {"name": "统一社会信用代码", "element_code": "DE-USCC-T"},
              {"name": "联系电话", "is_personal_info": True}],
    "interfaces": [{"name": "补助查询", "kind": "data_query", "endpoint": "https://api.example/q",
                    "spec": "OpenAPI 3", "call_instructions": "凭令牌调用"}],
}


@pytest.fixture
def created(api_client, user_a, unit_a):
    api_client.force_authenticate(user_a)
    r = api_client.post(URL, BODY, format="json")
    assert r.status_code == 201, r.content.decode()
    return r.json()


def test_create_with_items_and_interfaces(created):
    assert created["status"] == "draft" and created["source_unit_code"] == "QZ-A"
    assert [i["name"] for i in created["items"]] == ["企业名称", "统一社会信用代码", "联系电话"]
    assert created["has_personal_info"] is True  # set by the personal item
    assert created["interfaces"][0]["spec"] == "OpenAPI 3"
    assert created["available_actions"] == ["submit"]
    assert DataElement.objects.get(code="DE-USCC-T").source_unit.code == "QZ-A"
    assert AuditLog.objects.filter(action="catalogs.entry.create").count() == 1


def test_create_refusals(api_client, user_a, user_b, city_authority, created):
    api_client.force_authenticate(user_b)  # another unit
    r = api_client.post(URL, {**BODY, "code": "API-002"}, format="json")
    assert r.status_code == 403 and "单位甲" in r.json()["detail"]
    # 一数一源: unit B registering the data element of unit A is refused, naming the owner
    r = api_client.post(URL, {**BODY, "code": "API-003", "source_unit": "QZ-B"}, format="json")
    assert r.status_code == 400 and "已由“单位甲”登记" in str(r.json())
    api_client.force_authenticate(city_authority)  # wrong role
    assert api_client.post(URL, {**BODY, "code": "API-004", "items": []}, format="json").status_code == 403
    api_client.force_authenticate(user_a)
    r = api_client.post(URL, {**BODY, "code": "API-005", "legal_basis": "", "items": []}, format="json")
    assert r.status_code == 400 and "legal_basis" in r.json()
    r = api_client.post(URL, {**BODY, "code": "API-006", "is_state_secret": True, "items": []}, format="json")
    assert r.status_code == 400 and "国家秘密" in str(r.json())
    assert api_client.post(URL, {**BODY, "items": []}, format="json").status_code == 400  # duplicate code
    assert CatalogEntry.objects.count() == 1


def test_edit_draft_items_and_denials(api_client, user_a, user_b, created):
    pk = created["id"]
    api_client.force_authenticate(user_b)
    assert api_client.patch(f"{URL}{pk}/", {"title": "x"}, format="json").status_code == 404  # other unit's draft
    api_client.force_authenticate(user_a)
    r = api_client.patch(f"{URL}{pk}/", {"title": "企业补助拨付明细", "items": [
        {"name": "企业名称"}, {"name": "拨付金额", "data_type": "decimal"}]}, format="json")
    assert r.status_code == 200, r.content.decode()
    assert r.json()["title"] == "企业补助拨付明细"
    assert [i["name"] for i in r.json()["items"]] == ["企业名称", "拨付金额"]
    r = api_client.patch(f"{URL}{pk}/", {"keywords": "补助"}, format="json")  # lists untouched when omitted
    assert len(r.json()["items"]) == 2 and len(r.json()["interfaces"]) == 1
    r = api_client.patch(f"{URL}{pk}/", {"code": "CHANGED", "source_unit": "QZ-B"}, format="json")
    assert r.json()["code"] == "API-001" and r.json()["source_unit_code"] == "QZ-A"  # fixed after creation


def test_lifecycle_through_the_api(api_client, user_a, user_b, city_authority, created):
    pk = created["id"]
    api_client.force_authenticate(user_a)
    assert api_client.post(f"{URL}{pk}/publish/", {}, format="json").status_code == 403  # wrong role
    r = api_client.post(f"{URL}{pk}/submit/", {}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "submitted" and r.json()["review_due_on"]
    assert api_client.patch(f"{URL}{pk}/", {"title": "x"}, format="json").status_code == 403  # wrong state
    assert api_client.post(f"{URL}{pk}/submit/", {}, format="json").status_code == 400  # wrong state
    api_client.force_authenticate(city_authority)
    assert api_client.post(f"{URL}{pk}/return/", {"reason": ""}, format="json").status_code == 400  # no reason
    r = api_client.post(f"{URL}{pk}/return/", {"reason": "共享条件不清楚"}, format="json")
    assert r.json()["status"] == "returned" and r.json()["return_reason"] == "共享条件不清楚"
    api_client.force_authenticate(user_a)
    api_client.patch(f"{URL}{pk}/", {"share_conditions": "仅限履职使用"}, format="json")
    api_client.post(f"{URL}{pk}/submit/", {}, format="json")
    api_client.force_authenticate(city_authority)
    r = api_client.post(f"{URL}{pk}/publish/", {}, format="json")
    assert r.json()["status"] == "published" and r.json()["version"] == 1, r.json()
    api_client.force_authenticate(user_b)  # another unit sees the published entry but cannot revise it
    assert api_client.post(f"{URL}{pk}/revise/", {}, format="json").status_code == 403
    assert api_client.patch(f"{URL}{pk}/", {"title": "x"}, format="json").status_code == 403
    api_client.force_authenticate(user_a)
    assert api_client.post(f"{URL}{pk}/revise/", {}, format="json").json()["status"] == "revising"
    api_client.post(f"{URL}{pk}/submit/", {}, format="json")
    api_client.force_authenticate(city_authority)
    assert api_client.post(f"{URL}{pk}/publish/", {}, format="json").json()["version"] == 2
    api_client.force_authenticate(user_a)
    assert api_client.post(f"{URL}{pk}/request_retire/", {}, format="json").status_code == 400
    r = api_client.post(f"{URL}{pk}/request_retire/", {"reason": "业务已停办"}, format="json")
    assert r.json()["retire_reason"] == "业务已停办" and r.json()["status"] == "published"
    assert api_client.post(f"{URL}{pk}/retire/", {"reason": "同意"}, format="json").status_code == 403
    api_client.force_authenticate(city_authority)
    assert api_client.post(f"{URL}{pk}/retire/", {"reason": "同意停用"}, format="json").json()["status"] == "retired"


def test_county_entry_needs_county_authority(api_client, make_entry, county_unit, county_admin, county_authority,
                                             city_authority):
    entry = make_entry(county_unit, county_admin, status=EntryStatus.SUBMITTED)
    api_client.force_authenticate(city_authority)
    assert api_client.post(f"{URL}{entry.pk}/publish/", {}, format="json").status_code == 403
    api_client.force_authenticate(county_authority)
    assert api_client.post(f"{URL}{entry.pk}/publish/", {}, format="json").json()["status"] == "published"


IR = "/api/v1/catalogs/interface-requests/"


def test_interface_request_api(api_client, make_entry, unit_a, user_a, user_b, city_authority, county_authority,
                               tech_operator):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    api_client.force_authenticate(user_a)  # a unit cannot demand interfaces
    assert api_client.post(IR, {"entry": entry.pk, "description": "需要按信用代码查询"}, format="json").status_code == 403
    api_client.force_authenticate(county_authority)  # a county authority cannot for a city unit
    assert api_client.post(IR, {"entry": entry.pk, "description": "需要按信用代码查询"}, format="json").status_code == 403
    api_client.force_authenticate(city_authority)
    r = api_client.post(IR, {"entry": entry.pk, "description": "需要按信用代码查询"}, format="json")
    assert r.status_code == 201, r.content.decode()
    pk = r.json()["id"]
    req = InterfaceRequest.objects.get(pk=pk)
    assert r.json()["due_on"] == str(req.original_due_on)
    api_client.force_authenticate(user_b)  # not the producer: not even visible
    assert api_client.post(f"{IR}{pk}/request_extension/", {"reason": "x", "workdays": 3},
                           format="json").status_code == 404
    api_client.force_authenticate(user_a)
    assert api_client.post(f"{IR}{pk}/request_extension/", {"reason": "需协调上级系统", "workdays": 6},
                           format="json").status_code == 400  # > 5 wd
    r = api_client.post(f"{IR}{pk}/request_extension/", {"reason": "需协调上级系统", "workdays": 3}, format="json")
    assert r.json()["status"] == "extension_requested"
    assert api_client.post(f"{IR}{pk}/decide_extension/", {"approve": True}, format="json").status_code == 403
    assert api_client.post(f"{IR}{pk}/request_extension/", {"reason": "再延", "workdays": 1},
                           format="json").status_code == 403  # only one (refused by the actor rule, with the reason)
    api_client.force_authenticate(city_authority)
    r = api_client.post(f"{IR}{pk}/decide_extension/", {"approve": True, "note": "同意"}, format="json")
    assert r.json()["is_extension_approved"] is True and r.json()["due_on"] > r.json()["original_due_on"]
    api_client.force_authenticate(user_a)
    r = api_client.post(f"{IR}{pk}/deliver/", {"name": "信用代码查询", "endpoint": "https://api.example/c"},
                        format="json")
    assert r.status_code == 400 and "spec" in r.json()  # spec and call instructions are required
    r = api_client.post(f"{IR}{pk}/deliver/", {"name": "信用代码查询", "endpoint": "https://api.example/c",
                                                "spec": "REST/JSON", "call_instructions": "GET ?uscc="}, format="json")
    assert r.json()["status"] == "delivered" and r.json()["delivered_name"] == "信用代码查询"
    assert not entry.interfaces.filter(name="信用代码查询").exists()  # the tech unit re-wraps it first (QZ §二(三))
    r = api_client.post(f"{IR}{pk}/rewrap/", {"platform_endpoint": "https://platform.example/c"}, format="json")
    assert r.status_code == 403  # the producer may not publish it itself
    api_client.force_authenticate(tech_operator)
    r = api_client.post(f"{IR}{pk}/rewrap/", {"platform_endpoint": "https://platform.example/c"}, format="json")
    assert r.json()["status"] == "published" and r.json()["delivered_interface"]
    assert entry.interfaces.get(name="信用代码查询").endpoint == "https://platform.example/c"


def test_submission_download_permissions(client, api_client, unit_a, user_a, user_b, city_authority, tech_operator,
                                         applicant, make_user, settings, tmp_path):
    from catalogs.models import CollectionItem, DeadlineRule
    from catalogs.services import collection_submit, collection_tasks_generate
    from portal.roles import Role

    settings.MEDIA_ROOT = tmp_path
    item = CollectionItem.objects.create(unit=unit_a, code="X-1", name="收支月报表", fields=["科目名称", "金额"],
                                         frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    collection_tasks_generate(on=date(2026, 11, 3))
    task = item.tasks.get()
    sub = collection_submit(task=task, acting_user=user_a, columns=["科目名称", "金额"], rows=[["收入", "1.00"]])
    url = f"/files/catalogs/collectionsubmission/{sub.pk}/file/"
    leader_a = make_user("leader_a", Role.UNIT_LEADER, unit_a)
    for user in (user_a, leader_a, city_authority, tech_operator):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content).decode("utf-8-sig").startswith("科目名称,金额")
        assert "attachment" in response["Content-Disposition"]
    for user in (user_b, applicant):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    api_client.force_authenticate(user_a)
    assert api_client.get(f"/api/v1/catalogs/submissions/{sub.pk}/").json()["download_url"] == url
    assert api_client.get(url).status_code == 200
    api_client.force_authenticate(user_b)
    assert api_client.get(f"/api/v1/catalogs/submissions/{sub.pk}/").status_code == 404
    assert api_client.get(url).status_code == 404
    assert AuditLog.objects.filter(action="portal.file.download").count() == 5
