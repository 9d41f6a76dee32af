"""Applicant and reviewer steps of an application (everything except the money bookings, see money.py)."""

from __future__ import annotations

import hashlib
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import files
from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.locks import relock
from portal.permissions import require
from portal.services import notify_enterprise
from portal.workdays import add_workdays, workdays_between
from subsidies.models import (
    Application,
    ApplicationStatus,
    Call,
    Evidence,
    ExpertScore,
    Objection,
    ObjectionStatus,
    Rule,
)
from subsidies.permissions import can_create_application, can_edit_application, can_score, is_reviewer
from subsidies.services.common import check_action, compute, facts_errors, move, today
from subsidies.workflow import ALIVE, RESERVING, TRANSITIONS

S = ApplicationStatus
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
ALLOWED_EVIDENCE = {  # extension -> (content type, magic check)
    ".pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ".jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              lambda head: head.startswith(b"PK\x03\x04")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              lambda head: head.startswith(b"PK\x03\x04")),
}


def _clean_facts(facts: Any) -> dict[str, Any]:
    if not isinstance(facts, dict):
        raise ValidationError({"facts": ["申报事实应为对象（字段名: 值）"]})
    return {k: v for k, v in facts.items() if v is not None and v != ""}


def _key(facts: dict[str, Any]) -> str:
    return str(facts.get("key") or "").strip()[:100]


@transaction.atomic
def application_create(*, call: Call, enterprise: Any, rule_code: str, facts: dict[str, Any],
                       acting_user: Any) -> Application:
    """Start a draft application of ``enterprise`` for one rule of an open call (facts may still be incomplete)."""
    require(can_create_application(acting_user, enterprise))
    day = today()
    if not call.is_open(day):
        raise ValidationError(f"申报批次“{call.name}”的申报时间为 {call.opens_on} 至 {call.closes_on}，当前不在申报期内。")
    code = str(rule_code or "").strip().upper()
    if code not in call.rule_codes():
        raise ValidationError({"rule_code": [f"批次“{call.name}”不受理规则 {code} 的申报。"]})
    rule = Rule.objects.select_related("document").get(code=code)
    if not rule.is_in_force(day):
        raise ValidationError({"rule_code": [f"规则 {code} 当前不在适用期内。"]})
    facts = _clean_facts(facts)
    facts_errors(code, facts, partial=True)
    with acting_as(acting_user):
        app = Application.objects.create(call=call, rule=rule, enterprise=enterprise, facts=facts, key=_key(facts),
                                         period=call.year, created_by=acting_user)
        app.number = f"{call.year}-{code}-{app.pk:05d}"
        app.save(update_fields=["number", "updated_at"])
        audit_record(actor=acting_user, action="subsidy_application_create", obj=app, after=snapshot(app))
    return app


@transaction.atomic
def application_update(*, application: Application, facts: dict[str, Any], acting_user: Any) -> Application:
    """Change the facts of a draft or of an application returned for correction."""
    app = relock(application)
    require(can_edit_application(acting_user, app))
    facts = _clean_facts(facts)
    facts_errors(app.rule.code, facts, partial=True)
    before = {"facts": app.facts}
    with acting_as(acting_user):
        app.facts, app.key = facts, _key(facts)
        app.save()
        audit_record(actor=acting_user, action="subsidy_application_update", obj=app, before=before,
                     after={"facts": facts})
    return app


@files.atomic()
def evidence_add(*, application: Application, uploaded_file: Any, kind: str, acting_user: Any) -> Evidence:
    """Attach a file (pdf/jpg/png/xlsx/docx, ≤ 10 MB, content checked) to a draft or returned application."""
    app = relock(application)
    require(can_edit_application(acting_user, app))
    labels = app.call.kind_labels()
    if kind not in labels:
        raise ValidationError({"kind": [f"材料类型“{kind}”不在本批次材料清单中（可选：{'、'.join(labels)}）。"]})
    name = files.upload_name(uploaded_file)
    ext = PurePath(name).suffix.lower()
    if ext not in ALLOWED_EVIDENCE:
        raise ValidationError({"file": ["只接受 PDF、JPG、PNG、XLSX、DOCX 格式的文件。"]})
    size = int(getattr(uploaded_file, "size", 0) or 0)
    if size <= 0:
        raise ValidationError({"file": ["文件为空。"]})
    if size > MAX_EVIDENCE_BYTES:
        raise ValidationError({"file": [f"文件过大（{size / 1048576:.1f} MB），单个文件不超过 10 MB。"]})
    content_type, check = ALLOWED_EVIDENCE[ext]
    uploaded_file.seek(0)
    head = uploaded_file.read(16)
    if not check(head):
        raise ValidationError({"file": [f"文件内容与扩展名 {ext} 不符，请上传真实的 {ext[1:].upper()} 文件。"]})
    uploaded_file.seek(0)
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks() if hasattr(uploaded_file, "chunks") else [uploaded_file.read()]:
        digest.update(chunk)
    uploaded_file.seek(0)
    with acting_as(acting_user):
        evidence = Evidence(application=app, kind=kind, original_name=name, size=size,
                            content_type=content_type, sha256=digest.hexdigest(), uploaded_by=acting_user)
        files.store(evidence.file, uploaded_file, name=name)
        evidence.save()
        audit_record(actor=acting_user, action="subsidy_evidence_add", obj=evidence,
                     after={"application": app.pk, "kind": kind, "size": size, "sha256": evidence.sha256})
    return evidence


@transaction.atomic
def evidence_retire(*, evidence: Evidence, acting_user: Any) -> Evidence:
    """Withdraw an uploaded file from a draft or returned application (kept, marked retired)."""
    app = relock(evidence.application)
    require(can_edit_application(acting_user, app))
    with acting_as(acting_user):
        evidence.retired_at = timezone.now()
        evidence.save()
        audit_record(actor=acting_user, action="subsidy_evidence_retire", obj=evidence)
    return evidence


def _check_complete(app: Application) -> dict[str, Any]:
    facts_errors(app.rule.code, app.facts, partial=False)
    present = set(app.evidence.filter(retired_at__isnull=True).values_list("kind", flat=True))
    labels = app.call.kind_labels()
    missing = [labels.get(k, k) for k in app.call.required_kinds() if k not in present]
    if missing:
        raise ValidationError({"evidence": [f"缺少必需的申报材料：{'、'.join(missing)}"]})
    return compute(app)


@transaction.atomic
def application_submit(*, application: Application, acting_user: Any) -> Application:
    """Submit a complete draft: facts and required evidence checked, ceiling computed, duplicates flagged."""
    app = relock(application)
    check_action(acting_user, app, "submit")
    if not app.call.is_open(today()):
        raise ValidationError(f"申报批次已于 {app.call.closes_on} 截止，不能再提交。")
    app.event_on = today()
    result = _check_complete(app)
    duplicate = (Application.objects.filter(enterprise_id=app.enterprise_id, rule_id=app.rule_id, key=app.key,
                                            period=app.period, status__in=ALIVE)
                 .exclude(pk=app.pk).order_by("pk").first())
    with acting_as(acting_user):
        app.calculation, app.ceiling = result, Decimal(result["amount"])
        app.submitted_at = timezone.now()
        app.is_duplicate, app.duplicate_of = duplicate is not None, duplicate
        note = f"疑似重复申报（与 {duplicate.number} 相同主体、规则、标识和年度）" if duplicate else ""
        move(app, "submit", actor=acting_user, note=note)
    return app


@transaction.atomic
def application_return_for_correction(*, application: Application, acting_user: Any, reason: str) -> Application:
    """Return for correction (补正): the review clock pauses; the applicant has 10 working days to answer."""
    app = relock(application)
    check_action(acting_user, app, "return_for_correction")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["退回补正须写明需补正的内容。"]})
    remaining = max(0, workdays_between(today(), app.due_on)) if app.due_on else None
    with acting_as(acting_user):
        app.paused_remaining_workdays = remaining
        app.returned_from = app.status
        app.correction_request = reason.strip()
        move(app, "return_for_correction", actor=acting_user, note=reason.strip())
    notify_enterprise(enterprise=app.enterprise, title=f"申报 {app.number} 需补正",
                      body=f"补正要求：{reason.strip()}；请于 {app.due_on} 前补正后重新提交。")
    return app


@transaction.atomic
def application_resubmit(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """The applicant answers 补正: back to the step it was returned from; the paused clock resumes."""
    app = relock(application)
    check_action(acting_user, app, "resubmit")
    result = _check_complete(app)
    target = app.returned_from or S.SUBMITTED
    default_days = TRANSITIONS["submit"].workdays if target == S.SUBMITTED else TRANSITIONS["accept"].workdays
    days = app.paused_remaining_workdays if app.paused_remaining_workdays is not None else default_days
    with acting_as(acting_user):
        app.calculation, app.ceiling = result, Decimal(result["amount"])
        app.paused_remaining_workdays, app.returned_from = None, ""
        move(app, "resubmit", actor=acting_user, note=note, target=target, due_on=add_workdays(today(), days or 0))
    return app


@transaction.atomic
def application_accept(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """受理: the responsible department accepts a submitted application; the 20-working-day review clock starts."""
    app = relock(application)
    check_action(acting_user, app, "accept")
    with acting_as(acting_user):
        app.reviewer = acting_user
        move(app, "accept", actor=acting_user, note=note)
    return app


@transaction.atomic
def application_review_start(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """Start the substantive review (and the expert scoring of competitive rules); the clock keeps running."""
    app = relock(application)
    check_action(acting_user, app, "review_start")
    with acting_as(acting_user):
        move(app, "review_start", actor=acting_user, note=note)
    return app


@transaction.atomic
def application_score(*, application: Application, score: Any, acting_user: Any, comment: str = "") -> ExpertScore:
    """Record (or correct) one expert's 0–100 score of an application under review."""
    app = relock(application)
    require(can_score(acting_user, app))
    try:
        value = Decimal(str(score))
    except InvalidOperation:
        raise ValidationError({"score": ["评分应为0–100的数字。"]}) from None
    if not value.is_finite() or not (Decimal("0") <= value <= Decimal("100")) or value != value.quantize(
            Decimal("0.01")):
        raise ValidationError({"score": ["评分应为0–100的数字，最多两位小数。"]})
    with acting_as(acting_user):
        row, _ = ExpertScore.objects.update_or_create(application=app, expert=acting_user,
                                                      defaults={"score": value, "comment": comment})
        audit_record(actor=acting_user, action="subsidy_score", obj=app, after={"score": str(value)})
    return row


@transaction.atomic
def application_reject(*, application: Application, acting_user: Any, reason: str) -> Application:
    """不予支持, with the reason shown to the applicant."""
    app = relock(application)
    check_action(acting_user, app, "reject")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["不予支持须写明理由。"]})
    with acting_as(acting_user):
        app.decision_reason = reason.strip()
        move(app, "reject", actor=acting_user, note=reason.strip(), due_on=None)
    notify_enterprise(enterprise=app.enterprise, title=f"申报 {app.number} 未获支持", body=reason.strip())
    return app


@transaction.atomic
def application_publicity_start(*, application: Application, acting_user: Any) -> Application:
    """公示 for the call's number of working days."""
    app = relock(application)
    check_action(acting_user, app, "publicity_start")
    ends = add_workdays(today(), app.call.publicity_workdays)
    with acting_as(acting_user):
        app.publicity_ends_on = ends
        move(app, "publicity_start", actor=acting_user, due_on=ends, note=f"公示至 {ends}")
    return app


@transaction.atomic
def objection_record(*, application: Application, objector: str, content: str, acting_user: Any,
                     received_on: Any = None) -> Objection:
    """Register an objection received during publicity; publicity cannot close while it is open."""
    app = relock(application)
    if not is_reviewer(acting_user, app.rule):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有责任单位经办人可以登记公示异议。")
    if app.status != S.PUBLICITY:
        raise ValidationError({"application": ["只有公示中的申报可以登记异议。"]})
    if not (objector or "").strip() or not (content or "").strip():
        raise ValidationError("请填写异议人和异议内容。")
    with acting_as(acting_user):
        row = Objection.objects.create(application=app, objector=objector.strip(), content=content.strip(),
                                       received_on=received_on or today())
        audit_record(actor=acting_user, action="subsidy_objection_record", obj=app, after={"objection": row.pk})
    return row


@transaction.atomic
def objection_resolve(*, objection: Objection, upheld: bool, resolution: str, acting_user: Any) -> Objection:
    """Decide an objection; an upheld objection cancels the award and releases its money."""
    obj = relock(objection)
    app = obj.application
    if not is_reviewer(acting_user, app.rule):
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied("只有责任单位经办人可以处理公示异议。")
    if obj.status != ObjectionStatus.OPEN:
        raise ValidationError("该异议已处理。")
    if not (resolution or "").strip():
        raise ValidationError({"resolution": ["请填写处理意见。"]})
    if upheld:  # first: the cancellation takes its row locks (award, pools) before this transaction's first audit row
        application_cancel(application=app, acting_user=acting_user, reason=f"公示异议成立：{resolution.strip()}")
    with acting_as(acting_user):
        obj.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
        obj.resolution, obj.resolved_at = resolution.strip(), timezone.now()
        obj.save()
        audit_record(actor=acting_user, action="subsidy_objection_resolve", obj=app, reason=resolution,
                     after={"objection": obj.pk, "upheld": upheld})
    return obj


@transaction.atomic
def application_publicity_close(*, application: Application, acting_user: Any) -> Application:
    """End publicity once its last working day has passed and no objection is open."""
    app = relock(application)
    if acting_user is not None:
        check_action(acting_user, app, "publicity_close")
    elif app.status != S.PUBLICITY:
        raise ValidationError("申报不在公示中。")
    if app.publicity_ends_on and today() <= app.publicity_ends_on:
        raise ValidationError(f"公示期至 {app.publicity_ends_on}，尚未期满。")
    if app.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationError("仍有未处理的公示异议，处理后方可结束公示。")
    with acting_as(acting_user):
        move(app, "publicity_close", actor=acting_user)
    return app


@transaction.atomic
def application_withdraw(*, application: Application, acting_user: Any, reason: str) -> Application:
    """The applicant withdraws (any time before disbursement); reserved money is released."""
    app = relock(application)
    check_action(acting_user, app, "withdraw")
    from subsidies.services.money import release_award

    with acting_as(acting_user):
        if app.status in RESERVING:
            release_award(app, acting_user=acting_user)
        move(app, "withdraw", actor=acting_user, note=(reason or "").strip(), due_on=None)
    return app


@transaction.atomic
def application_cancel(*, application: Application, acting_user: Any, reason: str) -> Application:
    """Staff cancel an approved award before payment (e.g. upheld objection); reserved money is released."""
    app = relock(application)
    check_action(acting_user, app, "cancel")
    if not (reason or "").strip():
        raise ValidationError({"reason": ["撤销须写明理由。"]})
    from subsidies.services.money import release_award

    with acting_as(acting_user):
        release_award(app, acting_user=acting_user)
        app.decision_reason = reason.strip()
        move(app, "cancel", actor=acting_user, note=reason.strip(), due_on=None)
    notify_enterprise(enterprise=app.enterprise, title=f"申报 {app.number} 的核定已撤销", body=reason.strip())
    return app
