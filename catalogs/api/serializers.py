"""Serializers of the catalogs API (names prefixed ``Catalog`` so the OpenAPI schema has no clashes)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from catalogs.models import (
    CatalogEntry,
    Classification,
    CollectionSubmission,
    CollectionTask,
    DataCorrection,
    DataItem,
    DataType,
    Grade,
    InterfaceKind,
    InterfaceOrigin,
    InterfaceRequest,
    ServiceInterface,
)
from catalogs.permissions import can_view_details
from catalogs.services import entry_available_transitions
from catalogs.services.entries import ENTRY_FIELDS
from portal.api.fields import DownloadLinkField, ProvisionalDatesMixin
from portal.models import Organization


# --------------------------------------------------------------------------------------------- entries (read)
class CatalogDataItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = DataItem
        fields = ["id", "name", "data_type", "description", "is_personal_info"]


class CatalogInterfaceSerializer(serializers.ModelSerializer):
    class Meta:
        model = ServiceInterface
        fields = ["id", "name", "kind", "origin", "endpoint", "spec", "call_instructions"]


class CatalogEntrySerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    source_unit = serializers.CharField(source="source_unit.name", read_only=True)
    source_unit_code = serializers.CharField(source="source_unit.code", read_only=True)
    items = CatalogDataItemSerializer(many=True, read_only=True)
    interfaces = CatalogInterfaceSerializer(many=True, read_only=True)
    share_type_display = serializers.CharField(source="get_share_type_display", read_only=True)
    open_type_display = serializers.CharField(source="get_open_type_display", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_restricted = serializers.SerializerMethodField()
    available_actions = serializers.SerializerMethodField(help_text="当前用户现在可执行的流程操作")

    RESTRICTED_FIELDS = ("id", "code", "title", "source_unit", "source_unit_code", "share_type",
                         "share_type_display", "is_restricted")

    class Meta:
        model = CatalogEntry
        fields = ["id", "code", "title", "description", "source_unit", "source_unit_code", "level", "status",
                  "status_display", "share_type", "share_type_display", "share_conditions", "share_scope",
                  "legal_basis", "open_type", "open_type_display", "open_conditions", "has_personal_info",
                  "has_trade_secret", "update_frequency", "aggregation_mode", "no_aggregation_reason", "doc_kind",
                  "base_category", "data_format", "keywords", "version", "published_at", "review_due_on",
                  "return_reason", "retire_requested_at", "retire_reason", "quality_score", "quality", "items",
                  "interfaces", "is_restricted", "available_actions"]

    def get_is_restricted(self, obj: CatalogEntry) -> bool:
        return not can_view_details(self.context["request"].user, obj)

    def get_available_actions(self, obj: CatalogEntry) -> list[str]:
        return entry_available_transitions(self.context["request"].user, obj)

    def to_representation(self, obj: CatalogEntry) -> dict[str, Any]:
        data = super().to_representation(obj)
        if data["is_restricted"]:  # 可用不可见: only title and source unit
            return {k: data[k] for k in self.RESTRICTED_FIELDS}
        return data


class CatalogEntrySchema(OpenApiSerializerExtension):
    """In the OpenAPI schema only the fields of a restricted (可用不可见) entry are required; the others are present
    when ``is_restricted`` is false."""

    target_class = CatalogEntrySerializer

    def map_serializer(self, auto_schema: Any, direction: Any) -> Any:
        schema = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        schema["required"] = list(CatalogEntrySerializer.RESTRICTED_FIELDS)
        return schema


class CatalogFieldChangeSerializer(serializers.Serializer):
    field = serializers.CharField()
    label = serializers.CharField()
    old = serializers.JSONField(allow_null=True)
    new = serializers.JSONField(allow_null=True)


class CatalogEntryDiffSerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    code = serializers.CharField()
    old = serializers.IntegerField(help_text="旧版本号")
    new = serializers.IntegerField(help_text="新版本号")
    changes = CatalogFieldChangeSerializer(many=True)


# --------------------------------------------------------------------------------------------- entries (write)
class CatalogItemWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    data_type = serializers.ChoiceField(choices=DataType.choices, default=DataType.STRING)
    description = serializers.CharField(allow_blank=True, required=False, default="")
    is_personal_info = serializers.BooleanField(required=False, default=False)
    element_code = serializers.CharField(allow_blank=True, required=False, default="", max_length=64,
                                         help_text="数据元编码（一数一源登记）；他单位已登记的编码会被拒绝")


class CatalogInterfaceWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    kind = serializers.ChoiceField(choices=InterfaceKind.choices, default=InterfaceKind.DATA_QUERY)
    origin = serializers.ChoiceField(choices=InterfaceOrigin.choices, default=InterfaceOrigin.PRODUCER)
    endpoint = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)
    spec = serializers.CharField(allow_blank=True, required=False, default="")
    call_instructions = serializers.CharField(allow_blank=True, required=False, default="")


class CatalogEntryWriteSerializer(serializers.ModelSerializer):
    """Create (POST) or edit (PUT/PATCH) a draft, returned or revising entry; ``items``/``interfaces`` replace the
    lists (omitted = unchanged on PATCH). ``code`` and ``source_unit`` are fixed after creation."""

    source_unit = serializers.SlugRelatedField(slug_field="code", queryset=Organization.objects.all(),
                                               help_text="数源单位编码")
    classification = serializers.SlugRelatedField(slug_field="code", queryset=Classification.objects.all(),
                                                  required=False, allow_null=True)
    grade = serializers.SlugRelatedField(slug_field="code", queryset=Grade.objects.all(), required=False,
                                         allow_null=True)
    items = CatalogItemWriteSerializer(many=True, required=False)
    interfaces = CatalogInterfaceWriteSerializer(many=True, required=False)

    class Meta:
        model = CatalogEntry
        fields = ["code", "source_unit", *ENTRY_FIELDS, "items", "interfaces"]
        extra_kwargs = {"code": {"validators": []}}  # uniqueness is the service's (Chinese message)

    def get_fields(self) -> dict[str, Any]:
        fields = super().get_fields()
        if self.instance is not None:
            fields["code"].read_only = True
            fields["source_unit"].read_only = True
        return fields


# --------------------------------------------------------------------------------------------- collection
class CatalogSubmissionSerializer(serializers.ModelSerializer):
    download_url = DownloadLinkField(source="file", read_only=True)

    class Meta:
        model = CollectionSubmission
        fields = ["id", "task", "channel", "file_name", "row_count", "columns", "missing_columns", "extra_columns",
                  "is_accepted", "message", "submitted_at", "download_url"]


class CatalogTaskSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    item = serializers.CharField(source="item.name", read_only=True)
    fields_declared = serializers.ListField(source="item.fields", read_only=True)
    unit = serializers.CharField(source="unit.name", read_only=True)
    deadline_note = serializers.CharField(read_only=True, help_text="截止日如何得出（顺延、补报）")

    class Meta:
        model = CollectionTask
        fields = ["id", "item", "fields_declared", "unit", "period", "period_start_on", "period_end_on",
                  "nominal_due_on", "due_on", "deadline_note", "status", "is_initial_load", "is_catch_up",
                  "submitted_at"]


class CatalogPushSerializer(serializers.Serializer):
    columns = serializers.ListField(child=serializers.CharField(), required=False)
    rows = serializers.ListField(child=serializers.ListField(), required=False)
    file = serializers.FileField(required=False)


# --------------------------------------------------------------------------------------------- corrections
class CatalogCorrectionSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=CatalogEntry.objects.all())

    class Meta:
        model = DataCorrection
        fields = ["id", "entry", "source_unit", "reporter_unit", "description", "status", "reported_on",
                  "analysis_due_on", "analysis", "dispatched_on", "decide_due_on", "decided_on", "decision_reason",
                  "correct_due_on", "corrected_on", "correction_note", "is_analysis_late", "is_decision_late",
                  "is_correction_late"]
        read_only_fields = [f for f in fields if f not in ("entry", "description")]


# --------------------------------------------------------------------------------------------- interface requests
class CatalogInterfaceRequestCreateSerializer(serializers.Serializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=CatalogEntry.objects.all())
    description = serializers.CharField()


class CatalogInterfaceRequestSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    producer_unit = serializers.CharField(source="producer_unit.name", read_only=True)

    class Meta:
        model = InterfaceRequest
        fields = ["id", "entry", "producer_unit", "description", "status", "requested_on", "original_due_on",
                  "due_on", "has_extension_request", "extension_workdays", "extension_reason",
                  "is_extension_approved", "extension_decision_note", "delivered_on", "delivered_name",
                  "delivered_kind", "producer_endpoint", "platform_endpoint", "rewrapped_on", "published_version",
                  "delivered_interface", "is_late", "is_overdue", "overdue_flagged_on"]
        read_only_fields = fields
