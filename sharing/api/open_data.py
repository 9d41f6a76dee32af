"""API for open-data authorization applications (授权开放) and their grants."""

from __future__ import annotations

from typing import Any

from rest_framework import mixins, viewsets

from portal.api.permissions import ScopedViewSetMixin
from portal.api.workflow import WorkflowViewMixin, workflow_endpoints
from sharing import permissions, selectors, services
from sharing.api.mixins import SELECTOR_FILTER_BACKENDS
from sharing.api.serializers import OpenDataApplicationSerializer, OpenDataGrantSerializer
from sharing.filters import OpenDataApplicationFilter, OpenDataGrantFilter
from sharing.workflow import OPEN_APPLICATION, OPEN_GRANT


@workflow_endpoints
class OpenDataApplicationViewSet(WorkflowViewMixin, ScopedViewSetMixin, mixins.CreateModelMixin,
                                 viewsets.ReadOnlyModelViewSet):
    """授权开放申请 (applicants: their own; tech unit and authority: submitted ones); steps at
    ``POST …/{id}/actions/<step>/`` (derived from ``sharing.workflow.OPEN_APPLICATION``)."""

    policy = permissions.OpenDataApplicationPolicy()
    workflow = OPEN_APPLICATION
    workflow_url_path = "actions/{name}"
    serializer_class = OpenDataApplicationSerializer
    filterset_class = OpenDataApplicationFilter
    filter_backends = SELECTOR_FILTER_BACKENDS

    def get_queryset(self) -> Any:
        return selectors.open_application_list(user=self.request.user,
                                               filters=self.request.query_params if self.action == "list" else None)

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        serializer.instance = services.open_application_create(acting_user=self.request.user, **data)


@workflow_endpoints
class OpenDataGrantViewSet(WorkflowViewMixin, ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """授权开放许可 with restrictions and status; the city authority suspends, resumes or terminates them
    (``POST …/{id}/<step>/``, derived from ``sharing.workflow.OPEN_GRANT``)."""

    policy = permissions.OpenDataGrantPolicy()
    workflow = OPEN_GRANT
    serializer_class = OpenDataGrantSerializer
    filterset_class = OpenDataGrantFilter
    filter_backends = SELECTOR_FILTER_BACKENDS

    def get_queryset(self) -> Any:
        return selectors.open_grant_list(user=self.request.user,
                                         filters=self.request.query_params if self.action == "list" else None)
