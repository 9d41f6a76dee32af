"""REST API for 政务信息化项目与采购, mounted at /api/v1/procurement/.

Projects, tenders, bids, awards, contracts and red flags (read through ``procurement.selectors``, scoped by
``procurement.permissions``); the workflow steps of projects and tenders (POST …/{id}/<step>/, derived from
``procurement.workflow``); bids, contracts, scores; red-flag disposition and re-run; the OCDS 1.1 release package
(public: published records only).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api.permissions import ScopedViewSetMixin
from portal.api.routers import PortalRouter
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints
from portal.permissions import require
from procurement import ocds
from procurement.filters import AwardFilter, BidFilter, ContractFilter, ProjectFilter, RedFlagFilter, TenderFilter
from procurement.models import Bid, Contract, ItProject, Lot, RedFlag, Tender
from procurement.ocds.encoding import dumps_exact
from procurement.permissions import (
    BidPolicy,
    LotChildPolicy,
    ProjectPolicy,
    RedFlagPolicy,
    TenderChildPolicy,
    TenderPolicy,
    can_score,
)
from procurement.selectors import (
    award_list,
    bid_list,
    committee_member_get,
    contract_list,
    project_list,
    red_flag_list,
    tender_list,
)
from procurement.services import award as aw
from procurement.services import evaluation as ev
from procurement.services import tenders as ts
from procurement.services.remedies import red_flag_dispose, red_flags_rerun
from procurement.workflow import PROJECT, TENDER


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
                  "tech_weight", "commercial_weight", "price_weight", "price_option", "q_below", "q_above",
                  "candidate_count", "report_received_on", "award_determined_on", "lots"]


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


class ProcurementScoreInputSerializer(serializers.Serializer):
    bid = serializers.IntegerField()
    part = serializers.ChoiceField(choices=["tech", "commercial"])
    points = serializers.DecimalField(max_digits=7, decimal_places=2)


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


@workflow_endpoints
class ProjectViewSet(WorkflowViewMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """政务信息化项目 visible to the caller; POST …/{id}/<step>/ for the steps of ``procurement.workflow.PROJECT``."""

    policy = ProjectPolicy()
    workflow = PROJECT
    serializer_class = ProcurementProjectSerializer
    filterset_class = ProjectFilter
    search_fields = ["code", "name"]

    def get_queryset(self) -> Any:
        return project_list(user=self.request.user)


@workflow_endpoints
class TenderViewSet(WorkflowViewMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """招标项目: procuring unit (own), supervisors (all), evaluators (assigned, after opening). POST …/{id}/<step>/
    for the steps of ``procurement.workflow.TENDER`` (``open``, ``evaluate``, ``award`` as before)."""

    policy = TenderPolicy()
    workflow = TENDER
    serializer_class = ProcurementTenderSerializer
    filterset_class = TenderFilter
    search_fields = ["tender_no", "title"]

    def get_queryset(self) -> Any:
        return tender_list(user=self.request.user)

    @extend_schema(request=ProcurementScoreInputSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["post"], permission_classes=[IsAuthenticated])
    def scores(self, request: Request, pk: Any = None) -> Response:
        """An evaluator's own technical/commercial points for one bid (``score_record``; after opening only)."""
        tender = self.get_object()
        require(can_score(request.user, tender))
        data = _input(ProcurementScoreInputSerializer, request)
        member = committee_member_get(user=request.user, tender_id=tender.pk)
        bid = Bid.objects.filter(pk=data["bid"], lot__tender=tender).select_related("lot__tender").first()
        if bid is None:
            raise ValidationError({"bid": "该投标不属于本招标项目。"})
        score = ev.score_record(member=member, bid=bid, part=data["part"], points=data["points"],
                                acting_user=request.user)
        return Response({"id": score.pk, "bid": bid.pk, "part": score.part, "points": str(score.points)},
                        status=201)


class BidViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """投标; POST records a bid received before the deadline (``bid_record``, the tenderer's officer)."""

    policy = BidPolicy()
    serializer_class = ProcurementBidSerializer
    filterset_class = BidFilter

    def get_queryset(self) -> Any:
        return bid_list(user=self.request.user)

    @extend_schema(request=ProcurementBidInputSerializer, responses={201: ProcurementBidSerializer})
    def create(self, request: Request) -> Response:
        data = _input(ProcurementBidInputSerializer, request)
        lot = _visible_lot(self, data.pop("lot"))
        bond = data.pop("bond", None)
        bid = ts.bid_record(lot=lot, bond=dict(bond) if bond else None, acting_user=request.user, **data)
        return Response(ProcurementBidSerializer(self.get_queryset().get(pk=bid.pk)).data, status=201)


class AwardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Awarded lots (中标结果)."""

    policy = TenderChildPolicy()
    serializer_class = ProcurementAwardSerializer
    filterset_class = AwardFilter

    def get_queryset(self) -> Any:
        return award_list(user=self.request.user)


class ContractViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """合同; POST signs the contract of an awarded lot (``contract_sign``)."""

    policy = LotChildPolicy()
    serializer_class = ProcurementContractSerializer
    filterset_class = ContractFilter

    def get_queryset(self) -> Any:
        return contract_list(user=self.request.user)

    @extend_schema(request=ProcurementContractInputSerializer, responses={201: ProcurementContractSerializer})
    def create(self, request: Request) -> Response:
        data = _input(ProcurementContractInputSerializer, request)
        lot = _visible_lot(self, data.pop("lot"))
        contract = aw.contract_sign(lot=lot, acting_user=request.user, **data)
        return Response(ProcurementContractSerializer(self.get_queryset().get(pk=contract.pk)).data, status=201)


class RedFlagViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """风险预警; POST …/dispose/ {disposition, reason} (procurement supervisors)."""

    policy = RedFlagPolicy()
    serializer_class = ProcurementRedFlagSerializer
    filterset_class = RedFlagFilter

    def get_queryset(self) -> Any:
        return red_flag_list(user=self.request.user)

    @extend_schema(request=ProcurementDispositionSerializer, responses=ProcurementRedFlagSerializer)
    @action(detail=True, methods=["post"], serializer_class=ProcurementDispositionSerializer)
    def dispose(self, request: Request, pk: Any = None) -> Response:
        flag = self.get_object()
        data = ProcurementDispositionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        flag = red_flag_dispose(flag=flag, disposition=data.validated_data["disposition"],
                                reason=data.validated_data["reason"], acting_user=request.user)
        return Response(ProcurementRedFlagSerializer(flag).data)

    @extend_schema(request=None, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["post"], url_path="rerun", permission_classes=[IsAuthenticated])
    def rerun(self, request: Request) -> Response:
        """Re-run the red-flag rules of one tender ``{"tender": id}`` or of every tender of a project
        ``{"project": id}`` (``red_flags_rerun``: supervisors and the procuring unit; audited)."""
        tender_id, project_id = request.data.get("tender"), request.data.get("project")
        if bool(tender_id) == bool(project_id):
            raise ValidationError("请指定一个招标项目（tender）或一个政务信息化项目（project）。")
        if tender_id:
            tender = tender_list(user=request.user).filter(pk=tender_id).first()
            if tender is None:
                raise NotFound("招标项目不存在或无权访问。")
            flags = red_flags_rerun(tender=tender, acting_user=request.user)
        else:
            project = project_list(user=request.user).filter(pk=project_id).first()
            if project is None:
                raise NotFound("项目不存在或无权访问。")
            flags = red_flags_rerun(project=project, acting_user=request.user)
        return Response({"current": len(flags)})


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
