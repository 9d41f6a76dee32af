"""Catalog entries over the API: scoped reads, writes and the lifecycle through the same services as the admin."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
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
)
from catalogs.filters import EntryFilter
from catalogs.models import CatalogEntry
from catalogs.permissions import CatalogEntryPolicy, can_view_details, is_staff_reader
from catalogs.selectors import entry_list
from catalogs.workflow import ENTRY
from portal.api.permissions import ScopedViewSetMixin
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints
from portal.params import parse_int


def scoped_object(view: Any) -> Any:
    """The object of an action: must be in the user's scope (404 otherwise); the service checks the role."""
    return get_object_or_404(view.get_queryset(), pk=view.kwargs["pk"])


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]] | None:
    value = data.pop(key, None)
    return None if value is None else [dict(v) for v in value]


@workflow_endpoints
class EntryViewSet(WorkflowViewMixin, ScopedViewSetMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
                   viewsets.ReadOnlyModelViewSet):
    """政务数据资源目录: list/detail (filters unit, share type, open type, status, frequency, text); POST creates a
    draft of the caller's unit; PUT/PATCH edits a draft/returned/revising entry; POST …/{id}/submit|publish|return|
    revise|request_retire|retire/ runs the lifecycle (``{"reason": "…"}`` where required); GET …/{id}/diff/?old=&new=
    compares two published versions."""

    policy = CatalogEntryPolicy()
    workflow = ENTRY  # POST …/{id}/submit|publish|return|revise|request_retire|retire/ and GET …/{id}/steps/
    serializer_class = CatalogEntrySerializer
    filterset_class = EntryFilter
    search_fields = ["title", "description", "code"]
    ordering_fields = ["code", "title", "quality_score", "published_at"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return entry_list(user=self.request.user)

    def get_serializer_class(self) -> Any:
        if self.action in ("create", "update", "partial_update"):
            return CatalogEntryWriteSerializer
        return CatalogEntrySerializer

    def _read(self, entry: CatalogEntry, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=entry.pk)
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

    @extend_schema(responses=CatalogEntryDiffSerializer, parameters=[
        OpenApiParameter("old", int, required=True, description="旧版本号"),
        OpenApiParameter("new", int, required=True, description="新版本号")])
    @action(detail=True, methods=["get"])
    def diff(self, request: Request, pk: Any = None) -> Response:
        """版本差异: GET …/{id}/diff/?old=1&new=2 — field-by-field changes between two published versions
        (government staff only; 404 outside the caller's scope; 403 for 暂不共享 entries of other units)."""
        entry = scoped_object(self)
        if not is_staff_reader(request.user):
            raise PermissionDenied("只有政务人员可以查看目录版本差异。")
        if not can_view_details(request.user, entry):
            raise PermissionDenied("该目录为“暂不共享”，不能查看版本差异。")
        old = parse_int(request.query_params.get("old"), name="old")
        new = parse_int(request.query_params.get("new"), name="new")
        if old is None or new is None:
            raise ValidationError("请用 old 和 new 两个参数指定要比较的版本号（整数）。")
        changes = services.entry_version_diff(entry=entry, old_number=old, new_number=new)
        return Response({"entry": entry.pk, "code": entry.code, "old": old, "new": new,
                         "changes": [{"field": c.field, "label": c.label, "old": c.old, "new": c.new}
                                     for c in changes]})
