"""API for share applications: list/read, create and edit drafts, workflow steps, overdue board, assessment."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.settings import api_settings

from portal.api.permissions import ScopedViewSetMixin
from portal.api.renderers import XlsxRenderer
from portal.permissions import user_scope
from portal.roles import Role
from portal.xlsx import XLSX_CONTENT_TYPE, xlsx_response
from sharing import assessment, exports, permissions, selectors, services
from sharing.api.mixins import ServiceActionsMixin
from sharing.api.serializers import (
    ActionSerializer,
    AssessmentSerializer,
    OpinionResultSerializer,
    OpinionSerializer,
    OverdueStepSerializer,
    ShareApplicationDetailSerializer,
    ShareApplicationSerializer,
)
from sharing.models import (
    ShareApplication,
)
from sharing.workflow import TRANSITIONS, today


class ShareApplicationFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")

    class Meta:
        model = ShareApplication
        fields = {"status": ["exact", "in"], "service_mode": ["exact"], "share_type": ["exact"], "route": ["exact"],
                  "kind": ["exact"], "applicant_unit": ["exact"]}

    def filter_overdue(self, qs: Any, name: str, value: bool) -> Any:
        return qs.filter(current_due_on__lt=today()) if value else qs.exclude(current_due_on__lt=today())


class ShareApplicationViewSet(ServiceActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                              viewsets.ReadOnlyModelViewSet):
    """数据共享申请: list/read what you may see; create and edit drafts; take workflow steps."""

    policy = permissions.ShareApplicationPolicy()
    service_actions = frozenset({"act", "opinion", "resubmit"})
    base_queryset = ShareApplication.objects.select_related("applicant_unit").prefetch_related("entries",
                                                                                                "data_items")
    filterset_class = ShareApplicationFilter
    search_fields = ["number", "business_matter"]
    ordering_fields = ["created_at", "current_due_on", "submitted_at"]

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
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

    @extend_schema(request=ActionSerializer, responses=ShareApplicationSerializer, parameters=[
        OpenApiParameter("name", str, OpenApiParameter.PATH, enum=sorted(TRANSITIONS), description="办理操作")])
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def act(self, request: Any, pk: Any = None, name: str = "") -> Response:
        """Take a workflow step: ``name`` is one of the transitions (submit, assess_reasonable, confirm, …)."""
        if name not in TRANSITIONS:
            return Response({"detail": f"未知的办理操作：{name}"}, status=status.HTTP_404_NOT_FOUND)
        app = self.get_object()
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        app = services.share_application_act(application=app, action=name, acting_user=request.user, **data)
        return Response(ShareApplicationSerializer(app).data)

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
        scope = user_scope(request.user)
        if not scope.has_role(Role.CITY_AUTHORITY, Role.AUDITOR, Role.COUNTY_AUTHORITY):
            raise PermissionDenied("只有数据管理机构和审计人员可以查看考核评估。")
        month = assessment.parse_month(request.query_params.get("month", "")) or assessment.previous_month(today())
        rows = assessment.unit_month_rows(request.user, month)
        if request.query_params.get("format") == "xlsx":
            return xlsx_response(f"共享考核-{month:%Y-%m}.xlsx", [exports.assessment_sheet(rows, month)])
        return Response(AssessmentSerializer({"month": f"{month:%Y-%m}", "rows": rows}).data)
