"""Every path of the share-application state machine (catalog_sharing.md §3.4–§3.5), with working-day due dates
computed across the 2026 National Day holiday (10-01…10-07) and the make-up Saturday 2026-10-10."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import CatalogLevel, ServiceInterface, ShareType
from portal.models import AuditLog, Notification
from sharing.models import (
    Authorization,
    InterfaceKind,
    RequestKind,
    Route,
    ServiceMode,
    ShareApplication,
    SourceLocation,
    WorkflowStep,
)
from sharing.services import (
    producer_opinion_give,
    share_application_act,
    share_application_resubmit,
    share_application_submit,
    share_application_withdraw,
)
from sharing.workflow import SHARE_APPLICATION, Status, due_on
from tests.sharing.conftest import make_application

D = dt.date


def act(app, action, user, **kw):
    return share_application_act(application=app, action=action, acting_user=user, **kw)


def test_due_dates_cross_national_day_and_make_up_saturday(db):  # holiday overrides are read from the DB
    # 5 working days from 09-30: 10-08, 10-09, 10-10 (make-up Saturday), 10-12, 10-13
    assert due_on(Status.JOINT_REVIEW, D(2026, 9, 30)) == D(2026, 10, 13)
    # 3 working days from 10-08: 10-09, 10-10 (Saturday, a working day), 10-12
    assert due_on(Status.CONFIRMING, D(2026, 10, 8)) == D(2026, 10, 12)
    assert due_on(Status.GRANTED, D(2026, 10, 8)) is None


def test_api_unconditional_city_path(world, clock):
    entry = world.entry("E1", world.unit_b)
    app = make_application(world.unit_a, world.user_a, [entry])
    assert app.status == Status.DRAFT
    app = share_application_submit(application=app, acting_user=world.user_a)
    assert (app.status, app.route, app.share_type) == (Status.ASSESSING, Route.CITY, ShareType.UNCONDITIONAL)
    assert app.is_deemed_stamped and app.submitted_at is not None
    assert app.current_due_on == D(2026, 10, 13) and not app.is_statutory_due
    clock.set(D(2026, 10, 8))
    app = act(app, "assess_reasonable", world.tech, opinion="场景明确，范围最少够用")
    assert app.status == Status.CONFIRMING  # unconditional: no producer joint review
    assert app.current_due_on == D(2026, 10, 12)
    app = act(app, "confirm", world.authority)
    assert app.status == Status.GRANTING
    app = act(app, "grant", world.tech)
    assert app.status == Status.GRANTED and app.current_due_on is None and app.decided_at
    auth = Authorization.objects.get(application=app)
    assert auth.consumer_unit == world.unit_a and auth.service_mode == ServiceMode.API
    assert auth.valid_from_on == D(2026, 10, 8) and auth.valid_until_on == D(2027, 9, 30)
    assert [i["name"] for i in auth.scope_snapshot["data_items"]] == ["名称"]
    steps = list(WorkflowStep.objects.filter(share_application=app).values_list("state", "action", "finished_on"))
    assert steps == [("assessing", "assess_reasonable", D(2026, 10, 8)), ("confirming", "confirm", D(2026, 10, 8)),
                     ("granting", "grant", D(2026, 10, 8))]
    assert Notification.objects.filter(recipient=world.user_a, title__contains="开放接口并授权").exists()


def test_api_conditional_needs_producer_joint_review_and_adjustment(world, clock):
    entry = world.entry("E2", world.unit_b, ShareType.CONDITIONAL)
    items = list(entry.items.all()[:2])
    app = make_application(world.unit_a, world.user_a, [entry], items=items)
    app = share_application_submit(application=app, acting_user=world.user_a)
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    assert app.status == Status.JOINT_REVIEW and not app.is_statutory_due  # API: SLA, not the bulk statutory limit
    with pytest.raises(ValidationError, match="尚未收到以下单位的意见：单位乙"):
        act(app, "joint_approve", world.authority)
    with pytest.raises(PermissionDenied, match="数据生产单位的数据管理员"):
        producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="同意",
                              acting_user=world.user_a)
    producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="同意共享",
                          acting_user=world.user_b)
    app = act(app, "joint_approve", world.authority)
    assert app.status == Status.CONFIRMING
    with pytest.raises(ValidationError, match="缩小"):
        act(app, "adjust", world.authority, opinion="只给名称", data_items=list(world.entry("X9", world.unit_b)
                                                                                 .items.all()))
    app = act(app, "adjust", world.authority, opinion="联系电话不予提供", data_items=[items[0]],
              valid_until_on=D(2027, 3, 31))
    app = act(app, "grant", world.tech)
    auth = Authorization.objects.get(application=app)
    assert list(auth.data_items.values_list("name", flat=True)) == ["名称"]
    assert auth.valid_until_on == D(2027, 3, 31) and auth.scope_snapshot["adjustment"] == "联系电话不予提供"


def test_producer_refusal_blocks_approval(world, clock):
    entry = world.entry("E3", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=False, opinion="涉及个人隐私",
                          acting_user=world.user_b)
    with pytest.raises(ValidationError, match="不同意共享"):
        act(app, "joint_approve", world.authority)
    with pytest.raises(ValidationError, match="重复"):
        producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="改为同意",
                              acting_user=world.user_b)


def test_cross_verification_not_shared_builds_model(world, clock):
    entry = world.entry("E4", world.unit_b, ShareType.NOT_SHARED)
    with pytest.raises(ValidationError) as err:
        make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.CROSS_VERIFICATION,
                         requirements_doc=None, technical_plan=None)
    assert set(err.value.message_dict) == {"requirements_doc", "technical_plan"}
    app = make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.CROSS_VERIFICATION)
    app = share_application_submit(application=app, acting_user=world.user_a)
    app = act(app, "assess_reasonable", world.tech, opinion="仅返回核验结果")
    assert app.status == Status.JOINT_REVIEW
    producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="可用不可见，同意",
                          acting_user=world.user_b)
    app = act(app, "joint_approve", world.authority)
    app = act(app, "confirm", world.authority)
    app = act(app, "grant", world.tech)
    assert app.status == Status.MODEL_BUILDING
    assert not Authorization.objects.filter(application=app).exists()
    app = act(app, "model_complete", world.tech)
    assert app.status == Status.GRANTED and Authorization.objects.filter(application=app).count() == 1


def test_not_shared_only_through_verification_interfaces(world, clock):
    entry = world.entry("E5", world.unit_b, ShareType.NOT_SHARED)
    with pytest.raises(ValidationError) as err:
        make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.BULK_EXCHANGE)
    assert "不得批量交换" in str(err.value)
    with pytest.raises(ValidationError, match="比对、核查、统计接口"):
        make_application(world.unit_a, world.user_a, [entry], interface_kind=InterfaceKind.DATA_QUERY)
    with pytest.raises(ValidationError, match="未挂接核查接口"):  # QZ §五(四): only interfaces the producer hung
        make_application(world.unit_a, world.user_a, [entry], interface_kind=InterfaceKind.VERIFY)
    ServiceInterface.objects.create(entry=entry, name="社保核查", kind="verify")
    app = make_application(world.unit_a, world.user_a, [entry], interface_kind=InterfaceKind.VERIFY)
    assert share_application_submit(application=app, acting_user=world.user_a).status == Status.ASSESSING


def test_bulk_unconditional_tech_configures_and_files(world, clock):
    entry = world.entry("E6", world.unit_b)
    app = make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.BULK_EXCHANGE)
    app = share_application_submit(application=app, acting_user=world.user_a)
    assert app.status == Status.PUSH_CONFIGURING
    with pytest.raises(PermissionDenied, match="技术服务单位"):
        act(app, "push_configure", world.authority)
    app = act(app, "push_configure", world.tech)
    assert app.status == Status.GRANTED and app.filed_with_authority_at is not None


def test_bulk_conditional_statutory_review_agreement_and_push(world, clock):
    entry = world.entry("E7", world.unit_b, ShareType.CONDITIONAL)
    app = make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.BULK_EXCHANGE)
    app = share_application_submit(application=app, acting_user=world.user_a)
    assert app.status == Status.JOINT_REVIEW
    assert app.is_statutory_due and app.current_due_on == D(2026, 10, 13)
    step = WorkflowStep.objects.get(share_application=app, state=Status.JOINT_REVIEW)
    assert step.is_statutory and step.responsible_unit.code == "QZ-DATA"
    producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="同意，签协议",
                          acting_user=world.user_b)
    clock.set(D(2026, 10, 10))  # the make-up Saturday is a working day
    app = act(app, "joint_approve", world.authority)
    assert app.status == Status.AGREEMENT_SIGNING
    with pytest.raises(ValidationError, match="协议编号"):
        act(app, "agreement_record", world.tech, opinion="已签署")
    app = act(app, "agreement_record", world.tech, opinion="三方协议已签署", agreement_reference="QZSJ-2026-018")
    assert app.status == Status.PUSH_CONFIGURING and app.agreement_reference == "QZSJ-2026-018"
    app = act(app, "push_configure", world.tech)
    assert app.status == Status.GRANTED and app.filed_with_authority_at is None


@pytest.mark.parametrize("mode", [ServiceMode.BULK_EXCHANGE, ServiceMode.API])
def test_joint_reject_requires_policy_basis_and_reason(world, clock, mode):
    entry = world.entry("E8", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry], mode=mode),
                                   acting_user=world.user_a)
    if mode == ServiceMode.API:
        app = act(app, "assess_reasonable", world.tech, opinion="合理")
    with pytest.raises(ValidationError) as err:
        act(app, "joint_reject", world.authority, opinion="超出履职需要")
    assert "policy_basis" in err.value.message_dict
    with pytest.raises(ValidationError):
        act(app, "joint_reject", world.authority, policy_basis="《个人信息保护法》第十三条")
    app.refresh_from_db()
    assert app.status == Status.JOINT_REVIEW and not app.rejection_reason
    app = act(app, "joint_reject", world.authority, opinion="超出履职需要",
              policy_basis="《个人信息保护法》第十三条")
    assert app.status == Status.REJECTED
    assert (app.rejection_policy_basis, app.rejection_reason) == ("《个人信息保护法》第十三条", "超出履职需要")
    assert not Authorization.objects.filter(application=app).exists()


def test_unreasonable_goes_to_negotiation_and_linked_resubmission(world, clock):
    entry = world.entry("E9", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    app = act(app, "assess_unreasonable", world.tech, opinion="申请信息项超出业务需要")
    assert app.status == Status.NEGOTIATING and app.current_due_on == D(2026, 10, 20)  # 10 wd: 10-08 … 10-20 (10-10 counts)
    with pytest.raises(ValidationError, match="协商后关闭"):
        share_application_resubmit(application=app, acting_user=world.user_a)
    app = act(app, "negotiate_close", world.authority, opinion="已与申请单位协商，缩减为名称一项后重新申请")
    assert app.status == Status.CLOSED_FOR_RESUBMISSION
    new = share_application_resubmit(application=app, acting_user=world.user_a)
    assert new.status == Status.DRAFT and new.previous_application == app and new.pk != app.pk
    assert list(new.entries.all()) == [entry]


def test_authority_stops_grant_with_basis(world, clock):
    entry = world.entry("E10", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    with pytest.raises(ValidationError):
        act(app, "stop", world.authority, opinion="存在安全风险")
    app = act(app, "stop", world.authority, opinion="接收系统未通过等保测评", policy_basis="QZ §八(一)")
    assert app.status == Status.STOPPED and app.rejection_policy_basis == "QZ §八(一)"


def test_county_local_request_runs_the_city_steps_reviewed_by_the_county(world, clock):
    """QZ-A2 §4 changes who reviews, not what is reviewed (walked through step by step in test_county_route.py)."""
    entry = world.entry("JJ1", world.jj_tax, level=CatalogLevel.COUNTY)
    app = make_application(world.jj_fin, world.jj_fin_admin, [entry], source_location=SourceLocation.COUNTY_SUBCENTER)
    app = share_application_submit(application=app, acting_user=world.jj_fin_admin)
    assert (app.route, app.status, app.applicant_county) == (Route.COUNTY_LOCAL, Status.ASSESSING, world.jj)
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    for outsider in (world.authority, world.ss_auth, world.tech):
        with pytest.raises(PermissionDenied):
            act(app, "confirm", outsider)
    app = act(app, "confirm", world.jj_auth)
    app = act(app, "grant", world.tech)
    assert app.status == Status.GRANTED and app.filed_with_city_at is not None
    assert Notification.objects.filter(recipient=world.authority, title="县级数据共享审核备案").exists()
    assert Authorization.objects.get(application=app).consumer_unit == world.jj_fin


def test_county_refusal_at_confirmation_requires_basis(world, clock):
    entry = world.entry("JJ2", world.jj_tax, level=CatalogLevel.COUNTY)
    app = share_application_submit(application=make_application(world.jj_fin, world.jj_fin_admin, [entry]),
                                   acting_user=world.jj_fin_admin)
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    with pytest.raises(ValidationError):
        act(app, "stop", world.jj_auth, opinion="非履职需要")
    app = act(app, "stop", world.jj_auth, opinion="非履职需要", policy_basis="QZ §五(三)")
    assert app.status == Status.STOPPED and app.rejection_reason == "非履职需要"


@pytest.mark.parametrize("city_entry, location", [(True, SourceLocation.CITY_PLATFORM),
                                                  (False, SourceLocation.PROVINCIAL_BACKFLOW),
                                                  (False, SourceLocation.CITY_UNIFIED_SYSTEM)])
def test_county_unit_asking_city_or_backflow_data_is_forwarded_to_city(world, clock, city_entry, location):
    entry = (world.entry("C1", world.unit_b) if city_entry
             else world.entry("JJ3", world.jj_tax, level=CatalogLevel.COUNTY))
    app = make_application(world.jj_fin, world.jj_fin_admin, [entry], source_location=location)
    app = share_application_submit(application=app, acting_user=world.jj_fin_admin)
    assert (app.route, app.status) == (Route.COUNTY_FORWARD, Status.COUNTY_FORWARDING)
    assert app.current_due_on == D(2026, 10, 10)  # 3 wd: 10-08, 10-09, 10-10 (make-up Saturday)
    with pytest.raises(PermissionDenied):
        act(app, "county_forward", world.ss_auth)
    app = act(app, "county_forward", world.jj_auth)
    assert app.status == Status.ASSESSING and app.forwarded_at is not None
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    app = act(app, "confirm", world.authority)
    app = act(app, "grant", world.tech)
    assert app.status == Status.GRANTED


def test_special_agency_request_coordinated_by_authority(world, clock):
    entry = world.entry("E11", world.unit_b, ShareType.CONDITIONAL)
    with pytest.raises(ValidationError, match="特殊机关"):
        make_application(world.unit_a, world.user_a, [entry], kind=RequestKind.SPECIAL_AGENCY)
    app = make_application(world.gaj, world.gaj_admin, [entry], kind=RequestKind.SPECIAL_AGENCY)
    app = share_application_submit(application=app, acting_user=world.gaj_admin)
    assert (app.route, app.status) == (Route.SPECIAL, Status.COORDINATING)
    with pytest.raises(PermissionDenied):
        act(app, "coordinate_approve", world.tech, opinion="同意")
    app = act(app, "coordinate_approve", world.authority, opinion="依法协调，同意提供")
    auth = Authorization.objects.get(application=app)
    assert auth.is_special


def test_special_agency_refusal(world, clock):
    entry = world.entry("E12", world.unit_b)
    app = share_application_submit(
        application=make_application(world.gaj, world.gaj_admin, [entry], kind=RequestKind.SPECIAL_AGENCY),
        acting_user=world.gaj_admin)
    app = act(app, "coordinate_reject", world.authority, opinion="程序不全", policy_basis="QZ §五(九)")
    assert app.status == Status.REJECTED


def test_step_by_wrong_role_is_refused_and_changes_nothing(world, clock):
    entry = world.entry("E13", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    audit_before = AuditLog.objects.count()
    steps_before = list(WorkflowStep.objects.values_list("pk", "finished_on"))
    for user, action, message in [
        (world.authority, "assess_reasonable", "由技术服务单位办理"),
        (world.user_a, "assess_reasonable", "由技术服务单位办理"),
        (world.tech, "confirm", "由市数据管理机构办理"),
        (world.user_b, "withdraw", "只有申请单位的数据管理员"),
        (world.jj_auth, "county_accept", "县（市、区）数据管理机构"),
    ]:
        with pytest.raises(PermissionDenied, match=message):
            act(app, action, user, opinion="试图越权")
    with pytest.raises(ValidationError, match="不能执行“确认授权”"):  # right role, wrong state
        act(app, "confirm", world.authority)
    app.refresh_from_db()
    assert app.status == Status.ASSESSING
    assert AuditLog.objects.count() == audit_before
    assert list(WorkflowStep.objects.values_list("pk", "finished_on")) == steps_before


def test_withdraw_by_applicant(world, clock):
    entry = world.entry("E14", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    with pytest.raises(ValidationError):
        share_application_withdraw(application=app, acting_user=world.user_a, reason=" ")
    app = share_application_withdraw(application=app, acting_user=world.user_a, reason="业务调整，不再需要")
    assert app.status == Status.WITHDRAWN and app.withdraw_reason == "业务调整，不再需要"
    assert WorkflowStep.objects.get(share_application=app).action == "withdraw"


def test_content_rules_on_create(world, clock):
    entry = world.entry("E15", world.unit_b)
    other = world.entry("E16", world.unit_b)
    draft = world.entry("E17", world.unit_b, status="draft")
    with pytest.raises(ValidationError) as err:
        make_application(world.unit_a, world.user_a, [entry, draft], items=list(other.items.all()),
                         business_matter="", mode=ServiceMode.BULK_EXCHANGE, bulk_justification="")
    errors = err.value.message_dict
    assert {"business_matter", "entries", "data_items", "bulk_justification"} <= set(errors)
    assert any("尚未发布" in m for m in errors["entries"])
    with pytest.raises(PermissionDenied):
        make_application(world.unit_a, world.user_b, [entry])


def test_every_transition_has_a_test_path():
    """Guard: the paths above cover every declared transition of the table."""
    covered = {"submit", "withdraw", "county_accept", "county_forward", "coordinate_approve",
               "coordinate_reject", "assess_reasonable", "assess_unreasonable", "negotiate_close", "joint_approve",
               "joint_reject", "confirm", "adjust", "stop", "grant", "model_complete", "agreement_record",
               "push_configure"}
    assert covered == set(SHARE_APPLICATION.transitions)


def test_application_str_and_overdue_property(world, clock):
    entry = world.entry("E18", world.unit_b)
    app = share_application_submit(application=make_application(world.unit_a, world.user_a, [entry]),
                                   acting_user=world.user_a)
    assert not app.is_overdue
    clock.set(D(2026, 10, 14))
    assert ShareApplication.objects.get(pk=app.pk).is_overdue


def test_local_limits_override_the_declared_days_and_statutory_flag(db, settings):
    """``settings.SHARING_STEP_WORKDAYS`` replaces a declared limit (``Limit(parameter="sharing.<state>")``); the joint
    review's 5 days are statutory only for bulk exchange (QZ-A2 §3)."""
    from portal.workdays import add_workdays
    from sharing.workflow import OpenStatus, open_due_on, step_is_statutory

    start = D(2026, 10, 8)
    assert due_on(Status.ASSESSING, start) == add_workdays(start, 5)
    settings.SHARING_STEP_WORKDAYS = {"assessing": 7, "open:confirming": 5}
    assert due_on(Status.ASSESSING, start) == add_workdays(start, 7)
    assert open_due_on(OpenStatus.CONFIRMING, start) == add_workdays(start, 5)
    assert due_on(Status.CONFIRMING, start) == add_workdays(start, 3)  # not overridden
    assert SHARE_APPLICATION.limits[Status.JOINT_REVIEW].statutory
    assert step_is_statutory(SHARE_APPLICATION, Status.JOINT_REVIEW, ServiceMode.BULK_EXCHANGE)
    assert not step_is_statutory(SHARE_APPLICATION, Status.JOINT_REVIEW, ServiceMode.API)
    assert not step_is_statutory(SHARE_APPLICATION, Status.ASSESSING, ServiceMode.BULK_EXCHANGE)
