"""Open-data authorization applications (授权开放, QZ §六(四)–(五)) and their grants.

Contract used by the applicant site: ``open_application_create``, ``open_application_submit``,
``open_application_withdraw`` (plus ``open_applicant_eligibility`` to explain a refusal before the form).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalogs.models import EntryStatus, OpenType
from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import relock
from portal.models import ApplicantKind, Enterprise
from portal.permissions import ALLOW, Decision, deny, require
from portal.services import notify_enterprise
from sharing import permissions
from sharing.models import OpenDataApplication, OpenDataGrant
from sharing.services.steps import check_transition_input, enter_step, finish_step, new_number
from sharing.workflow import OPEN_TRANSITIONS, OpenStatus, open_due_on, today

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
                            requested_until_on: date | None = None) -> OpenDataApplication:
    """A draft 授权开放 application; refuses ineligible applicants and entries that are not 授权开放."""
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
        audit_record(actor=acting_user, action="open_application.create", obj=app,
                     after={"entries": [e.pk for e in entries], "is_commercial": is_commercial})
    return app


@transaction.atomic
def open_application_act(*, application: OpenDataApplication, action: str, acting_user: Any, opinion: str = "",
                         policy_basis: str = "", entries: list[Any] | None = None,
                         valid_until_on: date | None = None, extra_restrictions: str = "") -> OpenDataApplication:
    """Take one step of the open-data workflow (assess → confirm/adjust/stop → grant; or negotiate).

    On ``confirm``/``adjust`` the grant is issued with the rule restrictions plus ``extra_restrictions`` (one per
    line; e.g. a call quota or an environment condition). The applicant is notified of every staff decision.
    """
    transition = OPEN_TRANSITIONS.get(action)
    if transition is None:
        raise ValidationError(f"未知的办理操作：{action}")
    app = relock(application, related=["enterprise"])
    require(permissions.can_open_transition(acting_user, app, transition))
    opinion, policy_basis = check_transition_input(app, transition, opinion, policy_basis,
                                                   basis_message="停止授权须填写相关政策依据。")
    on = today()
    now = timezone.now()
    before = {"status": app.status}
    current_entries = list(app.entries.all())
    if action == "submit":
        _validate(app.enterprise, current_entries, app.purpose, app.scenario, app.is_commercial,
                  app.requested_until_on)
        app.submitted_at = now
    elif action in ("assess_reasonable", "assess_unreasonable"):
        app.assessment_opinion = opinion
    elif action == "adjust":
        if entries is not None:
            chosen = {e.pk for e in entries}
            if not chosen or not chosen <= {e.pk for e in current_entries}:
                raise ValidationError({"entries": ["调整只能缩小目录范围（须为原申请目录的非空子集）。"]})
            app.entries.set(list(entries))
        app.decision_note = opinion
    elif action == "confirm":
        app.decision_note = opinion
    elif action == "stop":
        app.stop_policy_basis, app.stop_reason = policy_basis, opinion
    elif action == "withdraw":
        app.withdraw_reason = opinion
    target = transition.targets[0]
    with acting_as(acting_user):
        finish_step(application=app, field="open_application", action=action, action_label=transition.label,
                    user=acting_user, opinion=opinion, on=on)
        enter_step(application=app, state=target, label=OpenStatus(target).label, start=on,
                   due=open_due_on(target, on), field="open_application")
        if target in (OpenStatus.GRANTED, OpenStatus.STOPPED, OpenStatus.CLOSED_FOR_RESUBMISSION,
                      OpenStatus.WITHDRAWN):
            app.decided_at = now
        app.save()
        grant = (_issue_grant(app, on, valid_until_on, extra_restrictions) if target == OpenStatus.GRANTED
                 else None)
        audit_record(actor=acting_user, action=f"open_application.{action}", obj=app, reason=opinion,
                     before=before, after={"status": app.status, "grant": grant.number if grant else None})
    if transition.actor != "applicant":
        basis = f"政策依据：{policy_basis}。" if policy_basis else ""
        notify_enterprise(enterprise=app.enterprise, title=f"授权开放申请{transition.label}",
                          body=f"申请 {app.number}：{transition.label}。当前状态：{app.get_status_display()}。"
                               + (f"意见：{opinion}。" if opinion else "") + basis
                               + (f"已签发许可 {grant.number}，有效期至 {grant.valid_until_on}。" if grant else ""),
                          url=f"/open-applications/{app.pk}/")
    return app


def grant_restrictions(*, is_commercial_use_allowed: bool, attribution: str, extra: str = "") -> list[str]:
    """The rule restrictions of QZ §六(四)、(七), then the authority's additional conditions (one per line)."""
    rules = ["仅限本单位依法依规使用，不得提供给第三方。",
             "不得用于或变相用于数据倒卖或其他非法用途。"]
    if not is_commercial_use_allowed:
        rules.append("只能用于科研教育等公益性活动，不得用于或变相用于商业用途。")
    rules.append(f"开发的数据产品应当注明所利用政务数据的来源和获取日期：{attribution}")
    rules.extend(f"附加条件：{line.strip()}" for line in extra.splitlines() if line.strip())
    return rules


def _issue_grant(app: OpenDataApplication, on: date, valid_until_on: date | None,
                 extra_restrictions: str = "") -> OpenDataGrant:
    entries = list(app.entries.select_related("source_unit"))
    until = valid_until_on or app.requested_until_on or on + timedelta(days=DEFAULT_GRANT_DAYS)
    if until < on:
        raise ValidationError({"valid_until_on": ["授权截止日不能早于今天。"]})
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
    audit_record(actor=None, action="open_grant.issue", obj=grant, after=grant.scope_snapshot)
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
