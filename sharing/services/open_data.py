"""Open-data authorization applications (授权开放, QZ §六(四)–(五)) and their grants.

Contract used by the applicant site: ``open_application_create``, ``open_application_submit``,
``open_application_withdraw`` (plus ``open_applicant_eligibility`` to explain a refusal before the form).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalogs.models import EntryStatus, OpenType
from portal import files
from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import relock
from portal.models import ApplicantKind, Enterprise, Organization
from portal.params import date_bound_error
from portal.permissions import ALLOW, Decision, deny
from portal.roles import Role
from portal.services import notify, notify_enterprise
from portal.workflow import Step
from sharing import permissions
from sharing.models import OpenDataAgreement, OpenDataApplication, OpenDataConsent, OpenDataGrant
from sharing.services.steps import book_step, new_number
from sharing.states import EligibilityStatus
from sharing.visibility import sync_open_application
from sharing.workflow import OPEN_APPLICATION, OPEN_FINAL_STATES, Actor, OpenStatus, today

INSTITUTIONS = (ApplicantKind.UNIVERSITY, ApplicantKind.RESEARCH_INSTITUTE)


ELIGIBLE_KINDS: dict[str, str] = {ApplicantKind.ENTERPRISE: "内资控股法人企业", ApplicantKind.UNIVERSITY: "高等院校",
                  ApplicantKind.RESEARCH_INSTITUTE: "科研院所"}
NOT_DECLARED = "请声明本主体符合申请资格（{kind}），并准备证明材料供数据管理机构核验；核验通过前不具备授权资格。"


def open_applicant_eligibility(enterprise: Enterprise, *, is_commercial: bool = False) -> Decision:
    """QZ §六(四): only domestic-controlled legal-person enterprises, universities and research institutes may *apply*;
    universities and research institutes only for non-commercial (public-interest research/education) use. Whether
    an applicant really is one is decided by the authority's verification with evidence (``verify_eligibility``), not
    by what it ticked on registration: until then it is not eligible for a grant (``open_grant_eligibility``)."""
    if enterprise.retired_at is not None:
        return deny("该申请主体已停用。")
    if enterprise.kind in INSTITUTIONS:
        if is_commercial:
            return deny("高校、科研院所获得的授权开放数据只能用于科研教育等公益性活动，不得用于商业用途。")
        return ALLOW
    if enterprise.kind == ApplicantKind.ENTERPRISE:
        return ALLOW
    return deny(f"授权开放数据仅限内资控股法人企业、高校或科研院所申请；“{enterprise.get_kind_display()}”不在范围内。")


def open_grant_eligibility(application: OpenDataApplication) -> Decision:
    """Eligible for a grant only once the authority has verified the declared eligibility with evidence."""
    if application.eligibility_status == EligibilityStatus.VERIFIED:
        return ALLOW
    if application.eligibility_status == EligibilityStatus.REFUSED:
        return deny(f"申请主体资格核验不符合：{application.eligibility_note}")
    kind = ELIGIBLE_KINDS.get(application.enterprise.kind, "内资控股法人企业、高校或科研院所")
    return deny(f"申请主体资格（{kind}）尚未经数据管理机构核验证明材料，不具备授权资格。")


def _validate(enterprise: Enterprise, entries: list[Any], purpose: str, scenario: str, is_commercial: bool,
              requested_until_on: date | None, declares_eligibility: bool = True) -> None:
    decision = open_applicant_eligibility(enterprise, is_commercial=is_commercial)
    if not decision:
        raise ValidationError({"enterprise": [decision.reason]})
    errors: dict[str, list[str]] = {}
    if not declares_eligibility:
        errors["declares_eligibility"] = [NOT_DECLARED.format(kind=ELIGIBLE_KINDS.get(enterprise.kind, ""))]
    if requested_until_on is None:
        errors["requested_until_on"] = ["请填写申请使用截止日：依申请开放须明确使用时限（FJ-OPEN 第十条）。"]
    if not entries:
        errors["entries"] = ["请至少选择一个授权开放目录。"]
    for entry in entries:
        if entry.open_type != OpenType.AUTHORIZED or entry.status != EntryStatus.PUBLISHED:
            errors.setdefault("entries", []).append(f"“{entry.title}”不是已发布的授权开放目录，不能申请。")
    if not purpose.strip():
        errors["purpose"] = ["请填写使用目的。"]
    if not scenario.strip():
        errors["scenario"] = ["请填写应用场景。"]
    if requested_until_on is not None and requested_until_on < today():
        errors["requested_until_on"] = ["申请使用截止日已过。"]
    bound = date_bound_error(requested_until_on, "申请使用截止日")
    if bound:
        errors["requested_until_on"] = [bound]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def open_application_create(*, enterprise: Enterprise, entries: list[Any], purpose: str, scenario: str,
                            is_commercial: bool, acting_user: Any, usage_method: str = "",
                            requested_until_on: date | None = None, declares_eligibility: bool = False,
                            submit: bool = False) -> OpenDataApplication:
    """A draft 授权开放 application; refuses applicant kinds outside QZ §六(四), a missing eligibility declaration or
    time limit, and entries that are not 授权开放. With ``submit`` it is submitted in the same transaction (nothing
    is saved half)."""
    if not permissions.is_enterprise_member(acting_user, enterprise):
        raise PermissionDenied("只能以本主体名义提出申请。")
    entries = list(entries)
    _validate(enterprise, entries, purpose, scenario, is_commercial, requested_until_on, declares_eligibility)
    with acting_as(acting_user):
        app = OpenDataApplication.objects.create(
            number=new_number("KF"), enterprise=enterprise, applicant_user=acting_user, purpose=purpose.strip(),
            scenario=scenario.strip(), is_commercial=is_commercial, usage_method=usage_method.strip(),
            requested_until_on=requested_until_on, declares_eligibility=declares_eligibility)
        app.entries.set(entries)
        sync_open_application(app)
        audit_record(actor=acting_user, action="sharing.open_application.create", obj=app,
                     after={"entries": [e.pk for e in entries], "is_commercial": is_commercial})
    if submit:
        app = open_application_submit(application=app, acting_user=acting_user)
    return app


def _open_submit(step: Step) -> None:
    app = step.obj
    _validate(app.enterprise, list(app.entries.all()), app.purpose, app.scenario, app.is_commercial,
              app.requested_until_on, app.declares_eligibility)
    app.submitted_at = step.now
    app.eligibility_status = EligibilityStatus.UNVERIFIED


def _verify_eligibility(step: Step) -> None:
    """QZ §六(四): the authority checks the evidence (营业执照、股权结构 / 法人证书) and records who, when and what."""
    app = step.obj
    upload = step.inputs["eligibility_evidence"]
    name = files.check_document(upload, field="eligibility_evidence", label="资格证明材料").name
    with files.atomic():  # inside open_application_act's files.atomic(), which deletes it if the step rolls back
        files.store(app.eligibility_evidence, upload, name=name)
    app.eligibility_evidence_name = name
    _record_verification(step, EligibilityStatus.VERIFIED)


def _refuse_eligibility(step: Step) -> None:
    _record_verification(step, EligibilityStatus.REFUSED)
    step.obj.stop_policy_basis = step.inputs.get("policy_basis") or ""
    step.obj.stop_reason = step.inputs.get("opinion") or ""


def _record_verification(step: Step, result: str) -> None:
    app = step.obj
    app.eligibility_status = result
    app.eligibility_note = str(step.inputs.get("opinion") or "")
    app.eligibility_verified_by = step.user
    app.eligibility_verified_at = step.now


def _decide_term(step: Step) -> None:
    """The grant's term (FJ-OPEN art.10: the applicant states the time limit): at most the requested end date; the
    authority may shorten it with a reason, never lengthen it."""
    app = step.obj
    decision = open_grant_eligibility(app)
    if not decision:
        raise ValidationError(decision.reason)
    requested = app.requested_until_on
    if requested is None:
        raise ValidationError({"valid_until_on": ["申请未写明使用截止日（依申请开放须明确时限，FJ-OPEN 第十条），"
                                                  "不能授权；请停止授权或与申请主体协商后重新申请。"]})
    until = step.inputs.get("valid_until_on") or requested
    if until > requested:
        raise ValidationError({"valid_until_on": [f"授权截止日不得晚于申请的使用截止日（{requested:%Y-%m-%d}）："
                                                  "授权期限只能缩短，不能延长。"]})
    if until < step.on:
        raise ValidationError({"valid_until_on": ["授权截止日不能早于今天。"]})
    reason = str(step.inputs.get("opinion") or "").strip()
    if until < requested and not reason:
        raise ValidationError({"opinion": [f"授权截止日早于申请的使用截止日（{requested:%Y-%m-%d}），请说明缩短期限的理由。"]})
    app.granted_until_on = until
    app.term_reason = reason if until < requested else ""
    app.extra_restrictions = str(step.inputs.get("extra_restrictions") or "")


def _provider_opinion(step: Step, agrees: bool) -> None:
    """Record the consent (or refusal) of each provider unit the acting user answers for (FJ-OPEN art.10)."""
    app = step.obj
    pending = permissions.open_pending_provider_ids(app)
    mine = permissions.open_provider_ids_answered_by(step.user, app)
    reason = str(step.inputs.get("opinion") or "").strip()
    for unit_id in sorted(mine):
        OpenDataConsent.objects.create(application=app, producer_unit_id=unit_id, agrees=agrees, reason=reason,
                                       given_by=step.user, given_at=step.now)
    if not agrees:
        app.stop_reason = reason
        return
    if pending - mine:  # others still to answer: the step (and its due date) stays open
        step.go(OpenStatus.CONSENTING)
        step.due_on = app.current_due_on
        step.inputs["_stay"] = True
    else:
        step.go(OpenStatus.AGREEMENT_SIGNING)


def _agreement_record(step: Step) -> None:
    """FJ-OPEN art.10 / art.17: the signed 数据使用和安全保障协议 (number, date, signatories, scan) before the grant."""
    app = step.obj
    number = str(step.inputs["agreement_number"]).strip()
    signed_on = step.inputs["signed_on"]
    signatories = [line.strip() for line in str(step.inputs["signatories"]).splitlines() if line.strip()]
    errors: dict[str, list[str]] = {}
    if len(number) > OpenDataAgreement._meta.get_field("number").max_length:  # type: ignore[operator]
        errors["agreement_number"] = ["协议编号过长（不超过120个字符）。"]
    if signed_on > step.on:
        errors["signed_on"] = ["签署日期不能晚于今天。"]
    elif bound := date_bound_error(signed_on, "签署日期"):
        errors["signed_on"] = [bound]
    if len(signatories) < 2:
        errors["signatories"] = ["请填写协议的各签署方（至少两方，每行一方）。"]
    until = app.granted_until_on or app.requested_until_on
    if until is None or until < step.on:
        errors["signed_on"] = ["拟授权截止日已过，不能签发许可；请申请主体重新申请。"]
    if errors:
        raise ValidationError(errors)
    upload = step.inputs["agreement_file"]
    name = files.check_document(upload, field="agreement_file", label="已签署协议文件").name
    agreement = OpenDataAgreement(application=app, number=number, signed_on=signed_on,
                                  signatories="\n".join(signatories), file_name=name, recorded_by=step.user,
                                  recorded_at=step.now)
    with files.atomic():
        files.store(agreement.file, upload, name=name)
        agreement.save()


def _open_assess(step: Step) -> None:
    step.obj.assessment_opinion = step.inputs.get("opinion") or ""


def _open_adjust(step: Step) -> None:
    app = step.obj
    chosen = step.inputs.get("entries")
    if chosen:
        try:
            ids = {int(getattr(e, "pk", e)) for e in chosen}
        except (TypeError, ValueError):
            raise ValidationError({"entries": ["所选目录无效。"]}) from None
        if not ids <= set(app.entries.values_list("pk", flat=True)):
            raise ValidationError({"entries": ["调整只能缩小目录范围（须为原申请目录的非空子集）。"]})

        def narrow() -> None:
            app.entries.set(list(ids))
            sync_open_application(app)

        step.then(narrow)
    _decide_term(step)
    app.decision_note = step.inputs.get("opinion") or ""


def _open_confirm(step: Step) -> None:
    _decide_term(step)
    step.obj.decision_note = step.inputs.get("opinion") or ""


def _open_stop(step: Step) -> None:
    step.obj.stop_policy_basis = step.inputs.get("policy_basis") or ""
    step.obj.stop_reason = step.inputs.get("opinion") or ""


def _open_withdraw(step: Step) -> None:
    step.obj.withdraw_reason = step.inputs.get("opinion") or ""


OPEN_EFFECTS: dict[str, Callable[[Step], None]] = {
    "submit": _open_submit, "assess_reasonable": _open_assess, "assess_unreasonable": _open_assess,
    "adjust": _open_adjust, "confirm": _open_confirm, "stop": _open_stop, "withdraw": _open_withdraw,
    "verify_eligibility": _verify_eligibility, "refuse_eligibility": _refuse_eligibility,
    "provider_consent": lambda step: _provider_opinion(step, True),
    "provider_refuse": lambda step: _provider_opinion(step, False),
    "agreement_record": _agreement_record,
}


def _open_effect(name: str) -> Callable[[Step], None]:
    specific = OPEN_EFFECTS.get(name)

    def effect(step: Step) -> None:
        """The transition's own rules, then the step rows, the closing time, the grant, the applicant's notice."""
        app = step.obj
        if specific is not None:
            specific(step)
        opinion = str(step.inputs.get("opinion") or "")
        policy_basis = str(step.inputs.get("policy_basis") or "")
        step.audit_reason = opinion
        if step.target in OPEN_FINAL_STATES:
            app.decided_at = step.now
        if not step.inputs.get("_stay"):  # a provider consented while others are still to answer: same step
            book_step(step, field="open_application", opinion=opinion,
                      applicant_unit=_first_pending_provider(app) if step.target == OpenStatus.CONSENTING else None)

        def after() -> None:
            grant = _issue_grant(app, step.on) if step.target == OpenStatus.GRANTED else None
            if step.target == OpenStatus.CONSENTING and name in ("confirm", "adjust"):
                _notify_providers(app)
            if getattr(step.transition.actor, "actor", "") != Actor.APPLICANT:
                label = step.transition.label
                basis = f"政策依据：{policy_basis}。" if policy_basis else ""
                notify_enterprise(enterprise=app.enterprise, title=f"授权开放申请{label}",
                                  body=f"申请 {app.number}：{label}。当前状态：{app.get_status_display()}。"
                                       + (f"意见：{opinion}。" if opinion else "") + basis
                                       + (f"已签发许可 {grant.number}，有效期至 {grant.valid_until_on}。"
                                          if grant else ""),
                                  url=f"/open-applications/{app.pk}/")

        step.then(after)

    effect.__name__ = f"_open_{name}"
    return effect


for _name in OPEN_APPLICATION.transitions:
    OPEN_APPLICATION.effect(_name)(_open_effect(_name))


@files.atomic()
def open_application_act(*, application: OpenDataApplication, action: str, acting_user: Any, opinion: str = "",
                         policy_basis: str = "", entries: list[Any] | None = None,
                         valid_until_on: date | None = None, extra_restrictions: str = "",
                         **step_inputs: Any) -> OpenDataApplication:
    """Take one step of the open-data workflow (assess → confirm/adjust/stop → grant; or negotiate) through
    ``OPEN_APPLICATION.apply``.

    ``confirm``/``adjust`` fix the term (at most the requested end date) and ``extra_restrictions`` (one per line;
    e.g. a call quota); the providers then consent (``provider_consent``/``provider_refuse``) and the grant is issued
    with the rule restrictions when the signed agreement is recorded (``agreement_record``: ``agreement_number``,
    ``signed_on``, ``signatories``, ``agreement_file``). The eligibility is verified first (``verify_eligibility``
    with ``eligibility_evidence``). The applicant is notified of every staff decision.
    """
    given: dict[str, Any] = {"opinion": opinion, "policy_basis": policy_basis,
                             "extra_restrictions": extra_restrictions}
    if entries is not None:
        given["entries"] = list(entries)
    if valid_until_on is not None:
        given["valid_until_on"] = valid_until_on
    given.update(step_inputs)  # evidence, agreement number/date/signatories/file
    transition = OPEN_APPLICATION.transition(action)
    given = {k: v for k, v in given.items() if transition.input(k) is not None}
    result: OpenDataApplication = OPEN_APPLICATION.apply(action, application, user=acting_user, **given)
    return result


def grant_restrictions(*, is_commercial_use_allowed: bool, attribution: str, extra: str = "") -> list[str]:
    """The rule restrictions of QZ §六(四)、(七), then the authority's additional conditions (one per line)."""
    rules = ["仅限本单位依法依规使用，不得提供给第三方。",
             "不得用于或变相用于数据倒卖或其他非法用途。"]
    if not is_commercial_use_allowed:
        rules.append("只能用于科研教育等公益性活动，不得用于或变相用于商业用途。")
    rules.append(f"开发的数据产品应当注明所利用政务数据的来源和获取日期：{attribution}")
    rules.extend(f"附加条件：{line.strip()}" for line in extra.splitlines() if line.strip())
    return rules


def _first_pending_provider(app: OpenDataApplication) -> Any:
    pending = permissions.open_pending_provider_ids(app)
    return Organization.objects.filter(pk__in=pending).order_by("pk").first()


def _notify_providers(app: OpenDataApplication) -> None:
    from django.contrib.auth import get_user_model

    units = {e.source_unit_id for e in app.entries.all()}
    recipients = list(get_user_model().objects.filter(memberships__organization_id__in=units,
                                                      memberships__role=Role.UNIT_DATA_ADMIN,
                                                      memberships__retired_at__isnull=True).distinct())
    notify(recipients=recipients, title="授权开放申请待数据提供单位同意",
           body=f"{app.enterprise} 申请授权开放本单位数据（申请 {app.number}，使用至 {app.granted_until_on}），"
                f"请在期限 {app.current_due_on} 前表示同意或不同意（FJ-OPEN 第十条）。",
           url=f"/admin/sharing/opendataapplication/{app.pk}/change/")


def _issue_grant(app: OpenDataApplication, on: date) -> OpenDataGrant:
    entries = list(app.entries.select_related("source_unit"))
    until = app.granted_until_on or app.requested_until_on
    assert until is not None  # checked by _decide_term and _agreement_record
    extra_restrictions = app.extra_restrictions
    agreement = app.agreement
    consents = list(app.consents.select_related("producer_unit").order_by("pk"))
    commercial_ok = app.enterprise.kind not in INSTITUTIONS and app.is_commercial
    attribution = f"数据来源：泉州市政务数据（{'、'.join(e.title for e in entries)}），获取日期：{on:%Y-%m-%d}"[:300]
    grant = OpenDataGrant(
        number=new_number("KQ"), application=app, enterprise=app.enterprise, valid_from_on=on, valid_until_on=until,
        is_commercial_use_allowed=commercial_ok, attribution_text=attribution,
        restrictions=grant_restrictions(is_commercial_use_allowed=commercial_ok, attribution=attribution,
                                        extra=extra_restrictions),
        scope_snapshot={"entries": [{"id": e.pk, "code": e.code, "title": e.title,
                                     "source_unit": e.source_unit.name} for e in entries],
                        "purpose": app.purpose, "scenario": app.scenario, "note": app.decision_note,
                        "requested_until_on": str(app.requested_until_on), "term_reason": app.term_reason,
                        "eligibility": {"status": app.eligibility_status, "note": app.eligibility_note,
                                        "verified_at": str(app.eligibility_verified_at)},
                        "consents": [{"unit": c.producer_unit.name, "agrees": c.agrees, "at": str(c.given_at)}
                                     for c in consents],
                        "agreement": {"number": agreement.number, "signed_on": str(agreement.signed_on),
                                      "signatories": agreement.signatories.splitlines()}})
    grant.save()
    grant.entries.set(entries)
    audit_record(actor=None, action="sharing.open_grant.issue", obj=grant, after=grant.scope_snapshot)
    return grant


def open_application_submit(*, application: OpenDataApplication, acting_user: Any) -> OpenDataApplication:
    """Submit a draft: it goes to the technical service unit's reasonableness assessment."""
    return open_application_act(application=application, action="submit", acting_user=acting_user)


def open_application_withdraw(*, application: OpenDataApplication, acting_user: Any,
                              reason: str) -> OpenDataApplication:
    """The applicant withdraws a submitted application (reason required)."""
    return open_application_act(application=application, action="withdraw", acting_user=acting_user, opinion=reason)


@transaction.atomic
def open_application_resubmit(*, application: OpenDataApplication, acting_user: Any) -> OpenDataApplication:
    """After negotiation: a new draft linked to the closed application."""
    old = relock(application, related=["enterprise"])
    if old.status != OpenStatus.CLOSED_FOR_RESUBMISSION:
        raise ValidationError("只有协商后关闭的申请可以重新申请。")
    new = open_application_create(enterprise=old.enterprise, entries=list(old.entries.all()), purpose=old.purpose,
                                  scenario=old.scenario, is_commercial=old.is_commercial, acting_user=acting_user,
                                  usage_method=old.usage_method, requested_until_on=old.requested_until_on,
                                  declares_eligibility=old.declares_eligibility)
    new.previous_application = old
    with acting_as(acting_user):
        new.save(update_fields=["previous_application", "updated_at"])
    return new
