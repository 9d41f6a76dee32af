"""Applications: drafts, facts, evidence, expert scores, objections, and the workflow steps.

A step's public service (``application_<step>``, the names admin, API, site, demo and tasks call) is one call of
``APPLICATION.apply``; what the step does besides changing the state is its effect below (``step_effect``), the money
bookings of approval and payment in ``money.py``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal import files
from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.locks import relock
from portal.permissions import require
from portal.workdays import add_workdays, workdays_between
from portal.workflow import Step
from subsidies.models import (
    Application,
    ApplicationOrigin,
    ApplicationStatus,
    Call,
    Evidence,
    ExpertScore,
    Objection,
    ObjectionStatus,
    Rule,
)
from subsidies.models.applications import SYSTEM_EVIDENCE_KINDS
from subsidies.permissions import (
    can_create_application,
    can_edit_application,
    can_record_objection,
    can_resolve_objection,
    can_score,
)
from subsidies.services.common import compute, facts_errors, notify_applicant, step_effect, today
from subsidies.services.money import release_award
from subsidies.workflow import ALIVE, APPLICATION, RESERVING

S = ApplicationStatus


def _clean_facts(facts: Any) -> dict[str, Any]:
    if not isinstance(facts, dict):
        raise ValidationError({"facts": ["申报事实应为对象（字段名: 值）"]})
    return {k: v for k, v in facts.items() if v is not None and v != ""}


def _key(facts: dict[str, Any]) -> str:
    return str(facts.get("key") or "").strip()[:100]


@transaction.atomic
def application_create(*, call: Call, enterprise: Any, rule_code: str, facts: dict[str, Any],
                       acting_user: Any, origin: str = ApplicationOrigin.APPLICANT) -> Application:
    """Start a draft application of ``enterprise`` for one rule of an open call (facts may still be incomplete);
    ``origin`` 免申即享 only from ``candidate_confirm``."""
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
                                         period=call.year, created_by=acting_user,
                                         origin=ApplicationOrigin(origin))
        app.number = f"{call.year}-{code}-{app.pk:05d}"
        app.save(update_fields=["number", "updated_at"])
        audit_record(actor=acting_user, action="subsidies.application.create", obj=app, after=snapshot(app))
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
        audit_record(actor=acting_user, action="subsidies.application.update", obj=app, before=before,
                     after={"facts": facts})
    return app


@files.atomic()
def evidence_add(*, application: Application, uploaded_file: Any, kind: str, acting_user: Any) -> Evidence:
    """Attach a file (pdf/jpg/png/xlsx/docx, ≤ 10 MB, content checked) to a draft or returned application."""
    app = relock(application)
    require(can_edit_application(acting_user, app))
    labels = app.call.kind_labels()
    if app.origin == ApplicationOrigin.PROACTIVE:
        labels = {**labels, **SYSTEM_EVIDENCE_KINDS}  # 更正依据 belongs to 免申即享 applications only
    if kind not in labels:
        raise ValidationError({"kind": [f"材料类型“{kind}”不在本批次材料清单中（可选：{'、'.join(labels)}）。"]})
    document = files.check_document(uploaded_file)
    name, size = document.name, document.size
    uploaded_file.seek(0)
    with acting_as(acting_user):
        evidence = Evidence(application=app, kind=kind, original_name=name, size=size,
                            content_type=document.content_type, sha256=document.sha256, uploaded_by=acting_user)
        files.store(evidence.file, uploaded_file, name=name)
        evidence.save()
        audit_record(actor=acting_user, action="subsidies.evidence.add", obj=evidence,
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
        audit_record(actor=acting_user, action="subsidies.evidence.retire", obj=evidence)
    return evidence


def _check_complete(app: Application) -> dict[str, Any]:
    """Facts complete and valid, the call's required materials present, the ceiling computed. A 免申即享 application
    needs none of the call's materials (the facts come from the administration's own data, vouched for by the
    reporting units; corrected facts need their 更正依据, checked at confirmation): docs/adr/0306."""
    facts_errors(app.rule.code, app.facts, partial=False)
    if app.origin == ApplicationOrigin.PROACTIVE:
        return compute(app)
    present = set(app.evidence.filter(retired_at__isnull=True).values_list("kind", flat=True))
    labels = app.call.kind_labels()
    missing = [labels.get(k, k) for k in app.call.required_kinds() if k not in present]
    if missing:
        raise ValidationError({"evidence": [f"缺少必需的申报材料：{'、'.join(missing)}"]})
    return compute(app)


# ------------------------------------------------------------------------------------ workflow steps (thin doors)
def application_submit(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """Submit a complete draft: facts and required evidence checked, ceiling computed, duplicates flagged
    (``note`` goes into the step's record, e.g. the fact sources of a 免申即享 application)."""
    return APPLICATION.apply("submit", application, user=acting_user, note=note)


def application_return_for_correction(*, application: Application, acting_user: Any, reason: str) -> Application:
    """Return for correction (补正): the review clock pauses; the applicant has 10 working days to answer."""
    return APPLICATION.apply("return_for_correction", application, user=acting_user, reason=reason)


def application_resubmit(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """The applicant answers 补正: back to the step it was returned from; the paused clock resumes."""
    return APPLICATION.apply("resubmit", application, user=acting_user, note=note)


def application_accept(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """受理: the responsible department accepts a submitted application; the 20-working-day review clock starts."""
    return APPLICATION.apply("accept", application, user=acting_user, note=note)


def application_review_start(*, application: Application, acting_user: Any, note: str = "") -> Application:
    """Start the substantive review (and the expert scoring of competitive rules); the clock keeps running."""
    return APPLICATION.apply("review_start", application, user=acting_user, note=note)


def application_reject(*, application: Application, acting_user: Any, reason: str) -> Application:
    """不予支持, with the reason shown to the applicant."""
    return APPLICATION.apply("reject", application, user=acting_user, reason=reason)


def application_publicity_start(*, application: Application, acting_user: Any) -> Application:
    """公示 for the call's number of working days."""
    return APPLICATION.apply("publicity_start", application, user=acting_user)


def application_publicity_close(*, application: Application, acting_user: Any) -> Application:
    """End publicity once its last working day has passed and no objection is open (``acting_user=None``: the
    daily schedule, acting as the system)."""
    return APPLICATION.apply("publicity_close", application, user=acting_user)


PUBLICITY_CLOSE_CHANGE_REASON = "公示期满且无未处理异议，定时任务结束公示"


def applications_close_due_publicities(*, on: Any) -> list[int]:
    """``publicity_close`` for every publicity whose last working day is before ``on``, as the system, in batches of
    set-based writes (history, audit rows, application events), each batch its own transaction; an open objection
    keeps the publicity open (in the WHERE clause). Idempotent: a run again goes on with what is due (ADR 0017)."""
    from django.db.models import Exists, OuterRef

    from portal.bulk import BulkStep, transition_in_batches
    from subsidies.models import ApplicationEvent, Objection, ObjectionStatus

    open_objection = Exists(Objection.objects.filter(application=OuterRef("pk"), status=ObjectionStatus.OPEN))

    def events(batch: BulkStep) -> None:
        ApplicationEvent.objects.bulk_create([
            ApplicationEvent(application=app, actor=None, action="publicity_close", from_status=before,
                             to_status=app.status, note="", due_on=app.due_on, at=batch.at)
            for app, before in zip(batch.records, batch.from_states, strict=True)])

    return transition_in_batches(
        APPLICATION, "publicity_close",
        Application.objects.filter(publicity_ends_on__lt=on).exclude(open_objection), on=on,
        update={"step_started_on": on}, reason=lambda app: "", change_reason=PUBLICITY_CLOSE_CHANGE_REASON,
        point="subsidies.close_due_publicities", after=events)


def application_withdraw(*, application: Application, acting_user: Any, reason: str = "") -> Application:
    """The applicant withdraws (any time before disbursement); reserved money is released."""
    return APPLICATION.apply("withdraw", application, user=acting_user, reason=reason)


def application_cancel(*, application: Application, acting_user: Any, reason: str) -> Application:
    """Staff cancel an approved award before payment (e.g. upheld objection); reserved money is released."""
    return APPLICATION.apply("cancel", application, user=acting_user, reason=reason)


# ------------------------------------------------------------------------------------ what the steps do
@step_effect("submit")
def _submit(step: Step) -> str:
    app = step.obj
    if not app.call.is_open(step.on):
        raise ValidationError(f"申报批次已于 {app.call.closes_on} 截止，不能再提交。")
    app.event_on = step.on
    result = _check_complete(app)
    duplicate = (Application.objects.filter(enterprise_id=app.enterprise_id, rule_id=app.rule_id, key__iexact=app.key,
                                            period=app.period, status__in=ALIVE)
                 .exclude(pk=app.pk).order_by("pk").first())
    app.calculation, app.ceiling = result, Decimal(result["amount"])
    app.submitted_at = step.now
    app.is_duplicate, app.duplicate_of = duplicate is not None, duplicate
    notes = [str(step.inputs.get("note") or "").strip()]
    if duplicate:
        notes.append(f"疑似重复申报（与 {duplicate.number} 相同主体、规则、标识和年度）")
    return "；".join(n.rstrip("。") for n in notes if n)


@step_effect("return_for_correction")
def _return_for_correction(step: Step) -> str:
    app = step.obj
    reason = step.inputs["reason"]
    app.paused_remaining_workdays = max(0, workdays_between(step.on, app.due_on)) if app.due_on else None
    app.returned_from = app.status
    app.correction_request = reason
    notify_applicant(step, f"申报 {app.number} 需补正",
                     lambda: f"补正要求：{reason}；请于 {step.due_on} 前补正后重新提交。")
    return reason


@step_effect("resubmit")
def _resubmit(step: Step) -> str:
    app = step.obj
    result = _check_complete(app)
    target = app.returned_from or S.SUBMITTED
    step.go(target)
    opened_by = "submit" if target == S.SUBMITTED else "accept"
    limit = APPLICATION.transitions[opened_by].limit
    default_days = limit.days_on(step.on) if limit else 0
    days = app.paused_remaining_workdays if app.paused_remaining_workdays is not None else default_days
    step.due_on = add_workdays(step.on, days)  # the paused clock resumes with the days it had left
    app.calculation, app.ceiling = result, Decimal(result["amount"])
    app.paused_remaining_workdays, app.returned_from = None, ""
    return str(step.inputs.get("note") or "")


@step_effect("accept")
def _accept(step: Step) -> str:
    step.obj.reviewer = step.user
    return str(step.inputs.get("note") or "")


@step_effect("review_start")
def _review_start(step: Step) -> str:
    step.due_on = step.obj.due_on  # the review clock started at 受理 keeps running
    return str(step.inputs.get("note") or "")


@step_effect("reject")
def _reject(step: Step) -> str:
    app = step.obj
    reason = step.inputs["reason"]
    app.decision_reason = reason
    notify_applicant(step, f"申报 {app.number} 未获支持", lambda: reason)
    return reason


@step_effect("publicity_start")
def _publicity_start(step: Step) -> str:
    app = step.obj
    ends = add_workdays(step.on, app.call.publicity_workdays)  # the call's own publicity days
    app.publicity_ends_on = step.due_on = ends
    return f"公示至 {ends}"


@step_effect("publicity_close")
def _publicity_close(step: Step) -> str:
    app = step.obj
    if app.publicity_ends_on and step.on <= app.publicity_ends_on:
        raise ValidationError(f"公示期至 {app.publicity_ends_on}，尚未期满。")
    if app.objections.filter(status=ObjectionStatus.OPEN).exists():
        raise ValidationError("仍有未处理的公示异议，处理后方可结束公示。")
    return ""


@step_effect("withdraw")
def _withdraw(step: Step) -> str:
    if step.obj.status in RESERVING:
        release_award(step.obj, acting_user=step.user, on=step.on)
    return str(step.inputs.get("reason") or "")


@step_effect("cancel")
def _cancel(step: Step) -> str:
    app = step.obj
    reason = step.inputs["reason"]
    release_award(app, acting_user=step.user, on=step.on)
    app.decision_reason = reason
    notify_applicant(step, f"申报 {app.number} 的核定已撤销", lambda: reason)
    return reason


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
        audit_record(actor=acting_user, action="subsidies.application.score", obj=app, after={"score": str(value)})
    return row


@transaction.atomic
def objection_record(*, application: Application, objector: str, content: str, acting_user: Any,
                     received_on: Any = None) -> Objection:
    """Register an objection received during publicity; publicity cannot close while it is open."""
    app = relock(application)
    require(can_record_objection(acting_user, app))
    if app.status != S.PUBLICITY:
        raise ValidationError({"application": ["只有公示中的申报可以登记异议。"]})
    if not (objector or "").strip() or not (content or "").strip():
        raise ValidationError("请填写异议人和异议内容。")
    with acting_as(acting_user):
        row = Objection.objects.create(application=app, objector=objector.strip(), content=content.strip(),
                                       received_on=received_on or today())
        audit_record(actor=acting_user, action="subsidies.objection.record", obj=app, after={"objection": row.pk})
    return row


@transaction.atomic
def objection_resolve(*, objection: Objection, upheld: bool, resolution: str, acting_user: Any) -> Objection:
    """Decide an objection; an upheld objection cancels the award and releases its money."""
    obj = relock(objection)
    app = obj.application
    require(can_resolve_objection(acting_user, obj))
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
        audit_record(actor=acting_user, action="subsidies.objection.resolve", obj=app, reason=resolution,
                     after={"objection": obj.pk, "upheld": upheld})
    return obj


assert set(APPLICATION._effects) == set(APPLICATION.transitions), "every subsidy step has its effect"
