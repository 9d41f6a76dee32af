"""Catalog entries over the API: scoped reads, writes and the lifecycle through the same services as the admin."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalogs import services
from catalogs.api.serializers import (
    CatalogEntryDiffSerializer,
    CatalogEntrySerializer,
    CatalogEntryWriteSerializer,
    CatalogReasonSerializer,
)
from catalogs.models import CatalogEntry, DataItem, ServiceInterface
from catalogs.permissions import CatalogEntryPolicy, can_view_details
from portal.api.permissions import ScopedViewSetMixin
from portal.permissions import user_scope


def scoped_object(view: Any) -> Any:
    """The object of a workflow action: must be in the user's scope (404 otherwise); the service checks the role."""
    return get_object_or_404(view.get_queryset(), pk=view.kwargs["pk"])


class EntryFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(field_name="source_unit__code", label="数源单位编码")
    text = django_filters.CharFilter(method="filter_text", label="全文")

    class Meta:
        model = CatalogEntry
        fields = ["share_type", "open_type", "status", "update_frequency", "level", "base_category"]

    def filter_text(self, qs: Any, name: str, value: str) -> Any:
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value) | Q(code__icontains=value)
                         | Q(keywords__icontains=value))


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    value = data.pop(key, None)
    return None if value is None else [dict(v) for v in value]


class EntryViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                   viewsets.ReadOnlyModelViewSet):
    """政务数据资源目录: list/detail (filters unit, share type, open type, status, frequency, text); POST creates a
    draft of the caller's unit; PUT/PATCH edits a draft/returned/revising entry; POST …/{id}/submit|publish|return|
    revise|request_retire|retire/ runs the lifecycle (``{"reason": "…"}`` where required); GET …/{id}/diff/?old=&new=
    compares two published versions."""

    policy = CatalogEntryPolicy()
    base_queryset = CatalogEntry.objects.select_related("source_unit").prefetch_related(
        Prefetch("items", queryset=DataItem.objects.filter(retired_at__isnull=True)),
        Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True)))
    serializer_class = CatalogEntrySerializer
    filterset_class = EntryFilter
    search_fields = ["title", "description", "code"]
    ordering_fields = ["code", "title", "quality_score", "published_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "update", "partial_update"):
            return CatalogEntryWriteSerializer
        if self.action in services.TRANSITIONS or self.action == "return_entry":
            return CatalogReasonSerializer
        return CatalogEntrySerializer

    def _read(self, entry: CatalogEntry, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.base_queryset.get(pk=entry.pk)
        return Response(CatalogEntrySerializer(fresh, context=self.get_serializer_context()).data, status=code)

    @extend_schema(responses={201: CatalogEntrySerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        items, interfaces = _items(data, "items"), _items(data, "interfaces")
        entry = services.entry_create(source_unit=data.pop("source_unit"), code=data.pop("code"),
                                      title=data.pop("title"), acting_user=request.user, items=items,
                                      interfaces=interfaces, **data)
        return self._read(entry, status.HTTP_201_CREATED)

    @extend_schema(responses=CatalogEntrySerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        entry = self.get_object()  # scoped (404) and policy.can_change → can_edit_entry (403 with the reason)
        ser = self.get_serializer(entry, data=request.data, partial=kwargs.get("partial", False))
        ser.is_valid(raise_exception=True)
        data = dict(ser.validated_data)
        items, interfaces = _items(data, "items"), _items(data, "interfaces")
        entry = services.entry_update(entry=entry, acting_user=request.user, items=items, interfaces=interfaces,
                                      **data)
        return self._read(entry)

    @extend_schema(responses=CatalogEntrySerializer)
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().partial_update(request, *args, **kwargs)

    def _transition(self, request: Request, name: str) -> Response:
        entry = scoped_object(self)
        ser = CatalogReasonSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry = services.entry_transition(entry=entry, action=name, acting_user=request.user,
                                          reason=ser.validated_data["reason"])
        return self._read(entry)

    @extend_schema(responses=CatalogEntrySerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: Any = None) -> Response:
        """提交审核 (source unit's data administrator)."""
        return self._transition(request, "submit")

    @extend_schema(responses=CatalogEntrySerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: Any = None) -> Response:
        """审核发布 (city authority for city entries, the county's authority for county entries)."""
        return self._transition(request, "publish")

    @extend_schema(responses=CatalogEntrySerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_entry(self, request: Request, pk: Any = None) -> Response:
        """退回修改 with a reason (the approving authority)."""
        return self._transition(request, "return")

    @extend_schema(responses=CatalogEntrySerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request: Request, pk: Any = None) -> Response:
        """发起修订 of a published entry (source unit)."""
        return self._transition(request, "revise")

    @extend_schema(responses=CatalogEntrySerializer)
    @action(detail=True, methods=["post"])
    def request_retire(self, request: Request, pk: Any = None) -> Response:
        """申请停用 with a reason (source unit)."""
        return self._transition(request, "request_retire")

    @extend_schema(responses=CatalogEntrySerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pk: Any = None) -> Response:
        """批准停用 with a reason (the approving authority)."""
        return self._transition(request, "retire")

    @extend_schema(responses=CatalogEntryDiffSerializer, parameters=[
        OpenApiParameter("old", int, required=True, description="旧版本号"),
        OpenApiParameter("new", int, required=True, description="新版本号")])
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: Any = None) -> Response:
        """版本差异: GET …/{id}/diff/?old=1&new=2 — field-by-field changes between two published versions
        (government staff only; 404 outside the caller's scope; 403 for 暂不共享 entries of other units)."""
        entry = scoped_object(self)
        if not user_scope(request.user).is_staff_member and not request.user.is_superuser:
            raise PermissionDenied("只有政务人员可以查看目录版本差异。")
        if not can_view_details(request.user, entry):
            raise PermissionDenied("该目录为“暂不共享”，不能查看版本差异。")
        try:
            old, new = int(request.query_params["old"]), int(request.query_params["new"])
        except (KeyError, ValueError):
            raise ValidationError("请用 old 和 new 两个参数指定要比较的版本号（整数）。") from None
        changes = services.entry_version_diff(entry=entry, old_number=old, new_number=new)
        return Response({"entry": entry.pk, "code": entry.code, "old": old, "new": new,
                         "changes": [{"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                                     for c in changes]})
