"""API for authorizations (status for integrators, authority actions), usage records and webhook subscriptions."""

from __future__ import annotations

from typing import Any

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.permissions import ScopedViewSetMixin
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints
from portal.workflow import Transition
from portal.xlsx import XLSX_CONTENT_TYPE, xlsx_response
from sharing import exports, permissions, selectors, services
from sharing.api.mixins import SELECTOR_FILTER_BACKENDS, ServiceActionsMixin
from sharing.api.serializers import (
    AuthorizationSerializer,
    UsageBatchResultSerializer,
    UsageBatchSerializer,
    UsageRecordSerializer,
    UsageSkippedSerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from sharing.filters import AuthorizationFilter, UsageRecordFilter
from sharing.workflow import AUTHORIZATION


@workflow_endpoints
class AuthorizationViewSet(WorkflowViewMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """数据共享授权 with its status (integrators poll or subscribe); the authority suspends/resumes/revokes/renews
    (``POST …/{id}/<step>/``, derived from ``sharing.workflow.AUTHORIZATION``)."""

    policy = permissions.AuthorizationPolicy()
    workflow = AUTHORIZATION
    serializer_class = AuthorizationSerializer
    filterset_class = AuthorizationFilter
    filter_backends = SELECTOR_FILTER_BACKENDS
    search_fields = ["number"]

    def get_queryset(self) -> Any:
        return selectors.authorization_list(user=self.request.user,
                                            filters=self.request.query_params if self.action == "list" else None)

    def workflow_apply(self, request: Any, obj: Any, transition: Transition, data: dict[str, Any]) -> Any:
        if transition.name == "renew":  # the response is the new authorization, as before
            return services.authorization_renew(authorization=obj, acting_user=request.user, **data)
        return super().workflow_apply(request, obj, transition, data)

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="usage-export")
    def usage_export(self, request: Any, pk: Any = None) -> Any:
        """The authorization's usage records as .xlsx."""
        auth = self.get_object()
        return xlsx_response(f"使用记录-{auth.number}.xlsx", [exports.usage_sheet(auth, request.user)],
                             subject=auth)


class UsageRecordViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """数据使用记录: append-only (no PUT/PATCH/DELETE); ``POST batch/`` pushes many at once, all-or-nothing."""

    policy = permissions.DataUseRecordPolicy()
    serializer_class = UsageRecordSerializer
    filterset_class = UsageRecordFilter
    filter_backends = SELECTOR_FILTER_BACKENDS

    def get_queryset(self) -> Any:
        return selectors.usage_record_list(user=self.request.user,
                                           filters=self.request.query_params if self.action == "list" else None)

    @extend_schema(responses={201: UsageRecordSerializer, 200: UsageSkippedSerializer})
    def create(self, request: Any, *args: Any, **kwargs: Any) -> Response:
        created, skipped = services.usage_records_push(records=[dict(request.data.items())],
                                                       acting_user=request.user)
        if skipped:
            return Response({"detail": "该记录编号已登记过。", "skipped": skipped}, status=status.HTTP_200_OK)
        return Response(UsageRecordSerializer(created[0]).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UsageBatchSerializer, responses={201: UsageBatchResultSerializer})
    @action(detail=False, methods=["post"])
    def batch(self, request: Any) -> Response:
        body = UsageBatchSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        created, skipped = services.usage_records_push(records=body.validated_data["records"],
                                                       acting_user=request.user)
        violations = [{"authorization": r.authorization.number, "external_id": r.external_id,
                       "acquired_at": r.acquired_at, "violation_note": r.violation_note}
                      for r in created if r.is_violation]
        return Response(UsageBatchResultSerializer({
            "created": len(created), "skipped_external_ids": skipped, "violations": violations,
            "batch_id": created[0].batch_id if created else ""}).data, status=status.HTTP_201_CREATED)


class WebhookSubscriptionViewSet(ServiceActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Webhook subscriptions; the signing secret is returned once, in the creation response."""

    policy = permissions.WebhookSubscriptionPolicy()
    service_actions = frozenset({"disable"})
    serializer_class = WebhookSubscriptionSerializer

    def get_queryset(self) -> Any:
        return selectors.webhook_subscription_list(user=self.request.user)

    @extend_schema(responses={201: WebhookSubscriptionCreatedSerializer})
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

    @extend_schema(request=None, responses=WebhookSubscriptionSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request: Any, pk: Any = None) -> Response:
        sub = services.webhook_disable(subscription=self.get_object(), acting_user=request.user)
        return Response(WebhookSubscriptionSerializer(sub).data)
