"""REST API for 政务信息化项目与采购, mounted at /api/v1/procurement/.

Projects, tenders, bids, awards, contracts and red flags (read, scoped by ``procurement.permissions``); red-flag
disposition (POST, supervisors); the OCDS 1.1 release package (public: published records only).
"""

from __future__ import annotations

from typing import Any

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter
from rest_framework.views import APIView

from portal.api.permissions import ScopedViewSetMixin
from procurement import ocds
from procurement.models import Bid, Contract, ItProject, Lot, RedFlag, Tender
from procurement.permissions import (
    BidPolicy,
    LotChildPolicy,
    ProjectPolicy,
    RedFlagPolicy,
    TenderChildPolicy,
    TenderPolicy,
)
from procurement.services.remedies import red_flag_dispose


class ProcurementProjectSerializer(serializers.ModelSerializer):
    construction_unit_name = serializers.CharField(source="construction_unit.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    data_resources = serializers.SerializerMethodField()

    class Meta:
        model = ItProject
        fields = ["id", "code", "name", "construction_unit", "construction_unit_name", "status", "status_display",
                  "declared_on", "total_investment", "budget_estimate", "fsr_approved_on", "pd_approved_on",
                  "completed_on", "acceptance_due_on", "accepted_on", "om_funding_approved", "data_resources"]

    def get_data_resources(self, obj: ItProject) -> list[dict[str, Any]]:
        return [{"name": r.name, "catalog_entry": r.catalog_entry_id} for r in obj.data_resources.all()]


class ProcurementLotSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lot
        fields = ["id", "lot_no", "subject", "control_price", "status", "benchmark_price", "awarded_bid"]


class ProcurementTenderSerializer(serializers.ModelSerializer):
    tenderer_name = serializers.CharField(source="tenderer.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    lots = ProcurementLotSerializer(many=True, read_only=True)

    class Meta:
        model = Tender
        fields = ["id", "tender_no", "title", "project", "tenderer", "tenderer_name", "procurement_method",
                  "evaluation_method", "status", "status_display", "issued_at", "bid_deadline", "opened_at",
                  "tech_weight", "commercial_weight", "price_weight", "price_option", "candidate_count",
                  "report_received_on", "award_determined_on", "lots"]


class ProcurementBidSerializer(serializers.ModelSerializer):
    bidder_name = serializers.CharField(source="bidder.name", read_only=True)
    bidder_uscc = serializers.CharField(source="bidder.uscc", read_only=True)
    tender = serializers.IntegerField(source="lot.tender_id", read_only=True)

    class Meta:
        model = Bid
        fields = ["id", "tender", "lot", "bidder", "bidder_name", "bidder_uscc", "submitted_at", "price_figures",
                  "evaluated_price", "status", "rejection_code", "rejection_reason", "is_abnormally_low",
                  "tech_score", "commercial_score", "price_score", "total_score", "price_after_deduction", "rank"]


class ProcurementAwardSerializer(serializers.ModelSerializer):
    tender_no = serializers.CharField(source="tender.tender_no", read_only=True)
    supplier = serializers.CharField(source="awarded_bid.bidder.name", read_only=True)
    supplier_uscc = serializers.CharField(source="awarded_bid.bidder.uscc", read_only=True)
    amount = serializers.DecimalField(source="awarded_bid.evaluated_price", max_digits=18, decimal_places=2,
                                      read_only=True)
    determined_on = serializers.DateField(source="tender.award_determined_on", read_only=True)

    class Meta:
        model = Lot
        fields = ["id", "tender", "tender_no", "lot_no", "subject", "awarded_bid", "supplier", "supplier_uscc",
                  "amount", "determined_on"]


class ProcurementContractSerializer(serializers.ModelSerializer):
    supplier_name = serializers.CharField(source="supplier.name", read_only=True)
    tender = serializers.IntegerField(source="lot.tender_id", read_only=True)

    class Meta:
        model = Contract
        fields = ["id", "contract_no", "tender", "lot", "supplier", "supplier_name", "amount", "signed_on",
                  "performance_security_posted_on"]


class ProcurementRedFlagSerializer(serializers.ModelSerializer):
    tender_no = serializers.CharField(source="tender.tender_no", read_only=True)
    bidder_name = serializers.CharField(source="bidder.name", read_only=True, default=None)

    class Meta:
        model = RedFlag
        fields = ["id", "rule_code", "tender", "tender_no", "lot", "bid", "bidder", "bidder_name", "message",
                  "detail", "legal_basis", "event", "first_found_at", "last_found_at", "is_current", "disposition",
                  "disposition_reason", "disposed_at"]


class ProcurementDispositionSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=["confirmed", "false_positive"])
    reason = serializers.CharField()


class ProjectViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """政务信息化项目 visible to the caller."""

    policy = ProjectPolicy()
    base_queryset = ItProject.objects.select_related("construction_unit").prefetch_related("data_resources")
    serializer_class = ProcurementProjectSerializer
    filterset_fields = ["status", "construction_unit", "annual_plan"]
    search_fields = ["code", "name"]


class TenderViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """招标项目: procuring unit (own), supervisors (all), evaluators (assigned, after opening)."""

    policy = TenderPolicy()
    base_queryset = Tender.objects.select_related("tenderer").prefetch_related("lots")
    serializer_class = ProcurementTenderSerializer
    filterset_fields = ["status", "evaluation_method", "tenderer", "project"]
    search_fields = ["tender_no", "title"]


class BidViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    policy = BidPolicy()
    base_queryset = Bid.objects.select_related("bidder", "lot")
    serializer_class = ProcurementBidSerializer
    filterset_fields = ["lot", "lot__tender", "status", "bidder"]


class AwardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Awarded lots (中标结果)."""

    policy = TenderChildPolicy()
    base_queryset = Lot.objects.filter(awarded_bid__isnull=False).select_related("tender", "awarded_bid__bidder")
    serializer_class = ProcurementAwardSerializer
    filterset_fields = ["tender"]


class ContractViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    policy = LotChildPolicy()
    base_queryset = Contract.objects.select_related("lot", "supplier")
    serializer_class = ProcurementContractSerializer
    filterset_fields = ["supplier"]


class RedFlagViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """风险预警; POST …/dispose/ {disposition, reason} (procurement supervisors)."""

    policy = RedFlagPolicy()
    base_queryset = RedFlag.objects.select_related("tender", "bidder")
    serializer_class = ProcurementRedFlagSerializer
    filterset_fields = ["rule_code", "tender", "disposition", "is_current", "bidder"]

    @action(detail=True, methods=["post"], serializer_class=ProcurementDispositionSerializer)
    def dispose(self, request: Request, pk: Any = None) -> Response:
        flag = self.get_object()
        data = ProcurementDispositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = red_flag_dispose(flag=flag, disposition=data.validated_data["disposition"],
                                reason=data.validated_data["reason"], acting_user=request.user)
        return Response(ProcurementRedFlagSerializer(flag).data)


class OcdsReleasePackageView(APIView):
    """OCDS 1.1 release package of published tenders (public; bids after opening, scores after publicity)."""

    permission_classes = [AllowAny]

    @extend_schema(responses=OpenApiTypes.OBJECT, summary="OCDS 1.1 release package")
    def get(self, request: Request) -> Response:
        tenders = ocds.published_tenders()
        if request.query_params.get("tender_no"):
            tenders = tenders.filter(tender_no=request.query_params["tender_no"])
        return Response(ocds.release_package(tenders, uri=request.build_absolute_uri()))


router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="procurement-project")
router.register("tenders", TenderViewSet, basename="procurement-tender")
router.register("bids", BidViewSet, basename="procurement-bid")
router.register("awards", AwardViewSet, basename="procurement-award")
router.register("contracts", ContractViewSet, basename="procurement-contract")
router.register("red-flags", RedFlagViewSet, basename="procurement-redflag")
urlpatterns = [
    path("ocds/release-package/", OcdsReleasePackageView.as_view(), name="procurement-ocds-release-package"),
    *router.urls,
]
