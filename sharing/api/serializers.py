"""Serializers of the sharing API (names are part of the OpenAPI schema: keep them stable)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from catalogs.models import CatalogEntry, DataItem, EntryStatus
from portal.api.fields import DownloadLinkField, ProvisionalDatesMixin
from portal.models import Enterprise, Organization
from sharing.models import (
    Authorization,
    AuthorizationEvent,
    DataUseRecord,
    InterfaceKind,
    MisuseKind,
    OpenDataApplication,
    OpenDataGrant,
    Route,
    ShareApplication,
    ShareType,
    WebhookEvent,
    WebhookSubscription,
    WorkflowStep,
)
from sharing.services.applications import EDITABLE_FIELDS


class EntryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogEntry
        fields = ["id", "code", "title", "share_type", "source_unit"]


class StepSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = WorkflowStep
        fields = ["state", "state_label", "actor", "responsible_unit", "started_on", "due_on", "is_statutory",
                  "finished_on", "action", "action_label", "opinion", "is_late"]


class ShareApplicationSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    applicant_unit = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    share_type = serializers.ChoiceField(choices=ShareType.choices, allow_blank=True, read_only=True,
                                         help_text="提交前为空")
    route = serializers.ChoiceField(choices=Route.choices, allow_blank=True, read_only=True, help_text="提交前为空")
    entries = serializers.PrimaryKeyRelatedField(
        many=True, queryset=CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED))
    data_items = serializers.PrimaryKeyRelatedField(many=True, queryset=DataItem.objects.all())
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    requirements_doc = DownloadLinkField(required=False, help_text="需求说明：上传文件；读取时为下载地址")
    technical_plan = DownloadLinkField(required=False, help_text="技术方案：上传文件；读取时为下载地址")

    class Meta:
        model = ShareApplication
        fields = ["id", "number", "kind", "applicant_unit", "entries", "data_items", *[
            f for f in EDITABLE_FIELDS if f != "kind"], "share_type", "route", "status", "status_display",
            "submitted_at", "is_deemed_stamped", "current_step_started_on", "current_due_on", "is_statutory_due",
            "is_overdue", "rejection_policy_basis", "rejection_reason", "adjustment_note", "agreement_reference",
            "filed_with_city_at", "filed_with_authority_at", "forwarded_at", "previous_application", "created_at"]
        read_only_fields = ["number", "share_type", "route", "status", "submitted_at", "is_deemed_stamped",
                            "current_step_started_on", "current_due_on", "is_statutory_due", "rejection_policy_basis",
                            "rejection_reason", "adjustment_note", "agreement_reference", "filed_with_city_at",
                            "filed_with_authority_at", "forwarded_at", "previous_application", "created_at"]


class ShareApplicationDetailSerializer(ShareApplicationSerializer):
    steps = StepSerializer(many=True, read_only=True)

    class Meta(ShareApplicationSerializer.Meta):
        fields = [*ShareApplicationSerializer.Meta.fields, "steps"]


class OverdueStepSerializer(StepSerializer):
    application = serializers.SerializerMethodField(help_text="申请编号")

    class Meta(StepSerializer.Meta):
        fields = [*StepSerializer.Meta.fields, "application"]

    def get_application(self, step: WorkflowStep) -> str:
        return (step.share_application or step.open_application).number


class AssessmentRowSerializer(serializers.Serializer):
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    steps_due = serializers.IntegerField()
    steps_on_time = serializers.IntegerField()
    opinions_due = serializers.IntegerField()
    opinions_on_time = serializers.IntegerField()
    on_time_rate = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True,
                                            help_text="按时办结率（%）")
    avg_workdays = serializers.DecimalField(max_digits=6, decimal_places=1, coerce_to_string=False, allow_null=True)
    corrections_due = serializers.IntegerField()
    corrections_on_time = serializers.IntegerField()
    completeness = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True,
                                            help_text="目录发布完整率（%）")
    quality_avg = serializers.DecimalField(max_digits=4, decimal_places=1, coerce_to_string=False, allow_null=True)


class AssessmentSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    rows = AssessmentRowSerializer(many=True)


class OpinionResultSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agrees = serializers.BooleanField()








class OpinionSerializer(serializers.Serializer):
    producer_unit = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    agrees = serializers.BooleanField()
    opinion = serializers.CharField()


class AuthorizationSerializer(serializers.ModelSerializer):
    interface_kind = serializers.ChoiceField(choices=InterfaceKind.choices, allow_blank=True, read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    consumer_unit_code = serializers.CharField(source="consumer_unit.code", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    is_usable = serializers.BooleanField(read_only=True)
    events = serializers.SerializerMethodField()

    class Meta:
        model = Authorization
        fields = ["id", "number", "application", "application_number", "consumer_unit", "consumer_unit_code",
                  "service_mode", "interface_kind", "share_type", "valid_from_on", "valid_until_on", "status",
                  "status_display", "is_usable", "status_changed_at", "status_reason", "renewed_from",
                  "scope_snapshot", "entries", "data_items", "events"]
        read_only_fields = fields

    def get_events(self, obj: Any) -> list[dict[str, Any]]:
        """The append-only status history (read-only)."""
        return AuthorizationEventSerializer(obj.events.all(), many=True).data




class UsageRecordSerializer(serializers.ModelSerializer):
    authorization = serializers.CharField(help_text="授权编号或 id")

    class Meta:
        model = DataUseRecord
        fields = ["id", "authorization", "unit", "purpose", "user_name", "approver_name", "data_content",
                  "acquired_at", "acquisition_method", "media_type", "external_id", "batch_id", "recorded_at",
                  "retain_until_on", "is_violation", "violation_note"]
        read_only_fields = ["unit", "batch_id", "recorded_at", "retain_until_on", "is_violation", "violation_note"]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["authorization"] = instance.authorization.number
        return data


class UsageBatchSerializer(serializers.Serializer):
    records = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class UsageViolationSerializer(serializers.Serializer):
    authorization = serializers.CharField(help_text="授权编号")
    external_id = serializers.CharField(help_text="单位侧记录编号")
    acquired_at = serializers.DateTimeField()
    violation_note = serializers.CharField(help_text="违规说明（暂停或终止期间使用）")


class UsageBatchResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped_external_ids = serializers.ListField(child=serializers.CharField())
    batch_id = serializers.CharField()
    violations = UsageViolationSerializer(many=True, help_text="已登记但标记为违规的记录（已通报数据管理机构）")


class UsageSkippedSerializer(serializers.Serializer):
    detail = serializers.CharField()
    skipped = serializers.ListField(child=serializers.CharField(), help_text="已登记过的记录编号")


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "authorization", "url", "events", "is_enabled", "created_at"]
        read_only_fields = ["is_enabled", "created_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(help_text="签名密钥，只在创建时返回一次")

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class OpenDataApplicationSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    entries = serializers.PrimaryKeyRelatedField(many=True, queryset=CatalogEntry.objects.all())
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = OpenDataApplication
        fields = ["id", "number", "enterprise", "entries", "purpose", "scenario", "is_commercial", "usage_method",
                  "requested_until_on", "declares_eligibility", "eligibility_status", "eligibility_verified_at",
                  "eligibility_note", "granted_until_on", "term_reason", "status", "status_display", "submitted_at",
                  "current_due_on", "assessment_opinion", "decision_note", "stop_policy_basis", "stop_reason",
                  "previous_application", "created_at"]
        read_only_fields = ["number", "status", "submitted_at", "current_due_on", "assessment_opinion",
                            "eligibility_status", "eligibility_verified_at", "eligibility_note", "granted_until_on",
                            "term_reason", "decision_note", "stop_policy_basis", "stop_reason",
                            "previous_application", "created_at"]


class AuthorizationEventSerializer(serializers.ModelSerializer):
    """Read-only: status events are append-only and written by the services."""

    misuse_kind = serializers.ChoiceField(choices=MisuseKind.choices, allow_blank=True, read_only=True)

    class Meta:
        model = AuthorizationEvent
        fields = ["event", "from_status", "to_status", "misuse_kind", "reason", "at"]
        read_only_fields = fields


class OpenDataGrantSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_usable = serializers.BooleanField(read_only=True)
    events = AuthorizationEventSerializer(many=True, read_only=True)

    class Meta:
        model = OpenDataGrant
        fields = ["id", "number", "application", "enterprise", "entries", "valid_from_on", "valid_until_on", "status",
                  "status_display", "is_usable", "status_reason", "status_changed_at", "events", "is_third_party_forbidden", "is_resale_forbidden", "is_commercial_use_allowed",
                  "must_state_source", "restrictions", "attribution_text"]
        read_only_fields = fields
