"""Admin of data corrections (QZ §七) and interface provision requests (QZ §二(三)): every step is a button on the
change page that opens a one-form page calling the service; reporting and requesting are the “add” pages."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html_join

from catalogs import services
from catalogs.admin.common import XlsxExportMixin, step_page
from catalogs.models import (
    CatalogEntry,
    CorrectionStatus,
    DataCorrection,
    EntryStatus,
    InterfaceKind,
    InterfaceRequest,
    InterfaceRequestStatus,
)
from catalogs.permissions import (
    DataCorrectionPolicy,
    InterfaceRequestPolicy,
    can_act_as_producer,
    can_decide_correction,
    can_dispatch_correction,
    can_request_interface,
)
from catalogs.selectors import entry_list_visible
from portal.admin_base import GovernedAdmin


def _buttons(admin_obj: Any, obj: Any, steps: list[tuple[str, str]]) -> str:
    if not steps:
        return "（当前无可办理的操作）"
    name = f"admin:catalogs_{obj._meta.model_name}_step"
    return format_html_join(" ", '<a class="button" href="{}">{}</a>',
                            ((reverse(name, args=[obj.pk, step]), label) for step, label in steps))


class EntryChoiceForm(forms.Form):
    entry = forms.ModelChoiceField(label="目录条目", queryset=CatalogEntry.objects.none())
    description = forms.CharField(label="描述", widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args: Any, entries: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["entry"].queryset = entries


# --------------------------------------------------------------------------------------------- corrections
class CorrectionStepForm(forms.Form):
    text = forms.CharField(label="意见/理由/说明", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    will_correct = forms.BooleanField(label="决定更正（仅“核实决定”步骤）", required=False)


@admin.register(DataCorrection)
class DataCorrectionAdmin(XlsxExportMixin, GovernedAdmin):
    policy = DataCorrectionPolicy()
    list_display = ("id", "entry", "source_unit", "reporter_unit", "status", "reported_on", "analysis_due_on",
                    "decide_due_on", "correct_due_on", "is_decision_late", "is_correction_late")
    list_filter = ("status", "is_decision_late", "is_correction_late")
    search_fields = ("entry__title", "description")
    list_select_related = ("entry", "source_unit", "reporter_unit")
    readonly_fields = ["step_buttons", *(f.name for f in DataCorrection._meta.fields
                                         if f.name not in ("id", "created_at"))]
    export_columns = [("编号", lambda c: c.pk), ("目录", lambda c: c.entry.title), ("数源单位", lambda c: c.source_unit.name),
                      ("状态", lambda c: c.get_status_display()), ("报告日期", lambda c: c.reported_on),
                      ("核实期限", lambda c: c.decide_due_on), ("更正期限", lambda c: c.correct_due_on)]
    # step → (label, service, text argument, allowed from, permission)
    STEPS: dict[str, tuple[str, Any, str, str, Any]] = {
        "dispatch": ("分析并分派", services.correction_dispatch, "analysis", CorrectionStatus.REPORTED,
                     can_dispatch_correction),
        "decide": ("核实决定", services.correction_decide, "reason", CorrectionStatus.DISPATCHED,
                   can_decide_correction),
        "complete": ("更正完成", services.correction_complete, "note", CorrectionStatus.CORRECTING,
                     can_decide_correction),
    }

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every change is a step (buttons on the change page)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # per-request, for the “办理” buttons (never shared between requests)
        return obj

    @admin.display(description="办理")
    def step_buttons(self, obj: DataCorrection) -> str:
        user = getattr(obj, "_viewer", None)
        if user is None or obj.pk is None:
            return "—"
        return _buttons(self, obj, [(step, label) for step, (label, _, _, source, allowed) in self.STEPS.items()
                                    if obj.status == source and allowed(user, obj)])

    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/step/<str:step>/", self.custom_view(self.step_view),
                     name="catalogs_datacorrection_step"), *super().get_urls()]

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

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        correction = get_object_or_404(self.get_queryset(request), pk=pk)
        if step not in self.STEPS:
            raise PermissionDenied
        label, func, arg, _, _ = self.STEPS[step]
        form = CorrectionStepForm(request.POST or None)
        if step != "decide":
            del form.fields["will_correct"]
        if request.method == "POST" and form.is_valid():
            kwargs: dict[str, Any] = {arg: form.cleaned_data["text"]}
            if step == "decide":
                kwargs["will_correct"] = form.cleaned_data["will_correct"]
            if self.run_service(request, func, correction=correction, acting_user=request.user, success=f"已{label}。",
                                form=form, **kwargs) is not None:
                return HttpResponseRedirect(reverse("admin:catalogs_datacorrection_change", args=[pk]))
        return step_page(self, request, obj=correction, form=form, label=label)


# --------------------------------------------------------------------------------------------- interface requests
class ExtensionRequestForm(forms.Form):
    reason = forms.CharField(label="书面延期理由", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    workdays = forms.IntegerField(label="申请延期工作日（不超过 5 个）", min_value=1)


class ExtensionDecisionForm(forms.Form):
    approve = forms.TypedChoiceField(label="审批结果", choices=[("1", "批准延期"), ("0", "不予批准")],
                                     coerce=lambda v: v == "1")
    note = forms.CharField(label="审批意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class DeliveryForm(forms.Form):
    name = forms.CharField(label="接口名称", max_length=120)
    kind = forms.ChoiceField(label="接口类型", choices=InterfaceKind.choices)
    endpoint = forms.CharField(label="接口地址", max_length=300, required=False)
    spec = forms.CharField(label="接口规范", widget=forms.Textarea(attrs={"rows": 4}), required=False)
    call_instructions = forms.CharField(label="调用说明", widget=forms.Textarea(attrs={"rows": 4}), required=False)


def _can_decide_extension(user: Any, req: InterfaceRequest) -> Any:
    return can_request_interface(user, req.producer_unit)


@admin.register(InterfaceRequest)
class InterfaceRequestAdmin(GovernedAdmin):
    policy = InterfaceRequestPolicy()
    list_display = ("id", "producer_unit", "entry", "status", "requested_on", "due_on", "is_extension_approved",
                    "is_overdue", "is_late")
    list_filter = ("status", "is_overdue", "is_late", ("producer_unit", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("producer_unit", "entry")
    readonly_fields = ["step_buttons", *(f.name for f in InterfaceRequest._meta.fields
                                         if f.name not in ("id", "created_at"))]
    # step → (label, service, form, allowed from, permission)
    STEPS: dict[str, tuple[str, Any, Any, str, Any]] = {
        "request_extension": ("书面申请延期", services.interface_request_extension_request, ExtensionRequestForm,
                              InterfaceRequestStatus.OPEN, can_act_as_producer),
        "decide_extension": ("审批延期申请", services.interface_request_extension_decide, ExtensionDecisionForm,
                             InterfaceRequestStatus.EXTENSION_REQUESTED, _can_decide_extension),
        "deliver": ("提供接口", services.interface_request_deliver, DeliveryForm, InterfaceRequestStatus.OPEN,
                    can_act_as_producer),
    }

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # every change is a step (buttons on the change page)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # per-request, for the “办理” buttons (never shared between requests)
        return obj

    @admin.display(description="办理")
    def step_buttons(self, obj: InterfaceRequest) -> str:
        user = getattr(obj, "_viewer", None)
        if user is None or obj.pk is None:
            return "—"
        steps = [(step, label) for step, (label, _, _, source, allowed) in self.STEPS.items()
                 if obj.status == source and allowed(user, obj)]
        if obj.has_extension_request:
            steps = [s for s in steps if s[0] != "request_extension"]
        return _buttons(self, obj, steps)

    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/step/<str:step>/", self.custom_view(self.step_view),
                     name="catalogs_interfacerequest_step"), *super().get_urls()]

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

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        req = get_object_or_404(self.get_queryset(request), pk=pk)
        if step not in self.STEPS:
            raise PermissionDenied
        label, func, form_class, _, _ = self.STEPS[step]
        form = form_class(request.POST or None)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if self.run_service(request, lambda: func(request=req, acting_user=request.user, **data),
                                success=f"已{label}。", form=form) is not None:
                return HttpResponseRedirect(reverse("admin:catalogs_interfacerequest_change", args=[pk]))
        return step_page(self, request, obj=req, form=form, label=label)
