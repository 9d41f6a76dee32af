"""Serializers of the subsidies API (read shapes; writes go through services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from portal.api.fields import DownloadLinkField, ProvisionalDatesMixin
from subsidies.models import Application, Award, BudgetPool, Call, Evidence, ManualAward, PolicyDocument, Rule
from subsidies.models.matching import MatchCandidate
from subsidies.permissions import is_staff_member
from subsidies.rules import rule_facts_schema


class SubsidyPolicyDocumentSerializer(serializers.ModelSerializer):
    supersedes = serializers.SlugRelatedField(many=True, read_only=True, slug_field="doc_number")
    repeals = serializers.SlugRelatedField(many=True, read_only=True, slug_field="doc_number")

    class Meta:
        model = PolicyDocument
        fields = ["id", "doc_number", "title", "issuer", "issued_on", "effective_from", "effective_to",
                  "jurisdiction", "supersedes", "repeals", "note"]


class SubsidyRuleSerializer(serializers.ModelSerializer):
    document = serializers.CharField(source="document.doc_number", read_only=True)
    citation = serializers.CharField(read_only=True)
    family_label = serializers.CharField(source="get_family_display", read_only=True)
    funding_label = serializers.CharField(source="get_funding_display", read_only=True)
    recipient_label = serializers.CharField(source="get_recipient_type_display", read_only=True)
    superseded_by = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    responsible_unit = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    facts = serializers.SerializerMethodField()
    parameters = serializers.SerializerMethodField()
    is_in_force = serializers.SerializerMethodField()

    class Meta:
        model = Rule
        fields = ["code", "title", "family", "family_label", "document", "clause", "citation",
                  "responsible_department", "responsible_unit", "funding", "funding_label", "recipient_type",
                  "recipient_label", "competitive_limit", "valid_from", "valid_to", "superseded_by", "is_in_force",
                  "note", "facts", "parameters"]

    def get_facts(self, obj: Rule) -> list[dict[str, Any]]:
        return rule_facts_schema(obj.code)

    def get_is_in_force(self, obj: Rule) -> bool:
        return obj.is_in_force(timezone.localdate())

    def get_parameters(self, obj: Rule) -> list[dict[str, Any]]:
        return [{"name": p.name, "value": p.value, "valid_from": p.valid_from, "valid_to": p.valid_to}
                for p in obj.parameters.all() if p.retired_at is None]


class SubsidyCalculateRequestSerializer(serializers.Serializer):
    facts = serializers.JSONField(help_text="事实名 → 值，见规则的 facts")
    history = serializers.JSONField(required=False, help_text='[{"rule","amount","date","key"}]')
    on = serializers.CharField(required=False, help_text="YYYY-MM-DD，默认今天")


class SubsidyPoolSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    county = serializers.SlugRelatedField(read_only=True, slug_field="code", allow_null=True)
    county_name = serializers.CharField(source="county.name", read_only=True, default="")
    available = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    utilisation = serializers.DecimalField(max_digits=6, decimal_places=1, read_only=True)
    call = serializers.SlugRelatedField(read_only=True, slug_field="code")

    class Meta:
        model = BudgetPool
        fields = ["id", "call", "level", "level_label", "county", "county_name", "amount", "reserved", "committed",
                  "available", "utilisation", "budget_doc_number", "budget_summary", "parent_budget_doc_number"]


class SubsidyPoolUtilisationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.CharField(help_text="申报批次名称")
    year = serializers.IntegerField()
    level = serializers.CharField(help_text="市级/县级")
    county = serializers.CharField(help_text="县级资金池所在县（市、区）；市级为空")
    amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    reserved = serializers.DecimalField(max_digits=18, decimal_places=2)
    committed = serializers.DecimalField(max_digits=18, decimal_places=2)
    available = serializers.DecimalField(max_digits=18, decimal_places=2)
    utilisation = serializers.DecimalField(max_digits=6, decimal_places=1, help_text="已用比例（%）")


class SubsidyAwardSummaryRowSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="政策类别、规则或县（市、区）")
    n = serializers.IntegerField(help_text="奖补笔数")
    total = serializers.DecimalField(max_digits=18, decimal_places=2)
    city = serializers.DecimalField(max_digits=18, decimal_places=2)
    county_total = serializers.DecimalField(max_digits=18, decimal_places=2)
    paid = serializers.DecimalField(max_digits=18, decimal_places=2)


class SubsidyAwardSummarySerializer(serializers.Serializer):
    family = SubsidyAwardSummaryRowSerializer(many=True)
    rule = SubsidyAwardSummaryRowSerializer(many=True)
    county = SubsidyAwardSummaryRowSerializer(many=True)


class SubsidyTimelineStepSerializer(ProvisionalDatesMixin, serializers.Serializer):
    action = serializers.CharField()
    label = serializers.CharField()
    status = serializers.ChoiceField(choices=[("done", "已办"), ("current", "办理中"), ("pending", "待办")])
    done_at = serializers.DateTimeField(allow_null=True)
    due_on = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    actor = serializers.CharField(allow_blank=True, help_text="办理人用户名")


class SubsidyFactsSerializer(serializers.Serializer):
    facts = serializers.JSONField(help_text="事实名 → 值，见规则的 facts")


class SubsidyEvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    kind = serializers.CharField(required=False, allow_blank=True, default="", help_text="材料类别，见批次的材料要求")


class SubsidyCallSerializer(serializers.ModelSerializer):
    rules = serializers.SerializerMethodField()
    is_open = serializers.SerializerMethodField()
    pools = serializers.SerializerMethodField()

    class Meta:
        model = Call
        fields = ["id", "code", "name", "year", "family", "rules", "opens_on", "closes_on", "is_open",
                  "evidence_requirements", "publicity_workdays", "description", "pools"]

    def get_rules(self, obj: Call) -> list[str]:
        codes = [r.code for r in obj.rules.all()]
        return codes or ([] if not obj.family else obj.rule_codes())

    def get_is_open(self, obj: Call) -> bool:
        return obj.is_open(timezone.localdate())

    def get_pools(self, obj: Call) -> list[dict[str, Any]] | None:
        request = self.context.get("request")
        if request is None or not is_staff_member(request.user):
            return None  # budgets are for staff
        return SubsidyPoolSerializer(obj.pools.all(), many=True).data


class SubsidyEvidenceSerializer(serializers.ModelSerializer):
    download_url = DownloadLinkField(source="file", read_only=True)

    class Meta:
        model = Evidence
        fields = ["id", "application", "kind", "original_name", "size", "content_type", "sha256", "created_at",
                  "download_url"]


class SubsidyApplicationSerializer(ProvisionalDatesMixin, serializers.ModelSerializer):
    call_code = serializers.CharField(source="call.code", read_only=True)
    call_name = serializers.CharField(source="call.name", read_only=True)
    rule = serializers.CharField(source="rule.code", read_only=True)
    rule_title = serializers.CharField(source="rule.title", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    origin_label = serializers.CharField(source="get_origin_display", read_only=True, help_text="申报方式：企业申报或免申即享")
    is_overdue = serializers.BooleanField(read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = ["id", "number", "call", "call_code", "call_name", "rule", "rule_title", "enterprise",
                  "enterprise_name", "uscc", "status", "status_label", "origin", "origin_label", "facts", "key", "period",
                  "ceiling",
                  "approved_amount", "calculation", "decision_reason", "correction_request", "is_duplicate",
                  "submitted_at", "event_on", "due_on", "is_overdue", "publicity_ends_on", "created_at", "evidence"]
        read_only_fields = fields

    def get_evidence(self, obj: Application) -> list[dict[str, Any]]:
        return SubsidyEvidenceSerializer([e for e in obj.evidence.all() if e.retired_at is None], many=True).data


class SubsidyApplicationCreateSerializer(serializers.Serializer):
    call = serializers.PrimaryKeyRelatedField(queryset=Call.objects.active())
    rule_code = serializers.CharField()
    facts = serializers.JSONField(required=False, default=dict)
    uscc = serializers.CharField(required=False, help_text="申报主体统一社会信用代码；仅属于一个主体时可省略")


class SubsidyScoreSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=Decimal("0"),
                                     max_value=Decimal("100"), help_text="0–100，最多两位小数")
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class SubsidyAwardSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule.code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    county = serializers.CharField(source="county.name", read_only=True, default="")
    call = serializers.CharField(source="call.code", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Award
        fields = ["id", "application", "application_number", "call", "rule", "enterprise", "enterprise_name", "uscc",
                  "key", "year", "amount", "city_amount", "county_amount", "county", "status", "status_label",
                  "approved_on", "disbursed_on", "payment_reference", "released_on"]


class SubsidyManualAwardSerializer(serializers.ModelSerializer):
    """一事一议奖补 (read only): the decision (文号, date, document), the approver, the pool and the payment."""

    kind = serializers.CharField(source="kind_label", read_only=True, help_text="奖补方式：一事一议")
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    call = serializers.IntegerField(source="pool.call_id", read_only=True)
    pool_level = serializers.CharField(source="pool.level", read_only=True)
    county = serializers.CharField(source="pool.county.name", read_only=True, default="")
    approver = serializers.CharField(source="approver.get_username", read_only=True)
    entered_by = serializers.CharField(source="entered_by.get_username", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    decision_document_url = DownloadLinkField(source="decision_document", read_only=True)

    class Meta:
        model = ManualAward
        fields = ["id", "kind", "enterprise", "enterprise_name", "uscc", "pool", "call", "pool_level", "county",
                  "year", "amount", "subject", "decision_number", "decided_on", "decision_document_url",
                  "document_sha256", "entered_by", "approver", "status", "status_label", "approved_on",
                  "decision_note", "disbursed_on", "payment_reference", "released_on"]


class SubsidyMatchCandidateSerializer(serializers.ModelSerializer):
    """免申即享 candidate (read only): who, which call and rule, the expected amount, the facts with their sources
    (entry, version, submission, date, vouching unit) and the calculator's result with its trace."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    uscc = serializers.CharField(source="enterprise.uscc", read_only=True)
    call_code = serializers.CharField(source="call.code", read_only=True)
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    rule_title = serializers.CharField(source="rule.title", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = MatchCandidate
        fields = ["id", "call", "call_code", "rule", "rule_code", "rule_title", "enterprise", "enterprise_name",
                  "uscc", "period", "amount", "facts", "sources", "calculation", "status", "status_label",
                  "matched_at", "pushed_at", "responded_at", "reason", "application"]
