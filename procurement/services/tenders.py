"""Tender services: create, issue, amend (15-day rule), bids with bonds and fingerprints, opening (≥3 bids),
random draws, committee (odd ≥5, two thirds experts, recusal)."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.audit import snapshot
from portal.locks import lock_rows, relock
from portal.models import Enterprise
from portal.permissions import require
from portal.uscc import uscc_errors
from portal.workflow import Step
from procurement import deadlines
from procurement import parameters as params
from procurement.models import (
    OPEN_OBJECTION_STATUSES,
    Bid,
    BidBond,
    BidLineItem,
    BidStatus,
    BondStatus,
    CommitteeMember,
    DrawParam,
    EvaluationMethod,
    HardwareFingerprint,
    ItProject,
    Lot,
    LotStatus,
    MemberKind,
    Objection,
    ProjectStatus,
    RandomDraw,
    Tender,
    TenderAmendment,
    TenderStatus,
)
from procurement.permissions import can_manage_tender
from procurement.redflags.base import EVENT_BID
from procurement.redflags.engine import run_red_flags
from procurement.scoring import c_errors, committee_errors, k_errors, q_errors, weights_errors
from procurement.services.common import save_audited
from procurement.workflow import PROJECT, TENDER


def require_not_paused(tender: Tender) -> None:
    """An unanswered objection pauses the tender's next step (R 32, MT 13.4)."""
    pending = Objection.objects.filter(tender=tender, status__in=OPEN_OBJECTION_STATUSES).first()
    if pending is not None:
        raise ValidationError(f"存在尚未答复的异议（{pending.objector_name}，答复期限{pending.reply_due_on:%Y-%m-%d}），"
                              "招标投标活动暂停，答复后方可继续。")


@transaction.atomic
def tender_create(*, project: ItProject, tender_no: str, title: str, bid_deadline: datetime,
                  lots: list[dict[str, Any]], evaluation_method: str = EvaluationMethod.COMPREHENSIVE,
                  acting_user: Any, **options: Any) -> Tender:
    """Create a tender for an approved project (no procurement before approval, HLJ 12 / CK01)."""
    tender = Tender(project=project, tender_no=tender_no, title=title, tenderer=project.construction_unit,
                    bid_deadline=bid_deadline, evaluation_method=evaluation_method, **options)
    require(can_manage_tender(acting_user, tender))
    if project.status not in (ProjectStatus.PD_APPROVED, ProjectStatus.PROCURING,
                              ProjectStatus.UNDER_CONSTRUCTION):
        raise ValidationError("项目初步设计（概算）批复后才能招标。")
    errors = []
    if not tender.uses_model_text:
        errors.append("招标文件必须使用福建省信息化工程项目招标文件示范文本。")
    if not 1 <= tender.candidate_count <= 3:
        errors.append("中标候选人数量应为1至3名。")
    if evaluation_method == EvaluationMethod.COMPREHENSIVE:
        errors += weights_errors(tender.tech_weight, tender.commercial_weight, tender.price_weight)
        if tender.range_low_pct > tender.range_high_pct:
            errors.append("基准价取值范围下限不能高于上限。")
        errors += q_errors(tender.price_option, tender.q_below, tender.q_above, blank_ok=True)
    if not lots:
        errors.append("至少需要一个合同包。")
    if errors:
        raise ValidationError(errors)
    save_audited(tender, acting_user=acting_user, action="procurement.tender.create")
    for i, spec in enumerate(lots, start=1):
        lot = Lot(tender=tender, lot_no=spec.get("lot_no", i), subject=spec["subject"],
                  control_price=Decimal(spec["control_price"]),
                  bid_bond_amount=Decimal(spec.get("bid_bond_amount", "0")))
        if lot.control_price <= 0:
            raise ValidationError("最高投标限价必须大于0。")
        save_audited(lot, acting_user=acting_user, action="procurement.lot.create")
    return tender


def tender_issue(*, tender: Tender, issued_at: datetime, acting_user: Any) -> Tender:
    """Publish the notice and documents (filed with the oversight authority at the same time, R 8)."""
    return TENDER.apply("issue", tender, user=acting_user, on=deadlines.local_date(issued_at), issued_at=issued_at)


@TENDER.effect("issue")
def _issue(step: Step) -> None:
    tender = step.obj
    issued_at = step.inputs.get("issued_at") or step.now
    if issued_at >= tender.bid_deadline:
        raise ValidationError("投标截止时间必须晚于招标文件发布时间。")
    if tender.evaluation_method == EvaluationMethod.COMPREHENSIVE and (
            errors := q_errors(tender.price_option, tender.q_below, tender.q_above)):
        raise ValidationError(errors)  # the published document must fill in what the model text leaves blank
    project = relock(tender.project)  # row locks before the first audit row
    tender.issued_at = issued_at
    if project.status == ProjectStatus.PD_APPROVED:  # the first tender issued: the project is procuring
        step.then(lambda: PROJECT.apply("start_procurement", project, user=step.user, on=step.on))
    step.then(lambda: run_red_flags(tender, EVENT_BID, acting_user=step.user))


def amended_deadline(deadline: datetime, published_at: datetime, min_days: int = deadlines.AMENDMENT_MIN_DAYS
                     ) -> datetime:
    """MT 12.1: an amendment affecting bid preparation needs ≥15 days to the deadline; otherwise shift it."""
    gap_days = (deadlines.local_date(deadline) - deadlines.local_date(published_at)).days
    if gap_days >= min_days:
        return deadline
    return deadline + timedelta(days=min_days - gap_days)


def tender_amend(*, tender: Tender, published_at: datetime, summary: str, affects_bid_prep: bool = True,
                 acting_user: Any) -> TenderAmendment:
    """Record a clarification/modification; the bid deadline moves when fewer than 15 days remain."""
    TENDER.apply("amend", tender, user=acting_user, on=deadlines.local_date(published_at), published_at=published_at,
                 summary=summary, affects_bid_prep=affects_bid_prep)
    return TenderAmendment.objects.filter(tender=tender).latest("pk")


@TENDER.effect("amend")
def _amend(step: Step) -> None:
    tender, inputs = step.obj, step.inputs
    published_at = inputs.get("published_at") or step.now
    affects = True if inputs.get("affects_bid_prep") is None else bool(inputs["affects_bid_prep"])
    if published_at >= tender.bid_deadline:
        raise ValidationError("投标截止后不能再澄清或修改招标文件。")
    min_days = params.int_value("AMENDMENT_MIN_DAYS", on=deadlines.local_date(published_at), unit=tender.tenderer)
    new_deadline = amended_deadline(tender.bid_deadline, published_at, min_days) if affects else tender.bid_deadline
    amendment = TenderAmendment(tender=tender, published_at=published_at, summary=inputs["summary"],
                                affects_bid_prep=affects, deadline_before=tender.bid_deadline,
                                deadline_after=new_deadline)
    step.then(lambda: save_audited(amendment, acting_user=step.user, action="procurement.amendment.create"))
    if new_deadline != tender.bid_deadline:
        tender.bid_deadline = new_deadline
        step.audit_reason = f"澄清修改距投标截止不足{min_days}日，截止时间相应顺延。"


def bidder_get_or_create(*, uscc: str, name: str) -> Enterprise:
    """The bidder by 统一社会信用代码 (shared with the subsidy and sharing apps: one enterprise, one code)."""
    code = uscc.strip().upper()
    errors = uscc_errors(code)
    if errors:
        raise ValidationError({"uscc": errors})
    enterprise, _ = Enterprise.objects.get_or_create(uscc=code, defaults={"name": name})
    return enterprise


def bid_record(*, lot: Lot, bidder_uscc: str, bidder_name: str, submitted_at: datetime, price_figures: Decimal,
               price_words: Decimal | None = None, summary_total: Decimal | None = None,
               line_items: list[dict[str, Any]] = (), fingerprints: list[dict[str, Any]] = (),
               bond: dict[str, Any] | None = None, tech_file_text: str = "", acting_user: Any) -> Bid:
    """Record a bid received by the platform before the deadline, with its quote lines, fingerprints and bond."""
    TENDER.apply("record_bid", lot.tender, user=acting_user, on=deadlines.local_date(submitted_at), lot=lot.pk,
                 bidder_uscc=bidder_uscc, bidder_name=bidder_name, submitted_at=submitted_at,
                 price_figures=price_figures, price_words=price_words, summary_total=summary_total,
                 line_items=list(line_items), fingerprints=list(fingerprints), bond=bond, tech_file_text=tech_file_text)
    return Bid.objects.exclude(status=BidStatus.WITHDRAWN).get(lot=lot, bidder__uscc=bidder_uscc.strip().upper())


@TENDER.effect("record_bid")
def _record_bid(step: Step) -> None:
    tender, inputs = step.obj, step.inputs
    lot = Lot.objects.filter(tender=tender, pk=getattr(inputs["lot"], "pk", inputs["lot"])).first()
    if lot is None:
        raise ValidationError({"lot": ["合同包不属于本招标项目。"]})
    require_not_paused(tender)
    submitted_at = inputs["submitted_at"]
    if submitted_at > tender.bid_deadline:
        raise ValidationError("投标文件在投标截止时间后送达，不予受理。")
    bidder = bidder_get_or_create(uscc=inputs["bidder_uscc"], name=inputs["bidder_name"])
    if Bid.objects.filter(lot=lot, bidder=bidder).exclude(status=BidStatus.WITHDRAWN).exists():
        raise ValidationError("同一投标人对同一合同包只能递交一份投标文件（P4）。")
    user = step.user

    def write() -> None:
        bid = Bid.objects.filter(lot=lot, bidder=bidder).first() or Bid(lot=lot, bidder=bidder)
        bid.submitted_at, bid.price_figures = submitted_at, inputs["price_figures"]
        bid.price_words, bid.summary_total = inputs.get("price_words"), inputs.get("summary_total")
        bid.status, bid.tech_file_text = BidStatus.SUBMITTED, inputs.get("tech_file_text") or ""
        save_audited(bid, acting_user=user, action="procurement.bid.record")
        for line in inputs.get("line_items") or ():
            save_audited(BidLineItem(bid=bid, **line), acting_user=user, action="procurement.bid_line.record")
        for fp in inputs.get("fingerprints") or ():
            save_audited(HardwareFingerprint(bid=bid, **fp), acting_user=user, action="procurement.fingerprint.record")
        bond = inputs.get("bond")
        if bond is not None:
            record = BidBond(bid=bid, **bond)
            if record.received_at > tender.bid_deadline or not record.is_from_basic_account:
                record.status = BondStatus.INVALID
            save_audited(record, acting_user=user, action="procurement.bond.record")
        run_red_flags(tender, EVENT_BID, acting_user=user)

    step.then(write)


@transaction.atomic
def bid_withdraw(*, bid: Bid, at: datetime, acting_user: Any) -> Bid:
    """Withdraw before the deadline (free); after it a bid can no longer be withdrawn."""
    require(can_manage_tender(acting_user, bid.lot.tender))
    bid = relock(bid)
    if at > bid.lot.tender.bid_deadline:
        raise ValidationError("投标截止后不得撤回投标文件（撤销的，保证金不予退还）。")
    before = snapshot(bid)
    bid.status = BidStatus.WITHDRAWN
    save_audited(bid, acting_user=acting_user, action="procurement.bid.withdraw", before=before)
    return bid


def tender_open(*, tender: Tender, opened_at: datetime, acting_user: Any) -> Tender:
    """Opening at the deadline: a lot with fewer than 3 bids is not opened and must be re-tendered (MT 35.1)."""
    return TENDER.apply("open", tender, user=acting_user, on=deadlines.local_date(opened_at), opened_at=opened_at)


@TENDER.effect("open")
def _open(step: Step) -> None:
    tender = step.obj
    opened_at = step.inputs.get("opened_at") or step.now
    require_not_paused(tender)
    if opened_at < tender.bid_deadline:
        raise ValidationError("开标时间不得早于投标截止时间。")
    lots = lock_rows(Lot.objects.filter(tender=tender))  # row locks before the first audit row
    min_bids = params.int_value("MIN_BIDS", on=deadlines.local_date(opened_at), unit=tender.tenderer)
    open_lots = 0
    for lot in lots:
        count = lot.bids.filter(status=BidStatus.SUBMITTED).count()
        if count < min_bids:
            lot.status = LotStatus.FAILED
            save_audited(lot, acting_user=step.user, action="procurement.lot.fail",
                         reason=f"投标人少于{min_bids}家（{count}家），不得开标，应重新招标。")
        else:
            open_lots += 1
    if open_lots:
        step.go(TenderStatus.OPENED)
        tender.opened_at = opened_at
    else:
        step.go(TenderStatus.FAILED)
        tender.terminated_reason = "投标截止时投标人少于3家，不得开标，须重新招标。"
    step.then(lambda: run_red_flags(tender, EVENT_BID, acting_user=step.user))


def tender_terminate(*, tender: Tender, reason: str, acting_user: Any) -> Tender:
    return TENDER.apply("terminate", tender, user=acting_user, reason=reason)


@TENDER.effect("terminate")
def _terminate(step: Step) -> None:
    step.obj.terminated_reason = step.inputs["reason"]


@transaction.atomic
def random_draw_record(*, tender: Tender, param: str, value: Decimal, drawn_by: str, drawn_at: datetime,
                       balls: str = "", video_ref: str = "", bid: Bid | None = None, acting_user: Any) -> RandomDraw:
    """Record a public draw of C or K at opening (domain checked), or a tie-break draw position."""
    require(can_manage_tender(acting_user, tender))
    tender = relock(tender)
    if tender.status not in (TenderStatus.OPENED, TenderStatus.EVALUATING):
        raise ValidationError("随机参数在开标时（评标结束前）当众抽取。")
    if param in (DrawParam.C, DrawParam.K):
        if tender.evaluation_method != EvaluationMethod.COMPREHENSIVE:
            raise ValidationError("最低评标价法不抽取C、K值。")
        if RandomDraw.objects.filter(tender=tender, param=param, is_void=False).exists():
            raise ValidationError(f"{param}值已抽取；如抽取无效，请先作废原记录再重新抽取。")
        if param == DrawParam.K and tender.price_option != "option1":
            raise ValidationError("参考方式二不抽取K值。")
        errors = c_errors(tender.price_option, value) if param == DrawParam.C else k_errors(value)
        if errors:
            raise ValidationError(errors)
    else:
        if bid is None or bid.lot.tender_id != tender.pk:
            raise ValidationError("并列抽签须指明本项目的投标。")
        value = Decimal(int(value))
        if value < 1:
            raise ValidationError("抽签顺序应为正整数。")
    if bid is not None:
        bid = relock(bid)  # row locks before the first audit row
    draw = RandomDraw(tender=tender, param=param, value=value, balls=balls, drawn_by=drawn_by, drawn_at=drawn_at,
                      video_ref=video_ref, bid=bid)
    save_audited(draw, acting_user=acting_user, action="procurement.random_draw.record")
    if bid is not None:
        before = snapshot(bid)
        bid.draw_order = int(value)
        save_audited(bid, acting_user=acting_user, action="procurement.bid.tie_draw", before=before)
    return draw


@transaction.atomic
def random_draw_void(*, draw: RandomDraw, reason: str, acting_user: Any) -> RandomDraw:
    """Void a draw spoiled by tenderer error, equipment failure or force majeure (it is kept and redrawn)."""
    require(can_manage_tender(acting_user, draw.tender))
    draw = relock(draw)
    if not reason.strip():
        raise ValidationError("请填写作废原因（招标人失误、设备故障或不可抗力）。")
    before = snapshot(draw)
    draw.is_void, draw.void_reason = True, reason
    save_audited(draw, acting_user=acting_user, action="procurement.random_draw.void", before=before, reason=reason)
    return draw


def current_draw(tender: Tender, param: str) -> Decimal | None:
    draw = RandomDraw.objects.filter(tender=tender, param=param, is_void=False).order_by("-drawn_at").first()
    return draw.value if draw else None


@transaction.atomic
def committee_member_add(*, tender: Tender, name: str, kind: str = MemberKind.EXPERT, user: Any = None,
                         is_chair: bool = False, drawn_at: datetime | None = None,
                         acting_user: Any) -> CommitteeMember:
    """Add an evaluator; experts are drawn only after decryption completes, i.e. after opening (R 19)."""
    require(can_manage_tender(acting_user, tender))
    tender = relock(tender)
    if tender.opened_at is None:
        raise ValidationError("评标专家应在开标解密完成后抽取。")
    if kind == MemberKind.EXPERT and (drawn_at is None or drawn_at < tender.opened_at):
        raise ValidationError("评标专家的抽取时间不得早于开标（解密完成）时间。")
    if is_chair and kind != MemberKind.EXPERT:
        raise ValidationError("评标委员会负责人应从专家中推选或随机确定。")
    member = CommitteeMember(tender=tender, name=name, kind=kind, user=user, is_chair=is_chair, drawn_at=drawn_at)
    save_audited(member, acting_user=acting_user, action="procurement.committee_member.add")
    return member


@transaction.atomic
def committee_member_recuse(*, member: CommitteeMember, reason: str, acting_user: Any) -> CommitteeMember:
    """Record a recusal (MT 25.3); the member's scores no longer count and a replacement must be added."""
    require(can_manage_tender(acting_user, member.tender))
    member = relock(member)
    if not reason.strip():
        raise ValidationError("请填写回避理由。")
    before = snapshot(member)
    member.is_recused, member.recusal_reason = True, reason
    save_audited(member, acting_user=acting_user, action="procurement.committee_member.recuse", before=before, reason=reason)
    return member


def active_committee(tender: Tender) -> list[CommitteeMember]:
    return list(CommitteeMember.objects.filter(tender=tender, is_recused=False, retired_at__isnull=True))


def committee_validate(tender: Tender) -> None:
    members = active_committee(tender)
    errors = committee_errors(len(members), sum(m.kind == MemberKind.EXPERT for m in members))
    if errors:
        raise ValidationError(errors)


TENDER_EDITABLE = ("title", "bid_deadline", "agent_name", "tech_weight", "commercial_weight", "price_weight",
                   "price_option", "q_below", "q_above", "candidate_count", "contract_sign_days", "bid_validity_days")


@transaction.atomic
def tender_update(*, tender: Tender, acting_user: Any, **changes: Any) -> Tender:
    """Edit a draft tender (after issue, changes are amendments under the 15-day rule: ``tender_amend``)."""
    require(can_manage_tender(acting_user, tender))
    tender = relock(tender)
    if tender.status != TenderStatus.DRAFT:
        raise ValidationError("招标文件发布后不能直接修改，请发布澄清修改（距投标截止不足15日的将顺延截止时间）。")
    unknown = set(changes) - set(TENDER_EDITABLE)
    if unknown:
        raise ValidationError(f"以下字段不能在此修改：{'、'.join(sorted(unknown))}。")
    before = snapshot(tender)
    for field, value in changes.items():
        setattr(tender, field, value)
    errors = []
    if not 1 <= tender.candidate_count <= 3:
        errors.append("中标候选人数量应为1至3名。")
    if tender.evaluation_method == EvaluationMethod.COMPREHENSIVE:
        errors += weights_errors(tender.tech_weight, tender.commercial_weight, tender.price_weight)
        errors += q_errors(tender.price_option, tender.q_below, tender.q_above, blank_ok=True)
    if errors:
        raise ValidationError(errors)
    save_audited(tender, acting_user=acting_user, action="procurement.tender.update", before=before)
    return tender


@transaction.atomic
def lot_add(*, tender: Tender, subject: str, control_price: Decimal, bid_bond_amount: Decimal = Decimal("0"),
            acting_user: Any) -> Lot:
    """Add a lot (合同包) to a draft tender."""
    require(can_manage_tender(acting_user, tender))
    tender = relock(tender)
    if tender.status != TenderStatus.DRAFT:
        raise ValidationError("招标文件发布后不能再增加合同包。")
    if control_price <= 0:
        raise ValidationError("最高投标限价必须大于0。")
    number = (tender.lots.order_by("-lot_no").values_list("lot_no", flat=True).first() or 0) + 1
    lot = Lot(tender=tender, lot_no=number, subject=subject, control_price=control_price,
              bid_bond_amount=bid_bond_amount)
    save_audited(lot, acting_user=acting_user, action="procurement.lot.create")
    return lot
