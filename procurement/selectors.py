"""Read side of the procurement app: scoped, prefetched querysets for lists (constant query counts)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
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
from procurement.models import Bid, BidStatus, Contract, ItProject, Lot, RedFlag, Tender
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
