"""Shared admin pieces of the catalogs app: filtered xlsx export, the step form page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode

from catalogs.permissions import defaults_to_own_unit, own_unit_ids
from portal.xlsx import Sheet, xlsx_response


class XlsxExportMixin:
    """A “导出 Excel” link on the changelist: the current filters and search, streamed (write-only workbook)."""

    export_columns: list[tuple[str, Any]] = []
    # instead of ``export_columns``: (header, field lookup) pairs read with one ``values_list`` (no model instance per
    # row; a field with choices shows its label, as ``get_FOO_display`` does)
    export_fields: tuple[tuple[str, str], ...] = ()

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
        # the list page's prefetches (items, interfaces) are not columns of the file: not read for every 500 rows
        rows_qs = qs.prefetch_related(None)
        if self.export_fields:
            return self._export_values(qs, rows_qs)

        def rows() -> Any:
            for obj in rows_qs.iterator(chunk_size=2000):
                yield [fn(obj) for _, fn in self.export_columns]

        return self._export_response(qs, [h for h, _ in self.export_columns], rows())

    def _export_values(self, qs: QuerySet[Any], rows_qs: QuerySet[Any]) -> HttpResponse:
        """``export_fields`` streamed as plain values: one ``values_list`` through a server-side cursor (the primary
        key first, so that a distinct changelist query keeps every record), choices mapped to their labels."""
        lookups = [lookup for _, lookup in self.export_fields]
        opts = self.model._meta  # type: ignore[attr-defined]
        labelled: list[tuple[int, dict[Any, str]]] = []
        for i, lookup in enumerate(lookups):
            field = opts.get_field(lookup) if "__" not in lookup else None
            if field is not None and field.choices:
                labelled.append((i, {value: str(label) for value, label in field.flatchoices}))

        def rows() -> Any:
            for row in rows_qs.values_list("pk", *lookups).iterator(chunk_size=2000):
                values = list(row[1:])
                for i, names in labelled:
                    value = values[i]
                    values[i] = names.get(value, value)
                yield values

        return self._export_response(qs, [header for header, _ in self.export_fields], rows())

    def _export_response(self, qs: QuerySet[Any], headers: list[str], rows: Any) -> HttpResponse:
        name = f"{self.model._meta.verbose_name}-{timezone.localdate():%Y%m%d}.xlsx"  # type: ignore[attr-defined]
        return xlsx_response(name, [Sheet(str(self.model._meta.verbose_name),  # type: ignore[attr-defined]
                                          headers, rows)], subject=qs)


def step_page(admin: Any, request: HttpRequest, *, obj: Any, form: forms.Form, label: str, hint: str = "",
              multipart: bool = False) -> TemplateResponse:
    """The one-form page of an action that is not a generic workflow step (reporting, requesting, the upload page of
    the collection task's 报送数据 step)."""
    return TemplateResponse(request, "admin/catalogs/transition.html", {
        **admin.admin_site.each_context(request), "opts": admin.model._meta, "entry": obj, "form": form,
        "label": label, "title": label, "hint": hint, "multipart": multipart})


class OwnUnitFilter(admin.SimpleListFilter):
    """“本单位 / 全部可见”: a unit's staff open a list on their own unit's records; city-wide roles (and county
    authorities, whose scope is their county) on everything they may see. Subclasses name the unit lookups (one
    row is 本单位 when any of them is one of the user's units)."""

    title = "数源单位"
    parameter_name = "unit_scope"
    lookups_of_unit: tuple[str, ...] = ()
    MINE, ALL = "mine", "all"

    @classmethod
    def chosen(cls, request: HttpRequest) -> str:
        """本单位 or 全部可见: as the query string says, else the user's default."""
        value = request.GET.get(cls.parameter_name)
        if value in (cls.MINE, cls.ALL):
            return str(value)
        return cls.MINE if defaults_to_own_unit(request.user) else cls.ALL

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        if not own_unit_ids(request.user):
            return []  # nothing to narrow to (a superuser without a unit)
        return [(self.MINE, "本单位"), (self.ALL, "全部可见")]

    def choices(self, changelist: Any) -> Any:
        current = self._current
        for value, label in self.lookup_choices:
            yield {"selected": current == value, "display": label,
                   "query_string": changelist.get_query_string({self.parameter_name: value})}

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        self._current = self.chosen(request)
        if self._current != self.MINE or not self.lookup_choices:
            return queryset
        ids = own_unit_ids(request.user)
        q = Q(pk__in=[])
        for lookup in self.lookups_of_unit:
            q |= Q(**{f"{lookup}__in": ids})
        if any("__" in lookup for lookup in self.lookups_of_unit):  # a to-many path: no duplicate rows
            return queryset.filter(pk__in=queryset.model._default_manager.filter(q).values("pk"))
        return queryset.filter(q)


def own_unit_filter(title: str, *lookups: str) -> type[OwnUnitFilter]:
    """An ``OwnUnitFilter`` for ``list_filter`` over the given unit lookups (``source_unit``, ``entries__source_unit``)."""
    return type("OwnUnitFilter", (OwnUnitFilter,), {"title": f"{title}范围", "lookups_of_unit": lookups})


def related_links(links: list[tuple[str, str]]) -> str:
    """“相关记录” on a record page: links to the related records or to their lists filtered on this record (the
    lists are scoped to the viewer as always; ``unit_scope=all`` so that 本单位 does not hide another unit's rows)."""
    if not links:
        return "无"
    return format_html('<ul class="related-records">{}</ul>',
                       format_html_join("", '<li><a href="{}">{}</a></li>', ((url, label) for label, url in links)))


def filtered_list(model: str, **params: Any) -> str:
    """The admin list of ``app_label.model`` filtered on ``params`` (and not narrowed to 本单位)."""
    from django.apps import apps

    app_label, model_name = model.split(".")
    model_admin = admin.site._registry.get(apps.get_model(app_label, model_name))
    if any(isinstance(f, type) and issubclass(f, OwnUnitFilter) for f in getattr(model_admin, "list_filter", ())):
        params = {**params, OwnUnitFilter.parameter_name: OwnUnitFilter.ALL}
    return reverse(f"admin:{app_label}_{model_name}_changelist") + "?" + urlencode(params)
