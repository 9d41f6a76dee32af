"""Read side of the procurement app: scoped, prefetched querysets for lists (constant query counts)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, QuerySet
from django_filters import FilterSet

from portal.permissions import AnyUser
from procurement.filters import (
    AwardFilter,
    BidFilter,
    ContractFilter,
    ProjectFilter,
    RedFlagFilter,
    TenderFilter,
)
from procurement.models import (
    Bid,
    BidStatus,
    CommitteeMember,
    Contract,
    ItProject,
    Lot,
    RedFlag,
    Score,
    Tender,
)
from procurement.permissions import (
    BidPolicy,
    LotChildPolicy,
    ProjectPolicy,
    RedFlagPolicy,
    TenderChildPolicy,
    TenderPolicy,
)


def _filtered(qs: QuerySet[Any], filterset: type[FilterSet], filters: Mapping[str, Any] | None) -> QuerySet[Any]:
    """Run the list's FilterSet (the one the API uses) over ``filters`` (query parameters or a dict)."""
    if not filters:
        return qs
    return filterset(filters, queryset=qs).qs


def project_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[ItProject]:
    qs = ItProject.objects.select_related("construction_unit", "annual_plan").prefetch_related("data_resources")
    return _filtered(ProjectPolicy().scope(user, qs), ProjectFilter, filters)


def tender_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Tender]:
    qs = Tender.objects.select_related("tenderer", "project").prefetch_related("lots")
    return _filtered(TenderPolicy().scope(user, qs), TenderFilter, filters)


def bid_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Bid]:
    qs = Bid.objects.select_related("bidder", "lot__tender")
    return _filtered(BidPolicy().scope(user, qs), BidFilter, filters)


def award_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Lot]:
    qs = Lot.objects.filter(awarded_bid__isnull=False).select_related("tender", "awarded_bid__bidder")
    return _filtered(TenderChildPolicy().scope(user, qs), AwardFilter, filters)


def contract_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[Contract]:
    qs = Contract.objects.select_related("lot__tender", "supplier")
    return _filtered(LotChildPolicy().scope(user, qs), ContractFilter, filters)


def red_flag_list(*, user: AnyUser, filters: Mapping[str, Any] | None = None) -> QuerySet[RedFlag]:
    qs = RedFlag.objects.select_related("tender", "bidder", "lot", "disposed_by")
    return _filtered(RedFlagPolicy().scope(user, qs), RedFlagFilter, filters)


def bidding_records(*, user: AnyUser, tender_ids: list[int] | None = None) -> QuerySet[Bid]:
    """Bids of visible tenders for the bidding-record export (xlsx)."""
    qs = bid_list(user=user).select_related("lot__tender__tenderer").exclude(status=BidStatus.WITHDRAWN)
    if tender_ids is not None:
        qs = qs.filter(lot__tender_id__in=tender_ids)
    return qs.order_by("lot__tender__tender_no", "lot__lot_no", "rank", "pk")


def committee_member_get(*, user: AnyUser, tender_id: int) -> Any:
    """The caller's active (not recused) committee seat on a tender, or None."""
    from procurement.models import CommitteeMember

    if not user.is_authenticated:
        return None
    return CommitteeMember.objects.filter(tender_id=tender_id, user=user, is_recused=False,
                                          retired_at__isnull=True).first()


@dataclass
class GridRow:
    """One bid of a lot: each evaluator's total points (技术 + 商务, None where the seat gave none) and the stored
    results of the evaluation (``procurement.services.evaluation`` with ``procurement.scoring``)."""

    bid: Bid
    cells: list[tuple[CommitteeMember, Decimal | None]]


@dataclass
class LotGrid:
    lot: Lot
    members: list[CommitteeMember]
    rows: list[GridRow] = field(default_factory=list)


def score_grid(*, tender: Tender) -> list[LotGrid]:
    """The evaluator × bid grid of each lot of ``tender`` (the caller has checked ``can_view_score_grid``): rows are
    the lot's bids in rank order, columns the committee (recused seats included, marked by the template). Totals,
    price scores and ranks are the values the evaluation stored, never recomputed here. Four queries."""
    lots = list(Lot.objects.filter(tender=tender).order_by("lot_no"))
    members = list(CommitteeMember.objects.filter(tender=tender, retired_at__isnull=True).order_by("pk"))
    bids = list(Bid.objects.filter(lot__tender=tender).exclude(status=BidStatus.WITHDRAWN)
                .select_related("bidder").order_by("lot_id", F("rank").asc(nulls_last=True), "bidder__name", "pk"))
    points: dict[tuple[int, int], Decimal] = {}
    for score in Score.objects.filter(bid__lot__tender=tender, retired_at__isnull=True).values(
            "member_id", "bid_id", "points"):
        key = (score["member_id"], score["bid_id"])
        points[key] = points.get(key, Decimal("0")) + score["points"]
    grids = {lot.pk: LotGrid(lot=lot, members=members) for lot in lots}
    for bid in bids:
        grids[bid.lot_id].rows.append(GridRow(bid=bid, cells=[(mb, points.get((mb.pk, bid.pk))) for mb in members]))
    return list(grids.values())


def bad_conduct_in_force(*, enterprise: Any, on: date) -> list[dict[str, Any]]:
    """The enterprise's 不良行为记录 in force on ``on``, as other apps show them (receiver of the kernel event
    ``portal.enterprise.integrity``: the subsidies review's 交叉核查, docs/adr/0306)."""
    from procurement.models import BadConductRecord

    rows = (BadConductRecord.objects.filter(subject=enterprise, registered_on__lte=on, expires_on__gt=on,
                                            retired_at__isnull=True).order_by("registered_on", "pk"))
    return [{"kind": "bad_conduct", "id": r.pk, "label": "不良行为记录",
             "text": (f"{r.get_ground_display()}（认定文书 {r.decision_document_no}），{r.registered_on} 登记，"
                      f"{r.expires_on} 失效"),
             "basis": "《福建省信息化工程项目招标投标若干规则（试行）》第三十八条、第三十九条"} for r in rows]
