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
from portal.xlsx import XLSX_CONTENT_TYPE, xlsx_response
from sharing import exports, permissions, selectors, services
from sharing.api.mixins import ServiceActionsMixin
from sharing.api.serializers import (
    AuthorizationActionSerializer,
    AuthorizationSerializer,
    UsageBatchResultSerializer,
    UsageBatchSerializer,
    UsageRecordSerializer,
    UsageSkippedSerializer,
    WebhookSubscriptionCreatedSerializer,
    WebhookSubscriptionSerializer,
)
from sharing.models import (
    Authorization,
    DataUseRecord,
    WebhookSubscription,
)


class AuthorizationViewSet(ServiceActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """数据共享授权 with its status (integrators poll or subscribe); the authority suspends/resumes/revokes/renews."""

    policy = permissions.AuthorizationPolicy()
    service_actions = frozenset({"suspend", "resume", "revoke", "renew"})
    base_queryset = Authorization.objects.select_related("consumer_unit", "application").prefetch_related(
        "entries", "data_items", "events")
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

    @extend_schema(request=AuthorizationActionSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.authorization_suspend, fields=("misuse_kind", "reason"))

    @extend_schema(request=AuthorizationActionSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.authorization_resume, fields=("reason",))

    @extend_schema(request=AuthorizationActionSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Any, pk: Any = None) -> Response:
        return self._act(request, services.authorization_revoke, fields=("misuse_kind", "reason"))

    @extend_schema(request=AuthorizationActionSerializer, responses=AuthorizationSerializer)
    @action(detail=True, methods=["post"])
    def renew(self, request: Any, pk: Any = None) -> Response:
        if "valid_until_on" not in request.data:
            return Response({"valid_until_on": ["请填写续期截止日。"]}, status=status.HTTP_400_BAD_REQUEST)
        return self._act(request, services.authorization_renew, fields=("valid_until_on", "reason"))

    @extend_schema(responses={(200, XLSX_CONTENT_TYPE): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path="usage-export")
    def usage_export(self, request: Any, pk: Any = None) -> Any:
        """The authorization's usage records as .xlsx."""
        auth = self.get_object()
        return xlsx_response(f"使用记录-{auth.number}.xlsx", [exports.usage_sheet(auth, request.user)])


class UsageRecordViewSet(ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """数据使用记录: append-only (no PUT/PATCH/DELETE); ``POST batch/`` pushes many at once, all-or-nothing."""

    policy = permissions.DataUseRecordPolicy()
    base_queryset = DataUseRecord.objects.select_related("authorization", "unit")
    serializer_class = UsageRecordSerializer
    filterset_fields = ["authorization", "unit", "acquisition_method", "media_type", "batch_id"]

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
        return Response({"created": len(created), "skipped_external_ids": skipped,
                         "batch_id": created[0].batch_id if created else ""}, status=status.HTTP_201_CREATED)


class WebhookSubscriptionViewSet(ServiceActionsMixin, ScopedViewSetMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Webhook subscriptions; the signing secret is returned once, in the creation response."""

    policy = permissions.WebhookSubscriptionPolicy()
    service_actions = frozenset({"disable"})
    base_queryset = WebhookSubscription.objects.all()
    serializer_class = WebhookSubscriptionSerializer

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
