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

    def get_app_list(self, request: HttpRequest, app_label: str | None = None) -> list[dict[str, Any]]:
        apps = super().get_app_list(request, app_label)
        rank = {label: i for i, label in enumerate(APP_ORDER)}
        return sorted(apps, key=lambda a: rank.get(a["app_label"], len(APP_ORDER)))
