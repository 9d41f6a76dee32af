from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from rest_framework import exceptions, permissions

from portal.access_log import access_record
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


class AccessLoggedViewMixin:
    """Every successful GET that read governed records is one access-log row (QZ §八(四)): a paginated list is 查询
    (query string, number of matches, ids on the page), ``get_object`` 访问, any other read (a board, a summary, an
    assessment) 查询 with its query string; a view may word its one row itself (``access_log_entry``, e.g. the
    企业画像). Files and exports log themselves
    (``portal.files``, ``portal.xlsx``); writes are in the audit log."""

    _access_object: Any = None
    _access_page: Any = None
    _access_model: Any = None
    access_log_entry: dict[str, Any] | None = None  # set by a view that words its own row (``access_record`` kwargs)

    def get_object(self) -> Any:
        obj = super().get_object()  # type: ignore[misc]
        self._access_object = obj
        return obj

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)  # type: ignore[misc]
        if page is not None:
            self._access_page, self._access_model = page, queryset.model
        return page

    def finalize_response(self, request: Any, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        if request.method != "GET" or not 200 <= response.status_code < 300 or isinstance(response, FileResponse):
            return response
        if self.access_log_entry is not None:
            access_record(request=request, channel="api", **self.access_log_entry)
        elif self._access_object is not None:
            access_record(request=request, channel="api", action="access", obj=self._access_object)
        elif self._access_page is not None:
            paginator = getattr(getattr(self, "paginator", None), "page", None)
            count = paginator.paginator.count if paginator is not None else None
            access_record(request=request, channel="api", action="query", model=self._access_model,
                          objects=self._access_page, count=count)
        else:  # an unpaginated read (boards, summaries, assessments): the query itself is the trace
            model = getattr(getattr(self, "queryset", None), "model", None)
            access_record(request=request, channel="api", action="query", model=model,
                          label=str(getattr(self, "name", None) or getattr(self, "action", "") or ""))
        return response


class ScopedViewSetMixin(AccessLoggedViewMixin):
    """Viewsets: the queryset is always ``policy.scope(user, base_queryset)``; reads are access-logged.

    A write to one object (``POST …/{id}/<action>/``, PUT, PATCH) is checked before the handler reads the body: the
    object must be in scope (404) and ``policy.can_perform`` must not refuse (403).
    """

    policy: Policy
    permission_classes = [PolicyPermission]
    base_queryset: Any = None

    def get_queryset(self) -> Any:
        return self.policy.scope(self.request.user, self.base_queryset.all())  # type: ignore[attr-defined]

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        pk = kwargs.get("pk")
        if request.method in SAFE or pk is None:
            return
        obj = get_object_or_404(self.get_queryset(), pk=pk)
        decision = self.policy.can_perform(request.user, obj, self.action)  # type: ignore[attr-defined]
        if decision is not None and not decision:
            raise exceptions.PermissionDenied(decision.reason)
        actor_check = getattr(self, "workflow_actor_check", None)
        if actor_check is not None:
            actor_check(request, obj)
