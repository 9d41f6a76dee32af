"""Admin building blocks: every ModelAdmin of a governed model scopes rows and objects through its ``Policy``."""

from __future__ import annotations

from functools import update_wrapper
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from simple_history.admin import SimpleHistoryAdmin

from portal.permissions import Policy


class ScopedAdminMixin:
    """Rows: ``policy.scope``; objects: ``policy.can_view/can_change``; deletion: never (retire instead).

    Model permissions from the user's role groups still apply first (coarse), the policy narrows per object.
    """

    policy: Policy = Policy()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super().get_queryset(request)  # type: ignore[misc]
        return self.policy.scope(request.user, qs)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_view_permission(request, obj):  # type: ignore[misc]
            return False
        return obj is None or bool(self.policy.can_view(request.user, obj))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return super().has_add_permission(request, *args) and bool(  # type: ignore[misc]
            self.policy.can_add(request.user))

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if not super().has_change_permission(request, obj):  # type: ignore[misc]
            return False
        return obj is None or bool(self.policy.can_change(request.user, obj))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)  # type: ignore[misc]
        actions.pop("delete_selected", None)
        return actions


class GovernedAdmin(ScopedAdminMixin, SimpleHistoryAdmin):
    """Base admin for governed models: scoped, no delete, history view (revert disabled in settings)."""

    list_per_page = 50

    def run_service(self, request: HttpRequest, func: Any, *args: Any, success: str = "", **kwargs: Any) -> Any:
        """Call a service and turn its refusals into admin messages (nothing changed on refusal)."""
        try:
            result = func(*args, **kwargs)
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(getattr(exc, "messages", None) or [str(exc)])
            self.message_user(request, text, level=messages.ERROR)  # type: ignore[attr-defined]
            return None
        if success:
            self.message_user(request, success, level=messages.SUCCESS)  # type: ignore[attr-defined]
        return result

    def custom_view(self, view: Any) -> Any:
        """A page of this admin beyond Django's own (steps, boards, exports): the admin's login check, then the
        model's view permission as for its changelist — a role without access to the model cannot open it by URL."""
        def guarded(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not self.has_view_or_change_permission(request):  # type: ignore[attr-defined]
                raise PermissionDenied
            return view(request, *args, **kwargs)
        return self.admin_site.admin_view(update_wrapper(guarded, view))  # type: ignore[attr-defined]

    def history_view(self, request: HttpRequest, object_id: str, extra_context: Any = None) -> Any:
        _require_ids(object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request: HttpRequest, object_id: str, version_id: str,
                          extra_context: Any = None) -> Any:
        _require_ids(object_id, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)


def _require_ids(*values: str) -> None:
    """History URLs take numeric ids; anything else is a page that does not exist (simple-history would fail)."""
    if not all(str(v).isdigit() for v in values):
        raise Http404("历史记录不存在。")


class ReadOnlyAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """For append-only records (audit, usage records): list and view only."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
