from typing import Any

from django.contrib.admin.apps import AdminConfig
from django.templatetags.static import static
from django.utils.html import format_html


def boolean_icon(field_val: Any) -> str:
    """Django's yes/no/unknown icon with Chinese text for screen readers (Django's alt is "True"/"False"/"None")."""
    name, text = {True: ("yes", "是"), False: ("no", "否"), None: ("unknown", "未知")}[field_val]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{name}.svg"), text)


class PortalAdminConfig(AdminConfig):
    default_site = "portal.admin_site.PortalAdminSite"

    def ready(self) -> None:
        super().ready()
        from django.contrib.admin.templatetags import admin_list

        # Every admin list, read-only field and boolean column calls admin_list._boolean_icon at render time.
        admin_list._boolean_icon = boolean_icon  # type: ignore[attr-defined]
        large_lists(self.name)



def large_lists(_: str) -> None:
    """Every registered changelist (ours, auth's, django-q's) counts cheaply and once per page (ADR 0016): the
    capped/estimated ``CheapCountPaginator`` and no second COUNT for the unfiltered total."""
    from django.contrib import admin
    from django.core.paginator import Paginator

    from portal.pagination import CheapCountPaginator

    for model_admin in admin.site._registry.values():
        if model_admin.paginator is Paginator:
            model_admin.paginator = CheapCountPaginator
        model_admin.show_full_result_count = False
