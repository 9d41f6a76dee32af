"""Shared viewset behaviour of the sharing API."""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.filters import OrderingFilter

from portal.api.filters import PortalSearchFilter


class SelectorFilterBackend(DjangoFilterBackend):
    """The viewset's ``filterset_class`` is run by its selector (``sharing.selectors.<entity>_list(filters=…)``); this
    backend only describes the query parameters in the OpenAPI schema, so the FilterSet runs once."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        return queryset


SELECTOR_FILTER_BACKENDS = [SelectorFilterBackend, PortalSearchFilter, OrderingFilter]


class ServiceActionsMixin:
    """Workflow actions are authorised by the service (actor, state); the object only has to be visible, which the
    scoped queryset already guarantees (others' rows are 404)."""

    service_actions: frozenset[str] = frozenset()

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        if getattr(self, "action", None) in self.service_actions:
            return
        super().check_object_permissions(request, obj)  # type: ignore[misc]
