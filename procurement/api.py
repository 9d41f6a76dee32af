"""REST API for 政务信息化项目与采购, mounted at /api/v1/procurement/.

Projects, tenders, bids, awards, contracts and red flags (read, scoped by ``procurement.permissions``); red-flag
disposition (POST, supervisors); the OCDS 1.1 release package (public: published records only).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.permissions import ScopedViewSetMixin
from portal.api.routers import PortalRouter
from procurement import ocds
from procurement.models import Bid, Contract, ItProject, Lot, RedFlag, Tender
from procurement.ocds.encoding import dumps_exact
from procurement.permissions import (
    BidPolicy,
    LotChildPolicy,
    ProjectPolicy,
    RedFlagPolicy,
    TenderChildPolicy,
    TenderPolicy,
)
from procurement.selectors import committee_member_get
from procurement.services import award as aw
from procurement.services import evaluation as ev
from procurement.services import tenders as ts
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
                                      read_only=True, allow_null=True)
    determined_on = serializers.DateField(source="tender.award_determined_on", read_only=True, allow_null=True)

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
    bidder_name = serializers.CharField(source="bidder.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = RedFlag
        fields = ["id", "rule_code", "tender", "tender_no", "lot", "bid", "bidder", "bidder_name", "message",
                  "detail", "legal_basis", "event", "first_found_at", "last_found_at", "is_current", "disposition",
                  "disposition_reason", "disposed_at"]


class ProcurementDispositionSerializer(serializers.Serializer):
    disposition = serializers.ChoiceField(choices=["confirmed", "false_positive"])
    reason = serializers.CharField()


# ----------------------------------------------------------------------------------- write payloads
class ProcurementBondInputSerializer(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    received_at = serializers.DateTimeField()
    is_from_basic_account = serializers.BooleanField(default=True)
    payer_account_no = serializers.CharField(required=False, allow_blank=True, default="")


class ProcurementBidInputSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.select_related("tender"))
    bidder_uscc = serializers.CharField(max_length=18)
    bidder_name = serializers.CharField(max_length=200)
    submitted_at = serializers.DateTimeField()
    price_figures = serializers.DecimalField(max_digits=18, decimal_places=2)
    price_words = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)
    summary_total = serializers.DecimalField(max_digits=18, decimal_places=2, required=False, allow_null=True)
    tech_file_text = serializers.CharField(required=False, allow_blank=True, default="")
    bond = ProcurementBondInputSerializer(required=False, allow_null=True)


class ProcurementOpenInputSerializer(serializers.Serializer):
    opened_at = serializers.DateTimeField()


class ProcurementScoreInputSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    part = serializers.ChoiceField(choices=["tech", "commercial"])
    points = serializers.DecimalField(max_digits=7, decimal_places=2)


class ProcurementAwardInputSerializer(serializers.Serializer):
    on = serializers.DateField()
    notice_issued_on = serializers.DateField(required=False, allow_null=True)
    fallback_reason = serializers.CharField(required=False, allow_blank=True, default="")


class ProcurementContractInputSerializer(serializers.Serializer):
    lot = serializers.PrimaryKeyRelatedField(queryset=Lot.objects.select_related("tender", "awarded_bid"))
    contract_no = serializers.CharField(max_length=60)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    signed_on = serializers.DateField()
    performance_security_posted_on = serializers.DateField(required=False, allow_null=True)
    has_ip_clause = serializers.BooleanField(default=True)


def _input(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return dict(data.validated_data)


def _visible_lot(view: Any, lot: Lot) -> Lot:
    """A lot the caller may see (otherwise 404-equivalent refusal, never a hint that it exists)."""
    if not TenderChildPolicy().scope(view.request.user, Lot.objects.filter(pk=lot.pk)).exists():
        raise ValidationError({"lot": "合同包不存在或无权访问。"})
    return lot


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


    @extend_schema(request=ProcurementOpenInputSerializer, responses=ProcurementTenderSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: Any = None) -> Response:
        """开标 (``tender_open``): a lot with fewer than 3 bids is not opened (re-tender)."""
        data = _input(ProcurementOpenInputSerializer, request)
        tender = ts.tender_open(tender=self.get_object(), opened_at=data["opened_at"], acting_user=request.user)
        return Response(ProcurementTenderSerializer(self.base_queryset.get(pk=tender.pk)).data)

    @extend_schema(request=ProcurementScoreInputSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def scores(self, request: Request, pk: Any = None) -> Response:
        """An evaluator's own technical/commercial points for one bid (``score_record``; after opening only)."""
        tender = self.get_object()
        data = _input(ProcurementScoreInputSerializer, request)
        member = committee_member_get(user=request.user, tender_id=tender.pk)
        if member is None:
            raise PermissionDenied("您不是该项目的评标委员会成员（或已回避），不能评分。")
        bid = Bid.objects.filter(pk=data["bid"], lot__tender=tender).select_related("lot__tender").first()
        if bid is None:
            raise ValidationError({"bid": "该投标不属于本招标项目。"})
        score = ev.score_record(member=member, bid=bid, part=data["part"], points=data["points"],
                                acting_user=request.user)
        return Response({"id": score.pk, "bid": bid.pk, "part": score.part, "points": str(score.points)},
                        status=201)

    @extend_schema(request=None, responses=ProcurementTenderSerializer)
    @action(detail=True, methods=["post"])
    def evaluate(self, request: Request, pk: Any = None) -> Response:
        """Price checks, averages, price scores and ranking of every lot still open (``lot_evaluate``)."""
        tender = self.get_object()
        for lot in tender.lots.filter(status__in=("open", "evaluated")).order_by("lot_no"):
            ev.lot_evaluate(lot=lot, acting_user=request.user)
        return Response(ProcurementTenderSerializer(self.base_queryset.get(pk=tender.pk)).data)

    @extend_schema(request=ProcurementAwardInputSerializer, responses=ProcurementTenderSerializer)
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: Any = None) -> Response:
        """定标 (``award_determine``): rank 1 of each evaluated lot unless a documented fallback."""
        data = _input(ProcurementAwardInputSerializer, request)
        tender = aw.award_determine(tender=self.get_object(), on=data["on"],
                                    notice_issued_on=data.get("notice_issued_on"),
                                    fallback_reason=data["fallback_reason"], acting_user=request.user)
        return Response(ProcurementTenderSerializer(self.base_queryset.get(pk=tender.pk)).data)


class BidViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """投标; POST records a bid received before the deadline (``bid_record``, the tenderer's officer)."""

    policy = BidPolicy()
    base_queryset = Bid.objects.select_related("bidder", "lot")
    serializer_class = ProcurementBidSerializer
    filterset_fields = ["lot", "lot__tender", "status", "bidder"]

    @extend_schema(request=ProcurementBidInputSerializer, responses={201: ProcurementBidSerializer})
    def create(self, request: Request) -> Response:
        data = _input(ProcurementBidInputSerializer, request)
        lot = _visible_lot(self, data.pop("lot"))
        bond = data.pop("bond", None)
        bid = ts.bid_record(lot=lot, bond=dict(bond) if bond else None, acting_user=request.user, **data)
        return Response(ProcurementBidSerializer(self.base_queryset.get(pk=bid.pk)).data, status=201)


class AwardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Awarded lots (中标结果)."""

    policy = TenderChildPolicy()
    base_queryset = Lot.objects.filter(awarded_bid__isnull=False).select_related("tender", "awarded_bid__bidder")
    serializer_class = ProcurementAwardSerializer
    filterset_fields = ["tender"]


class ContractViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """合同; POST signs the contract of an awarded lot (``contract_sign``)."""

    policy = LotChildPolicy()
    base_queryset = Contract.objects.select_related("lot", "supplier")
    serializer_class = ProcurementContractSerializer
    filterset_fields = ["supplier"]

    @extend_schema(request=ProcurementContractInputSerializer, responses={201: ProcurementContractSerializer})
    def create(self, request: Request) -> Response:
        data = _input(ProcurementContractInputSerializer, request)
        lot = _visible_lot(self, data.pop("lot"))
        contract = aw.contract_sign(lot=lot, acting_user=request.user, **data)
        return Response(ProcurementContractSerializer(self.base_queryset.get(pk=contract.pk)).data, status=201)


class RedFlagViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """风险预警; POST …/dispose/ {disposition, reason} (procurement supervisors)."""

    policy = RedFlagPolicy()
    base_queryset = RedFlag.objects.select_related("tender", "bidder")
    serializer_class = ProcurementRedFlagSerializer
    filterset_fields = ["rule_code", "tender", "disposition", "is_current", "bidder"]

    @extend_schema(request=ProcurementDispositionSerializer, responses=ProcurementRedFlagSerializer)
    @action(detail=True, methods=["post"], serializer_class=ProcurementDispositionSerializer)
    def dispose(self, request: Request, pk: Any = None) -> Response:
        flag = self.get_object()
        data = ProcurementDispositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = red_flag_dispose(flag=flag, disposition=data.validated_data["disposition"],
                                reason=data.validated_data["reason"], acting_user=request.user)
        return Response(ProcurementRedFlagSerializer(flag).data)


class OcdsJSONRenderer(JSONRenderer):
    """Writes Decimal amounts as exact JSON numbers (no float conversion)."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> bytes:
        if data is None:
            return b""
        return dumps_exact(data, separators=(",", ":")).encode("utf-8")


class OcdsReleasePackageView(APIView):
    """OCDS 1.1 release package of published tenders (public; bids after opening, scores after publicity).

    OCDS requires at least one release in a package: when nothing is published (or ``tender_no`` matches no
    published tender) the answer is 204 No Content rather than an invalid empty package (ADR 0405).
    """

    permission_classes = [AllowAny]
    renderer_classes = [OcdsJSONRenderer]

    @extend_schema(responses={200: OpenApiTypes.OBJECT, 204: None}, summary="OCDS 1.1 release package")
    def get(self, request: Request) -> Response:
        tenders = ocds.published_tenders()
        if request.query_params.get("tender_no"):
            tenders = tenders.filter(tender_no=request.query_params["tender_no"])
        package = ocds.release_package(tenders, uri=request.build_absolute_uri())
        if not package["releases"]:
            return Response(status=204)
        return Response(package)


router = PortalRouter()
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
