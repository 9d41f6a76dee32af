from django.contrib.admin.apps import AdminConfig
from django.templatetags.static import static
from django.utils.html import format_html

BOOLEAN_LABELS = {True: "是", False: "否", None: "未知"}


def boolean_icon(value: bool | None) -> str:
    """Django's yes/no icon, with a Chinese text alternative (Django writes ``alt="True"`` in English)."""
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), BOOLEAN_LABELS[value])


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.contrib.admin.templatetags import admin_list

        admin_list._boolean_icon = boolean_icon  # changelists, read-only fields and display_for_field look it up here
