"""API for share applications: list/read, create and edit drafts, workflow steps, overdue board, assessment."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from portal.api.permissions import ScopedViewSetMixin
from portal.api.renderers import XlsxRenderer
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints
from portal.xlsx import XLSX_CONTENT_TYPE, xlsx_response
from sharing import assessment, exports, permissions, selectors, services
from sharing.api.mixins import SELECTOR_FILTER_BACKENDS, ServiceActionsMixin
from sharing.api.serializers import (
    AssessmentSerializer,
    OpinionResultSerializer,
    OpinionSerializer,
    OverdueStepSerializer,
    ShareApplicationDetailSerializer,
    ShareApplicationSerializer,
)
from sharing.filters import ShareApplicationFilter
from sharing.workflow import SHARE_APPLICATION


@workflow_endpoints
class ShareApplicationViewSet(WorkflowViewMixin, ServiceActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin,
                              mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """数据共享申请: list/read what you may see; create and edit drafts; take workflow steps
    (``POST …/{id}/actions/<step>/``, derived from ``sharing.workflow.SHARE_APPLICATION``)."""

    policy = permissions.ShareApplicationPolicy()
    workflow = SHARE_APPLICATION
    workflow_url_path = "actions/{name}"
    service_actions = frozenset({"opinion", "resubmit"})
    serializer_class = ShareApplicationSerializer
    filterset_class = ShareApplicationFilter
    filter_backends = SELECTOR_FILTER_BACKENDS
    search_fields = ["number", "business_matter"]
    ordering_fields = ["created_at", "current_due_on", "submitted_at"]

    def get_queryset(self) -> Any:
        qs = selectors.share_application_list(user=self.request.user,
                                              filters=self.request.query_params if self.action == "list" else None)
        return qs.prefetch_related("steps") if self.action == "retrieve" else qs

    def get_serializer_class(self) -> Any:
        return ShareApplicationDetailSerializer if self.action == "retrieve" else ShareApplicationSerializer

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        unit, entries, items = data.pop("applicant_unit"), data.pop("entries"), data.pop("data_items")
        serializer.instance = services.share_application_create(
            applicant_unit=unit, entries=entries, data_items=items, acting_user=self.request.user, **data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("applicant_unit", None)
        serializer.instance = services.share_application_update(
            application=serializer.instance, acting_user=self.request.user, entries=data.pop("entries", None),
            data_items=data.pop("data_items", None), **data)

    @extend_schema(request=OpinionSerializer, responses={201: OpinionResultSerializer})
    @action(detail=True, methods=["post"])
    def opinion(self, request: Any, pk: Any = None) -> Response:
        """A producer's joint-review opinion."""
        app = self.get_object()
        body = OpinionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        op = services.producer_opinion_give(application=app, acting_user=request.user, **body.validated_data)
        return Response({"id": op.pk, "agrees": op.agrees}, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={201: ShareApplicationSerializer})
    @action(detail=True, methods=["post"])
    def resubmit(self, request: Any, pk: Any = None) -> Response:
        new = services.share_application_resubmit(application=self.get_object(), acting_user=request.user)
        return Response(ShareApplicationSerializer(new).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=OverdueStepSerializer(many=True))
    @action(detail=False, methods=["get"], filter_backends=[])
    def overdue(self, request: Any) -> Response:
        """Open steps past their due date (the authority's overdue board)."""
        page = self.paginate_queryset(selectors.overdue_step_list(request.user))
        return self.get_paginated_response(OverdueStepSerializer(page, many=True).data)

    @extend_schema(
        parameters=[OpenApiParameter("month", str, description="YYYY-MM，默认上月"),
                    OpenApiParameter("format", str, enum=["json", "xlsx"], description="xlsx：下载 Excel")],
        responses={(200, "application/json"): AssessmentSerializer, (200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None,
            renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, XlsxRenderer])
    def assessment(self, request: Any) -> Any:
        """Per-unit monthly assessment (``?month=YYYY-MM``; ``&format=xlsx`` for Excel)."""
        decision = permissions.can_view_assessment(request.user)
        if not decision:
            raise PermissionDenied(decision.reason)
        month = assessment.month_param(request.query_params.get("month"))
        rows = assessment.unit_month_rows(request.user, month)
        if request.query_params.get("format") == "xlsx":
            return xlsx_response(f"共享考核-{month:%Y-%m}.xlsx", [exports.assessment_sheet(rows, month)])
        return Response(AssessmentSerializer({"month": f"{month:%Y-%m}", "rows": rows}).data)
