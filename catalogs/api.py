"""REST API for 政务数据资源目录, mounted at /api/v1/catalogs/."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from catalogs import services
from catalogs.models import (
    CatalogEntry,
    CollectionSubmission,
    CollectionTask,
    DataCorrection,
    DataItem,
    ServiceInterface,
)
from catalogs.permissions import (
    CatalogEntryPolicy,
    CollectionSubmissionPolicy,
    CollectionTaskPolicy,
    DataCorrectionPolicy,
    can_view_details,
)
from portal.api.permissions import ScopedViewSetMixin


def scoped_object(view: Any) -> Any:
    """The object of a workflow action: must be in the user's scope (404 otherwise); the service checks the role."""
    return get_object_or_404(view.get_queryset(), pk=view.kwargs["pk"])


# --------------------------------------------------------------------------------------------- entries
class DataItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataItem
        fields = ["id", "name", "data_type", "description", "is_personal_info"]


class InterfaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceInterface
        fields = ["id", "name", "kind", "origin", "endpoint", "spec", "call_instructions"]


class EntrySerializer(serializers.ModelSerializer):
    source_unit = serializers.CharField(source="source_unit.name", read_only=True)
    source_unit_code = serializers.CharField(source="source_unit.code", read_only=True)
    items = DataItemSerializer(many=True, read_only=True)
    interfaces = InterfaceSerializer(many=True, read_only=True)
    share_type_display = serializers.CharField(source="get_share_type_display", read_only=True)
    open_type_display = serializers.CharField(source="get_open_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_restricted = serializers.SerializerMethodField()

    RESTRICTED_FIELDS = ("id", "code", "title", "source_unit", "source_unit_code", "share_type",
                         "share_type_display", "is_restricted")

    class Meta:
        model = CatalogEntry
        fields = ["id", "code", "title", "description", "source_unit", "source_unit_code", "level", "status",
                  "status_display", "share_type", "share_type_display", "share_conditions", "legal_basis",
                  "open_type", "open_type_display", "has_personal_info", "has_trade_secret", "update_frequency",
                  "aggregation_mode", "doc_kind", "base_category", "data_format", "keywords", "version",
                  "published_at", "quality_score", "quality", "items", "interfaces", "is_restricted"]

    def get_is_restricted(self, obj: CatalogEntry) -> bool:
        return not can_view_details(self.context["request"].user, obj)

    def to_representation(self, obj: CatalogEntry) -> dict[str, Any]:
        data = super().to_representation(obj)
        if data["is_restricted"]:  # 可用不可见: only title and source unit
            return {k: data[k] for k in self.RESTRICTED_FIELDS}
        return data


class EntryFilter(django_filters.FilterSet):
    unit = django_filters.CharFilter(field_name="source_unit__code", label="数源单位编码")
    text = django_filters.CharFilter(method="filter_text", label="全文")

    class Meta:
        model = CatalogEntry
        fields = ["share_type", "open_type", "status", "update_frequency", "level", "base_category"]

    def filter_text(self, qs: Any, name: str, value: str) -> Any:
        return qs.filter(Q(title__icontains=value) | Q(description__icontains=value) | Q(code__icontains=value)
                         | Q(keywords__icontains=value))


class EntryViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """政务数据资源目录: list and detail, filtered by unit, share type, open type, status, frequency, text."""

    policy = CatalogEntryPolicy()
    base_queryset = CatalogEntry.objects.select_related("source_unit").prefetch_related(
        Prefetch("items", queryset=DataItem.objects.filter(retired_at__isnull=True)),
        Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True)))
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    search_fields = ["title", "description", "code"]
    ordering_fields = ["code", "title", "quality_score", "published_at"]


# --------------------------------------------------------------------------------------------- collection
class SubmissionSerializer(serializers.ModelSerializer):
    class Meta:
        model = CollectionSubmission
        fields = ["id", "task", "channel", "file_name", "row_count", "columns", "missing_columns", "extra_columns",
                  "is_accepted", "message", "submitted_at"]


class TaskSerializer(serializers.ModelSerializer):
    item = serializers.CharField(source="item.name", read_only=True)
    fields_declared = serializers.ListField(source="item.fields", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)

    class Meta:
        model = CollectionTask
        fields = ["id", "item", "fields_declared", "unit", "period", "period_start_on", "period_end_on", "due_on",
                  "status", "submitted_at"]


class PushSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField(), required=False)
    rows = serializers.ListField(child=serializers.ListField(), required=False)
    file = serializers.FileField(required=False)


class TaskViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """采集任务; POST …/{id}/submit/ with a file (multipart) or {"columns": [...], "rows": [[...]]}."""

    policy = CollectionTaskPolicy()
    base_queryset = CollectionTask.objects.select_related("item", "unit")
    serializer_class = TaskSerializer
    filterset_fields = ["status", "period", "unit"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @action(detail=True, methods=["post"], serializer_class=PushSerializer)
    def submit(self, request: Any, pk: Any = None) -> Response:
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
        return Response(SubmissionSerializer(sub).data, status=code)


class SubmissionViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    policy = CollectionSubmissionPolicy()
    base_queryset = CollectionSubmission.objects.select_related("task")
    serializer_class = SubmissionSerializer


# --------------------------------------------------------------------------------------------- corrections
class CorrectionSerializer(serializers.ModelSerializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=CatalogEntry.objects.all())

    class Meta:
        model = DataCorrection
        fields = ["id", "entry", "source_unit", "reporter_unit", "description", "status", "reported_on",
                  "analysis_due_on", "analysis", "dispatched_on", "decide_due_on", "decided_on", "decision_reason",
                  "correct_due_on", "corrected_on", "correction_note", "is_analysis_late", "is_decision_late",
                  "is_correction_late"]
        read_only_fields = [f for f in fields if f not in ("entry", "description")]


class CorrectionViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """数据纠错: POST to report; …/dispatch/ (analysis), …/decide/ (will_correct, reason), …/complete/ (note)."""

    policy = DataCorrectionPolicy()
    base_queryset = DataCorrection.objects.select_related("entry", "source_unit", "reporter_unit")
    serializer_class = CorrectionSerializer
    filterset_fields = ["status", "source_unit", "reporter_unit"]

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        ser = self.get_serializer(data=request.data)
        ser.is_valid(raise_exception=True)
        entry = CatalogEntryPolicy().scope(request.user, CatalogEntry.objects.filter(
            pk=ser.validated_data["entry"].pk)).select_related("source_unit").first()
        if entry is None:
            return Response({"detail": "目录不存在或无权查看。"}, status=status.HTTP_404_NOT_FOUND)
        obj = services.correction_report(entry=entry, description=ser.validated_data["description"],
                                         acting_user=request.user)
        return Response(self.get_serializer(obj).data, status=status.HTTP_201_CREATED)

    def _step(self, request: Any, func: Any, **kwargs: Any) -> Response:
        obj = func(correction=scoped_object(self), acting_user=request.user, **kwargs)
        return Response(self.get_serializer(obj).data)

    @action(detail=True, methods=["post"])
    def dispatch_to_source(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, services.correction_dispatch, analysis=str(request.data.get("analysis", "")))

    @action(detail=True, methods=["post"])
    def decide(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, services.correction_decide, will_correct=bool(request.data.get("will_correct")),
                          reason=str(request.data.get("reason", "")))

    @action(detail=True, methods=["post"])
    def complete(self, request: Any, pk: Any = None) -> Response:
        return self._step(request, services.correction_complete, note=str(request.data.get("note", "")))



router = DefaultRouter()
router.register("entries", EntryViewSet, basename="catalog-entry")
router.register("tasks", TaskViewSet, basename="collection-task")
router.register("submissions", SubmissionViewSet, basename="collection-submission")
router.register("corrections", CorrectionViewSet, basename="data-correction")
urlpatterns = router.urls
