"""Issue 15 (sharing): input refused with a Chinese message instead of cut or accepted in silence — usage-record
text over its column's length, requested usage periods outside 2000-01-01 … today + 10 years, the assessment month;
a forbidden row in a usage batch is 403 and nothing of the batch is written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import OpenType
from sharing import services
from sharing.models import DataUseRecord, OpenDataApplication, ShareApplication
from sharing.services import open_application_create
from tests.sharing.conftest import make_application
from tests.sharing.test_usage_and_visibility import record, two_units  # noqa: F401 - fixture

D = dt.date
USAGE = "/api/v1/sharing/usage-records/"


def test_usage_record_user_name_of_100000_characters_is_refused_not_cut(world, two_units, api_client,  # noqa: F811
                                                                         token_for):
    _, auth_a, _, _ = two_units
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    response = api_client.post(USAGE, record(auth_a, user_name="王" * 100_000), format="json")
    assert response.status_code == 400
    assert response.json() == {"第1条": ["使用人员不能超过 60 个字符（当前 100000 个）。"]}
    batch = api_client.post(USAGE + "batch/", {"records": [record(auth_a, approver_name="李" * 61,
                                                                   external_id="E" * 65)]}, format="json")
    assert batch.status_code == 400
    assert batch.json()["第1条"] == ["批准人员不能超过 60 个字符（当前 61 个）。",
                                    "单位侧记录编号不能超过 64 个字符（当前 65 个）。"]
    assert DataUseRecord.objects.count() == 0
    exact = api_client.post(USAGE, record(auth_a, user_name="王" * 60), format="json")
    assert exact.status_code == 201 and DataUseRecord.objects.get().user_name == "王" * 60  # at the limit: kept whole


def test_batch_with_a_forbidden_row_is_403_and_writes_nothing(world, two_units, api_client, token_for):  # noqa: F811
    _, auth_a, _, auth_b = two_units
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    rows = [record(auth_a, external_id=f"OK{i}") for i in range(5)] + [record(auth_b, external_id="NO")]
    response = api_client.post(USAGE + "batch/", {"records": rows}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "第6条：只有被授权单位可以登记该授权的数据使用记录。（整批未登记）"
    assert DataUseRecord.objects.count() == 0
    with pytest.raises(PermissionDenied):  # the service itself, whatever door calls it
        services.usage_records_push(records=rows, acting_user=world.user_a)
    assert DataUseRecord.objects.count() == 0
    # a forbidden row together with malformed rows is still a refusal: permission first
    mixed = api_client.post(USAGE + "batch/", {"records": [record(auth_a, user_name=""), record(auth_b)]},
                            format="json")
    assert mixed.status_code == 403 and DataUseRecord.objects.count() == 0


@pytest.mark.parametrize(("field", "value", "message"), [
    ("requested_from_on", D(1, 1, 1), "申请使用起始日（0001-01-01）早于 2000-01-01"),
    ("requested_until_on", D(9999, 12, 31), "申请使用截止日（9999-12-31）晚于 2036-10-09"),
])
def test_share_application_dates_have_bounds(world, clock, api_client, token_for, field, value, message):
    clock.set(D(2026, 10, 9))
    entry = world.entry("B1", world.unit_b)
    with pytest.raises(ValidationError) as exc:
        make_application(world.unit_a, world.user_a, [entry], **{field: value})
    assert any(message in m for m in exc.value.message_dict[field])
    assert ShareApplication.objects.count() == 0
    ok = make_application(world.unit_a, world.user_a, [entry], requested_from_on=D(2026, 10, 9),
                          requested_until_on=D(2036, 10, 9))  # the last accepted day
    assert ok.requested_until_on == D(2036, 10, 9)


def test_open_data_request_dates_have_bounds(world, clock, enterprises, api_client, token_for):
    clock.set(D(2026, 10, 9))
    entry = world.entry("O1", world.unit_b, open_type=OpenType.AUTHORIZED)
    ent, user = enterprises.domestic
    with pytest.raises(ValidationError) as exc:
        open_application_create(enterprise=ent, entries=[entry], purpose="产业链分析", scenario="园区招商画像",
                                is_commercial=False, acting_user=user, requested_until_on=D(9999, 12, 31),
                                declares_eligibility=True)
    assert "晚于 2036-10-09" in exc.value.message_dict["requested_until_on"][0]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    body = {"enterprise": ent.pk, "entries": [entry.pk], "purpose": "p", "scenario": "s", "is_commercial": False,
            "declares_eligibility": True}
    for value in ("9999-12-31", "0001-01-01"):
        response = api_client.post("/api/v1/sharing/open-applications/", {**body, "requested_until_on": value},
                                   format="json")
        assert response.status_code == 400, response.content
        assert "申请使用截止日" in response.json()["requested_until_on"][0]
    assert OpenDataApplication.objects.count() == 0


@pytest.mark.parametrize("month", ["abc", "2026-13", "2026-00", "1899-05", "2026-1-1x"])
def test_assessment_month_that_cannot_be_read_is_400(world, clock, api_client, token_for, client, month):
    clock.set(D(2026, 10, 9))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    response = api_client.get("/api/v1/sharing/applications/assessment/", {"month": month})
    assert response.status_code == 400
    assert "参数 month 应为年月，格式 YYYY-MM" in response.json()["month"][0]
    client.force_login(world.authority)
    page = client.get("/admin/sharing/shareapplication/assessment/", {"month": month})
    assert page.status_code == 400 and "参数 month 应为年月" in page.content.decode()


def test_assessment_month_read_or_defaulted(world, clock, api_client, token_for):
    clock.set(D(2026, 10, 9))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    url = "/api/v1/sharing/applications/assessment/"
    assert api_client.get(url, {"month": "2026-03"}).json()["month"] == "2026-03"
    assert api_client.get(url).json()["month"] == "2026-09"  # absent: the previous month, as before
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    refused = api_client.get(url, {"month": "abc"})
    assert refused.status_code == 403  # the permission is asked before the parameter is read
