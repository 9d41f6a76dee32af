"""Usage records are append-only everywhere; unit A never sees unit B's applications or authorizations (admin lists,
detail pages, API, exports); lists use a constant number of queries."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sharing import services
from sharing.admin import DataUseRecordAdmin
from sharing.models import Authorization, DataUseRecord, ShareApplication
from sharing.services import share_application_act, share_application_submit
from tests.sharing.conftest import make_application

D = dt.date


def grant(world, unit, user, code, producer=None):
    entry = world.entry(code, producer or world.unit_b)
    app = share_application_submit(application=make_application(unit, user, [entry]), acting_user=user)
    for action, actor in (("assess_reasonable", world.tech), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=actor, opinion="同意")
    return app, Authorization.objects.get(application=app)


def record(auth, **kw):
    return {"authorization": auth.number, "purpose": "办理企业开办", "user_name": "王五", "approver_name": "李科长",
            "data_content": "企业名称", "acquired_at": "2026-10-09T10:30:00+08:00",
            "acquisition_method": "api_call", "media_type": "online", **kw}


@pytest.fixture
def two_units(world, clock):
    clock.set(D(2026, 10, 9))
    app_a, auth_a = grant(world, world.unit_a, world.user_a, "V1")
    app_b, auth_b = grant(world, world.unit_b, world.user_b, "V2", producer=world.unit_a)
    return app_a, auth_a, app_b, auth_b


def test_usage_records_are_append_only(world, two_units, admin_client, rf):
    _, auth_a, _, _ = two_units
    created, skipped = services.usage_records_push(records=[record(auth_a, external_id="R1")],
                                                   acting_user=world.user_a)
    rec = created[0]
    assert rec.retain_until_on == D(2029, 10, 9) and skipped == []
    # ORM / service layer
    rec.purpose = "改写"
    with pytest.raises(PermissionDenied):
        rec.save()
    with pytest.raises(PermissionDenied):
        rec.delete()
    with pytest.raises(PermissionDenied):
        DataUseRecord.objects.filter(pk=rec.pk).update(purpose="改写")
    with pytest.raises(PermissionDenied):
        DataUseRecord.objects.filter(pk=rec.pk).delete()
    assert not any(name.startswith("usage_record_") and name.endswith(("update", "delete"))
                   for name in dir(services))
    # admin: no add/change/delete, even for a superuser
    model_admin = DataUseRecordAdmin(DataUseRecord, None)
    request = rf.get("/")
    request.user = world.authority
    assert not model_admin.has_change_permission(request, rec)
    assert not model_admin.has_delete_permission(request, rec)
    assert not model_admin.has_add_permission(request)
    response = admin_client.post(reverse("admin:sharing_datauserecord_delete", args=[rec.pk]), {"post": "yes"})
    assert response.status_code == 403
    response = admin_client.post(reverse("admin:sharing_datauserecord_change", args=[rec.pk]), {"purpose": "x"})
    assert response.status_code == 403
    assert DataUseRecord.objects.get(pk=rec.pk).purpose == "办理企业开办"


def test_usage_api_batch_push_and_no_update_or_delete(world, two_units, api_client, token_for):
    _, auth_a, _, auth_b = two_units
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    url = "/api/v1/sharing/usage-records/"
    bad = api_client.post(url + "batch/", {"records": [record(auth_a), record(auth_a, user_name="", media_type="x"),
                                                       record(auth_a, user_name="长" * 61)]}, format="json")
    assert bad.status_code == 400
    assert set(bad.json()) == {"第2条", "第3条"} and DataUseRecord.objects.count() == 0  # all-or-nothing
    assert bad.json()["第3条"] == ["使用人员不能超过 60 个字符（当前 61 个）。"]
    # a row for another unit's authorization is a refusal (403), not a bad request; nothing of the batch is written
    forbidden = api_client.post(url + "batch/", {"records": [record(auth_a), record(auth_b)]}, format="json")
    assert forbidden.status_code == 403 and "第2条" in forbidden.json()["detail"]
    assert DataUseRecord.objects.count() == 0
    ok = api_client.post(url + "batch/", {"records": [record(auth_a, external_id=f"X{i}") for i in range(3)]},
                         format="json")
    assert ok.status_code == 201 and ok.json()["created"] == 3
    again = api_client.post(url + "batch/", {"records": [record(auth_a, external_id="X1")]}, format="json")
    assert again.json()["skipped_external_ids"] == ["X1"] and DataUseRecord.objects.count() == 3
    pk = DataUseRecord.objects.first().pk
    assert api_client.put(f"{url}{pk}/", record(auth_a), format="json").status_code == 405
    assert api_client.patch(f"{url}{pk}/", {"purpose": "x"}, format="json").status_code == 405
    assert api_client.delete(f"{url}{pk}/").status_code == 405
    assert DataUseRecord.objects.count() == 3
    listing = api_client.get(url).json()
    assert listing["count"] == 3


def test_usage_export_xlsx_and_denial(world, two_units, client, api_client, token_for):
    _, auth_a, _, auth_b = two_units
    services.usage_records_push(records=[record(auth_a, purpose="=HYPERLINK(\"x\")"), record(auth_a)],
                                acting_user=world.user_a)
    client.force_login(world.user_a)
    response = client.get(reverse("admin:sharing_authorization_usage", args=[auth_a.pk]))
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("授权编号", "使用单位", "获取时间", "具体用途")
    assert len(rows) == 3 and rows[1][0] == auth_a.number and rows[1][3] == '=HYPERLINK("x")'
    assert wb.active.cell(row=2, column=4).data_type == "s"
    assert client.get(reverse("admin:sharing_authorization_usage", args=[auth_b.pk])).status_code == 200  # producer
    client.force_login(world.jj_fin_admin)
    assert client.get(reverse("admin:sharing_authorization_usage", args=[auth_a.pk])).status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_b)}")
    assert api_client.get(f"/api/v1/sharing/authorizations/{auth_a.pk}/usage-export/").status_code == 200  # producer
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.jj_fin_admin)}")
    assert api_client.get(f"/api/v1/sharing/authorizations/{auth_a.pk}/usage-export/").status_code == 404


def test_usage_rules(world, two_units):
    _, auth_a, _, auth_b = two_units
    with pytest.raises(ValidationError) as err:
        services.usage_records_push(records=[record(auth_a, acquired_at="2030-01-01T00:00:00+08:00")],
                                    acting_user=world.user_a)
    assert "晚于当前时间" in str(err.value)
    with pytest.raises(ValidationError, match="不存在或无权访问"):
        services.usage_records_push(records=[record(auth_b)], acting_user=world.jj_fin_admin)


def test_unit_a_cannot_see_unit_b(world, two_units, client, api_client, token_for):
    app_a, auth_a, app_b, auth_b = two_units
    draft_b = make_application(world.unit_b, world.user_b, [world.entry("V3", world.unit_a)])
    client.force_login(world.jj_fin_admin)  # a unit that is neither applicant nor producer
    listing = client.get(reverse("admin:sharing_shareapplication_changelist"))
    assert listing.status_code == 200 and app_a.number not in listing.content.decode()
    assert client.get(reverse("admin:sharing_shareapplication_change", args=[app_a.pk])).status_code == 302
    assert client.get(reverse("admin:sharing_authorization_change", args=[auth_a.pk])).status_code == 302
    client.force_login(world.user_a)
    page = client.get(reverse("admin:sharing_shareapplication_changelist")).content.decode()
    assert app_a.number in page
    assert app_b.number in page  # unit A is the producer of app B's data
    assert draft_b.number not in page  # …but never sees B's drafts
    auth_page = client.get(reverse("admin:sharing_authorization_changelist")).content.decode()
    assert auth_a.number in auth_page
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.jj_fin_admin)}")
    assert api_client.get("/api/v1/sharing/applications/").json()["count"] == 0
    assert api_client.get(f"/api/v1/sharing/applications/{app_a.pk}/").status_code == 404
    assert api_client.get("/api/v1/sharing/authorizations/").json()["count"] == 0
    assert api_client.get(f"/api/v1/sharing/authorizations/{auth_a.pk}/").status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    numbers = {a["number"] for a in api_client.get("/api/v1/sharing/applications/").json()["results"]}
    assert numbers == {app_a.number, app_b.number}
    assert api_client.get(f"/api/v1/sharing/applications/{draft_b.pk}/").status_code == 404
    # the county authority sees only its county, the tech unit what reached it, the city authority everything
    jj_app = make_application(world.jj_fin, world.jj_fin_admin, [world.entry("V4", world.unit_b)])
    share_application_submit(application=jj_app, acting_user=world.jj_fin_admin)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.jj_auth)}")
    assert [a["number"] for a in api_client.get("/api/v1/sharing/applications/").json()["results"]] == [
        jj_app.number]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.ss_auth)}")
    assert api_client.get("/api/v1/sharing/applications/").json()["count"] == 0
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.tech)}")
    assert {a["number"] for a in api_client.get("/api/v1/sharing/applications/").json()["results"]} == {
        app_a.number, app_b.number}  # the forwarded-pending county one has not reached the tech unit
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    assert api_client.get("/api/v1/sharing/applications/").json()["count"] == 4


def test_draft_edit_only_by_applicant_via_api(world, clock, api_client, token_for):
    app = make_application(world.unit_a, world.user_a, [world.entry("V5", world.unit_b)])
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_b)}")
    assert api_client.patch(f"/api/v1/sharing/applications/{app.pk}/", {"purpose": "x"},
                            format="json").status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    response = api_client.patch(f"/api/v1/sharing/applications/{app.pk}/", {"purpose": "核验营业执照"},
                                format="json")
    assert response.status_code == 200 and response.json()["purpose"] == "核验营业执照"
    response = api_client.post(f"/api/v1/sharing/applications/{app.pk}/actions/submit/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "assessing"
    response = api_client.patch(f"/api/v1/sharing/applications/{app.pk}/", {"purpose": "再改"}, format="json")
    assert response.status_code == 403 and "已提交" in response.json()["detail"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.tech)}")
    response = api_client.post(f"/api/v1/sharing/applications/{app.pk}/actions/confirm/", {}, format="json")
    assert response.status_code == 403 and "市数据管理机构" in response.json()["detail"]
    assert ShareApplication.objects.get(pk=app.pk).status == "assessing"


def _bulk_applications(world, n):
    from sharing.models import ServiceMode, ShareApplication, WorkflowStep
    from sharing.visibility import sync_share_application

    entry = world.entry(f"Q{n}", world.unit_b)
    item = entry.items.first()
    for i in range(n):
        app = ShareApplication.objects.create(
            number=f"T{n}-{i}", applicant_unit=world.unit_a, applicant_user=world.user_a,
            business_matter="事项", application_scenario="场景", information_system="系统",
            service_mode=ServiceMode.API, purpose="用途", requested_from_on=D(2026, 1, 1),
            requested_until_on=D(2027, 1, 1), status="assessing")
        app.entries.add(entry)
        sync_share_application(app)  # rows made past the services keep their audience rows (docs/adr/0015)
        app.data_items.add(item)
        WorkflowStep.objects.create(share_application=app, state="assessing", state_label="评估", actor="tech",
                                    started_on=D(2026, 9, 30), due_on=D(2026, 10, 13))


@pytest.mark.parametrize("who", ["user_a", "authority", "tech"])
def test_list_query_counts_are_constant(world, clock, client, api_client, token_for, who):
    user = getattr(world, who)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    client.force_login(user)
    api_client.get("/api/v1/sharing/applications/")  # warm-up: token last-used bookkeeping
    counts, sizes = [], []
    for n in (10, 100):
        _bulk_applications(world, n if not counts else n - 10)
        with CaptureQueriesContext(connection) as api_ctx:
            response = api_client.get("/api/v1/sharing/applications/?page_size=100")
        sizes.append(len(response.json()["results"]))
        with CaptureQueriesContext(connection) as admin_ctx:
            assert client.get(reverse("admin:sharing_shareapplication_changelist") + "?all=").status_code == 200
        counts.append((len(api_ctx), len(admin_ctx)))
    print("query counts (api, admin) at 10 vs 100 rows:", who, counts)
    assert counts[0] == counts[1], counts
    assert sizes == [10, 100]
