"""Award services: candidate publicity (≤3 d, ≥3 d), award (≤15 d of the report), award publicity (≤3 d, ≥10 d),
contract (BDS days; publicity ≤3 d, ≥3 d), written report (≤15 d), bid-bond refunds (≤5 d) and forfeiture."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.audit import snapshot
from portal.locks import lock_rows, relock
from portal.permissions import require
from portal.workflow import Step
from procurement import deadlines
from procurement import parameters as params
from procurement.models import (
    Bid,
    BidBond,
    BidStatus,
    BondStatus,
    Complaint,
    ComplaintStatus,
    Contract,
    Lot,
    LotStatus,
    Publicity,
    PublicityKind,
    Tender,
    TenderStatus,
)
from procurement.permissions import can_manage_tender
from procurement.redflags.base import EVENT_AWARD, EVENT_CONTRACT
from procurement.redflags.engine import run_red_flags
from procurement.services.common import check_deadline, save_audited
from procurement.services.tenders import require_not_paused
from procurement.workflow import TENDER


def _publicity(tender: Tender, kind: str, contract: Contract | None = None) -> Publicity | None:
    return Publicity.objects.filter(tender=tender, kind=kind, contract=contract).order_by("-starts_on").first()


def _window(tender: Tender, prefix: str) -> tuple[int, int]:
    """(start days, minimum days) of a publicity window, as in force for the tenderer on the day."""
    return (params.int_value(f"{prefix}_PUBLICITY_START_DAYS", unit=tender.tenderer),
            params.int_value(f"{prefix}_PUBLICITY_MIN_DAYS", unit=tender.tenderer))


def _check_window(starts_on: date, ends_on: date, trigger: date, start_days: int, min_days: int, what: str) -> None:
    if starts_on < trigger:
        raise ValidationError(f"{what}不得早于{trigger:%Y-%m-%d}。")
    due = deadlines.calendar_due(trigger, start_days)
    if starts_on > due:
        raise ValidationError(f"{what}应在{trigger:%Y-%m-%d}后{start_days}日内（{due:%Y-%m-%d}前）发布。")
    if not deadlines.lasts_at_least(starts_on, ends_on, min_days):
        raise ValidationError(f"{what}期不得少于{min_days}日。")


def candidates_publicize(*, tender: Tender, starts_on: date, ends_on: date, content: str = "",
                         acting_user: Any) -> Publicity:
    """Publish the candidates within 3 days of receiving the report, for at least 3 days (MT 30, R 27)."""
    TENDER.apply("publicize_candidates", tender, user=acting_user, on=starts_on, starts_on=starts_on, ends_on=ends_on,
                 content=content)
    return _publicity(tender, PublicityKind.CANDIDATES)  # type: ignore[return-value]


@TENDER.effect("publicize_candidates")
def _publicize_candidates(step: Step) -> None:
    tender, inputs = step.obj, step.inputs
    require_not_paused(tender)
    _check_window(inputs["starts_on"], inputs["ends_on"], tender.report_received_on, *_window(tender, "CANDIDATE"),
                  "中标候选人公示")
    publicity = Publicity(tender=tender, kind=PublicityKind.CANDIDATES, starts_on=inputs["starts_on"],
                          ends_on=inputs["ends_on"], content=inputs.get("content") or "")
    step.then(lambda: save_audited(publicity, acting_user=step.user, action="procurement.publicity.candidates"))


def award_determine(*, tender: Tender, on: date, notice_issued_on: date | None = None,
                    winners: dict[int, Bid] | None = None, fallback_reason: str = "", acting_user: Any) -> Tender:
    """Choose the winner of each evaluated lot (rank 1 unless a documented fallback) within 15 days of the report,
    after the candidate publicity ended, with no unanswered objection and no suspending complaint."""
    return TENDER.apply("award", tender, user=acting_user, on=on, notice_issued_on=notice_issued_on,
                        fallback_reason=fallback_reason, winners=winners)


@TENDER.effect("award")
def _award(step: Step) -> None:
    tender, on, acting_user = step.obj, step.on, step.user
    fallback_reason = step.inputs.get("fallback_reason") or ""
    require_not_paused(tender)
    if Complaint.objects.filter(tender=tender, suspends_award=True, status=ComplaintStatus.ACCEPTED).exists():
        raise ValidationError("监督部门已责令暂停发出中标通知书（投诉处理中）。")
    publicity = _publicity(tender, PublicityKind.CANDIDATES)
    if publicity is None or on < publicity.ends_on:
        raise ValidationError("中标候选人公示期满后才能确定中标人。")
    days = params.int_value("AWARD_DECISION_DAYS", on=tender.report_received_on, unit=tender.tenderer)
    due = deadlines.calendar_due(tender.report_received_on, days)
    if on > due:
        raise ValidationError(f"应在收到评标报告之日起{days}日内（{due:%Y-%m-%d}前）确定中标人。")
    winners = step.inputs.get("winners") or {}
    lots = lock_rows(Lot.objects.filter(tender=tender, status=LotStatus.EVALUATED))
    bids = lock_rows(Bid.objects.filter(lot__in=[lot.pk for lot in lots]))  # all row locks before the first audit row
    for lot in lots:
        bid = winners.get(lot.pk) or Bid.objects.filter(lot=lot, status=BidStatus.CANDIDATE).order_by("rank").first()
        if bid is None or bid.lot_id != lot.pk or bid.status != BidStatus.CANDIDATE:
            raise ValidationError(f"合同包{lot.lot_no}：中标人必须是公示的中标候选人。")
        if bid.rank != 1 and not fallback_reason.strip():
            raise ValidationError("未确定排名第一的中标候选人为中标人的，须说明依法顺延的理由（放弃中标、不可抗力、"
                                  "未提交履约保证金或被查实违法）。")
        lot.awarded_bid, lot.status = bid, LotStatus.AWARDED
        save_audited(lot, acting_user=acting_user, action="procurement.lot.award", reason=fallback_reason)
        for other in (b for b in bids if b.lot_id == lot.pk and b.pk != bid.pk):
            if other.status == BidStatus.VALID:  # candidates keep their status until the contract is signed
                other.status = BidStatus.NOT_AWARDED
                save_audited(other, acting_user=acting_user, action="procurement.bid.not_award")
        bid = next(b for b in bids if b.pk == bid.pk)
        bid.status = BidStatus.AWARDED
        save_audited(bid, acting_user=acting_user, action="procurement.bid.award")
    tender.award_determined_on = on
    tender.award_notice_issued_on = step.inputs.get("notice_issued_on") or on
    step.audit_reason = fallback_reason
    step.then(lambda: run_red_flags(tender, EVENT_AWARD, on=on, acting_user=acting_user))


def award_publicize(*, tender: Tender, starts_on: date, ends_on: date, content: str = "",
                    acting_user: Any) -> Publicity:
    """Publish the result within 3 days of the award for at least 10 days (MT 31); non-candidates' bonds are due
    back within 5 days after it ends (MT 19.5)."""
    TENDER.apply("publicize_award", tender, user=acting_user, on=starts_on, starts_on=starts_on, ends_on=ends_on,
                 content=content)
    return _publicity(tender, PublicityKind.AWARD)  # type: ignore[return-value]


@TENDER.effect("publicize_award")
def _publicize_award(step: Step) -> None:
    tender, inputs, user = step.obj, step.inputs, step.user
    starts_on, ends_on = inputs["starts_on"], inputs["ends_on"]
    _check_window(starts_on, ends_on, tender.award_determined_on, *_window(tender, "AWARD"), "中标结果公示")
    bonds = lock_rows(BidBond.objects.filter(bid__lot__tender=tender, status=BondStatus.HELD).exclude(
        bid__status__in=(BidStatus.CANDIDATE, BidStatus.AWARDED)))  # row locks before the first audit row
    publicity = Publicity(tender=tender, kind=PublicityKind.AWARD, starts_on=starts_on, ends_on=ends_on,
                          content=inputs.get("content") or "")
    refund_due = deadlines.calendar_due(ends_on, params.int_value("BOND_REFUND_DAYS", on=ends_on,
                                                                  unit=tender.tenderer))

    def write() -> None:
        save_audited(publicity, acting_user=user, action="procurement.publicity.award")
        for bond in bonds:
            bond.refund_due_on = refund_due
            save_audited(bond, acting_user=user, action="procurement.bond.set_refund_due")

    step.then(write)


def contract_sign(*, lot: Lot, contract_no: str, amount: Any, signed_on: date,
                  performance_security_posted_on: date | None = None, has_ip_clause: bool = True,
                  acting_user: Any) -> Contract:
    """Sign within the BDS days of the notice; the amount equals the winning bid; the IP clause is required
    (HLJ 30). Bonds of the awardee and other candidates fall due 5 days after signing (and the security)."""
    TENDER.apply("sign_contract", lot.tender, user=acting_user, on=signed_on, lot=lot.pk, contract_no=contract_no,
                 amount=amount, signed_on=signed_on, performance_security_posted_on=performance_security_posted_on,
                 has_ip_clause=has_ip_clause)
    return Contract.objects.get(lot=lot)


@TENDER.effect("sign_contract")
def _sign_contract(step: Step) -> None:
    tender, inputs, user = step.obj, step.inputs, step.user
    require_not_paused(tender)
    lot = Lot.objects.filter(tender=tender, pk=getattr(inputs["lot"], "pk", inputs["lot"])).first()
    if lot is None:
        raise ValidationError({"lot": ["合同包不属于本招标项目。"]})
    lot = relock(lot)
    if lot.status != LotStatus.AWARDED or lot.awarded_bid is None:
        raise ValidationError("该合同包尚未确定中标人或已签订合同。")
    bid = lot.awarded_bid
    amount, signed_on = inputs["amount"], inputs["signed_on"]
    posted_on = inputs.get("performance_security_posted_on")
    has_ip_clause = True if inputs.get("has_ip_clause") is None else bool(inputs["has_ip_clause"])
    if amount != bid.evaluated_price:
        raise ValidationError(f"合同金额应与中标价一致（{bid.evaluated_price}元），不得实质性变更。")
    if not has_ip_clause:
        raise ValidationError("合同须约定项目成果（源代码、数据资源、数据接口等）归建设单位所有。")
    due = deadlines.calendar_due(tender.award_notice_issued_on, tender.contract_sign_days)
    if signed_on > due:
        raise ValidationError(f"应在中标通知书发出之日起{tender.contract_sign_days}日内（{due:%Y-%m-%d}前）签订合同。")
    if signed_on < tender.award_notice_issued_on:
        raise ValidationError("合同签订日期不得早于中标通知书发出日期。")
    bonds = lock_rows(BidBond.objects.filter(bid__lot=lot, status=BondStatus.HELD,
                                             bid__status__in=(BidStatus.CANDIDATE, BidStatus.AWARDED)))
    contract = Contract(lot=lot, bid=bid, supplier=bid.bidder, contract_no=inputs["contract_no"], amount=amount,
                        signed_on=signed_on, performance_security_posted_on=posted_on, has_ip_clause=has_ip_clause)
    trigger = max(d for d in (signed_on, posted_on) if d is not None)
    refund_due = deadlines.calendar_due(trigger, params.int_value("BOND_REFUND_DAYS", on=trigger,
                                                                  unit=tender.tenderer))
    if tender.lots.exclude(pk=lot.pk).exclude(status__in=(LotStatus.CONTRACTED, LotStatus.FAILED)).exists():
        step.go(TenderStatus.AWARD_PUBLICIZED)  # other lots still to be signed

    def write() -> None:
        save_audited(contract, acting_user=user, action="procurement.contract.sign")
        lot.status = LotStatus.CONTRACTED
        save_audited(lot, acting_user=user, action="procurement.lot.contract")
        for bond in bonds:
            bond.refund_due_on = refund_due
            save_audited(bond, acting_user=user, action="procurement.bond.set_refund_due")
        run_red_flags(tender, EVENT_CONTRACT, on=signed_on, acting_user=user)

    step.then(write)


@transaction.atomic
def contract_publicize(*, contract: Contract, starts_on: date, ends_on: date, content: str = "",
                       acting_user: Any) -> Publicity:
    """Publish the contract within 3 days of signing, for at least 3 days (MT 34.3, R 29)."""
    tender = contract.lot.tender
    require(can_manage_tender(acting_user, tender))
    _check_window(starts_on, ends_on, contract.signed_on, *_window(tender, "CONTRACT"), "合同公示")
    publicity = Publicity(tender=tender, kind=PublicityKind.CONTRACT, contract=contract, starts_on=starts_on,
                          ends_on=ends_on, content=content)
    save_audited(publicity, acting_user=acting_user, action="procurement.publicity.contract")
    return publicity


@transaction.atomic
def written_report_file(*, tender: Tender, on: date, acting_user: Any, late_reason: str = "") -> Tender:
    """Written report to the oversight authority within 15 days of the award (R 35). Not a step of the tender's
    state machine: it runs beside the award publicity and the contract."""
    require(can_manage_tender(acting_user, tender))
    tender = relock(tender)
    if tender.status not in (TenderStatus.AWARD_DETERMINED, TenderStatus.AWARD_PUBLICIZED, TenderStatus.CONTRACTED):
        raise ValidationError("确定中标人后、招标项目结束前提交招标投标情况书面报告。")
    days = params.int_value("WRITTEN_REPORT_DAYS", on=tender.award_determined_on, unit=tender.tenderer)
    due = deadlines.calendar_due(tender.award_determined_on, days)
    check_deadline(on, due, f"招标投标情况书面报告（确定中标人之日起{days}日内）", late_reason)
    before = snapshot(tender)
    tender.written_report_filed_on = on
    save_audited(tender, acting_user=acting_user, action="procurement.tender.file_written_report", before=before,
                 reason=late_reason)
    return tender


@transaction.atomic
def bond_refund(*, bond: BidBond, on: date, acting_user: Any, late_reason: str = "") -> BidBond:
    """Refund a bid bond (principal plus demand-deposit interest) by its due date."""
    require(can_manage_tender(acting_user, bond.bid.lot.tender))
    bond = relock(bond)
    if bond.status not in (BondStatus.HELD, BondStatus.INVALID):
        raise ValidationError("该保证金已退还或不予退还。")
    if bond.refund_due_on is None and bond.bid.status not in (BidStatus.WITHDRAWN, BidStatus.REJECTED):
        raise ValidationError("尚未到退还条件（中标结果公示期满或合同签订）。")
    check_deadline(on, bond.refund_due_on, "投标保证金退还（5日内）", late_reason)
    before = snapshot(bond)
    bond.status, bond.refunded_on = BondStatus.REFUNDED, on
    save_audited(bond, acting_user=acting_user, action="procurement.bond.refund", before=before, reason=late_reason)
    return bond


@transaction.atomic
def bond_forfeit(*, bond: BidBond, reason: str, acting_user: Any) -> BidBond:
    """Keep the bond on one of the listed grounds (revocation, refusing to sign, collusion, fraud …)."""
    require(can_manage_tender(acting_user, bond.bid.lot.tender))
    bond = relock(bond)
    if bond.status != BondStatus.HELD:
        raise ValidationError("只有已收取的保证金可以不予退还。")
    if not reason.strip():
        raise ValidationError("须写明不予退还的依据。")
    before = snapshot(bond)
    bond.status, bond.forfeited_reason = BondStatus.FORFEITED, reason
    save_audited(bond, acting_user=acting_user, action="procurement.bond.forfeit", before=before, reason=reason)
    return bond


def tender_close(*, tender: Tender, acting_user: Any) -> Tender:
    """Close once every bond is refunded or forfeited."""
    return TENDER.apply("close", tender, user=acting_user)


@TENDER.effect("close")
def _close(step: Step) -> None:
    if BidBond.objects.filter(bid__lot__tender=step.obj, status__in=(BondStatus.HELD, BondStatus.INVALID)).exists():
        raise ValidationError("仍有投标保证金未退还或未处理。")
