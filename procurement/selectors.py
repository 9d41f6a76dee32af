"""Read side of the procurement app: scoped, prefetched querysets for lists (constant query counts)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from portal.permissions import AnyUser
from procurement.models import Bid, BidStatus, Contract, ItProject, Lot, RedFlag, Tender
from procurement.permissions import (
    BidPolicy,
    LotChildPolicy,
    ProjectPolicy,
    RedFlagPolicy,
    TenderChildPolicy,
    TenderPolicy,
)


def project_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[ItProject]:
    qs = ItProject.objects.select_related("construction_unit", "annual_plan").prefetch_related("data_resources")
    return ProjectPolicy().scope(user, qs.filter(**(filters or {})))


def tender_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Tender]:
    qs = Tender.objects.select_related("tenderer", "project").prefetch_related("lots")
    return TenderPolicy().scope(user, qs.filter(**(filters or {})))


def bid_list(*, user: AnyUser, filters: dict[str, Any] | None = None) -> QuerySet[Bid]:
    qs = Bid.objects.select_related("bidder", "lot__tender")
    return BidPolicy().scope(user, qs.filter(**(filters or {})))


def award_list(*, user: AnyUser) -> QuerySet[Lot]:
    qs = Lot.objects.filter(awarded_bid__isnull=False).select_related("tender", "awarded_bid__bidder")
    return TenderChildPolicy().scope(user, qs)


def contract_list(*, user: AnyUser) -> QuerySet[Contract]:
    return LotChildPolicy().scope(user, Contract.objects.select_related("lot__tender", "supplier"))


def red_flag_list(*, user: AnyUser) -> QuerySet[RedFlag]:
    return RedFlagPolicy().scope(user, RedFlag.objects.select_related("tender", "bidder", "lot", "disposed_by"))


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
