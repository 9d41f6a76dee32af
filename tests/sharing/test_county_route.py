"""The county route runs the city's substantive steps; only the reviewing authority is the county's.

Seed 000, annex 2 §4 (QZ-A2 §4, L208): “各县（市、区）数据应用单位申请县级分中心或本区域自建信息系统政务数据共享服务的，
由本区域数据管理机构审核，并报市级数据管理机构备案” — it says *who* reviews (the county's data authority) and that the
decision is filed with the city; *what* is reviewed is annex 2 §2–§3: for a conditional bulk exchange “数据管理机构会同
数据生产单位在 5 个工作日内提出审核意见。对审核通过的申请，技术服务单位联系数据应用单位并配置相应的数据推送任务；
同时，各方通过签署协议……监督管理数据的使用情况” (QZ-A2 §3, L204–206). Issue 13 point 2: a county-local conditional
bulk request used to be granted at once by ``county_approve``.

Dates: submitted on 2026-09-30, the last working day before the National Day holiday (10-01 … 10-07); 2026-10-10 is
a make-up Saturday (a working day).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import CatalogLevel, ShareType
from portal.models import Notification
from sharing.models import Authorization, Route, ServiceMode, ShareApplication, SourceLocation, WorkflowStep
from sharing.services import producer_opinion_give, share_application_act, share_application_submit
from sharing.workflow import SHARE_APPLICATION, Actor, Status
from tests.sharing.conftest import make_application

D = dt.date


def act(app, action, user, **kw):
    return share_application_act(application=app, action=action, acting_user=user, **kw)


def _county_bulk(world, code="JJB1"):
    entry = world.entry(code, world.jj_tax, ShareType.CONDITIONAL, level=CatalogLevel.COUNTY)
    app = make_application(world.jj_fin, world.jj_fin_admin, [entry], mode=ServiceMode.BULK_EXCHANGE,
                           source_location=SourceLocation.COUNTY_SUBCENTER)
    return share_application_submit(application=app, acting_user=world.jj_fin_admin)


def test_county_local_conditional_bulk_request_walks_every_step(world, clock):
    """QZ-A2 §4 with §3: producer opinion within 5 working days (statutory), agreement, push configuration by the
    technical service unit — each step with its actor, responsible unit and due date; the grant is filed with the
    city."""
    app = _county_bulk(world)
    # 1. joint review by the COUNTY's data authority with the producer, 5 working days, statutory (QZ-A2 §3)
    assert (app.route, app.status) == (Route.COUNTY_LOCAL, Status.JOINT_REVIEW)
    assert app.is_statutory_due and app.current_due_on == D(2026, 10, 13)  # 10-08, 10-09, 10-10, 10-12, 10-13
    review = WorkflowStep.objects.get(share_application=app, state=Status.JOINT_REVIEW)
    assert (review.actor, review.responsible_unit, review.due_on, review.is_statutory) == (
        Actor.COUNTY_AUTHORITY, world.jj_data, D(2026, 10, 13), True)
    for outsider in (world.authority, world.ss_auth, world.tech, world.jj_fin_admin):  # city, other county, …
        with pytest.raises(PermissionDenied):
            act(app, "joint_approve", outsider)
    with pytest.raises(ValidationError, match="尚未收到以下单位的意见：晋江市税务局"):
        act(app, "joint_approve", world.jj_auth)  # no producer opinion, no approval
    producer_opinion_give(application=app, producer_unit=world.jj_tax, agrees=True, opinion="同意，按协议推送",
                          acting_user=world.jj_tax_admin)
    clock.set(D(2026, 10, 9))
    app = act(app, "joint_approve", world.jj_auth, opinion="县级会商同意")
    # 2. the agreement, recorded by the technical service unit (QZ-A2 §3 “签署协议”)
    assert app.status == Status.AGREEMENT_SIGNING and app.current_due_on == D(2026, 10, 15)  # 10-10 counts
    assert not Authorization.objects.filter(application=app).exists()
    with pytest.raises(PermissionDenied, match="技术服务单位"):
        act(app, "agreement_record", world.jj_auth, opinion="已签", agreement_reference="JJ-2026-01")
    clock.set(D(2026, 10, 12))
    app = act(app, "agreement_record", world.tech, opinion="三方协议已签署", agreement_reference="JJ-2026-01")
    # 3. the push task, configured by the technical service unit (QZ-A2 §3 “配置相应的数据推送任务”)
    assert app.status == Status.PUSH_CONFIGURING and app.current_due_on == D(2026, 10, 19)
    with pytest.raises(PermissionDenied, match="技术服务单位"):
        act(app, "push_configure", world.jj_auth)
    clock.set(D(2026, 10, 13))
    app = act(app, "push_configure", world.tech, opinion="每日推送已配置")
    # granted, and filed with the city (QZ-A2 §4 “报市级数据管理机构备案”)
    assert app.status == Status.GRANTED and app.current_due_on is None
    assert app.filed_with_city_at is not None and app.agreement_reference == "JJ-2026-01"
    auth = Authorization.objects.get(application=app)
    assert (auth.consumer_unit, auth.service_mode, auth.valid_from_on) == (
        world.jj_fin, ServiceMode.BULK_EXCHANGE, D(2026, 10, 13))
    assert Notification.objects.filter(recipient=world.authority, title="县级数据共享审核备案").exists()
    steps = list(WorkflowStep.objects.filter(share_application=app).order_by("pk").values_list(
        "state", "actor", "responsible_unit__code", "due_on", "is_statutory", "action", "finished_by__username",
        "finished_on"))
    assert steps == [
        ("joint_review", "county_authority", "JJ-DATA", D(2026, 10, 13), True, "joint_approve", "jj_auth",
         D(2026, 10, 9)),
        ("agreement_signing", "tech", "QZ-TECH", D(2026, 10, 15), False, "agreement_record", "tech",
         D(2026, 10, 12)),
        ("push_configuring", "tech", "QZ-TECH", D(2026, 10, 19), False, "push_configure", "tech",
         D(2026, 10, 13)),
    ]


def test_producer_refusal_stops_the_county_route_too(world, clock):
    """QZ §五(四) / QZ-A2 §3: the producer's opinion binds on the county route as on the city's; refusal needs the
    policy basis (QZ-A2 §3 “填写相关政策依据和原因”)."""
    app = _county_bulk(world, "JJB2")
    producer_opinion_give(application=app, producer_unit=world.jj_tax, agrees=False, opinion="涉及纳税人隐私",
                          acting_user=world.jj_tax_admin)
    with pytest.raises(ValidationError, match="不同意共享"):
        act(app, "joint_approve", world.jj_auth)
    with pytest.raises(ValidationError):
        act(app, "joint_reject", world.jj_auth, opinion="生产单位不同意")  # no policy basis
    app = act(app, "joint_reject", world.jj_auth, opinion="生产单位不同意", policy_basis="《税收征收管理法》第八条")
    assert app.status == Status.REJECTED and not Authorization.objects.filter(application=app).exists()


def test_county_api_request_is_assessed_confirmed_and_opened_like_the_citys(world, clock):
    """QZ-A2 §2 on the county route: tech assessment, the county confirms, the tech unit opens the interface."""
    entry = world.entry("JJA1", world.jj_tax, level=CatalogLevel.COUNTY)
    app = make_application(world.jj_fin, world.jj_fin_admin, [entry], source_location=SourceLocation.COUNTY_SUBCENTER)
    app = share_application_submit(application=app, acting_user=world.jj_fin_admin)
    assert (app.route, app.status) == (Route.COUNTY_LOCAL, Status.ASSESSING)
    assert WorkflowStep.objects.get(share_application=app, state=Status.ASSESSING).responsible_unit == world.tech_unit
    app = act(app, "assess_reasonable", world.tech, opinion="合理")
    assert app.status == Status.CONFIRMING
    confirm = WorkflowStep.objects.get(share_application=app, state=Status.CONFIRMING)
    assert (confirm.actor, confirm.responsible_unit) == (Actor.COUNTY_AUTHORITY, world.jj_data)
    with pytest.raises(PermissionDenied, match="县（市、区）数据管理机构"):
        act(app, "confirm", world.authority)
    app = act(app, "confirm", world.jj_auth)
    assert app.status == Status.GRANTING and not Authorization.objects.filter(application=app).exists()
    app = act(app, "grant", world.tech)
    assert app.status == Status.GRANTED and app.filed_with_city_at is not None


def test_city_route_stays_with_the_city_authority(world, clock):
    """The county authority does not review city-route applications (QZ §一(四): the city authority is competent)."""
    entry = world.entry("CB1", world.unit_b, ShareType.CONDITIONAL)
    app = share_application_submit(
        application=make_application(world.unit_a, world.user_a, [entry], mode=ServiceMode.BULK_EXCHANGE),
        acting_user=world.user_a)
    assert app.route == Route.CITY
    assert WorkflowStep.objects.get(share_application=app).responsible_unit.code == "QZ-DATA"
    producer_opinion_give(application=app, producer_unit=world.unit_b, agrees=True, opinion="同意",
                          acting_user=world.user_b)
    with pytest.raises(PermissionDenied, match="市数据管理机构"):
        act(app, "joint_approve", world.jj_auth)
    assert act(app, "joint_approve", world.authority).status == Status.AGREEMENT_SIGNING


def test_the_old_shortcut_is_refused(world, clock, client):
    """Issue 13 point 2: ``county_approve`` (county review → granted at once) no longer exists — not in the
    declaration, not as an API endpoint, not on the admin — and an application left in the former county review is
    moved into the same steps (``county_accept``), never granted by it (QZ-A2 §4)."""
    assert "county_approve" not in SHARE_APPLICATION.transitions
    assert not any(Status.GRANTED in t.targets for t in SHARE_APPLICATION.transitions.values()
                   if t.name.startswith("county_"))
    app = _county_bulk(world, "JJB3")
    with pytest.raises(ValidationError, match="未知操作：county_approve"):
        act(app, "county_approve", world.jj_auth)
    client.force_login(world.jj_auth)
    url = f"/api/v1/sharing/applications/{app.pk}/actions/county_approve/"
    assert client.post(url, {"opinion": "同意"}, content_type="application/json").status_code == 404
    admin_url = f"/admin/sharing/shareapplication/{app.pk}/step/county_approve/"
    assert client.post(admin_url, {"opinion": "同意"}).status_code == 404
    app.refresh_from_db()
    assert app.status == Status.JOINT_REVIEW and not Authorization.objects.filter(application=app).exists()

    # an application submitted under the old routing and still in county review
    legacy = _county_bulk(world, "JJB4")
    ShareApplication.objects.filter(pk=legacy.pk).update(status=Status.COUNTY_REVIEW)  # test setup: the old state
    legacy.refresh_from_db()
    with pytest.raises(PermissionDenied):
        act(legacy, "county_accept", world.authority)
    legacy = act(legacy, "county_accept", world.jj_auth, opinion="按与市级相同的环节办理")
    assert legacy.status == Status.JOINT_REVIEW and legacy.current_due_on == D(2026, 10, 13)
    assert legacy.is_statutory_due and not Authorization.objects.filter(application=legacy).exists()
