"""Admin of data corrections (QZ §七) and interface provision requests (QZ §二(三)): every step is a button on the
change page opening the step page derived from ``catalogs.workflow`` (WorkflowAdminMixin); reporting and requesting
are the “add” pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from catalogs import services
from catalogs.admin.common import XlsxExportMixin, filtered_list, own_unit_filter, related_links, step_page
from catalogs.models import CatalogEntry, DataCorrection, EntryStatus, InterfaceRequest
from catalogs.permissions import DataCorrectionPolicy, InterfaceRequestPolicy
from catalogs.selectors import correction_list, entry_list_visible, interface_request_list
from catalogs.workflow import CORRECTION, INTERFACE_REQUEST
from portal.admin_base import GovernedAdmin, RelatedInScopeFilter
from portal.admin_workflow import WorkflowAdminMixin


class EntryChoiceForm(forms.Form):
    entry = forms.ModelChoiceField(label="目录条目", queryset=CatalogEntry.objects.none())
    description = forms.CharField(label="描述", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, entries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries


def entry_related_records(obj: Any) -> str:
    """The entry a correction or interface request is about, and the entry's other corrections, interface requests
    and versions."""
    if obj.pk is None or obj.entry_id is None:
        return "无"
    return related_links([
        ("目录条目", reverse("admin:catalogs_catalogentry_change", args=[obj.entry_id])),
        ("该目录的数据纠错", filtered_list("catalogs.datacorrection", entry__id__exact=obj.entry_id)),
        ("该目录的接口提供要求", filtered_list("catalogs.interfacerequest", entry__id__exact=obj.entry_id)),
        ("该目录的发布版本", filtered_list("catalogs.catalogversion", entry__id__exact=obj.entry_id)),
    ])


# --------------------------------------------------------------------------------------------- corrections
@admin.register(DataCorrection)
class DataCorrectionAdmin(XlsxExportMixin, WorkflowAdminMixin, GovernedAdmin):
    policy = DataCorrectionPolicy()
    workflow = CORRECTION
    list_display = ("id", "entry", "source_unit", "reporter_unit", "workflow_state", "decide_due_on", "correct_due_on")
    list_filter = (own_unit_filter("数源单位/报告单位", "source_unit", "reporter_unit"), "status", "is_decision_late",
                   "is_correction_late")
    search_fields = ("entry__title", "description")
    list_select_related = ("entry", "source_unit", "reporter_unit")
    readonly_fields = [*(f.name for f in DataCorrection._meta.fields if f.name not in ("id", "created_at")),
                       "related_records"]
    # one group per step of QZ §七 (分析分派 → 核实决定 5 wd → 更正 10 wd); the steps not reached yet are empty and
    # collapsed (portal.admin_base.CollapseEmptyGroupsMixin)
    fieldsets = [
        (None, {"fields": ["entry", "source_unit", "reporter_unit", "reported_by", "reported_on", "description",
                           "status", "related_records"]}),
        ("分析分派（技术服务单位）", {"fields": ["analysis_due_on", "dispatched_on", "analysis", "is_analysis_late"]}),
        ("核实决定（数源单位，5个工作日）", {"fields": ["decide_due_on", "decided_on", "decision_reason",
                                                      "is_decision_late"]}),
        ("更正（决定更正后10个工作日）", {"fields": ["correct_due_on", "corrected_on", "correction_note",
                                                    "is_correction_late"]}),
        ("记录", {"fields": ["updated_at", "retired_at"]}),
    ]
    export_columns = [("编号", lambda c: c.pk), ("目录", lambda c: c.entry.title), ("数源单位", lambda c: c.source_unit.name),
                      ("状态", lambda c: c.get_status_display()), ("报告日期", lambda c: c.reported_on),
                      ("核实期限", lambda c: c.decide_due_on), ("更正期限", lambda c: c.correct_due_on)]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return correction_list(user=request.user)

    @admin.display(description="相关记录")
    def related_records(self, obj: Any) -> str:
        return entry_related_records(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every change is a step (buttons on the change page)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """报告问题数据: a government user reports on a published entry it can see (correction_report)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        entries = entry_list_visible(request.user).filter(status=EntryStatus.PUBLISHED)
        form = EntryChoiceForm(request.POST or None, entries=entries,
                               initial={"entry": request.GET.get("entry")})
        form.fields["description"].label = "问题描述（简明准确）"
        if request.method == "POST" and form.is_valid():
            obj = self.run_service(request, services.correction_report, entry=form.cleaned_data["entry"],
                                   description=form.cleaned_data["description"], acting_user=request.user,
                                   success="已报告，技术服务单位将分析并分派。", form=form)
            if obj is not None:
                return HttpResponseRedirect(reverse("admin:catalogs_datacorrection_change", args=[obj.pk]))
        return step_page(self, request, obj="数据纠错", form=form, label="报告问题数据")


# --------------------------------------------------------------------------------------------- interface requests
@admin.register(InterfaceRequest)
class InterfaceRequestAdmin(WorkflowAdminMixin, GovernedAdmin):
    policy = InterfaceRequestPolicy()
    workflow = INTERFACE_REQUEST
    list_display = ("id", "entry", "producer_unit", "workflow_state", "requested_on", "due_on", "is_overdue")
    list_filter = (own_unit_filter("数据生产单位", "producer_unit"), "status", "is_overdue", "is_late",
                   ("producer_unit", RelatedInScopeFilter))
    list_select_related = ("producer_unit", "entry")
    readonly_fields = [*(f.name for f in InterfaceRequest._meta.fields if f.name not in ("id", "created_at")),
                       "related_records"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return interface_request_list(user=request.user)

    @admin.display(description="相关记录")
    def related_records(self, obj: Any) -> str:
        return entry_related_records(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every change is a step (buttons on the change page)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        """要求提供接口: the data authority asks an entry's producer for more interfaces (due in 10 working days)."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        entries = entry_list_visible(request.user).filter(status=EntryStatus.PUBLISHED)
        form = EntryChoiceForm(request.POST or None, entries=entries, initial={"entry": request.GET.get("entry")})
        form.fields["description"].label = "接口需求及应用场景"
        if request.method == "POST" and form.is_valid():
            obj = self.run_service(request, services.interface_request_create, entry=form.cleaned_data["entry"],
                                   description=form.cleaned_data["description"], acting_user=request.user,
                                   success="已向数据生产单位提出接口要求（10 个工作日内提供）。", form=form)
            if obj is not None:
                return HttpResponseRedirect(reverse("admin:catalogs_interfacerequest_change", args=[obj.pk]))
        return step_page(self, request, obj="接口提供要求", form=form, label="要求提供接口")
