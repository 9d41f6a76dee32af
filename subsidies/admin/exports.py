"""“导出 Excel（当前筛选）” on the application and award lists: the changelist's current filters and search,
streamed as a print-ready workbook (no rows need to be selected).

A minimal copy of ``catalogs.admin.common.XlsxExportMixin`` (moving that one to the kernel would touch the catalogs
app); it differs only in letting the admin build the sheet (the award list reuses the finance detail sheet)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path
from django.utils import timezone

from portal.xlsx import Sheet, xlsx_response


class FilteredXlsxExportMixin:
    """Adds ``<changelist>/export/`` (URL name ``<app>_<model>_export``) streaming ``export_sheet`` over the rows the
    changelist shows now; the changelist template links to it with the current query string."""

    change_list_template = "admin/subsidies/change_list_export.html"

    def get_urls(self) -> list[Any]:
        info = self.model._meta.app_label, self.model._meta.model_name  # type: ignore[attr-defined]
        return [path("export/", self.admin_site.admin_view(self.export_view),  # type: ignore[attr-defined]
                     name="{}_{}_export".format(*info)), *super().get_urls()]  # type: ignore[misc]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        cl = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        qs = cl.get_queryset(request)
        label = str(self.model._meta.verbose_name_plural)  # type: ignore[attr-defined]
        return xlsx_response(f"{label}-{timezone.localdate():%Y%m%d}.xlsx", [self.export_sheet(qs)], subject=qs)

    def export_sheet(self, qs: QuerySet[Any]) -> Sheet:
        raise NotImplementedError
