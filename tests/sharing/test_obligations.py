"""Sharing and open-data obligations of the seeds that the other tests did not yet prove (docs/sharing.md,
"Requirements").

Each test names the clause it enforces: ``000`` = 泉政办〔2021〕21号 (QZ, with 附件1 名词解释 and 附件2 数据共享流程),
``001`` = the Guangdong (GD) and Fujian (FJ-OPEN, FJ-REG) public-data rules.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError

from catalogs.models import OpenType, ShareType
from portal.models import Notification
from sharing import services
from sharing.models import Authorization, DataUseRecord, OpenDataApplication, ServiceMode, ShareApplication
from sharing.services import open_application_create, share_application_act, share_application_submit
from tests.sharing.conftest import make_application

D = dt.date


def _granted(world, clock):
    entry = world.entry("OB-A", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    clock.set(D(2026, 10, 9))
    for action, user in (("assess_reasonable", world.tech), ("confirm", world.authority), ("grant", world.tech)):
        app = share_application_act(application=app, action=action, acting_user=user, opinion="同意")
    return Authorization.objects.get(application=app)


def test_bulk_exchange_target_system_states_its_protection_level(world, clock):
    """`000` 附件1 §5 (批量数据交换服务): the consumer's system that receives the push must be built and run under
    the graded protection scheme (等保), so a bulk-exchange application without the level is refused."""
    entry = world.entry("OB-B", world.unit_b)
    with pytest.raises(ValidationError) as err:
        make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.BULK_EXCHANGE, system_mlps_level=" ")
    assert "等级保护" in " ".join(err.value.message_dict["system_mlps_level"])
    assert not ShareApplication.objects.exists()


def test_refusal_reaches_the_applicant_with_policy_basis_and_reason(world, clock):
    """`000` 附件2 §3: for a refused application the data authority fills in the policy basis and the reason on the
    platform; the applicant unit is told both."""
    entry = world.entry("OB-C", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(
        application=make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.BULK_EXCHANGE),
        acting_user=world.user_a)
    share_application_act(application=app, action="joint_reject", acting_user=world.authority,
                          opinion="超出本单位履职需要", policy_basis="《泉州市政务数据管理规定》五(三)")
    notice = Notification.objects.get(recipient=world.user_a, title__contains="会商不同意")
    assert "超出本单位履职需要" in notice.body and "五(三)" in notice.body


def test_usage_record_names_every_missing_field_and_stays_inside_the_grant(world, clock):
    """`000` QZ §八(二) and §二(四): each use of shared data records purpose, user, approver, content, time, method
    and medium, and only within the authorization's validity (依据授权的方式、范围使用)."""
    auth = _granted(world, clock)
    with pytest.raises(ValidationError) as err:
        services.usage_records_push(records=[{"authorization": auth.number}], acting_user=world.user_a)
    text = str(err.value)
    for label in ("具体用途", "使用人员", "批准人员", "数据内容", "获取时间", "获取方式", "介质类型"):
        assert label in text
    row = {"authorization": auth.number, "purpose": "办理企业开办", "user_name": "王五", "approver_name": "李科长",
           "data_content": "企业名称", "acquisition_method": "api_call", "media_type": "online"}
    with pytest.raises(ValidationError, match="不在授权有效期"):
        services.usage_records_push(records=[{**row, "acquired_at": "2026-10-01T10:00:00+08:00"}],
                                    acting_user=world.user_a)
    assert not DataUseRecord.objects.exists()
    created, _ = services.usage_records_push(records=[{**row, "acquired_at": "2026-10-09T10:00:00+08:00"}],
                                             acting_user=world.user_a)
    assert len(created) == 1


def test_automated_bulk_querying_is_throttled(world, api_client, monkeypatch):
    """`000` QZ §五(三): no crawlers or automated query tools (网络爬虫、自助查询助手) — the API limits each user's
    request rate and refuses the excess with a Chinese 429."""
    from rest_framework.throttling import UserRateThrottle

    monkeypatch.setitem(UserRateThrottle.THROTTLE_RATES, "user", "3/minute")
    cache.clear()
    api_client.force_authenticate(world.user_a)
    codes = [api_client.get("/api/v1/sharing/authorizations/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert "请求过于频繁" in api_client.get("/api/v1/sharing/authorizations/").json()["detail"]
    cache.clear()


def test_open_application_states_purpose_and_scenario(world, clock, enterprises):
    """`000` QZ §六(五) and `001` FJ-OPEN art.10: an open-data application states its concrete scenario and use so
    the technical unit can assess whether the need is reasonable; without them it is refused and nothing is kept."""
    entry = world.entry("OB-O", world.unit_b, open_type=OpenType.AUTHORIZED)
    ent, user = enterprises.domestic
    with pytest.raises(ValidationError) as err:
        open_application_create(enterprise=ent, entries=[entry], purpose=" ", scenario="", is_commercial=False,
                                acting_user=user)
    assert {"purpose", "scenario"} <= set(err.value.message_dict)
    assert not OpenDataApplication.objects.exists()
