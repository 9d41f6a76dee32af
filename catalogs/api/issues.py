"""Data corrections (QZ §七) and interface provision requests (QZ §二(三)) over the API; the step endpoints are
derived from ``catalogs.workflow`` (same paths as before: …/dispatch_to_source/, …/decide/, …/complete/;
…/request_extension/, …/decide_extension/, …/deliver/)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from catalogs import services
from catalogs.api.serializers import (
    CatalogCorrectionSerializer,
    CatalogInterfaceRequestCreateSerializer,
    CatalogInterfaceRequestSerializer,
)
from catalogs.filters import CorrectionFilter, InterfaceRequestFilter
from catalogs.models import CatalogEntry
from catalogs.permissions import DataCorrectionPolicy, InterfaceRequestPolicy
from catalogs.selectors import correction_list, entry_list_visible, interface_request_list
from catalogs.workflow import CORRECTION, INTERFACE_REQUEST
from portal.api.permissions import ScopedViewSetMixin
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints


def _visible_entry(request: Request, entry: CatalogEntry) -> CatalogEntry | None:
    return entry_list_visible(request.user).filter(pk=entry.pk).first()


@workflow_endpoints
class CorrectionViewSet(WorkflowViewMixin, ScopedViewSetMixin, mixins.CreateModelMixin,
                        viewsets.ReadOnlyModelViewSet):
    """数据纠错: POST to report; …/dispatch_to_source/ {analysis}, …/decide/ {will_correct, reason},
    …/complete/ {note}; GET …/{id}/steps/."""

    policy = DataCorrectionPolicy()
    workflow = CORRECTION
    serializer_class = CatalogCorrectionSerializer
    filterset_class = CorrectionFilter

    def get_queryset(self) -> Any:
        return correction_list(user=self.request.user)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry = _visible_entry(request, ser.validated_data["entry"])
        if entry is None:
            return Response({"detail": "目录不存在或无权查看。"}, status=status.HTTP_404_NOT_FOUND)
        obj = services.correction_report(entry=entry, description=ser.validated_data["description"],
                                         acting_user=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)


@workflow_endpoints
class InterfaceRequestViewSet(WorkflowViewMixin, ScopedViewSetMixin, mixins.CreateModelMixin,
                              viewsets.ReadOnlyModelViewSet):
    """接口提供要求: POST {entry, description} (data authority; due in 10 wd); …/request_extension/ {reason,
    workdays ≤ 5} and …/deliver/ {name, kind, endpoint, spec, call_instructions} (producer); …/decide_extension/
    {approve, note} (authority); GET …/{id}/steps/."""

    policy = InterfaceRequestPolicy()
    workflow = INTERFACE_REQUEST
    serializer_class = CatalogInterfaceRequestSerializer
    filterset_class = InterfaceRequestFilter

    def get_queryset(self) -> Any:
        return interface_request_list(user=self.request.user)

    def get_serializer_class(self) -> Any:
        return CatalogInterfaceRequestCreateSerializer if self.action == "create" else CatalogInterfaceRequestSerializer

    @extend_schema(responses={201: CatalogInterfaceRequestSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry = _visible_entry(request, ser.validated_data["entry"])
        if entry is None:
            return Response({"detail": "目录不存在或无权查看。"}, status=status.HTTP_404_NOT_FOUND)
        obj = services.interface_request_create(entry=entry, description=ser.validated_data["description"],
                                                acting_user=request.user)
        return Response(CatalogInterfaceRequestSerializer(obj).data, status=status.HTTP_201_CREATED)
