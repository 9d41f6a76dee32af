"""Collection tasks (submit through the API) and submissions (their ``download_url`` is the kernel file download)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from catalogs import services
from catalogs.api.entries import scoped_object
from catalogs.api.serializers import CatalogPushSerializer, CatalogSubmissionSerializer, CatalogTaskSerializer
from catalogs.filters import SubmissionFilter, TaskFilter
from catalogs.permissions import CollectionSubmissionPolicy, CollectionTaskPolicy
from catalogs.selectors import submission_list, task_list
from portal.api.permissions import ScopedViewSetMixin


class TaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """采集任务; POST …/{id}/submit/ with a file (multipart) or {"columns": [...], "rows": [[...]]}."""

    policy = CollectionTaskPolicy()
    serializer_class = CatalogTaskSerializer
    filterset_class = TaskFilter

    def get_queryset(self) -> Any:
        return task_list(user=self.request.user)

    @extend_schema(request={"application/json": CatalogPushSerializer, "multipart/form-data": CatalogPushSerializer},
                   responses={201: CatalogSubmissionSerializer, 400: OpenApiResponse(
                       OpenApiTypes.OBJECT, description="文件可读但不合格时为报送记录（含校验结果）；"
                       "文件无法读取、含公式或重复列名等时为字段错误（不留报送记录）。")})
    @action(detail=True, methods=["post"], serializer_class=CatalogPushSerializer)
    def submit(self, request: Request, pk: Any = None) -> Response:
        task = scoped_object(self)
        upload = request.FILES.get("file")
        if upload is not None:
            sub = services.collection_submit(task=task, acting_user=request.user, file=upload,
                                             file_name=upload.name)
        else:
            sub = services.collection_submit(task=task, acting_user=request.user,
                                             columns=request.data.get("columns") or [],
                                             rows=request.data.get("rows") or [])
        code = status.HTTP_201_CREATED if sub.is_accepted else status.HTTP_400_BAD_REQUEST
        return Response(CatalogSubmissionSerializer(sub).data, status=code)


class SubmissionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """采集报送记录 (read-only); ``download_url`` streams the stored file to those allowed to download it."""

    policy = CollectionSubmissionPolicy()
    serializer_class = CatalogSubmissionSerializer
    filterset_class = SubmissionFilter

    def get_queryset(self) -> Any:
        return submission_list(user=self.request.user)
