"""Open-data authorization applications (授权开放, QZ §六(四)–(五)) and their grants.

Contract used by the applicant site: ``open_application_create``, ``open_application_submit``,
``open_application_withdraw`` (plus ``open_applicant_eligibility`` to explain a refusal before the form).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from catalogs.models import EntryStatus, OpenType
from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import relock
from portal.models import ApplicantKind, Enterprise
from portal.permissions import ALLOW, Decision, deny
from portal.services import notify_enterprise
from portal.workflow import Step
from sharing import permissions
from sharing.models import OpenDataApplication, OpenDataGrant
from sharing.services.steps import book_step, new_number
from sharing.workflow import OPEN_APPLICATION, OPEN_FINAL_STATES, Actor, OpenStatus, today

INSTITUTIONS = (ApplicantKind.UNIVERSITY, ApplicantKind.RESEARCH_INSTITUTE)
DEFAULT_GRANT_DAYS = 365


def open_applicant_eligibility(enterprise: Enterprise, *, is_commercial: bool = False) -> Decision:
    """QZ §六(四): only domestic-controlled legal-person enterprises, universities and research institutes;
    universities and research institutes only for non-commercial (public-interest research/education) use."""
    if enterprise.retired_at is not None:
        return deny("该申请主体已停用。")
    if enterprise.kind in INSTITUTIONS:
        if is_commercial:
            return deny("高校、科研院所获得的授权开放数据只能用于科研教育等公益性活动，不得用于商业用途。")
        return ALLOW
    if enterprise.kind == ApplicantKind.ENTERPRISE:
        if not enterprise.is_domestic_controlled:
            return deny("授权开放数据仅限内资控股法人企业、高校或科研院所申请；本企业不是内资控股企业。")
        return ALLOW
    return deny(f"授权开放数据仅限内资控股法人企业、高校或科研院所申请；“{enterprise.get_kind_display()}”不在范围内。")


def _validate(enterprise: Enterprise, entries: list[Any], purpose: str, scenario: str, is_commercial: bool,
              requested_until_on: date | None) -> None:
    decision = open_applicant_eligibility(enterprise, is_commercial=is_commercial)
    if not decision:
        raise ValidationError({"enterprise": [decision.reason]})
    errors: dict[str, list[str]] = {}
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
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def open_application_create(*, enterprise: Enterprise, entries: list[Any], purpose: str, scenario: str,
                            is_commercial: bool, acting_user: Any, usage_method: str = "",
                            requested_until_on: date | None = None, submit: bool = False) -> OpenDataApplication:
    """A draft 授权开放 application; refuses ineligible applicants and entries that are not 授权开放. With ``submit``
    it is submitted in the same transaction (nothing is saved half)."""
    if not permissions.is_enterprise_member(acting_user, enterprise):
        raise PermissionDenied("只能以本主体名义提出申请。")
    entries = list(entries)
    _validate(enterprise, entries, purpose, scenario, is_commercial, requested_until_on)
    with acting_as(acting_user):
        app = OpenDataApplication.objects.create(
            number=new_number("KF"), enterprise=enterprise, applicant_user=acting_user, purpose=purpose.strip(),
            scenario=scenario.strip(), is_commercial=is_commercial, usage_method=usage_method.strip(),
            requested_until_on=requested_until_on)
        app.entries.set(entries)
        audit_record(actor=acting_user, action="sharing.open_application.create", obj=app,
                     after={"entries": [e.pk for e in entries], "is_commercial": is_commercial})
    if submit:
        app = open_application_submit(application=app, acting_user=acting_user)
    return app


def _open_submit(step: Step) -> None:
    app = step.obj
    _validate(app.enterprise, list(app.entries.all()), app.purpose, app.scenario, app.is_commercial,
              app.requested_until_on)
    app.submitted_at = step.now


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
        step.then(lambda: app.entries.set(list(ids)))
    app.decision_note = step.inputs.get("opinion") or ""


def _open_confirm(step: Step) -> None:
    step.obj.decision_note = step.inputs.get("opinion") or ""


def _open_stop(step: Step) -> None:
    step.obj.stop_policy_basis = step.inputs.get("policy_basis") or ""
    step.obj.stop_reason = step.inputs.get("opinion") or ""


def _open_withdraw(step: Step) -> None:
    step.obj.withdraw_reason = step.inputs.get("opinion") or ""


OPEN_EFFECTS: dict[str, Callable[[Step], None]] = {
    "submit": _open_submit, "assess_reasonable": _open_assess, "assess_unreasonable": _open_assess,
    "adjust": _open_adjust, "confirm": _open_confirm, "stop": _open_stop, "withdraw": _open_withdraw,
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
        if step.target == OpenStatus.GRANTED:  # checked before anything is written
            _grant_until(app, step.on, step.inputs.get("valid_until_on"))
        book_step(step, field="open_application", opinion=opinion)

        def after() -> None:
            grant = (_issue_grant(app, step.on, step.inputs.get("valid_until_on"),
                                  str(step.inputs.get("extra_restrictions") or ""))
                     if step.target == OpenStatus.GRANTED else None)
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


def open_application_act(*, application: OpenDataApplication, action: str, acting_user: Any, opinion: str = "",
                         policy_basis: str = "", entries: list[Any] | None = None,
                         valid_until_on: date | None = None, extra_restrictions: str = "") -> OpenDataApplication:
    """Take one step of the open-data workflow (assess → confirm/adjust/stop → grant; or negotiate) through
    ``OPEN_APPLICATION.apply``.

    On ``confirm``/``adjust`` the grant is issued with the rule restrictions plus ``extra_restrictions`` (one per
    line; e.g. a call quota or an environment condition). The applicant is notified of every staff decision.
    """
    given: dict[str, Any] = {"opinion": opinion, "policy_basis": policy_basis,
                             "extra_restrictions": extra_restrictions}
    if entries is not None:
        given["entries"] = list(entries)
    if valid_until_on is not None:
        given["valid_until_on"] = valid_until_on
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


def _grant_until(app: OpenDataApplication, on: date, valid_until_on: date | None) -> date:
    until = valid_until_on or app.requested_until_on or on + timedelta(days=DEFAULT_GRANT_DAYS)
    if until < on:
        raise ValidationError({"valid_until_on": ["授权截止日不能早于今天。"]})
    return until


def _issue_grant(app: OpenDataApplication, on: date, valid_until_on: date | None,
                 extra_restrictions: str = "") -> OpenDataGrant:
    entries = list(app.entries.select_related("source_unit"))
    until = _grant_until(app, on, valid_until_on)
    commercial_ok = app.enterprise.kind not in INSTITUTIONS and app.is_commercial
    attribution = f"数据来源：泉州市政务数据（{'、'.join(e.title for e in entries)}），获取日期：{on:%Y-%m-%d}"[:300]
    grant = OpenDataGrant(
        number=new_number("KQ"), application=app, enterprise=app.enterprise, valid_from_on=on, valid_until_on=until,
        is_commercial_use_allowed=commercial_ok, attribution_text=attribution,
        restrictions=grant_restrictions(is_commercial_use_allowed=commercial_ok, attribution=attribution,
                                        extra=extra_restrictions),
        scope_snapshot={"entries": [{"id": e.pk, "code": e.code, "title": e.title,
                                     "source_unit": e.source_unit.name} for e in entries],
                        "purpose": app.purpose, "scenario": app.scenario, "note": app.decision_note})
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
                                  usage_method=old.usage_method, requested_until_on=old.requested_until_on)
    new.previous_application = old
    with acting_as(acting_user):
        new.save(update_fields=["previous_application", "updated_at"])
    return new
