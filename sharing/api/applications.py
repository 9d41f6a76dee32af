"""API for share applications: list/read, create and edit drafts, workflow steps, overdue board, assessment."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.permissions import ScopedViewSetMixin
from portal.permissions import user_scope
from portal.roles import Role
from portal.xlsx import xlsx_response
from sharing import assessment, exports, permissions, selectors, services
from sharing.api.mixins import ServiceActionsMixin
from sharing.api.serializers import (
    ActionSerializer,
    OpinionSerializer,
    ShareApplicationDetailSerializer,
    ShareApplicationSerializer,
    StepSerializer,
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

    @action(detail=True, methods=["post"])
    def opinion(self, request: Any, pk: Any = None) -> Response:
        """A producer's joint-review opinion."""
        app = self.get_object()
        body = OpinionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        op = services.producer_opinion_give(application=app, acting_user=request.user, **body.validated_data)
        return Response({"id": op.pk, "agrees": op.agrees}, status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def resubmit(self, request: Any, pk: Any = None) -> Response:
        new = services.share_application_resubmit(application=self.get_object(), acting_user=request.user)
        return Response(ShareApplicationSerializer(new).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["get"])
    def overdue(self, request: Any) -> Response:
        """Open steps past their due date (the authority's overdue board)."""
        steps = selectors.overdue_step_list(request.user)
        page = self.paginate_queryset(steps)
        data = [{**StepSerializer(s).data, "application": s.share_application.number if s.share_application
                 else s.open_application.number} for s in page]
        return self.get_paginated_response(data)

    @action(detail=False, methods=["get"])
    def assessment(self, request: Any) -> Any:
        """Per-unit monthly assessment (``?month=YYYY-MM``; ``&format=xlsx`` for Excel)."""
        scope = user_scope(request.user)
        if not scope.has_role(Role.CITY_AUTHORITY, Role.AUDITOR, Role.COUNTY_AUTHORITY):
            raise PermissionDenied("只有数据管理机构和审计人员可以查看考核评估。")
        month = assessment.parse_month(request.query_params.get("month", "")) or assessment.previous_month(today())
        rows = assessment.unit_month_rows(request.user, month)
        if request.query_params.get("format") == "xlsx":
            return xlsx_response(f"共享考核-{month:%Y-%m}.xlsx", [exports.assessment_sheet(rows, month)])
        return Response({"month": f"{month:%Y-%m}", "rows": [
            {"unit": r.unit.code, "unit_name": r.unit.name, "steps_due": r.steps_due,
             "steps_on_time": r.steps_on_time, "opinions_due": r.opinions_due,
             "opinions_on_time": r.opinions_on_time, "on_time_rate": r.on_time_rate,
             "avg_workdays": r.avg_workdays, "corrections_due": r.corrections_due,
             "corrections_on_time": r.corrections_on_time, "completeness": r.completeness,
             "quality_avg": r.quality_avg} for r in rows]})
