"""API for open-data authorization applications (授权开放) and their grants."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from portal.api.permissions import ScopedViewSetMixin
from sharing import permissions, selectors, services
from sharing.api.mixins import ServiceActionsMixin
from sharing.api.serializers import (
    GrantActionSerializer,
    OpenActionSerializer,
    OpenDataApplicationSerializer,
    OpenDataGrantSerializer,
)
from sharing.models import (
    OpenDataApplication,
    OpenDataGrant,
)
from sharing.workflow import OPEN_TRANSITIONS


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

    @extend_schema(request=OpenActionSerializer, responses=OpenDataApplicationSerializer, parameters=[
        OpenApiParameter("name", str, OpenApiParameter.PATH, enum=sorted(OPEN_TRANSITIONS), description="办理操作")])
    @action(detail=True, methods=["post"], url_path=r"actions/(?P<name>[a-z_]+)")
    def act(self, request: Any, pk: Any = None, name: str = "") -> Response:
        if name not in OPEN_TRANSITIONS:
            return Response({"detail": f"未知的办理操作：{name}"}, status=status.HTTP_404_NOT_FOUND)
        body = OpenActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        app = services.open_application_act(application=self.get_object(), action=name, acting_user=request.user,
                                            opinion=data["opinion"], policy_basis=data["policy_basis"],
                                            valid_until_on=data.get("valid_until_on"), entries=data.get("entries"),
                                            extra_restrictions=data["extra_restrictions"])
        return Response(OpenDataApplicationSerializer(app).data)


class OpenDataGrantViewSet(ServiceActionsMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """授权开放许可 with restrictions and status; the city authority suspends, resumes or terminates them."""

    policy = permissions.OpenDataGrantPolicy()
    service_actions = frozenset({"suspend", "resume", "revoke"})
    base_queryset = OpenDataGrant.objects.select_related("enterprise").prefetch_related("entries", "events")
    serializer_class = OpenDataGrantSerializer
    filterset_fields = ["status", "enterprise"]

    def _act(self, request: Any, func: Any, *, with_kind: bool) -> Response:
        body = GrantActionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        kwargs = {"reason": data["reason"], **({"misuse_kind": data["misuse_kind"]} if with_kind else {})}
        grant = func(grant=self.get_object(), acting_user=request.user, **kwargs)
        return Response(OpenDataGrantSerializer(selectors.open_grant_get(request.user, grant.pk)).data)

    @extend_schema(request=GrantActionSerializer, responses=OpenDataGrantSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Any, pk: Any = None) -> Response:
        """Suspend (``misuse_kind``, ``reason`` required)."""
        return self._act(request, services.open_grant_suspend, with_kind=True)

    @extend_schema(request=GrantActionSerializer, responses=OpenDataGrantSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: Any, pk: Any = None) -> Response:
        """Resume a suspended grant (``reason`` required)."""
        return self._act(request, services.open_grant_resume, with_kind=False)

    @extend_schema(request=GrantActionSerializer, responses=OpenDataGrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request: Any, pk: Any = None) -> Response:
        """Terminate (``misuse_kind``, ``reason`` required)."""
        return self._act(request, services.open_grant_revoke, with_kind=True)
