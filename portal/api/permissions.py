from __future__ import annotations

from typing import Any

from rest_framework import permissions

from portal.permissions import Policy

SAFE = permissions.SAFE_METHODS


class PolicyPermission(permissions.BasePermission):
    """DRF object permission delegating to the view's ``policy`` (the same one the admin uses).

    Rows outside ``policy.scope`` are already invisible (404) because viewsets build their queryset through it.
    """

    message = "无权执行此操作。"

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        if request.method == "POST" and getattr(view, "action", None) == "create":
            decision = self._policy(view).can_add(request.user)
            if not decision:
                self.message = decision.reason
            return bool(decision)
        return True

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        policy = self._policy(view)
        if request.method in SAFE:
            decision = policy.can_view(request.user, obj)
        elif request.method == "DELETE":
            decision = policy.can_delete(request.user, obj)
        else:
            decision = policy.can_change(request.user, obj)
        if not decision:
            self.message = decision.reason
        return bool(decision)

    @staticmethod
    def _policy(view: Any) -> Policy:
        return view.policy


class ScopedViewSetMixin:
    """Viewsets: the queryset is always ``policy.scope(user, base_queryset)``."""

    policy: Policy
    permission_classes = [PolicyPermission]
    base_queryset: Any = None

    def get_queryset(self) -> Any:
        return self.policy.scope(self.request.user, self.base_queryset.all())  # type: ignore[attr-defined]
