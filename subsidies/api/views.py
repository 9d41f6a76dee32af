"""REST views of the subsidies API. Writes call the same services as the admin and the applicant site."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from portal.api.pagination import PortalPagination
from portal.api.permissions import ScopedViewSetMixin
from portal.models import Enterprise
from portal.permissions import user_scope
from subsidies import permissions as perms
from subsidies import services
from subsidies.api import serializers as s
from subsidies.models import Application, Award, BudgetPool, Call, Evidence, PolicyDocument, Rule
from subsidies.rules import CalculationError, calculate
from subsidies.selectors import application_timeline, award_summary, pool_utilisation


class WidePagination(PortalPagination):
    page_size = 100


class PolicyDocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Policy documents (public)."""

    permission_classes = [AllowAny]
    queryset = PolicyDocument.objects.active().prefetch_related("supersedes", "repeals")
    serializer_class = s.SubsidyPolicyDocumentSerializer


class RuleViewSet(viewsets.ReadOnlyModelViewSet):
    """All 38 rules with their facts schema and current parameters (public); the calculator."""

    permission_classes = [AllowAny]
    pagination_class = WidePagination
    serializer_class = s.SubsidyRuleSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]+-[0-9]+"
    filterset_fields = ["family", "funding", "recipient_type"]
    search_fields = ["code", "title"]

    def get_queryset(self) -> Any:
        return Rule.objects.active().select_related("document", "superseded_by", "responsible_unit").prefetch_related(
            "parameters").order_by("sort_order", "code")

    @extend_schema(request=s.SubsidyCalculateRequestSerializer, responses={200: dict, 400: dict})
    @action(detail=True, methods=["post"])
    def calculate(self, request: Any, code: str | None = None) -> Response:
        """POST {"facts": {...}, "history": [...], "on": "YYYY-MM-DD"} → the calculator JSON of subsidy_rules.md."""
        body = request.data
        if not isinstance(body, dict) or "facts" not in body:
            return Response({"detail": "请求体应为 JSON 对象，至少包含 facts", "errors": {"facts": "缺少 facts"}},
                            status=status.HTTP_400_BAD_REQUEST)
        unknown = set(body) - {"facts", "history", "on"}
        if unknown:
            return Response({"detail": "请求体含未知字段", "errors": {k: "未知字段" for k in sorted(unknown)}},
                            status=status.HTTP_400_BAD_REQUEST)
        try:
            result = calculate(code or "", body["facts"], history=body.get("history"), on=body.get("on"))
        except CalculationError as exc:
            return Response(exc.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(result)


class CallViewSet(viewsets.ReadOnlyModelViewSet):
    """Calls (申报批次): public; budget pools shown to staff only."""

    permission_classes = [AllowAny]
    serializer_class = s.SubsidyCallSerializer
    filterset_fields = ["year", "family"]

    def get_queryset(self) -> Any:
        pools = perms.BudgetPoolPolicy().scope(self.request.user, BudgetPool.objects.select_related("county", "call"))
        return Call.objects.active().prefetch_related("rules", Prefetch("pools", queryset=pools)).order_by(
            "-year", "code")


class ApplicationViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.ReadOnlyModelViewSet):
    """Applications the caller may see (applicants: their own); workflow steps as POST actions."""

    policy = perms.ApplicationPolicy()
    serializer_class = s.SubsidyApplicationSerializer
    filterset_fields = ["status", "period", "call", "rule__code", "enterprise__uscc", "is_duplicate"]
    search_fields = ["number", "enterprise__name", "enterprise__uscc"]
    ordering_fields = ["created_at", "due_on", "submitted_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    @property
    def base_queryset(self) -> Any:  # type: ignore[override]
        return Application.objects.select_related(
            "call", "rule", "rule__document", "enterprise", "enterprise__region").prefetch_related(
            "evidence").order_by("-created_at", "-pk")

    def _app(self, pk: Any) -> Application:
        try:
            return self.get_queryset().get(pk=pk)
        except (Application.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(request=s.SubsidyApplicationCreateSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        data = s.SubsidyApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        scope = user_scope(request.user)
        uscc = (data.validated_data.get("uscc") or "").strip().upper()
        mine = Enterprise.objects.filter(pk__in=scope.enterprise_ids)
        if uscc:
            enterprise = Enterprise.objects.filter(uscc=uscc).first()
            if enterprise is None:
                raise ValidationError({"uscc": ["未找到该统一社会信用代码的申报主体。"]})
        elif mine.count() == 1:
            enterprise = mine.get()
        else:
            raise ValidationError({"uscc": ["请填写申报主体的统一社会信用代码。"]})
        app = services.application_create(call=data.validated_data["call"], enterprise=enterprise,
                                          rule_code=data.validated_data["rule_code"],
                                          facts=data.validated_data["facts"], acting_user=request.user)
        return Response(self.get_serializer(self._app(app.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.SubsidyFactsSerializer)
    def partial_update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        """PATCH {"facts": {...}}: edit a draft or an application returned for correction."""
        app = self._app(kwargs["pk"])
        if set(request.data) - {"facts"}:
            raise ValidationError({"detail": ["只能修改 facts。"]})
        services.application_update(application=app, facts=request.data.get("facts", {}), acting_user=request.user)
        return Response(self.get_serializer(self._app(app.pk)).data)

    def update(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        return self.partial_update(request, *args, **kwargs)

    def _step(self, request: Any, pk: Any, func: Any, body: type[Serializer] | None = None) -> Response:
        extra: dict[str, Any] = {}
        if body is not None:
            data = body(data=request.data)
            data.is_valid(raise_exception=True)
            extra = dict(data.validated_data)
        func(application=self._app(pk), acting_user=request.user, **extra)
        return Response(self.get_serializer(self._app(pk)).data)

    def _text(self, request: Any, name: str) -> str:
        return str(request.data.get(name, "") or "")

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def submit(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_submit)

    @extend_schema(request=s.SubsidyNoteSerializer)
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_resubmit, s.SubsidyNoteSerializer)

    @extend_schema(request=s.SubsidyReasonSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_withdraw, s.SubsidyReasonSerializer)

    @extend_schema(request=s.SubsidyNoteSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_accept, s.SubsidyNoteSerializer)

    @extend_schema(request=s.SubsidyReasonSerializer)
    @action(detail=True, methods=["post"], url_path="return")
    def return_for_correction(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_return_for_correction, s.SubsidyReasonSerializer)

    @extend_schema(request=s.SubsidyNoteSerializer)
    @action(detail=True, methods=["post"], url_path="review")
    def review_start(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_review_start, s.SubsidyNoteSerializer)

    @extend_schema(request=s.SubsidyScoreSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_score, s.SubsidyScoreSerializer)

    @extend_schema(request=s.SubsidyApproveSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_approve, s.SubsidyApproveSerializer)

    @extend_schema(request=s.SubsidyReasonSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_reject, s.SubsidyReasonSerializer)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"])
    def publicity(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_publicity_start)

    @extend_schema(request=None)
    @action(detail=True, methods=["post"], url_path="publicity-close")
    def publicity_close(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_publicity_close)

    @extend_schema(request=s.SubsidyNoteSerializer)
    @action(detail=True, methods=["post"])
    def disburse(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_disburse, s.SubsidyNoteSerializer)

    @extend_schema(request=s.SubsidyReasonSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_cancel, s.SubsidyReasonSerializer)

    @extend_schema(responses=s.SubsidyTimelineStepSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def timeline(self, request: Any, pk: Any = None) -> Response:
        return Response(s.SubsidyTimelineStepSerializer(application_timeline(self._app(pk)), many=True).data)

    @extend_schema(request={"multipart/form-data": s.SubsidyEvidenceUploadSerializer},
                   responses={201: s.SubsidyEvidenceSerializer})
    @action(detail=True, methods=["post"], url_path="evidence")
    def evidence_upload(self, request: Any, pk: Any = None) -> Response:
        """multipart: file, kind."""
        app = self._app(pk)
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationError({"file": ["请选择要上传的文件。"]})
        row = services.evidence_add(application=app, uploaded_file=upload, kind=self._text(request, "kind"),
                                    acting_user=request.user)
        return Response(s.SubsidyEvidenceSerializer(row).data, status=status.HTTP_201_CREATED)


class EvidenceViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Evidence files of the applications the caller may see; ``download_url`` is the kernel file download."""

    policy = perms.ApplicationChildPolicy()
    base_queryset = Evidence.objects.filter(retired_at__isnull=True).select_related("application")
    serializer_class = s.SubsidyEvidenceSerializer
    filterset_fields = ["application", "kind"]


class AwardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Awards of the applications the caller may see; summary by family, rule and county."""

    policy = perms.AwardPolicy()
    base_queryset = Award.objects.select_related("rule", "enterprise", "county", "call", "application").order_by(
        "-approved_on", "-pk")
    serializer_class = s.SubsidyAwardSerializer
    filterset_fields = ["year", "status", "rule__code", "county", "enterprise__uscc"]

    @extend_schema(responses=s.SubsidyAwardSummarySerializer,
                   parameters=[OpenApiParameter("year", int, required=True, description="年度")])
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request: Any) -> Response:
        scope = user_scope(request.user)
        if not scope.has_role(*perms.STAFF_READ_ROLES):
            raise PermissionDenied("只有工作人员可以查看汇总。")
        try:
            year = int(request.query_params.get("year", ""))
        except ValueError:
            raise ValidationError({"year": ["请提供年度，如 ?year=2026"]}) from None
        return Response(s.SubsidyAwardSummarySerializer(award_summary(self.get_queryset(), year=year)).data)


class PoolViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Budget pools with reserved, committed and available money (staff)."""

    policy = perms.BudgetPoolPolicy()
    permission_classes = [IsAuthenticated, *ScopedViewSetMixin.permission_classes]
    base_queryset = BudgetPool.objects.select_related("call", "county").order_by("call__year", "call__code", "pk")
    serializer_class = s.SubsidyPoolSerializer
    filterset_fields = ["call", "level", "county", "call__year"]

    @extend_schema(responses=s.SubsidyPoolUtilisationSerializer(many=True),
                   parameters=[OpenApiParameter("year", int, description="年度（默认全部）")])
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def utilisation(self, request: Any) -> Response:
        if not user_scope(request.user).is_staff_member:
            raise PermissionDenied("只有工作人员可以查看资金池。")
        year = request.query_params.get("year")
        rows = pool_utilisation(self.get_queryset(), year=int(year) if year and year.isdigit() else None)
        return Response(s.SubsidyPoolUtilisationSerializer([r | {"id": r["pool"].pk} for r in rows], many=True).data)
