"""Evaluation services: qualification, responsiveness, arithmetic correction, evaluator scores, abnormally low
prices, the comprehensive and lowest-price methods (same ``procurement.scoring`` functions as ``price_scores``)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.audit import snapshot
from portal.locks import lock_rows, relock
from portal.permissions import require
from portal.workflow import Step
from procurement.models import (
    Bid,
    BidStatus,
    BondStatus,
    CommitteeMember,
    DrawParam,
    EvaluationMethod,
    Lot,
    LotStatus,
    RejectionCode,
    Score,
    ScorePart,
    Tender,
    TenderStatus,
)
from procurement.permissions import can_evaluate, can_manage_tender, can_record_score
from procurement.redflags.base import EVENT_BID
from procurement.redflags.engine import run_red_flags
from procurement.scoring import (
    ZERO,
    DeductionLine,
    PriceBid,
    QuoteLine,
    RankEntry,
    abnormally_low,
    arithmetic_correction,
    average,
    price_deduction,
    price_scores,
    q_errors,
    rank_comprehensive,
    rank_lowest_price,
)
from procurement.services.common import save_audited
from procurement.services.tenders import active_committee, committee_validate, current_draw, require_not_paused
from procurement.workflow import TENDER

EVALUABLE = (BidStatus.SUBMITTED, BidStatus.VALID)


def _begin_review(bid: Bid, acting_user: Any) -> Bid:
    """Lock the tender and the bid (before any audit row), check the state and the pause; the first review of a bid
    starts the evaluation (``start_evaluation``). Returns the locked bid."""
    tender = bid.lot.tender
    require(can_evaluate(acting_user, tender))
    tender = relock(tender)
    if tender.status not in (TenderStatus.OPENED, TenderStatus.EVALUATING):
        raise ValidationError(f"当前状态为“{tender.get_status_display()}”，不能评审投标（仅在已开标、评标中可以）。")
    require_not_paused(tender)
    bid = relock(bid)
    if tender.status == TenderStatus.OPENED:
        TENDER.apply("start_evaluation", tender, user=acting_user)
    return bid


def _reject(bid: Bid, code: str, reason: str, acting_user: Any) -> Bid:
    before = snapshot(bid)
    bid.status, bid.rejection_code, bid.rejection_reason = BidStatus.REJECTED, code, reason
    bid.rank = None
    save_audited(bid, acting_user=acting_user, action="procurement.bid.reject", before=before, reason=reason)
    return bid


@transaction.atomic
def bid_qualification_record(*, bid: Bid, passed: bool, notes: str = "", acting_user: Any) -> Bid:
    """Pass/fail of the qualification file; an invalid bond (not from the basic account, late) always fails."""
    bid = _begin_review(bid, acting_user)
    if bid.status not in EVALUABLE:
        raise ValidationError("该投标已撤回或已否决。")
    bond = getattr(bid, "bond", None)
    if passed and bond is not None and bond.status == BondStatus.INVALID:
        raise ValidationError("投标保证金未从基本存款账户按时缴纳，资格审查不合格。")
    if passed and bid.lot.bid_bond_amount and bond is None:
        raise ValidationError("未提交投标保证金，资格审查不合格。")
    if not passed and not notes.strip():
        raise ValidationError("资格审查不合格须写明理由。")
    before = snapshot(bid)
    bid.qualification_passed = passed
    save_audited(bid, acting_user=acting_user, action="procurement.bid.record_qualification", before=before)
    if not passed:
        _reject(bid, RejectionCode.QUALIFICATION, notes, acting_user)
    return bid


@transaction.atomic
def bid_responsiveness_record(*, bid: Bid, responsive: bool, reason: str = "", acting_user: Any) -> Bid:
    """Technical/commercial substantive response (★ items, validity, completion time …)."""
    bid = _begin_review(bid, acting_user)
    if bid.status not in EVALUABLE:
        raise ValidationError("该投标已撤回或已否决。")
    if bid.qualification_passed is not True:
        raise ValidationError("资格审查通过后才进行符合性审查。")
    if not responsive and not reason.strip():
        raise ValidationError("未实质性响应须写明理由。")
    before = snapshot(bid)
    bid.responsive = responsive
    save_audited(bid, acting_user=acting_user, action="procurement.bid.record_responsiveness", before=before)
    if not responsive:
        _reject(bid, RejectionCode.SUBSTANTIVE, reason, acting_user)
    return bid


@transaction.atomic
def bid_reject(*, bid: Bid, code: str, reason: str, acting_user: Any) -> Bid:
    """Reject a bid with a coded ground (P1, P4, collusion …) and a written reason."""
    require(can_manage_tender(acting_user, bid.lot.tender))
    bid = relock(bid)
    if not reason.strip():
        raise ValidationError("否决投标须写明理由。")
    return _reject(bid, code, reason, acting_user)


@transaction.atomic
def bid_correct_price(*, bid: Bid, acting_user: Any) -> Bid:
    """Arithmetic correction (MT 17.3) → 报价评标价."""
    require(can_evaluate(acting_user, bid.lot.tender))
    bid = relock(bid)
    lines = [QuoteLine(li.item_no, li.unit_price, li.quantity, li.amount) for li in bid.line_items.all()]
    result = arithmetic_correction(letter_figures=bid.price_figures, letter_words=bid.price_words,
                                   summary_total=bid.summary_total, lines=lines)
    before = snapshot(bid)
    bid.evaluated_price, bid.correction_notes = result.evaluated_price, "\n".join(result.notes)
    save_audited(bid, acting_user=acting_user, action="procurement.bid.correct_price", before=before)
    for line, fixed in zip(bid.line_items.order_by("item_no"), sorted(result.lines, key=lambda x: x.item_no),
                           strict=False):
        if (line.unit_price, line.amount) != (fixed.unit_price, fixed.amount):
            lbefore = snapshot(line)
            line.unit_price, line.amount = fixed.unit_price, fixed.amount
            save_audited(line, acting_user=acting_user, action="procurement.bid_line.correct", before=lbefore)
    return bid


@transaction.atomic
def bid_low_price_explanation(*, bid: Bid, accepted: bool, note: str = "", acting_user: Any) -> Bid:
    """The committee's view of a flagged bidder's written explanation; not accepted → invalid (P3)."""
    require(can_evaluate(acting_user, bid.lot.tender))
    bid = relock(bid)
    if bid.pk not in {b.pk for b in abnormally_low_bids(bid.lot)}:
        raise ValidationError("该投标报价不低于有效投标平均价的50%，无需低价说明。")
    before = snapshot(bid)
    bid.is_abnormally_low, bid.explanation_accepted = True, accepted
    save_audited(bid, acting_user=acting_user, action="procurement.bid.record_low_price_explanation", before=before, reason=note)
    if not accepted:
        _reject(bid, RejectionCode.P3, note or "报价明显低于其他投标报价，未能合理说明或提供证明材料。", acting_user)
    return bid


@transaction.atomic
def score_record(*, member: CommitteeMember, bid: Bid, part: str, points: Decimal, acting_user: Any) -> Score:
    """An evaluator's own technical or commercial points for a bid (0 … the part's weight)."""
    tender = member.tender
    require(can_record_score(acting_user, member))
    if bid.lot.tender_id != tender.pk or bid.status not in EVALUABLE:
        raise ValidationError("只能对本项目有效的投标评分。")
    if tender.evaluation_method != EvaluationMethod.COMPREHENSIVE:
        raise ValidationError("最低评标价法的技术商务部分只作符合性审查，不打分。")
    limit = tender.tech_weight if part == ScorePart.TECH else tender.commercial_weight
    if not ZERO <= points <= limit:
        raise ValidationError(f"得分应在0至{limit}分之间。")
    score = Score.objects.filter(member=member, bid=bid, part=part).first()
    before = snapshot(score) if score else None
    score = score or Score(member=member, bid=bid, part=part)
    score.points = points
    save_audited(score, acting_user=acting_user, action="procurement.score.record", before=before)
    return score


def abnormally_low_bids(lot: Lot) -> list[Bid]:
    """Bids below 50 % of the mean evaluated price of the bids still in competition (MT 17.5)."""
    live = [b for b in Bid.objects.filter(lot=lot, status__in=EVALUABLE + (BidStatus.CANDIDATE,))
            if b.evaluated_price is not None and b.evaluated_price <= lot.control_price]
    _threshold, low = abnormally_low({str(b.pk): b.evaluated_price for b in live})
    return [b for b in live if str(b.pk) in low]


def _scores_by_bid(lot: Lot, members: list[CommitteeMember]) -> dict[int, dict[str, list[Decimal]]]:
    ids = {m.pk for m in members}
    out: dict[int, dict[str, list[Decimal]]] = {}
    for s in Score.objects.filter(bid__lot=lot, member_id__in=ids, retired_at__isnull=True):
        out.setdefault(s.bid_id, {}).setdefault(s.part, []).append(s.points)
    return out


def lot_evaluate(*, lot: Lot, acting_user: Any) -> Lot:
    """Price checks, averages, price scores/deductions and ranking for one lot; top N become candidates."""
    tender_evaluate(tender=lot.tender, lots=[lot], acting_user=acting_user)
    return Lot.objects.get(pk=lot.pk)


def tender_evaluate(*, tender: Tender, acting_user: Any, lots: list[Lot] | None = None) -> Tender:
    """Evaluate the lots of a tender that are still in competition (not failed at opening, not awarded), or the
    given ones — one door for the admin step, the API and ``lot_evaluate``."""
    return TENDER.apply("evaluate", tender, user=acting_user, lots=[lot.pk for lot in lots] if lots else None)


@TENDER.effect("evaluate")
def _evaluate(step: Step) -> None:
    tender = step.obj
    require_not_paused(tender)
    wanted = step.inputs.get("lots")
    qs = Lot.objects.filter(tender=tender)
    qs = qs.filter(pk__in=wanted) if wanted else qs.filter(status__in=(LotStatus.OPEN, LotStatus.EVALUATED))
    lots = sorted(lock_rows(qs), key=lambda lot: lot.lot_no)  # row locks before the first audit row
    if not lots:
        raise ValidationError("没有待评审的合同包（均已流标或已定标）。")
    if any(lot.status not in (LotStatus.OPEN, LotStatus.EVALUATED) for lot in lots):
        raise ValidationError("该合同包已流标或已定标。")
    if tender.evaluation_method == EvaluationMethod.COMPREHENSIVE:
        committee_validate(tender)
    bids = lock_rows(Bid.objects.filter(lot__in=[lot.pk for lot in lots], status__in=EVALUABLE + (BidStatus.CANDIDATE,)))
    for lot in lots:
        _evaluate_lot(tender, lot, [b for b in bids if b.lot_id == lot.pk], step.user)
    step.then(lambda: run_red_flags(tender, EVENT_BID, acting_user=step.user))


def _evaluate_lot(tender: Tender, lot: Lot, bids: list[Bid], acting_user: Any) -> None:
    for bid in bids:
        if bid.qualification_passed is None or bid.responsive is None:
            raise ValidationError(f"{bid.bidder.name}的资格审查或符合性审查尚未完成。")
        if bid.evaluated_price is None:
            raise ValidationError(f"{bid.bidder.name}的报价尚未进行算术修正（报价评标价）。")
    live: list[Bid] = []
    for bid in bids:
        if bid.evaluated_price is not None and bid.evaluated_price > lot.control_price:
            _reject(bid, RejectionCode.P2, f"报价评标价{bid.evaluated_price}超过招标控制价{lot.control_price}。",
                    acting_user)
        else:
            live.append(bid)
    _threshold, low = abnormally_low({str(b.pk): b.evaluated_price for b in live})
    for bid in live:
        flagged = str(bid.pk) in low
        if flagged != bid.is_abnormally_low:
            bid.is_abnormally_low = flagged
            bid.save(update_fields=["is_abnormally_low", "updated_at"])
    pending = [b for b in live if b.is_abnormally_low and b.explanation_accepted is None]
    if pending:
        names = "、".join(b.bidder.name for b in pending)
        raise ValidationError(f"{names}报价低于有效投标平均价的50%，须先书面说明并由评标委员会认定。")
    if not live:
        lot.status = LotStatus.FAILED
        save_audited(lot, acting_user=acting_user, action="procurement.lot.fail", reason="所有投标均被否决，应重新招标。")
        return
    if tender.evaluation_method == EvaluationMethod.COMPREHENSIVE:
        entries = _comprehensive(tender, lot, live, acting_user)
        ranking = rank_comprehensive(entries)
    else:
        entries = _lowest_price(live, acting_user)
        ranking = rank_lowest_price(entries)
    if ranking.unresolved_ties:
        groups = "；".join("、".join(Bid.objects.get(pk=k).bidder.name for k in g) for g in ranking.unresolved_ties)
        raise ValidationError(f"以下投标排名并列且无法按规则区分，须由招标人当众随机抽签并记录：{groups}。")
    by_pk = {b.pk: b for b in live}
    for position, pk in enumerate(ranking.order, start=1):
        bid = by_pk[pk]
        before = snapshot(bid)
        bid.rank = position
        bid.status = BidStatus.CANDIDATE if position <= tender.candidate_count else BidStatus.VALID
        save_audited(bid, acting_user=acting_user, action="procurement.bid.rank", before=before)
    before = snapshot(lot)
    lot.status = LotStatus.EVALUATED
    save_audited(lot, acting_user=acting_user, action="procurement.lot.evaluate", before=before)


def _comprehensive(tender: Tender, lot: Lot, live: list[Bid], acting_user: Any) -> list[RankEntry]:
    c = current_draw(tender, DrawParam.C)
    k = current_draw(tender, DrawParam.K)
    if c is None or (tender.price_option == "option1" and k is None):
        raise ValidationError("尚未记录开标时抽取的C值" + ("和K值" if tender.price_option == "option1" else "") + "。")
    if errors := q_errors(tender.price_option, tender.q_below, tender.q_above):
        raise ValidationError(errors)  # option 2 without the tender's Q: never a silent 0.5 / 1
    members = active_committee(tender)
    scores = _scores_by_bid(lot, members)
    for bid in live:
        for part in (ScorePart.TECH, ScorePart.COMMERCIAL):
            got = len(scores.get(bid.pk, {}).get(part, []))
            if got != len(members):
                raise ValidationError(f"{bid.bidder.name}的{ScorePart(part).label}分只有{got}/{len(members)}位评委打分。")
    result = price_scores(
        method=tender.price_option, control_price=lot.control_price, c=c, k=k,
        bids=[PriceBid(str(b.pk), b.evaluated_price) for b in live],
        price_range=(lot.control_price * tender.range_low_pct / 100, lot.control_price * tender.range_high_pct / 100),
        price_max=tender.price_weight, q_below=tender.q_below, q_above=tender.q_above)
    lot.benchmark_price, lot.c_used = result.benchmark, result.c_used
    entries = []
    for bid in live:
        tech, tech_raw = average(scores[bid.pk][ScorePart.TECH])
        com, com_raw = average(scores[bid.pk][ScorePart.COMMERCIAL])
        before = snapshot(bid)
        bid.tech_score, bid.tech_score_raw, bid.commercial_score, bid.commercial_score_raw = tech, tech_raw, com, com_raw
        bid.price_score = result.scores[str(bid.pk)]
        bid.total_score = tech + com + bid.price_score
        save_audited(bid, acting_user=acting_user, action="procurement.bid.score", before=before)
        entries.append(RankEntry(key=bid.pk, total=bid.total_score, price=bid.price_score, tech=tech,
                                 commercial=com, draw=bid.draw_order))
    return entries


def _lowest_price(live: list[Bid], acting_user: Any) -> list[RankEntry]:
    entries = []
    for bid in live:
        lines = [DeductionLine(li.amount, li.is_small_micro_goods, li.is_energy_eco, li.is_mandatory_energy,
                               li.is_component_only) for li in bid.line_items.all()]
        deduction = price_deduction(bid.evaluated_price, lines)
        before = snapshot(bid)
        bid.deduction_total = deduction.total
        bid.price_after_deduction = bid.evaluated_price - deduction.total
        save_audited(bid, acting_user=acting_user, action="procurement.bid.deduct_price", before=before)
        entries.append(RankEntry(key=bid.pk, total=bid.price_after_deduction, draw=bid.draw_order))
    return entries


def tender_submit_report(*, tender: Tender, received_on: date, acting_user: Any) -> Tender:
    """The evaluation report is received by the tenderer; this starts the 3-day and 15-day clocks."""
    return TENDER.apply("submit_report", tender, user=acting_user, on=received_on, received_on=received_on)


@TENDER.effect("submit_report")
def _submit_report(step: Step) -> None:
    tender = step.obj
    require_not_paused(tender)
    lots = list(tender.lots.all())
    unfinished = [lot for lot in lots if lot.status == LotStatus.OPEN]
    if unfinished:
        raise ValidationError(f"合同包{'、'.join(str(lot.lot_no) for lot in unfinished)}尚未完成评审。")
    if all(lot.status == LotStatus.FAILED for lot in lots):
        step.go(TenderStatus.FAILED)
        tender.terminated_reason = "评标委员会否决全部投标，须重新招标。"
    else:
        tender.report_received_on = step.inputs["received_on"]
