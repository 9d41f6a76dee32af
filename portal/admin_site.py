"""The staff UI: the Django admin, branded in Chinese and grouped by domain."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

APP_ORDER = ["catalogs", "sharing", "subsidies", "procurement", "portal", "auth", "django_q"]


class PortalAdminSite(admin.AdminSite):
    site_header = "泉州市政务数据治理门户 · 管理后台"
    site_title = "政务数据治理门户"
    index_title = "工作台"
    enable_nav_sidebar = True

    @property  # type: ignore[override]
    def login_form(self) -> Any:
        """The lockout-aware login form (imported late: the admin site is built before the models load)."""
        from portal.forms import AdminLoginForm

        return AdminLoginForm

    def each_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().each_context(request)
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            from portal.workbench import person

            context["portal_person"] = person(request.user)
        return context

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> Any:
        """工作台: what awaits this person now, with due dates and badges, the boards and exports of the role, and
        the figures (inline SVG) the role may see."""
        from portal.figures import workbench_figures
        from portal.workbench import awaiting, links

        todo = awaiting(request, self)
        extra = {"todo": todo, "todo_total": sum(len(k.tasks) for k in todo),
                 "todo_overdue": sum(k.overdue for k in todo), "todo_soon": sum(k.soon for k in todo),
                 "workbench_links": links(request, self), "figures": workbench_figures(request, self),
                 **(extra_context or {})}
        return super().index(request, extra)

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        rank = {label: i for i, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda a: rank.get(a["app_label"], len(APP_ORDER)))
