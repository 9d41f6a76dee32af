"""Shared admin pieces of the catalogs app: filtered xlsx export, the step form page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from portal.xlsx import Sheet, xlsx_response


class XlsxExportMixin:
    """A “导出 Excel” link on the changelist: the current filters and search, streamed (write-only workbook)."""

    export_columns: list[tuple[str, Any]] = []

    def get_urls(self) -> list[Any]:
        info = self.model._meta.app_label, self.model._meta.model_name  # type: ignore[attr-defined]
        return [path("export/", self.admin_site.admin_view(self.export_view),  # type: ignore[attr-defined]
                     name="{}_{}_export".format(*info)), *super().get_urls()]  # type: ignore[misc]

    def export_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):  # type: ignore[attr-defined]
            raise PermissionDenied
        params = request.GET.copy()
        request.GET = params  # the changelist reads filters from the query string
        cl = self.get_changelist_instance(request)  # type: ignore[attr-defined]
        qs = cl.get_queryset(request)

        def rows() -> Any:
            for obj in qs.iterator(chunk_size=500):
                yield [fn(obj) for _, fn in self.export_columns]

        name = f"{self.model._meta.verbose_name}-{timezone.localdate():%Y%m%d}.xlsx"  # type: ignore[attr-defined]
        return xlsx_response(name, [Sheet(str(self.model._meta.verbose_name),  # type: ignore[attr-defined]
                                          [h for h, _ in self.export_columns], rows())])


def step_page(admin: Any, request: HttpRequest, *, obj: Any, form: forms.Form, label: str, hint: str = "",
              multipart: bool = False) -> TemplateResponse:
    """The one-form page of an action that is not a generic workflow step (reporting, requesting, the upload page of
    the collection task's 报送数据 step)."""
    return TemplateResponse(request, "admin/catalogs/transition.html", {
        **admin.admin_site.each_context(request), "opts": admin.model._meta, "entry": obj, "form": form,
        "label": label, "title": label, "hint": hint, "multipart": multipart})
