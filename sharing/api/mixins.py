"""Shared viewset behaviour of the sharing API."""

from __future__ import annotations

from typing import Any


class ServiceActionsMixin:
    """Workflow actions are authorised by the service (actor, state); the object only has to be visible, which the
    scoped queryset already guarantees (others' rows are 404)."""

    service_actions: frozenset[str] = frozenset()

    def check_object_permissions(self, request: Any, obj: Any) -> None:
        if getattr(self, "action", None) in self.service_actions:
            return
        super().check_object_permissions(request, obj)  # type: ignore[misc]
