"""Data corrections (QZ §七) and interface provision requests (QZ §二(三)) over the API."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalogs import services
from catalogs.api.entries import scoped_object
from catalogs.api.serializers import (
    CatalogCorrectionCompleteSerializer,
    CatalogCorrectionDecisionSerializer,
    CatalogCorrectionSerializer,
    CatalogDeliverySerializer,
    CatalogDispatchSerializer,
    CatalogExtensionDecisionSerializer,
    CatalogExtensionRequestSerializer,
    CatalogInterfaceRequestCreateSerializer,
    CatalogInterfaceRequestSerializer,
)
from catalogs.models import CatalogEntry, DataCorrection, InterfaceRequest
from catalogs.permissions import CatalogEntryPolicy, DataCorrectionPolicy, InterfaceRequestPolicy
from portal.api.permissions import ScopedViewSetMixin


def _visible_entry(request: Request, entry: CatalogEntry) -> CatalogEntry | None:
    return CatalogEntryPolicy().scope(request.user, CatalogEntry.objects.filter(pk=entry.pk)).select_related(
        "source_unit").first()


class CorrectionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """数据纠错: POST to report; …/dispatch_to_source/ (analysis), …/decide/ (will_correct, reason), …/complete/."""

    policy = DataCorrectionPolicy()
    base_queryset = DataCorrection.objects.select_related("entry", "source_unit", "reporter_unit")
    serializer_class = CatalogCorrectionSerializer
    filterset_fields = ["status", "source_unit", "reporter_unit"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry = _visible_entry(request, ser.validated_data["entry"])
        if entry is None:
            return Response({"detail": "目录不存在或无权查看。"}, status=status.HTTP_404_NOT_FOUND)
        obj = services.correction_report(entry=entry, description=ser.validated_data["description"],
                                         acting_user=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Request, func: Any, body: type[serializers.Serializer]) -> Response:
        data = body(data=request.data)
        data.is_valid(raise_exception=True)
        obj = func(correction=scoped_object(self), acting_user=request.user, **data.validated_data)
        return Response(CatalogCorrectionSerializer(obj).data)

    @extend_schema(request=CatalogDispatchSerializer, responses=CatalogCorrectionSerializer)
    @action(detail=True, methods=["post"])
    def dispatch_to_source(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.correction_dispatch, CatalogDispatchSerializer)

    @extend_schema(request=CatalogCorrectionDecisionSerializer, responses=CatalogCorrectionSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.correction_decide, CatalogCorrectionDecisionSerializer)

    @extend_schema(request=CatalogCorrectionCompleteSerializer, responses=CatalogCorrectionSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.correction_complete, CatalogCorrectionCompleteSerializer)


class InterfaceRequestViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """接口提供要求: POST {entry, description} (data authority; due in 10 wd); …/request_extension/ {reason,
    workdays ≤ 5} and …/deliver/ {name, endpoint, spec, call_instructions} (producer); …/decide_extension/
    {approve, note} (authority)."""

    policy = InterfaceRequestPolicy()
    base_queryset = InterfaceRequest.objects.select_related("producer_unit", "entry")
    serializer_class = CatalogInterfaceRequestSerializer
    filterset_fields = ["status", "is_late", "is_overdue", "producer_unit"]

    def get_serializer_class(self) -> Any:
        return {"create": CatalogInterfaceRequestCreateSerializer,
                "request_extension": CatalogExtensionRequestSerializer,
                "decide_extension": CatalogExtensionDecisionSerializer,
                "deliver": CatalogDeliverySerializer}.get(self.action, CatalogInterfaceRequestSerializer)

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

    def _step(self, request: Request, func: Any) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        obj = func(request=scoped_object(self), acting_user=request.user, **ser.validated_data)
        return Response(CatalogInterfaceRequestSerializer(obj).data)

    @extend_schema(responses=CatalogInterfaceRequestSerializer)
    @action(detail=True, methods=["post"])
    def request_extension(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.interface_request_extension_request)

    @extend_schema(responses=CatalogInterfaceRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide_extension(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.interface_request_extension_decide)

    @extend_schema(responses=CatalogInterfaceRequestSerializer)
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, pk: Any = None) -> Response:
        return self._step(request, services.interface_request_deliver)
