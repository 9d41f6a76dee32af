"""授权开放: eligibility verified by staff with evidence, provider consent, signed agreement, term ≤ requested.

Sources (issue 13 point 8):
* Seed 000 QZ §六(四) (L116): “属于授权开放类的，内资控股法人企业、高校或者科研院所可以向数据管理机构申请” — who may
  apply; a ticked box on registration proves nothing, so the authority verifies it with evidence.
* Seed 001 FJ-OPEN 《福建省公共数据资源开放开发管理办法（试行）》 第十条 (squeezed L3061–3064): 依申请开放 “明确具体
  应用场景、使用方式、使用要求、时限等，经数据提供单位同意，并签订数据使用和安全保障协议后依法获取”.
* Seed 001 FJ-REG 《福建省大数据发展条例》 第十五条 (squeezed L3293–3296): 依申请开放 “经大数据主管部门征求数据提供单位
  同意后获取”.

Dates: the clock is 2026-09-30 (the working day before the National Day holiday 10-01 … 10-07; 10-10 is a make-up
Saturday).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from catalogs.models import OpenType
from portal.forms import RegistrationForm
from portal.models import Enterprise, Notification
from sharing.models import OpenDataAgreement, OpenDataApplication, OpenDataConsent, OpenDataGrant, WorkflowStep
from sharing.services import (
    open_application_act,
    open_application_create,
    open_application_submit,
    open_grant_eligibility,
)
from sharing.states import EligibilityStatus
from sharing.workflow import OPEN_APPLICATION, Actor, OpenStatus
from tests.sharing.conftest import open_consent_and_sign, open_verify

D = dt.date
REQUESTED = D(2027, 6, 30)  # the issue's case: requested 2027-06-30, granted 2030-12-31


def act(app, action, user, **kw):
    return open_application_act(application=app, action=action, acting_user=user, **kw)


@pytest.fixture
def entries(world, make_user):
    e1 = world.entry("OE1", world.unit_a, open_type=OpenType.AUTHORIZED)  # provider: 单位甲
    e2 = world.entry("OE2", world.unit_b, open_type=OpenType.AUTHORIZED)  # provider: 单位乙
    return e1, e2


def _submitted(enterprises, entries, which="domestic", **over):
    ent, user = getattr(enterprises, which)
    fields = {"purpose": "区域产业链分析", "scenario": "供应商画像", "is_commercial": False,
              "requested_until_on": REQUESTED, "declares_eligibility": True, **over}
    app = open_application_create(enterprise=ent, entries=list(entries), acting_user=user, **fields)
    return open_application_submit(application=app, acting_user=user), user


def _to_confirming(world, app):
    app = open_verify(app, world.authority)
    return act(app, "assess_reasonable", world.tech, opinion="需求合理")


# ----------------------------------------------------------------------------------------------------- (a) eligibility
def test_registration_does_not_tick_domestic_control_by_default(db):
    """QZ §六(四): 内资控股 is the applicant's own statement; the registration form and the model start unticked."""
    form = RegistrationForm()
    assert form.fields["is_domestic_controlled"].initial is False
    assert 'name="is_domestic_controlled"' in str(form["is_domestic_controlled"])
    assert "checked" not in str(form["is_domestic_controlled"])
    assert Enterprise._meta.get_field("is_domestic_controlled").default is False


def test_unverified_applicant_is_not_eligible_and_cannot_be_approved(world, clock, enterprises, entries):
    """QZ §六(四): submission opens the authority's verification; until it is recorded the application is not
    eligible — it cannot be assessed or confirmed, and that is said to staff and applicant."""
    app, user = _submitted(enterprises, entries)
    assert app.status == OpenStatus.VERIFYING and app.eligibility_status == EligibilityStatus.UNVERIFIED
    assert app.current_due_on == D(2026, 10, 13)  # 5 working days: 10-08, 10-09, 10-10, 10-12, 10-13
    step = WorkflowStep.objects.get(open_application=app)
    assert (step.state, step.actor, step.responsible_unit.code) == ("verifying", Actor.CITY_AUTHORITY, "QZ-DATA")
    decision = open_grant_eligibility(app)
    assert not decision and "尚未经数据管理机构核验证明材料，不具备授权资格" in decision.reason
    for action, actor in (("assess_reasonable", world.tech), ("confirm", world.authority)):
        with pytest.raises(ValidationError, match="不能执行"):
            act(app, action, actor, opinion="跳过核验")
    # the verification needs the evidence and an opinion, from the authority only
    with pytest.raises(PermissionDenied):
        act(app, "verify_eligibility", world.tech, opinion="已核验",
            eligibility_evidence=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    with pytest.raises(PermissionDenied):
        act(app, "verify_eligibility", user, opinion="本企业内资控股",
            eligibility_evidence=SimpleUploadedFile("a.pdf", b"%PDF-1.4"))
    with pytest.raises(ValidationError) as missing:
        act(app, "verify_eligibility", world.authority, opinion="已核验")
    assert "eligibility_evidence" in missing.value.message_dict
    app.refresh_from_db()
    assert app.status == OpenStatus.VERIFYING and not app.eligibility_evidence
    app = act(app, "verify_eligibility", world.authority, opinion="营业执照、股权结构说明：内资持股100%",
              eligibility_evidence=SimpleUploadedFile("营业执照及股权结构.pdf", b"%PDF-1.4 evidence"))
    assert app.status == OpenStatus.ASSESSING and app.eligibility_status == EligibilityStatus.VERIFIED
    assert (app.eligibility_verified_by, app.eligibility_evidence_name) == (world.authority, "营业执照及股权结构.pdf")
    assert app.eligibility_verified_at is not None and app.eligibility_evidence.read() == b"%PDF-1.4 evidence"
    assert open_grant_eligibility(app)
    history = app.history.order_by("history_date").last()  # who and when are kept in the record's history too
    assert history.history_user == world.authority and history.eligibility_status == EligibilityStatus.VERIFIED


def test_verification_refused_ends_the_application(world, clock, enterprises, entries):
    """QZ §六(四): a foreign-controlled enterprise that declared itself eligible is refused at verification, with the
    reason and policy basis; no grant can follow."""
    app, user = _submitted(enterprises, entries, "foreign")
    with pytest.raises(ValidationError):
        act(app, "refuse_eligibility", world.authority, opinion="外资持股60%")  # policy basis missing
    app = act(app, "refuse_eligibility", world.authority, opinion="股权结构证明显示外资持股60%，不属于内资控股",
              policy_basis="《泉州市政务数据管理规定》六(四)")
    assert app.status == OpenStatus.INELIGIBLE and app.eligibility_status == EligibilityStatus.REFUSED
    assert "不属于内资控股" in open_grant_eligibility(app).reason
    assert not OPEN_APPLICATION.available(world.authority, app) and not OpenDataGrant.objects.exists()
    body = Notification.objects.get(recipient=user, title="授权开放申请核验申请资格：不符合").body
    assert "外资持股60%" in body


def test_eligibility_is_shown_to_staff_and_applicant(world, clock, enterprises, entries, client):
    """QZ §六(四): unverified → “不具备授权资格” on the admin record and on the applicant's page; the evidence is
    downloadable by staff and the applicant, not by another applicant."""
    app, user = _submitted(enterprises, entries)
    client.force_login(world.authority)
    page = client.get(reverse("admin:sharing_opendataapplication_change", args=[app.pk])).content.decode()
    assert "不具备授权资格" in page and "核验申请资格：符合" in page
    client.force_login(user)
    page = client.get(reverse("sharing_site:open_application_detail", args=[app.pk])).content.decode()
    assert "不具备授权资格" in page
    client.force_login(world.authority)
    url = reverse("admin:sharing_opendataapplication_step", args=[app.pk, "verify_eligibility"])
    response = client.post(url, {"opinion": "已核验营业执照", "eligibility_evidence": SimpleUploadedFile(
        "营业执照.pdf", b"%PDF-1.4 x")})
    assert response.status_code == 302
    page = client.get(reverse("admin:sharing_opendataapplication_change", args=[app.pk])).content.decode()
    assert "符合（已核验）" in page and f"资格证明材料-{app.number}.pdf" in page
    download = f"/files/sharing/opendataapplication/{app.pk}/eligibility_evidence/"
    assert client.get(download).status_code == 200
    client.force_login(user)
    assert "已核验：符合申请资格" in client.get(
        reverse("sharing_site:open_application_detail", args=[app.pk])).content.decode()
    assert client.get(download).status_code == 200
    client.force_login(enterprises.other[1])
    assert client.get(download).status_code == 404


# ------------------------------------------------------------------------------------------- (b) consent and agreement
def test_each_provider_consents_then_the_signed_agreement_issues_the_grant(world, clock, enterprises, entries):
    """FJ-OPEN art.10 + FJ-REG art.15: after the authority's confirmation every provider unit consents (each once, only
    its own data admin); the grant exists only once the signed agreement (number, date, signatories, file) is
    recorded."""
    app, user = _submitted(enterprises, entries)
    app = act(_to_confirming(world, app), "confirm", world.authority, opinion="同意授权")
    assert app.status == OpenStatus.CONSENTING and not OpenDataGrant.objects.exists()
    assert app.current_due_on == D(2026, 10, 13)
    assert Notification.objects.filter(recipient=world.user_b, title="授权开放申请待数据提供单位同意").exists()
    for outsider in (world.authority, world.tech, user, world.jj_fin_admin):
        with pytest.raises(PermissionDenied, match="数据提供单位"):
            act(app, "provider_consent", outsider)
    clock.set(D(2026, 10, 8))
    app = act(app, "provider_consent", world.user_a, opinion="同意")
    assert app.status == OpenStatus.CONSENTING and app.current_due_on == D(2026, 10, 13)  # still waiting, same due
    with pytest.raises(PermissionDenied, match="本单位已提交意见"):
        act(app, "provider_consent", world.user_a)
    app = act(app, "provider_consent", world.user_b, opinion="同意，限授权范围")
    assert app.status == OpenStatus.AGREEMENT_SIGNING and app.current_due_on == D(2026, 10, 21)  # 10 wd, 10-10 counts
    assert sorted(OpenDataConsent.objects.filter(application=app).values_list("producer_unit__code", "agrees")) == [
        ("QZ-A", True), ("QZ-B", True)]
    assert not OpenDataGrant.objects.exists()
    inputs = {"agreement_number": "QZKF-2026-018", "signed_on": D(2026, 10, 9),
              "signatories": "主体domestic\n泉州市大数据管理局\n技术服务单位"}
    with pytest.raises(ValidationError) as missing:
        act(app, "agreement_record", world.tech, **inputs)
    assert "agreement_file" in missing.value.message_dict
    with pytest.raises(ValidationError, match="签署日期不能晚于今天"):
        act(app, "agreement_record", world.tech, **inputs, agreement_file=SimpleUploadedFile("协议.pdf", b"%PDF-1.4"))
    clock.set(D(2026, 10, 9))
    with pytest.raises(ValidationError, match="至少两方"):
        act(app, "agreement_record", world.tech, **{**inputs, "signatories": "主体domestic"},
            agreement_file=SimpleUploadedFile("协议.pdf", b"%PDF-1.4"))
    with pytest.raises(PermissionDenied):
        act(app, "agreement_record", world.authority, **inputs, agreement_file=SimpleUploadedFile("协议.pdf", b"%PDF-1.4"))
    assert not OpenDataAgreement.objects.exists()
    app = act(app, "agreement_record", world.tech, **inputs,
              agreement_file=SimpleUploadedFile("数据使用和安全保障协议.pdf", b"%PDF-1.4 signed"))
    assert app.status == OpenStatus.GRANTED
    grant = OpenDataGrant.objects.get(application=app)
    agreement = OpenDataAgreement.objects.get(application=app)
    assert (agreement.number, agreement.signed_on, agreement.recorded_by) == ("QZKF-2026-018", D(2026, 10, 9),
                                                                              world.tech)
    assert agreement.signatories.splitlines() == ["主体domestic", "泉州市大数据管理局", "技术服务单位"]
    assert grant.is_usable and grant.valid_from_on == D(2026, 10, 9)
    assert grant.scope_snapshot["agreement"]["number"] == "QZKF-2026-018"
    assert [c["agrees"] for c in grant.scope_snapshot["consents"]] == [True, True]
    with pytest.raises(PermissionDenied):
        agreement.save()  # append-only


def test_provider_refusal_ends_without_a_grant(world, clock, enterprises, entries):
    """FJ-OPEN art.10: without the provider's consent there is no grant; the refusal needs a reason."""
    app, user = _submitted(enterprises, [entries[1]])
    app = act(_to_confirming(world, app), "confirm", world.authority)
    with pytest.raises(ValidationError) as missing:
        act(app, "provider_refuse", world.user_b)
    assert "opinion" in missing.value.message_dict
    app = act(app, "provider_refuse", world.user_b, opinion="涉及第三方商业秘密，不宜开放")
    assert app.status == OpenStatus.PROVIDER_REFUSED and not OpenDataGrant.objects.exists()
    consent = OpenDataConsent.objects.get(application=app)
    assert (consent.agrees, consent.reason, consent.given_by) == (False, "涉及第三方商业秘密，不宜开放", world.user_b)
    assert "涉及第三方商业秘密" in Notification.objects.get(recipient=user, title="授权开放申请数据提供单位不同意开放").body


def test_provider_sees_and_acts_on_the_application_in_admin(world, clock, enterprises, entries, client):
    """The provider unit's data admin finds the application (its own data only) and consents on the step page."""
    app, user = _submitted(enterprises, [entries[1]])
    app = act(_to_confirming(world, app), "confirm", world.authority)
    client.force_login(world.user_b)
    page = client.get(reverse("admin:sharing_opendataapplication_change", args=[app.pk])).content.decode()
    assert "数据提供单位同意开放" in page
    url = reverse("admin:sharing_opendataapplication_step", args=[app.pk, "provider_consent"])
    assert client.post(url, {"opinion": "同意"}).status_code == 302
    assert OpenDataApplication.objects.get(pk=app.pk).status == OpenStatus.AGREEMENT_SIGNING
    client.force_login(world.user_a)  # 单位甲 provides nothing in this application
    assert client.get(reverse("admin:sharing_opendataapplication_change", args=[app.pk])).status_code in (302, 404)


# ----------------------------------------------------------------------------------------------------------- (c) term
def test_term_never_exceeds_the_requested_end_date(world, clock, enterprises, entries):
    """FJ-OPEN art.10 (the applicant states the time limit): the issue's case, requested 2027-06-30 and granted
    2030-12-31, is refused; the authority may shorten with a reason, never lengthen."""
    app, user = _submitted(enterprises, [entries[1]])
    app = _to_confirming(world, app)
    with pytest.raises(ValidationError, match="不得晚于申请的使用截止日（2027-06-30）"):
        act(app, "confirm", world.authority, valid_until_on=D(2030, 12, 31))
    with pytest.raises(ValidationError) as no_reason:
        act(app, "confirm", world.authority, valid_until_on=D(2027, 3, 31))
    assert "缩短期限的理由" in str(no_reason.value.message_dict["opinion"])
    app.refresh_from_db()
    assert app.status == OpenStatus.CONFIRMING and app.granted_until_on is None
    app = act(app, "confirm", world.authority, valid_until_on=D(2027, 3, 31), opinion="首次授权先开放半年，评估后再议")
    assert (app.granted_until_on, app.term_reason) == (D(2027, 3, 31), "首次授权先开放半年，评估后再议")
    app = open_consent_and_sign(app, [world.user_b], world.tech)
    grant = OpenDataGrant.objects.get(application=app)
    assert grant.valid_until_on == D(2027, 3, 31) <= app.requested_until_on
    assert grant.scope_snapshot["term_reason"] == "首次授权先开放半年，评估后再议"


def test_term_defaults_to_the_requested_end_date_and_a_time_limit_is_required(world, clock, enterprises, entries,
                                                                               client):
    """FJ-OPEN art.10: without a stated time limit the application is refused at once; left blank at confirmation,
    the term is the requested end date (never the former default of one year)."""
    ent, user = enterprises.domestic
    with pytest.raises(ValidationError) as missing:
        open_application_create(enterprise=ent, entries=[entries[1]], purpose="p", scenario="s", is_commercial=False,
                                acting_user=user, declares_eligibility=True)
    assert "明确使用时限" in str(missing.value.message_dict["requested_until_on"])
    app, user = _submitted(enterprises, [entries[1]])
    app = act(_to_confirming(world, app), "adjust", world.authority, opinion="维持原范围",
              entries=[str(entries[1].pk)])
    assert app.granted_until_on == REQUESTED and app.term_reason == ""
    app = open_consent_and_sign(app, [world.user_b], world.tech)
    assert OpenDataGrant.objects.get(application=app).valid_until_on == REQUESTED
    client.force_login(world.authority)  # the record page shows the consents and the agreement with its file
    page = client.get(reverse("admin:sharing_opendataapplication_change", args=[app.pk])).content.decode()
    assert "QZKF-2026-001" in page and "泉州市大数据管理局" in page and "协议.pdf" in page
    assert "单位乙" in page and "同意开放" in page
