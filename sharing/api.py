"""REST API for 数据共享与开放, mounted at /api/v1/sharing/. Views are thin: they call the services and selectors."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import PermissionDenied
from django.http import Http404
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from catalogs.models import CatalogEntry, DataItem, EntryStatus
from portal.api.permissions import ScopedViewSetMixin
from portal.models import Enterprise, Organization
from portal.permissions import user_scope
from portal.roles import Role
from portal.xlsx import xlsx_response
from sharing import assessment, exports, permissions, selectors, services
from sharing.models import (
    Authorization,
    DataUseRecord,
    OpenDataApplication,
    OpenDataGrant,
    ShareApplication,
    WebhookEvent,
    WebhookSubscription,
    WorkflowStep,
)
from sharing.services.applications import EDITABLE_FIELDS
from sharing.workflow import OPEN_TRANSITIONS, TRANSITIONS, today


# ------------------------------------------------------------------------------------------------ serializers
class EntryBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = CatalogEntry
        fields = ["id", "code", "title", "share_type", "source_unit"]


class StepSerializer(serializers.ModelSerializer):
    is_late = serializers.BooleanField(read_only=True)

    class Meta:
        model = WorkflowStep
        fields = ["state", "state_label", "actor", "responsible_unit", "started_on", "due_on", "is_statutory",
                  "finished_on", "action", "action_label", "opinion", "is_late"]


class ShareApplicationSerializer(serializers.ModelSerializer):
    applicant_unit = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    entries = serializers.PrimaryKeyRelatedField(
        many=True, queryset=CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED))
    data_items = serializers.PrimaryKeyRelatedField(many=True, queryset=DataItem.objects.all())
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)

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


class ActionSerializer(serializers.Serializer):
    opinion = serializers.CharField(required=False, allow_blank=True, default="")
    policy_basis = serializers.CharField(required=False, allow_blank=True, default="")
    agreement_reference = serializers.CharField(required=False, allow_blank=True, default="")
    data_items = serializers.PrimaryKeyRelatedField(many=True, queryset=DataItem.objects.all(), required=False)
    valid_until_on = serializers.DateField(required=False)


class OpinionSerializer(serializers.Serializer):
    producer_unit = serializers.PrimaryKeyRelatedField(queryset=Organization.objects.all())
    agrees = serializers.BooleanField()
    opinion = serializers.CharField()


class ShareApplicationFilter(django_filters.FilterSet):
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")

    class Meta:
        model = ShareApplication
        fields = {"status": ["exact", "in"], "service_mode": ["exact"], "share_type": ["exact"], "route": ["exact"],
                  "kind": ["exact"], "applicant_unit": ["exact"]}

    def filter_overdue(self, qs: Any, name: str, value: bool) -> Any:
        return qs.filter(current_due_on__lt=today()) if value else qs.exclude(current_due_on__lt=today())


# ------------------------------------------------------------------------------------------------ viewsets
class ServiceActionsMixin:
    """Workflow actions are authorised by the service (actor, state); the object only has to be visible, which the
    scoped queryset already guarantees (others' rows are 404)."""

    service_actions: frozenset[str] = frozenset()

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        if getattr(self, "action", None) in self.service_actions:
            return
        super().check_object_permissions(request, obj)  # type: ignore[misc]


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


class AuthorizationSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    consumer_unit_code = serializers.CharField(source="consumer_unit.code", read_only=True)
    application_number = serializers.CharField(source="application.number", read_only=True)
    is_usable = serializers.BooleanField(read_only=True)

    class Meta:
        model = Authorization
        fields = ["id", "number", "application", "application_number", "consumer_unit", "consumer_unit_code",
                  "service_mode", "interface_kind", "share_type", "valid_from_on", "valid_until_on", "status",
                  "status_display", "is_usable", "status_changed_at", "status_reason", "renewed_from",
                  "scope_snapshot", "entries", "data_items"]
        read_only_fields = fields


class AuthorizationActionSerializer(serializers.Serializer):
    misuse_kind = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    valid_until_on = serializers.DateField(required=False)


class AuthorizationViewSet(ServiceActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """数据共享授权 with its status (integrators poll or subscribe); the authority suspends/resumes/revokes/renews."""

    policy = permissions.AuthorizationPolicy()
    service_actions = frozenset({"suspend", "resume", "revoke", "renew"})
    base_queryset = Authorization.objects.select_related("consumer_unit", "application").prefetch_related(
        "entries", "data_items")
    serializer_class = AuthorizationSerializer
    filterset_fields = ["status", "service_mode", "share_type", "consumer_unit"]
    search_fields = ["number"]

    def _act(self, request: Any, func: Any, **extra: Any) -> Response:
        body = AuthorizationActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        kwargs = {k: data[k] for k in extra.get("fields", ()) if k in data}
        result = func(authorization=self.get_object(), acting_user=request.user, **kwargs)
        return Response(AuthorizationSerializer(result).data)

    @action(detail=True, methods=["post"])
    def suspend(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.authorization_suspend, fields=("misuse_kind", "reason"))

    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.authorization_resume, fields=("reason",))

    @action(detail=True, methods=["post"])
    def revoke(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.authorization_revoke, fields=("misuse_kind", "reason"))

    @action(detail=True, methods=["post"])
    def renew(self, request: Any, pk: Any = None) -> Response:
        if "valid_until_on" not in request.data:
            return Response({"valid_until_on": ["请填写续期截止日。"]}, status=status.HTTP_400_BAD_REQUEST)
        return self._act(request, services.authorization_renew, fields=("valid_until_on", "reason"))

    @action(detail=True, methods=["get"], url_path="usage-export")
    def usage_export(self, request: Any, pk: Any = None) -> Any:
        """The authorization's usage records as .xlsx."""
        auth = self.get_object()
        return xlsx_response(f"使用记录-{auth.number}.xlsx", [exports.usage_sheet(auth, request.user)])


class UsageRecordSerializer(serializers.ModelSerializer):
    authorization = serializers.CharField(help_text="授权编号或 id")

    class Meta:
        model = DataUseRecord
        fields = ["id", "authorization", "unit", "purpose", "user_name", "approver_name", "data_content",
                  "acquired_at", "acquisition_method", "media_type", "external_id", "batch_id", "recorded_at",
                  "retain_until_on"]
        read_only_fields = ["unit", "batch_id", "recorded_at", "retain_until_on"]

    def to_representation(self, instance: Any) -> Any:
        data = super().to_representation(instance)
        data["authorization"] = instance.authorization.number
        return data


class UsageBatchSerializer(serializers.Serializer):
    records = serializers.ListField(child=serializers.DictField(), allow_empty=False)


class UsageRecordViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """数据使用记录: append-only (no PUT/PATCH/DELETE); ``POST batch/`` pushes many at once, all-or-nothing."""

    policy = permissions.DataUseRecordPolicy()
    base_queryset = DataUseRecord.objects.select_related("authorization", "unit")
    serializer_class = UsageRecordSerializer
    filterset_fields = ["authorization", "unit", "acquisition_method", "media_type", "batch_id"]

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        created, skipped = services.usage_records_push(records=[dict(request.data.items())],
                                                       acting_user=request.user)
        if skipped:
            return Response({"detail": "该记录编号已登记过。", "skipped": skipped}, status=status.HTTP_200_OK)
        return Response(UsageRecordSerializer(created[0]).data, status=status.HTTP_201_CREATED)

    @action(detail=False, methods=["post"])
    def batch(self, request: Any) -> Response:
        body = UsageBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created, skipped = services.usage_records_push(records=body.validated_data["records"],
                                                       acting_user=request.user)
        return Response({"created": len(created), "skipped_external_ids": skipped,
                         "batch_id": created[0].batch_id if created else ""}, status=status.HTTP_201_CREATED)


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEvent.choices), required=False)

    class Meta:
        model = WebhookSubscription
        fields = ["id", "authorization", "url", "events", "is_enabled", "created_at"]
        read_only_fields = ["is_enabled", "created_at"]


class WebhookSubscriptionViewSet(ServiceActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Webhook subscriptions; the signing secret is returned once, in the creation response."""

    policy = permissions.WebhookSubscriptionPolicy()
    service_actions = frozenset({"disable"})
    base_queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer

    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        auth = selectors.authorization_get(request.user, body.validated_data["authorization"].pk)
        if auth is None:
            raise Http404("授权不存在或无权查看。")
        sub = services.webhook_subscribe(authorization=auth, url=body.validated_data["url"],
                                         events=body.validated_data.get("events"), acting_user=request.user)
        return Response({**WebhookSubscriptionSerializer(sub).data, "secret": sub.secret},
                        status=status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def disable(self, request: Any, pk: Any = None) -> Response:
        sub = services.webhook_disable(subscription=self.get_object(), acting_user=request.user)
        return Response(WebhookSubscriptionSerializer(sub).data)


class OpenDataApplicationSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    entries = serializers.PrimaryKeyRelatedField(many=True, queryset=CatalogEntry.objects.all())
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = OpenDataApplication
        fields = ["id", "number", "enterprise", "entries", "purpose", "scenario", "is_commercial", "usage_method",
                  "requested_until_on", "status", "status_display", "submitted_at", "current_due_on",
                  "assessment_opinion", "decision_note", "stop_policy_basis", "stop_reason", "previous_application",
                  "created_at"]
        read_only_fields = ["number", "status", "submitted_at", "current_due_on", "assessment_opinion",
                            "decision_note", "stop_policy_basis", "stop_reason", "previous_application",
                            "created_at"]


class OpenDataApplicationViewSet(ServiceActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """授权开放申请 (applicants: their own; tech unit and authority: submitted ones)."""

    policy = permissions.OpenDataApplicationPolicy()
    service_actions = frozenset({"act"})
    base_queryset = OpenDataApplication.objects.select_related("enterprise").prefetch_related("entries")
    serializer_class = OpenDataApplicationSerializer
    filterset_fields = ["status", "is_commercial", "enterprise"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.open_application_create(acting_user=self.request.user, **data)

    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def act(self, request: Any, pk: Any = None, name: str = "") -> Response:
        if name not in OPEN_TRANSITIONS:
            return Response({"detail": f"未知的办理操作：{name}"}, status=status.HTTP_404_NOT_FOUND)
        body = ActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        app = services.open_application_act(application=self.get_object(), action=name, acting_user=request.user,
                                            opinion=data["opinion"], policy_basis=data["policy_basis"],
                                            valid_until_on=data.get("valid_until_on"))
        return Response(OpenDataApplicationSerializer(app).data)


class OpenDataGrantSerializer(serializers.ModelSerializer):
    status_display = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = OpenDataGrant
        fields = ["id", "number", "application", "enterprise", "entries", "valid_from_on", "valid_until_on", "status",
                  "status_display", "is_third_party_forbidden", "is_resale_forbidden", "is_commercial_use_allowed",
                  "must_state_source", "restrictions", "attribution_text"]
        read_only_fields = fields


class OpenDataGrantViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    policy = permissions.OpenDataGrantPolicy()
    base_queryset = OpenDataGrant.objects.select_related("enterprise").prefetch_related("entries")
    serializer_class = OpenDataGrantSerializer
    filterset_fields = ["status", "enterprise"]


router = DefaultRouter()
router.register("applications", ShareApplicationViewSet, basename="share-application")
router.register("authorizations", AuthorizationViewSet, basename="authorization")
router.register("usage-records", UsageRecordViewSet, basename="usage-record")
router.register("webhook-subscriptions", WebhookSubscriptionViewSet, basename="webhook-subscription")
router.register("open-applications", OpenDataApplicationViewSet, basename="open-application")
router.register("open-grants", OpenDataGrantViewSet, basename="open-grant")
urlpatterns = router.urls
