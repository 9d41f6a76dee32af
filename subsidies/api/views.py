"""REST views of the subsidies API. Reads go through ``subsidies.selectors``; writes call the same services as the
admin and the applicant site; the workflow step endpoints are derived from ``subsidies.workflow.APPLICATION``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from portal.api.pagination import PortalPagination
from portal.api.permissions import ScopedViewSetMixin
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints
from portal.models import Enterprise
from portal.params import parse_year
from portal.permissions import require
from subsidies import filters, selectors, services
from subsidies import permissions as perms
from subsidies.api import serializers as s
from subsidies.calculator import CalculationError, calculate
from subsidies.models import Application
from subsidies.selectors import application_timeline, award_summary, pool_utilisation
from subsidies.workflow import APPLICATION


class WidePagination(PortalPagination):
    page_size = 100


class PolicyDocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """Policy documents (public)."""

    permission_classes = [AllowAny]
    serializer_class = s.SubsidyPolicyDocumentSerializer

    def get_queryset(self) -> Any:
        return selectors.policy_document_list(user=self.request.user)


class RuleViewSet(viewsets.ReadOnlyModelViewSet):
    """All 38 rules with their facts schema and current parameters (public); the calculator."""

    permission_classes = [AllowAny]
    pagination_class = WidePagination
    serializer_class = s.SubsidyRuleSerializer
    lookup_field = "code"
    lookup_value_regex = "[A-Za-z]+-[0-9]+"
    filterset_class = filters.RuleFilter
    search_fields = ["code", "title"]

    def get_queryset(self) -> Any:
        return selectors.rule_list(user=self.request.user)

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
    filterset_class = filters.CallFilter

    def get_queryset(self) -> Any:
        return selectors.call_list(user=self.request.user)


@workflow_endpoints
class ApplicationViewSet(WorkflowViewMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                         viewsets.ReadOnlyModelViewSet):
    """Applications the caller may see (applicants: their own); each workflow step is ``POST …/{id}/<step>/`` with
    that step's inputs (derived from the declaration), ``GET …/{id}/steps/`` lists what the caller may do now."""

    policy = perms.ApplicationPolicy()
    workflow = APPLICATION
    workflow_paths = {"return_for_correction": "return", "review_start": "review", "publicity_start": "publicity",
                      "publicity_close": "publicity-close"}  # the paths integrators use
    serializer_class = s.SubsidyApplicationSerializer
    filterset_class = filters.ApplicationFilter
    search_fields = ["number", "enterprise__name", "enterprise__uscc"]
    ordering_fields = ["created_at", "due_on", "submitted_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.application_list(user=self.request.user)

    def _app(self, pk: Any) -> Application:
        try:
            return self.get_queryset().get(pk=pk)
        except (Application.DoesNotExist, ValueError):
            raise Http404 from None

    @extend_schema(request=s.SubsidyApplicationCreateSerializer)
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        data = s.SubsidyApplicationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        uscc = (data.validated_data.get("uscc") or "").strip().upper()
        mine = Enterprise.objects.filter(pk__in=perms.enterprises_of(request.user))
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

    @extend_schema(request=s.SubsidyScoreSerializer)
    @action(detail=True, methods=["post"])
    def score(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, pk, services.application_score, s.SubsidyScoreSerializer)

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
    serializer_class = s.SubsidyEvidenceSerializer
    filterset_class = filters.EvidenceFilter

    def get_queryset(self) -> Any:
        return selectors.evidence_list(user=self.request.user)


class AwardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Awards of the applications the caller may see; summary by family, rule and county."""

    policy = perms.AwardPolicy()
    serializer_class = s.SubsidyAwardSerializer
    filterset_class = filters.AwardFilter

    def get_queryset(self) -> Any:
        return selectors.award_list(user=self.request.user)

    @extend_schema(responses=s.SubsidyAwardSummarySerializer,
                   parameters=[OpenApiParameter("year", int, required=True, description="年度")])
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def summary(self, request: Any) -> Response:
        require(perms.can_view_summaries(request.user))
        year = parse_year(request.query_params.get("year"))
        if year is None:
            raise ValidationError({"year": [f"请提供年度，如 ?year={timezone.localdate().year}"]})
        return Response(s.SubsidyAwardSummarySerializer(award_summary(self.get_queryset(), year=year)).data)


class ManualAwardViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """一事一议 awards the caller may see (staff: the pools they see, plus what they entered or must approve); read
    only: entry and steps are in the admin."""

    policy = perms.ManualAwardPolicy()
    permission_classes = [IsAuthenticated, *ScopedViewSetMixin.permission_classes]
    serializer_class = s.SubsidyManualAwardSerializer
    filterset_class = filters.ManualAwardFilter

    def get_queryset(self) -> Any:
        return selectors.manual_award_list(user=self.request.user)


class MatchCandidateViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """免申即享 candidates for integrators (read only): staff see the rules they review and their county; an enterprise
    sees only what was pushed to it. Filters: call, rule (code), status, period, uscc."""

    policy = perms.MatchCandidatePolicy()
    permission_classes = [IsAuthenticated, *ScopedViewSetMixin.permission_classes]
    serializer_class = s.SubsidyMatchCandidateSerializer
    filterset_class = filters.MatchCandidateFilter

    def get_queryset(self) -> Any:
        return selectors.match_candidate_list(user=self.request.user)


class PoolViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Budget pools with reserved, committed and available money (staff)."""

    policy = perms.BudgetPoolPolicy()
    permission_classes = [IsAuthenticated, *ScopedViewSetMixin.permission_classes]
    serializer_class = s.SubsidyPoolSerializer
    filterset_class = filters.PoolFilter

    def get_queryset(self) -> Any:
        return selectors.pool_list(user=self.request.user)

    @extend_schema(responses=s.SubsidyPoolUtilisationSerializer(many=True),
                   parameters=[OpenApiParameter("year", int, description="年度（默认全部）")])
    @action(detail=False, methods=["get"], pagination_class=None, filter_backends=[])
    def utilisation(self, request: Any) -> Response:
        require(perms.can_view_pools(request.user))
        year = parse_year(request.query_params.get("year"))
        rows = pool_utilisation(self.get_queryset(), year=year)
        return Response(s.SubsidyPoolUtilisationSerializer([r | {"id": r["pool"].pk} for r in rows], many=True).data)
