"""Open-data authorization (授权开放) staff side: the technical service unit's assessment, the authority's confirmation,
adjustment or refusal, grants with restrictions, suspension/termination of grants, expiry and reminders, and the notices
to the applicant on each decision — through the admin and the API, with the denials by role."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogs.models import OpenType
from portal.models import Notification
from sharing import selectors, tasks
from sharing.models import AuthorizationEvent, AuthorizationStatus, OpenDataApplication, OpenDataGrant
from sharing.services import (
    open_application_act,
    open_application_create,
    open_application_submit,
)
from sharing.workflow import OpenStatus
from tests.sharing.conftest import REQUESTED_UNTIL, open_consent_and_sign, open_verify

D = dt.date


@pytest.fixture
def submitted(world, clock, enterprises):
    """A university's submitted application for two 授权开放 entries."""
    e1 = world.entry("OS1", world.unit_b, open_type=OpenType.AUTHORIZED)
    e2 = world.entry("OS2", world.unit_b, open_type=OpenType.AUTHORIZED)
    ent, user = enterprises.univ
    app = open_application_create(enterprise=ent, entries=[e1, e2], purpose="区域经济研究", scenario="论文数据分析",
                                  is_commercial=False, acting_user=user, requested_until_on=REQUESTED_UNTIL,
                                  declares_eligibility=True)
    app = open_application_submit(application=app, acting_user=user)
    return open_verify(app, world.authority), user, e1, e2


def notices(user, title):
    return list(Notification.objects.filter(recipient=user, title=title).values_list("body", flat=True))


def granted_app(world, submitted, **confirm):
    app, user, *_ = submitted
    app = open_application_act(application=app, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    app = open_application_act(application=app, action="confirm", acting_user=world.authority, **confirm)
    return open_consent_and_sign(app, [world.user_b], world.tech)


def test_admin_assessment_and_adjusted_grant_with_restrictions(world, submitted, client):
    app, applicant, e1, e2 = submitted
    change = reverse("admin:sharing_opendataapplication_change", args=[app.pk])
    client.force_login(world.authority)
    page = client.get(change).content.decode()
    assert ">评估：需求合理</a>" not in page  # the authority has no assess button (the header names the next step)
    response = client.post(reverse("admin:sharing_opendataapplication_step", args=[app.pk, "assess_reasonable"]),
                           {"opinion": "合理"}, follow=True)
    assert "由技术服务单位办理" in response.content.decode()
    assert OpenDataApplication.objects.get(pk=app.pk).status == OpenStatus.ASSESSING
    client.force_login(world.tech)
    page = client.get(change).content.decode()
    assert "评估：需求合理" in page and "确认并授权" not in page
    response = client.post(reverse("admin:sharing_opendataapplication_step", args=[app.pk, "assess_reasonable"]),
                           {"opinion": "场景与数据匹配，需求合理"})
    assert response.status_code == 302
    assert notices(applicant, "授权开放申请评估：需求合理")[0].count("场景与数据匹配") == 1
    # the tech unit may not confirm
    response = client.post(reverse("admin:sharing_opendataapplication_step", args=[app.pk, "confirm"]), {},
                           follow=True)
    assert "由市数据管理机构办理" in response.content.decode()
    assert OpenDataApplication.objects.get(pk=app.pk).status == OpenStatus.CONFIRMING
    client.force_login(world.authority)
    url = reverse("admin:sharing_opendataapplication_step", args=[app.pk, "adjust"])
    form = client.get(url).content.decode()
    assert "保留的目录" in form and "附加限制条件" in form
    response = client.post(url, {"opinion": "仅授权第一类目录", "entries": [e1.pk], "valid_until_on": "2027-06-30",
                                 "extra_restrictions": "每日调用不超过1000次\n仅在学校内网环境使用"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == OpenStatus.CONSENTING and selectors.open_grant_for_application(app) is None
    assert app.granted_until_on == D(2027, 6, 30) and app.term_reason == "仅授权第一类目录"  # shortened, with reason
    open_consent_and_sign(app, [world.user_b], world.tech)
    grant = selectors.open_grant_for_application(app)
    assert list(grant.entries.all()) == [e1] and grant.valid_until_on == D(2027, 6, 30)
    assert grant.restrictions[-2:] == ["附加条件：每日调用不超过1000次", "附加条件：仅在学校内网环境使用"]
    assert any("不得提供给第三方" in r for r in grant.restrictions)
    assert any("不得用于或变相用于商业用途" in r for r in grant.restrictions)
    assert notices(applicant, "授权开放申请调整后确认授权（征求数据提供单位同意）")
    body = notices(applicant, "授权开放申请登记已签署协议并开放接口授权")[0]
    assert grant.number in body and "2027-06-30" in body


def test_api_refusal_needs_policy_basis_and_reason_and_denials_by_role(world, submitted, api_client, token_for):
    app, applicant, *_ = submitted
    url = f"/api/v1/sharing/open-applications/{app.pk}/actions/"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(applicant)}")
    response = api_client.post(url + "assess_reasonable/", {"opinion": "自评合理"}, format="json")
    assert response.status_code == 403 and "技术服务单位" in response.json()["detail"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")  # a unit data admin: not visible
    assert api_client.post(url + "assess_reasonable/", {"opinion": "x"}, format="json").status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.tech)}")
    assert api_client.post(url + "assess_reasonable/", {"opinion": "合理"}, format="json").status_code == 200
    response = api_client.post(url + "confirm/", {}, format="json")
    assert response.status_code == 403 and "市数据管理机构" in response.json()["detail"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    response = api_client.post(url + "stop/", {"opinion": "涉及个人信息"}, format="json")
    assert response.status_code == 400 and "政策依据" in str(response.json())
    assert OpenDataApplication.objects.get(pk=app.pk).status == OpenStatus.CONFIRMING
    response = api_client.post(url + "stop/", {"opinion": "涉及个人信息，不宜授权", "policy_basis": "QZ §六(一)"},
                               format="json")
    assert response.status_code == 200 and response.json()["status"] == "stopped"
    assert response.json()["stop_policy_basis"] == "QZ §六(一)"
    body = notices(applicant, "授权开放申请停止授权")[0]
    assert "涉及个人信息" in body and "政策依据：QZ §六(一)" in body
    assert not OpenDataGrant.objects.exists()


def test_api_confirm_with_restrictions_then_suspend_resume_revoke(world, submitted, api_client, token_for):
    app, applicant, e1, _ = submitted
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.tech)}")
    api_client.post(f"/api/v1/sharing/open-applications/{app.pk}/actions/assess_reasonable/", {"opinion": "合理"},
                    format="json")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    response = api_client.post(f"/api/v1/sharing/open-applications/{app.pk}/actions/confirm/",
                               {"extra_restrictions": "成果发表前报数据管理机构备案"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "consenting"
    assert not OpenDataGrant.objects.filter(application=app).exists()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_b)}")  # the provider unit consents
    response = api_client.post(f"/api/v1/sharing/open-applications/{app.pk}/actions/provider_consent/",
                               {"opinion": "同意"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "agreement_signing"
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.tech)}")
    response = api_client.post(f"/api/v1/sharing/open-applications/{app.pk}/actions/agreement_record/", {
        "agreement_number": "QZKF-API-1", "signed_on": "2026-09-30", "signatories": "申请主体\n市数据管理机构",
        "agreement_file": SimpleUploadedFile("协议.pdf", b"%PDF-1.4 a")}, format="multipart")
    assert response.status_code == 200 and response.json()["status"] == "granted"
    grant = OpenDataGrant.objects.get(application=app)
    assert grant.restrictions[-1] == "附加条件：成果发表前报数据管理机构备案"
    base = f"/api/v1/sharing/open-grants/{grant.pk}/"
    for user in (world.tech, applicant):  # visible to both, but neither may suspend
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        response = api_client.post(base + "suspend/", {"misuse_kind": "over_scope", "reason": "超范围"},
                                   format="json")
        assert response.status_code == 403 and "市数据管理机构" in response.json()["detail"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    assert api_client.post(base + "suspend/", {"misuse_kind": "other", "reason": "x"}, format="json").status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    assert api_client.post(base + "suspend/", {"misuse_kind": "over_scope"}, format="json").status_code == 400
    assert api_client.post(base + "suspend/", {"reason": "超范围"}, format="json").status_code == 400
    assert OpenDataGrant.objects.get(pk=grant.pk).status == AuthorizationStatus.ACTIVE
    response = api_client.post(base + "suspend/", {"misuse_kind": "over_scope", "reason": "发现将数据提供给合作企业"},
                               format="json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "suspended" and not data["is_usable"]
    assert [e["event"] for e in data["events"]] == ["suspend"]
    assert notices(applicant, "授权开放许可已暂停")[0].endswith("原因：发现将数据提供给合作企业")
    assert api_client.post(base + "resume/", {"reason": ""}, format="json").status_code == 400
    assert api_client.post(base + "resume/", {"reason": "已整改并提交说明"}, format="json").json()["status"] == "active"
    response = api_client.post(base + "revoke/", {"misuse_kind": "illegal_use", "reason": "倒卖数据"}, format="json")
    assert response.json()["status"] == "revoked"
    assert api_client.post(base + "resume/", {"reason": "再恢复"}, format="json").status_code == 400
    assert [e["event"] for e in api_client.get(base).json()["events"]] == ["suspend", "resume", "revoke"]
    assert notices(applicant, "授权开放许可已终止")


def test_admin_grant_buttons_and_refusals(world, submitted, client):
    app = granted_app(world, submitted)
    grant = OpenDataGrant.objects.get(application=app)
    change = reverse("admin:sharing_opendatagrant_change", args=[grant.pk])
    client.force_login(world.tech)
    assert "暂停许可" not in client.get(change).content.decode()
    response = client.post(reverse("admin:sharing_opendatagrant_step", args=[grant.pk, "suspend"]),
                           {"misuse_kind": "security_risk", "reason": "风险"}, follow=True)
    assert "只有市数据管理机构" in response.content.decode()
    client.force_login(world.authority)
    page = client.get(change).content.decode()
    assert "暂停许可" in page and "终止许可" in page and "恢复许可" not in page
    url = reverse("admin:sharing_opendatagrant_step", args=[grant.pk, "suspend"])
    response = client.post(url, {"misuse_kind": "", "reason": "风险"}, follow=True)
    assert "该字段是必填项" in response.content.decode()  # the step form: 原因类别 is required
    assert OpenDataGrant.objects.get(pk=grant.pk).status == AuthorizationStatus.ACTIVE
    assert client.post(url, {"misuse_kind": "security_risk", "reason": "接口出现异常批量下载"}).status_code == 302
    page = client.get(change).content.decode()
    assert "恢复许可" in page and "接口出现异常批量下载" in page  # the event is listed on the grant
    client.post(reverse("admin:sharing_opendatagrant_step", args=[grant.pk, "resume"]), {"reason": "已整改"})
    assert OpenDataGrant.objects.get(pk=grant.pk).status == AuthorizationStatus.ACTIVE
    assert list(AuthorizationEvent.objects.filter(open_grant=grant).values_list("event", "actor")) == [
        ("suspend", world.authority.pk), ("resume", world.authority.pk)]


def test_expiry_job_and_reminder_notify_the_applicant(world, submitted, clock):
    app, applicant, *_ = submitted
    app = granted_app(world, submitted, valid_until_on=D(2026, 10, 20), opinion="先授权至十月底，评估后再议")
    grant = OpenDataGrant.objects.get(application=app)
    names = [s[1] for s in tasks.SCHEDULES]
    assert "sharing.tasks.expire_open_grants" in names and "sharing.tasks.remind_expiring_open_grants" in names
    clock.set(D(2026, 9, 29))  # 10 working days before 10-20 is 09-30 (National Day not counted)
    assert tasks.remind_expiring_open_grants() == 0
    clock.set(D(2026, 9, 30))
    assert tasks.remind_expiring_open_grants() == 1
    assert tasks.remind_expiring_open_grants() == 0  # once only
    assert "2026-10-20" in notices(applicant, "授权开放许可即将到期")[0]
    clock.set(D(2026, 10, 20))
    assert tasks.expire_open_grants() == 0  # valid through its last day
    clock.set(D(2026, 10, 21))
    assert tasks.expire_open_grants() == 1
    grant.refresh_from_db()
    assert grant.status == AuthorizationStatus.EXPIRED and not grant.is_usable
    assert notices(applicant, "授权开放许可已到期")
    event = AuthorizationEvent.objects.get(open_grant=grant)
    assert (event.event, event.from_status, event.actor) == ("expire", "active", None)
    assert tasks.expire_open_grants() == 0


def test_open_grant_list_uses_constant_queries(world, submitted, api_client, token_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    app, applicant, e1, _ = submitted
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    api_client.get("/api/v1/sharing/open-grants/")  # warm-up: token bookkeeping
    counts = []
    for n in (5, 50):
        while OpenDataGrant.objects.count() < n:
            i = OpenDataGrant.objects.count()
            other = OpenDataApplication.objects.create(number=f"KFT{i}", enterprise=app.enterprise,
                                                       applicant_user=applicant, purpose="p", scenario="s")
            grant = OpenDataGrant(number=f"KQT{i}", application=other, enterprise=app.enterprise,
                                  valid_from_on=D(2026, 9, 30), valid_until_on=D(2027, 9, 30), attribution_text="x")
            grant.save()
            grant.entries.set([e1])
            AuthorizationEvent.objects.create(open_grant=grant, event="suspend", to_status="suspended", reason="r")
        with CaptureQueriesContext(connection) as ctx:
            response = api_client.get("/api/v1/sharing/open-grants/?page_size=100")
        assert len(response.json()["results"]) == n
        counts.append(len(ctx))
    print("open-grants API queries at 5 vs 50 rows:", counts)
    assert counts[0] == counts[1]
