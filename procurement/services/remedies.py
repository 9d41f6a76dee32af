"""Remedies and sanctions: objections (decide ≤2 d, answer ≤3 d, tender paused), complaints (≤10 d after knowing,
reviewed ≤3 working days), penalty decisions (pay ≤15 d, credit registration ≤7 working days), bad-conduct records
(valid 1 year, with the decision document), red-flag dispositions."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record, snapshot
from portal.locks import lock_rows, relock
from portal.models import Enterprise
from portal.permissions import require
from portal.workflow import Step
from procurement import deadlines
from procurement import parameters as params
from procurement.models import (
    BadConductRecord,
    Complaint,
    Disposition,
    Objection,
    ObjectionStage,
    ObjectionStatus,
    PenaltyDecision,
    RedFlag,
    Tender,
)
from procurement.permissions import can_manage_tender, can_supervise
from procurement.services.common import check_deadline, save_audited
from procurement.workflow import (
    COMPLAINT,
    COMPLAINT_REVIEW_LIMIT,
    OBJECTION,
    OBJECTION_DECISION_LIMIT,
    OBJECTION_REPLY_LIMIT,
)

# Matters where a complaint must be preceded by an objection (MT 37, R 33).
OBJECTION_FIRST = (ObjectionStage.TENDER_DOC, ObjectionStage.OPENING, ObjectionStage.EVALUATION_RESULT)


@transaction.atomic
def objection_receive(*, tender: Tender, stage: str, objector_name: str, facts: str, received_on: date,
                      objector: Enterprise | None = None, acting_user: Any) -> Objection:
    """Register an objection; the tender's next step is paused until it is answered."""
    require(can_manage_tender(acting_user, tender))
    if not facts.strip():
        raise ValidationError("异议应写明异议事项、理由和请求。")
    objection = Objection(
        tender=tender, stage=stage, objector=objector, objector_name=objector_name, facts=facts,
        received_on=received_on,
        decision_due_on=deadlines.limit_due(OBJECTION_DECISION_LIMIT, received_on, tender.tenderer),
        reply_due_on=deadlines.limit_due(OBJECTION_REPLY_LIMIT, received_on, tender.tenderer))
    save_audited(objection, acting_user=acting_user, action="procurement.objection.receive")
    return objection


def objection_decide(*, objection: Objection, accept: bool, on: date, reason: str = "",
                     acting_user: Any) -> Objection:
    """Accept or refuse (4 grounds) within 2 days; after that the objection counts as accepted (R 31)."""
    if accept:
        return OBJECTION.apply("accept", objection, user=acting_user, on=on)
    return OBJECTION.apply("reject", objection, user=acting_user, on=on, reason=reason)


@OBJECTION.effect("accept")
def _objection_accept(step: Step) -> None:
    if step.on > step.obj.decision_due_on:
        step.go(ObjectionStatus.DEEMED_ACCEPTED)


@OBJECTION.effect("reject")
def _objection_reject(step: Step) -> None:
    objection = step.obj
    if step.on > objection.decision_due_on:
        raise ValidationError(f"受理决定期限（{objection.decision_due_on:%Y-%m-%d}）已过，异议视为受理，"
                              "不能再作出不予受理决定。")
    objection.non_acceptance_reason = step.inputs["reason"]


def objection_answer(*, objection: Objection, reply: str, on: date, acting_user: Any,
                     late_reason: str = "") -> Objection:
    """Answer within 3 days of receipt (published and filed); this lifts the pause."""
    return OBJECTION.apply("answer", objection, user=acting_user, on=on, reply=reply, late_reason=late_reason)


@OBJECTION.effect("answer")
def _objection_answer(step: Step) -> None:
    objection, late_reason = step.obj, step.inputs.get("late_reason") or ""
    late = check_deadline(step.on, objection.reply_due_on, "异议答复（收到之日起3日内）", late_reason)
    objection.reply, objection.replied_on, objection.is_reply_late = step.inputs["reply"], step.on, late
    step.audit_reason = late_reason


@OBJECTION.effect("deem_accepted")
def _objection_deem_accepted(step: Step) -> None:
    if step.on <= step.obj.decision_due_on:
        raise ValidationError(f"受理决定期限（{step.obj.decision_due_on:%Y-%m-%d}）尚未届满。")


def objections_deem_accepted(*, on: date) -> int:
    """Scheduled: objections without a decision after 2 days become deemed accepted (returns how many). Set-based
    (``portal.bulk``): batches of one ``UPDATE`` with history and the audit rows of the step; the decision deadline
    is in the WHERE clause, and one decided meanwhile is no longer in a source state, so it is left alone."""
    from portal.bulk import transition_in_batches

    return len(transition_in_batches(
        OBJECTION, "deem_accepted", Objection.objects.filter(decision_due_on__lt=on), on=on, update={},
        reason=lambda objection: "", change_reason="受理决定期限届满未作决定，定时任务标记为视为受理",
        point="procurement.objections_deem_accepted"))


@transaction.atomic
def complaint_file(*, tender: Tender, complainant: Enterprise, matter: str, content: str, knew_on: date,
                   filed_on: date, prior_objection: Objection | None = None, acting_user: Any) -> Complaint:
    """Register a complaint to the oversight authority: within 10 days of knowing; an answered objection first for
    document, opening and evaluation matters."""
    require(can_supervise(acting_user))
    days = params.int_value("COMPLAINT_FILING_DAYS", on=knew_on, unit=tender.tenderer)
    due = deadlines.calendar_due(knew_on, days)
    if filed_on > due:
        raise ValidationError(f"投诉应在知道或应当知道之日起{days}日内提出（{due:%Y-%m-%d}前），已超期。")
    if filed_on < knew_on:
        raise ValidationError("投诉日期不得早于知道违法行为之日。")
    if matter in OBJECTION_FIRST:
        if prior_objection is None or prior_objection.tender_id != tender.pk:
            raise ValidationError("对招标文件、开标和评标结果的投诉，应先向招标人提出异议。")
        if prior_objection.status != ObjectionStatus.ANSWERED and filed_on <= prior_objection.reply_due_on:
            raise ValidationError("异议答复期限内不得投诉（招标人未答复的，答复期满后方可投诉）。")
    complaint = Complaint(tender=tender, complainant=complainant, matter=matter, content=content, knew_on=knew_on,
                          filed_on=filed_on, prior_objection=prior_objection,
                          review_due_on=deadlines.limit_due(COMPLAINT_REVIEW_LIMIT, filed_on, tender.tenderer))
    save_audited(complaint, acting_user=acting_user, action="procurement.complaint.file")
    return complaint


def complaint_review(*, complaint: Complaint, accept: bool, on: date, suspends_award: bool = False,
                     reason: str = "", acting_user: Any, late_reason: str = "") -> Complaint:
    """Accept or refuse within 3 working days (SM 10); may order the award notice or contract suspended."""
    if accept:
        return COMPLAINT.apply("accept", complaint, user=acting_user, on=on, suspends_award=suspends_award,
                               late_reason=late_reason)
    return COMPLAINT.apply("reject", complaint, user=acting_user, on=on, reason=reason, late_reason=late_reason)


def _review(step: Step) -> None:
    complaint, late_reason = step.obj, step.inputs.get("late_reason") or ""
    complaint.is_review_late = check_deadline(step.on, complaint.review_due_on, "投诉审查（3个工作日）", late_reason)
    complaint.reviewed_on = step.on
    step.audit_reason = step.audit_reason or late_reason


@COMPLAINT.effect("accept")
def _complaint_accept(step: Step) -> None:
    _review(step)
    step.obj.suspends_award = bool(step.inputs.get("suspends_award"))


@COMPLAINT.effect("reject")
def _complaint_reject(step: Step) -> None:
    _review(step)
    step.obj.suspends_award = False
    step.obj.decision = step.inputs["reason"]


def complaint_decide(*, complaint: Complaint, decision: str, on: date, acting_user: Any) -> Complaint:
    return COMPLAINT.apply("decide", complaint, user=acting_user, on=on, decision=decision)


@COMPLAINT.effect("decide")
def _complaint_decide(step: Step) -> None:
    complaint = step.obj
    complaint.decision, complaint.decided_on, complaint.suspends_award = step.inputs["decision"], step.on, False


@transaction.atomic
def penalty_decide(*, decision_no: str, party: Enterprise, issuing_authority: str, act_description: str,
                   legal_basis: str, decided_on: date, document_text: str, fine_amount: Decimal = Decimal("0"),
                   tender: Tender | None = None, acting_user: Any) -> PenaltyDecision:
    """Record an administrative penalty decision with its full text; credit registration due in 7 working days."""
    require(can_supervise(acting_user))
    if not document_text.strip():
        raise ValidationError("须录入行政处罚决定书全文。")
    if fine_amount < 0:
        raise ValidationError("罚款金额不能为负数。")
    penalty = PenaltyDecision(
        decision_no=decision_no, party=party, tender=tender, issuing_authority=issuing_authority,
        act_description=act_description, legal_basis=legal_basis, fine_amount=fine_amount, decided_on=decided_on,
        document_text=document_text,
        credit_register_due_on=deadlines.workday_due(decided_on, params.int_value("CREDIT_REGISTER_WORKDAYS", on=decided_on)))
    save_audited(penalty, acting_user=acting_user, action="procurement.penalty.decide")
    return penalty


@transaction.atomic
def penalty_served(*, penalty: PenaltyDecision, received_on: date, acting_user: Any) -> PenaltyDecision:
    """Service of the decision: the fine is payable within 15 days of receipt (3 % per day surcharge after)."""
    require(can_supervise(acting_user))
    penalty = relock(penalty)
    if received_on < penalty.decided_on:
        raise ValidationError("送达日期不得早于决定日期。")
    before = snapshot(penalty)
    penalty.received_on = received_on
    penalty.pay_by_on = deadlines.calendar_due(received_on, params.int_value("PENALTY_PAY_DAYS", on=received_on))
    save_audited(penalty, acting_user=acting_user, action="procurement.penalty.serve", before=before)
    return penalty


def late_payment_surcharge(penalty: PenaltyDecision, paid_on: date) -> Decimal:
    """加处罚款: 3 % of the fine per day after the pay-by date (capped at the fine, 行政处罚法 art 72)."""
    if penalty.pay_by_on is None or paid_on <= penalty.pay_by_on:
        return Decimal("0.00")
    days = (paid_on - penalty.pay_by_on).days
    return min(penalty.fine_amount * Decimal("0.03") * days, penalty.fine_amount).quantize(Decimal("0.01"))


@transaction.atomic
def penalty_credit_register(*, penalty: PenaltyDecision, on: date, acting_user: Any,
                            late_reason: str = "") -> PenaltyDecision:
    require(can_supervise(acting_user))
    penalty = relock(penalty)
    check_deadline(on, penalty.credit_register_due_on, "处罚信息信用登记（7个工作日）", late_reason)
    before = snapshot(penalty)
    penalty.credit_registered_on = on
    save_audited(penalty, acting_user=acting_user, action="procurement.penalty.register_credit", before=before,
                 reason=late_reason)
    return penalty


@transaction.atomic
def bad_conduct_register(*, subject: Enterprise, ground: str, decision_document_no: str, description: str,
                         registered_on: date, tender: Tender | None = None, penalty: PenaltyDecision | None = None,
                         acting_user: Any) -> BadConductRecord:
    """Register a bad-conduct record (valid 1 year, expires by itself) citing its decision document."""
    require(can_supervise(acting_user))
    if not decision_document_no.strip():
        raise ValidationError("不良行为记录须注明认定文书（处罚决定书等）文号。")
    record = BadConductRecord(subject=subject, ground=ground, decision_document_no=decision_document_no,
                              description=description, registered_on=registered_on, tender=tender, penalty=penalty,
                              expires_on=deadlines.add_years(registered_on, params.int_value(
                                  "BAD_CONDUCT_YEARS", on=registered_on)))
    save_audited(record, acting_user=acting_user, action="procurement.bad_conduct.register")
    return record


def bad_conduct_effective(enterprise: Enterprise, on: date) -> list[BadConductRecord]:
    """Records in force on ``on`` (the commercial score loses 1–2 points while one is)."""
    return list(BadConductRecord.objects.filter(subject=enterprise, registered_on__lte=on, expires_on__gt=on,
                                                retired_at__isnull=True))


@transaction.atomic
def red_flag_dispose(*, flag: RedFlag, disposition: str, reason: str, acting_user: Any) -> RedFlag:
    """A supervisor confirms a red flag or marks it a false positive, with a reason."""
    require(can_supervise(acting_user, flag))
    flag = relock(flag)
    if disposition not in (Disposition.CONFIRMED, Disposition.FALSE_POSITIVE):
        raise ValidationError({"disposition": ["复核结论只能是“确认”或“误报”。"]})
    if not reason.strip():
        raise ValidationError({"reason": ["请填写复核理由。"]})
    before = snapshot(flag)
    flag.disposition, flag.disposition_reason = disposition, reason
    flag.disposed_by, flag.disposed_at = acting_user, timezone.now()
    save_audited(flag, acting_user=acting_user, action="procurement.red_flag.dispose", before=before, reason=reason)
    return flag


@transaction.atomic
def red_flags_rerun(*, tender: Tender | None = None, project: Any = None, acting_user: Any) -> list[RedFlag]:
    """Re-run every red-flag rule (bid, award and contract events) for a tender, or for each tender of a project;
    supervisors and the procuring unit only, with one audit row per tender."""
    from procurement.permissions import can_rerun_red_flags
    from procurement.redflags.base import EVENT_AWARD, EVENT_BID, EVENT_CONTRACT
    from procurement.redflags.engine import run_red_flags

    if (tender is None) == (project is None):
        raise ValueError("red_flags_rerun: give a tender or a project")
    require(can_rerun_red_flags(acting_user, tender if tender is not None else project))
    tenders = [tender] if tender is not None else list(project.tenders.order_by("pk"))
    raised: list[RedFlag] = []
    for item in lock_rows(Tender.objects.filter(pk__in=[t.pk for t in tenders])):  # locks before the audit rows
        before = {"current_flags": item.red_flags.filter(is_current=True).count()}
        found: list[RedFlag] = []
        for event in (EVENT_BID, EVENT_AWARD, EVENT_CONTRACT):
            found += run_red_flags(item, event, acting_user=acting_user)
        raised += found
        audit_record(actor=acting_user, action="procurement.red_flag.rerun", obj=item, before=before,
                     after={"current_flags": item.red_flags.filter(is_current=True).count()})
    return raised
