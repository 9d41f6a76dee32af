"""Open-data authorization applications (QZ §六(四)–(五)), admin workflow pages, overdue board and assessment."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from catalogs.models import OpenType, ShareType
from sharing import selectors
from sharing.models import OpenDataGrant, WorkflowStep
from sharing.services import (
    open_application_act,
    open_application_create,
    open_application_resubmit,
    open_application_submit,
    open_application_withdraw,
    open_grant_set_status,
    producer_opinion_give,
    share_application_submit,
    steps_flag_overdue,
)
from sharing.workflow import OpenStatus, Status
from tests.sharing.conftest import REQUESTED_UNTIL, make_application, open_consent_and_sign, open_verify

D = dt.date


@pytest.fixture
def open_entry(world):
    return world.entry("O1", world.unit_b, open_type=OpenType.AUTHORIZED)


def create(ent, user, entries, commercial=False, declares=True):
    return open_application_create(enterprise=ent, entries=entries, purpose="产业链分析", scenario="园区招商画像",
                                   is_commercial=commercial, acting_user=user, requested_until_on=REQUESTED_UNTIL,
                                   declares_eligibility=declares)


def test_eligibility(world, clock, enterprises, open_entry):
    closed = world.entry("O2", world.unit_b, open_type=OpenType.CLOSED)
    ent, user = enterprises.foreign  # what it ticked on registration decides nothing: the verification does
    with pytest.raises(ValidationError, match="请声明本主体符合申请资格（内资控股法人企业）"):
        create(ent, user, [open_entry], declares=False)
    ent, user = enterprises.univ
    with pytest.raises(ValidationError, match="不得用于商业用途"):
        create(ent, user, [open_entry], commercial=True)
    assert create(ent, user, [open_entry]).status == OpenStatus.DRAFT
    ent, user = enterprises.assoc
    with pytest.raises(ValidationError, match="不在范围内"):
        create(ent, user, [open_entry])
    ent, user = enterprises.domestic
    with pytest.raises(ValidationError, match="不是已发布的授权开放目录"):
        create(ent, user, [closed])
    with pytest.raises(PermissionDenied):
        create(enterprises.other[0], user, [open_entry])  # not a member of that organisation


def test_full_open_path_with_restrictions(world, clock, enterprises, open_entry):
    ent, user = enterprises.univ
    app = open_application_submit(application=create(ent, user, [open_entry]), acting_user=user)
    assert app.status == OpenStatus.VERIFYING and app.current_due_on == D(2026, 10, 13)
    app = open_verify(app, world.authority)
    assert app.status == OpenStatus.ASSESSING and app.current_due_on == D(2026, 10, 13)
    with pytest.raises(PermissionDenied):
        open_application_act(application=app, action="assess_reasonable", acting_user=user, opinion="自评合理")
    app = open_application_act(application=app, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    assert app.status == OpenStatus.CONFIRMING
    with pytest.raises(PermissionDenied):
        open_application_act(application=app, action="confirm", acting_user=world.tech)
    app = open_application_act(application=app, action="confirm", acting_user=world.authority,
                               valid_until_on=D(2027, 9, 30))
    assert app.status == OpenStatus.CONSENTING
    app = open_consent_and_sign(app, [world.user_b], world.tech)
    assert app.status == OpenStatus.GRANTED
    grant = selectors.open_grant_for_application(app)
    assert grant.valid_until_on == D(2027, 9, 30) and not grant.is_commercial_use_allowed
    assert grant.is_third_party_forbidden and grant.is_resale_forbidden and grant.must_state_source
    text = " ".join(grant.restrictions)
    assert "不得提供给第三方" in text and "数据倒卖" in text and "不得用于或变相用于商业用途" in text
    assert "获取日期：2026-09-30" in grant.attribution_text
    grant.valid_until_on = D(2030, 1, 1)
    with pytest.raises(PermissionDenied):
        grant.save()
    with pytest.raises(PermissionDenied):
        open_grant_set_status(grant=grant, status="suspended", reason="超范围", acting_user=world.tech)
    grant = open_grant_set_status(grant=OpenDataGrant.objects.get(pk=grant.pk), status="suspended",
                                  reason="发现转售", acting_user=world.authority)
    assert grant.status == "suspended"


def test_open_negotiation_stop_and_withdraw(world, clock, enterprises, open_entry):
    ent, user = enterprises.domestic
    app = open_application_submit(application=create(ent, user, [open_entry], commercial=True), acting_user=user)
    app = open_verify(app, world.authority)
    app = open_application_act(application=app, action="assess_unreasonable", acting_user=world.tech,
                               opinion="场景与所申请数据无关")
    app = open_application_act(application=app, action="negotiate_close", acting_user=world.authority,
                               opinion="已协商，缩小范围后重新申请")
    new = open_application_resubmit(application=app, acting_user=user)
    assert new.previous_application == app and new.status == OpenStatus.DRAFT
    new = open_application_submit(application=new, acting_user=user)
    new = open_verify(new, world.authority)
    new = open_application_act(application=new, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    with pytest.raises(ValidationError):
        open_application_act(application=new, action="stop", acting_user=world.authority, opinion="不妥")
    new = open_application_act(application=new, action="stop", acting_user=world.authority, opinion="涉及商业秘密",
                               policy_basis="QZ §六(一)")
    assert new.status == OpenStatus.STOPPED and new.stop_policy_basis == "QZ §六(一)"
    third = open_application_submit(application=create(ent, user, [open_entry]), acting_user=user)
    with pytest.raises(PermissionDenied):
        open_application_withdraw(application=third, acting_user=enterprises.other[1], reason="x")
    third = open_application_withdraw(application=third, acting_user=user, reason="不再需要")
    assert third.status == OpenStatus.WITHDRAWN


def test_open_selectors_hide_other_applicants(world, clock, enterprises, open_entry, api_client, token_for):
    ent, user = enterprises.domestic
    app = create(ent, user, [open_entry])
    other_user = enterprises.other[1]
    assert selectors.open_application_get_for_user(other_user, app.pk) is None
    assert selectors.open_application_get_for_user(user, app.pk) == app
    assert selectors.open_application_get_for_user(user, "abc") is None
    assert list(selectors.open_application_list_for_user(other_user)) == []
    assert list(selectors.open_application_list_for_user(world.tech)) == []  # drafts stay private
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(other_user)}")
    assert api_client.get(f"/api/v1/sharing/open-applications/{app.pk}/").status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    response = api_client.post(f"/api/v1/sharing/open-applications/{app.pk}/actions/submit/", {}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "verifying"
    response = api_client.post("/api/v1/sharing/open-applications/", {
        "enterprise": ent.pk, "entries": [open_entry.pk], "purpose": "p", "scenario": "s", "is_commercial": False,
        "requested_until_on": "2027-06-30", "declares_eligibility": True}, format="json")
    assert response.status_code == 201


def test_admin_workflow_buttons_and_actions(world, clock, client):
    entry = world.entry("AD1", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    client.force_login(world.tech)
    page = client.get(reverse("admin:sharing_shareapplication_change", args=[app.pk])).content.decode()
    assert "评估：需求合理" in page and "确认授权" not in page
    url = reverse("admin:sharing_shareapplication_step", args=[app.pk, "assess_reasonable"])
    response = client.post(url, {"opinion": ""})
    assert response.status_code == 200 and "该字段是必填项" in response.content.decode()
    response = client.post(url, {"opinion": "合理"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == Status.JOINT_REVIEW
    client.force_login(world.user_b)
    page = client.get(reverse("admin:sharing_shareapplication_change", args=[app.pk])).content.decode()
    assert "填写会商意见" in page
    response = client.post(reverse("admin:sharing_shareapplication_opinion", args=[app.pk]),
                           {"agrees": "1", "opinion": "同意"})
    assert response.status_code == 302, response.content.decode()[-3000:]
    client.force_login(world.authority)
    response = client.post(reverse("admin:sharing_shareapplication_step", args=[app.pk, "joint_approve"]), {})
    assert response.status_code == 302, [str(m) for m in response.context["messages"]]
    app.refresh_from_db()
    assert app.status == Status.CONFIRMING
    client.force_login(world.user_a)  # the applicant may not confirm: refused with the reason, nothing changed
    response = client.post(reverse("admin:sharing_shareapplication_step", args=[app.pk, "confirm"]), {}, follow=True)
    assert "由市数据管理机构办理" in response.content.decode()
    app.refresh_from_db()
    assert app.status == Status.CONFIRMING


def test_admin_add_form_creates_through_service(world, clock, client):
    entry = world.entry("AD2", world.unit_b)
    item = entry.items.first()
    client.force_login(world.user_a)
    response = client.post(reverse("admin:sharing_shareapplication_add"), {
        "applicant_unit": world.unit_a.pk, "kind": "ordinary", "entries": [entry.pk], "data_items": [item.pk],
        "business_matter": "事项", "application_scenario": "场景", "information_system": "系统", "purpose": "用途",
        "service_mode": "bulk_exchange", "requested_from_on": "2026-10-01", "requested_until_on": "2027-10-01",
        "source_location": "city_platform", "interface_kind": "", "bulk_justification": "",
        "system_mlps_level": "",
        "producer_opinions-TOTAL_FORMS": "0", "producer_opinions-INITIAL_FORMS": "0",
        "steps-TOTAL_FORMS": "0", "steps-INITIAL_FORMS": "0"})
    assert response.status_code == 200 and "不能满足需求的原因" in response.content.decode()
    from sharing.models import ShareApplication

    assert not ShareApplication.objects.exists()


def test_overdue_board_and_flagging(world, clock, client):
    entry = world.entry("OV1", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(
        application=make_application(world.unit_a, world.user_a, [entry], mode="bulk_exchange"),
        acting_user=world.user_a)
    clock.set(D(2026, 10, 14))
    assert [s.share_application_id for s in selectors.overdue_step_list(world.authority)] == [app.pk]
    assert list(selectors.overdue_step_list(world.jj_fin_admin)) == []
    assert len(steps_flag_overdue()) == 1 and steps_flag_overdue() == []
    client.force_login(world.authority)
    page = client.get(reverse("admin:sharing_overdue")).content.decode()
    assert app.number in page and "2026-10-13" in page.replace("2026年10月13日", "2026-10-13")
    listing = client.get(reverse("admin:sharing_shareapplication_changelist") + "?overdue=yes").content.decode()
    assert app.number in listing


def test_assessment_report(world, clock, client, api_client, token_for):
    entry = world.entry("AS1", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    clock.set(D(2026, 10, 8))
    from sharing.services import share_application_act

    app = share_application_act(application=app, action="assess_reasonable", acting_user=world.tech, opinion="合理")
    clock.set(D(2026, 10, 21))  # joint review due 10-15: the producer answers late
    producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="同意",
                          acting_user=world.user_b)
    client.force_login(world.authority)
    response = client.get(reverse("admin:sharing_assessment") + "?month=2026-10&format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = {r[1]: r for r in wb.active.iter_rows(min_row=2, values_only=True)}
    tech = rows["QZ-TECH"]
    assert tech[2:4] == (1, 1)  # one assessment due in October, answered on time
    assert tech[8] == 1  # 09-30 → 10-08: one working day elapsed (the National Day holiday does not count)
    producer = rows["QZ-B"]
    assert producer[4:6] == (1, 0)  # one opinion due, late
    assert producer[12:14] == (1, 1)  # catalog entries / published
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.user_a)}")
    assert api_client.get("/api/v1/sharing/applications/assessment/?month=2026-10").status_code == 403
    assert client.get(reverse("admin:sharing_assessment")).status_code == 200
    assert WorkflowStep.objects.filter(responsible_unit__code="QZ-DATA", finished_on__isnull=True).count() == 1
