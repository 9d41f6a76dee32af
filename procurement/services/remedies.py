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

from portal.audit import snapshot
from portal.locks import relock
from portal.models import Enterprise
from portal.permissions import require
from procurement import deadlines
from procurement import parameters as params
from procurement.models import (
    BadConductRecord,
    Complaint,
    ComplaintStatus,
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
from procurement.workflows import COMPLAINT_FLOW, OBJECTION_FLOW, require_transition

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
        decision_due_on=deadlines.calendar_due(received_on, params.int_value(
            "OBJECTION_DECISION_DAYS", on=received_on, unit=tender.tenderer)),
        reply_due_on=deadlines.calendar_due(received_on, params.int_value(
            "OBJECTION_REPLY_DAYS", on=received_on, unit=tender.tenderer)))
    save_audited(objection, acting_user=acting_user, action="objection_receive")
    return objection


@transaction.atomic
def objection_decide(*, objection: Objection, accept: bool, on: date, reason: str = "",
                     acting_user: Any) -> Objection:
    """Accept or refuse (4 grounds) within 2 days; after that the objection counts as accepted (R 31)."""
    require(can_manage_tender(acting_user, objection.tender))
    objection = relock(objection)
    require_transition(OBJECTION_FLOW, "accept" if accept else "reject", objection.status, ObjectionStatus)
    before = snapshot(objection)
    if on > objection.decision_due_on:
        if not accept:
            raise ValidationError(f"受理决定期限（{objection.decision_due_on:%Y-%m-%d}）已过，异议视为受理，"
                                  "不能再作出不予受理决定。")
        objection.status = ObjectionStatus.DEEMED_ACCEPTED
    elif accept:
        objection.status = ObjectionStatus.ACCEPTED
    else:
        if not reason:
            raise ValidationError("不予受理须选择理由。")
        objection.status, objection.non_acceptance_reason = ObjectionStatus.NOT_ACCEPTED, reason
    save_audited(objection, acting_user=acting_user, action="objection_decide", before=before)
    return objection


@transaction.atomic
def objection_answer(*, objection: Objection, reply: str, on: date, acting_user: Any,
                     late_reason: str = "") -> Objection:
    """Answer within 3 days of receipt (published and filed); this lifts the pause."""
    require(can_manage_tender(acting_user, objection.tender))
    objection = relock(objection)
    require_transition(OBJECTION_FLOW, "answer", objection.status, ObjectionStatus)
    if not reply.strip():
        raise ValidationError("请填写答复内容。")
    late = check_deadline(on, objection.reply_due_on, "异议答复（收到之日起3日内）", late_reason)
    before = snapshot(objection)
    objection.status, objection.reply, objection.replied_on, objection.is_reply_late = (
        ObjectionStatus.ANSWERED, reply, on, late)
    save_audited(objection, acting_user=acting_user, action="objection_answer", before=before, reason=late_reason)
    return objection


def objections_deem_accepted(*, on: date) -> int:
    """Scheduled: objections without a decision after 2 days become deemed accepted (returns how many)."""
    count = 0
    for objection in Objection.objects.filter(status=ObjectionStatus.RECEIVED, decision_due_on__lt=on):
        with transaction.atomic():
            locked = relock(objection)
            if locked.status == ObjectionStatus.RECEIVED:
                before = snapshot(locked)
                locked.status = ObjectionStatus.DEEMED_ACCEPTED
                save_audited(locked, acting_user=None, action="objection_deemed_accepted", before=before)
                count += 1
    return count


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
                          review_due_on=deadlines.workday_due(filed_on, params.int_value(
                              "COMPLAINT_REVIEW_WORKDAYS", on=filed_on, unit=tender.tenderer)))
    save_audited(complaint, acting_user=acting_user, action="complaint_file")
    return complaint


@transaction.atomic
def complaint_review(*, complaint: Complaint, accept: bool, on: date, suspends_award: bool = False,
                     reason: str = "", acting_user: Any, late_reason: str = "") -> Complaint:
    """Accept or refuse within 3 working days (SM 10); may order the award notice or contract suspended."""
    require(can_supervise(acting_user, complaint))
    complaint = relock(complaint)
    target = require_transition(COMPLAINT_FLOW, "accept" if accept else "reject", complaint.status,
                                ComplaintStatus).target
    if not accept and not reason.strip():
        raise ValidationError("不予受理须书面说明理由。")
    late = check_deadline(on, complaint.review_due_on, "投诉审查（3个工作日）", late_reason)
    before = snapshot(complaint)
    complaint.status, complaint.reviewed_on, complaint.is_review_late = target, on, late
    complaint.suspends_award = accept and suspends_award
    if not accept:
        complaint.decision = reason
    save_audited(complaint, acting_user=acting_user, action="complaint_review", before=before,
                 reason=reason or late_reason)
    return complaint


@transaction.atomic
def complaint_decide(*, complaint: Complaint, decision: str, on: date, acting_user: Any) -> Complaint:
    require(can_supervise(acting_user, complaint))
    complaint = relock(complaint)
    target = require_transition(COMPLAINT_FLOW, "decide", complaint.status, ComplaintStatus).target
    if not decision.strip():
        raise ValidationError("请填写处理决定。")
    before = snapshot(complaint)
    complaint.status, complaint.decision, complaint.decided_on, complaint.suspends_award = target, decision, on, False
    save_audited(complaint, acting_user=acting_user, action="complaint_decide", before=before)
    return complaint


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
    save_audited(penalty, acting_user=acting_user, action="penalty_decide")
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
    save_audited(penalty, acting_user=acting_user, action="penalty_served", before=before)
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
    save_audited(penalty, acting_user=acting_user, action="penalty_credit_register", before=before,
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
    save_audited(record, acting_user=acting_user, action="bad_conduct_register")
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
    save_audited(flag, acting_user=acting_user, action="red_flag_dispose", before=before, reason=reason)
    return flag
