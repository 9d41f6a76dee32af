"""Admin for 政务数据资源目录: scoped changelists, workflow actions through services, diff, import/export, boards."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from catalogs import services
from catalogs.models import (
    CatalogEntry,
    CatalogVersion,
    Classification,
    CollectionItem,
    CollectionSubmission,
    CollectionTask,
    DataCorrection,
    DataElement,
    DataItem,
    Grade,
    InterfaceRequest,
    ServiceInterface,
)
from catalogs.permissions import (
    CatalogEntryPolicy,
    CollectionItemPolicy,
    CollectionSubmissionPolicy,
    CollectionTaskPolicy,
    DataCorrectionPolicy,
    InterfaceRequestPolicy,
    ReferencePolicy,
    can_add_entry,
    can_view_details,
)
from catalogs.selectors import on_time_rate, task_overdue_board
from portal.admin_base import GovernedAdmin, ReadOnlyAdmin
from portal.models import Organization
from portal.permissions import user_scope
from portal.roles import Role
from portal.xlsx import Sheet, XlsxImportError, xlsx_response


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


class DataItemInline(admin.TabularInline):
    model = DataItem
    extra = 0
    fields = ("name", "data_type", "description", "is_personal_info", "element", "retired_at")
    readonly_fields = fields
    can_delete = False
    verbose_name_plural = "信息项（在上方“信息项清单”中编辑）"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InterfaceInline(DataItemInline):
    model = ServiceInterface
    fields = ("name", "kind", "origin", "endpoint", "spec", "call_instructions", "retired_at")
    readonly_fields = fields
    verbose_name_plural = "服务接口（在上方“服务接口清单”中编辑）"


ITEM_HELP = "每行一个信息项：名称|类型|说明|是否个人信息(是/否)|数据元编码；类型可填 string/integer/decimal/date 等"
IFACE_HELP = "每行一个接口：名称|接口地址|接口规范|调用说明"


class EntryForm(forms.ModelForm):
    items_text = forms.CharField(label="信息项清单", widget=forms.Textarea(attrs={"rows": 6}), required=False,
                                 help_text=ITEM_HELP)
    interfaces_text = forms.CharField(label="服务接口清单", widget=forms.Textarea(attrs={"rows": 3}),
                                      required=False, help_text=IFACE_HELP)

    class Meta:
        model = CatalogEntry
        fields = ["code", "title", "source_unit", *services.entries.ENTRY_FIELDS]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["items_text"].initial = "\n".join(
                "|".join([i.name, i.data_type, i.description, "是" if i.is_personal_info else "否",
                          i.element.code if i.element_id else ""])
                for i in self.instance.items.filter(retired_at__isnull=True).select_related("element"))
            self.fields["interfaces_text"].initial = "\n".join(
                "|".join([i.name, i.endpoint, i.spec, i.call_instructions])
                for i in self.instance.interfaces.filter(retired_at__isnull=True))

    def parsed_items(self) -> list[dict[str, Any]]:
        out = []
        for line in self.cleaned_data.get("items_text", "").splitlines():
            parts = [p.strip() for p in line.split("|")] + [""] * 5
            if parts[0]:
                out.append({"name": parts[0], "data_type": parts[1] or "string", "description": parts[2],
                            "is_personal_info": parts[3] in ("是", "true", "1"), "element_code": parts[4]})
        return out

    def parsed_interfaces(self) -> list[dict[str, Any]]:
        out = []
        for line in self.cleaned_data.get("interfaces_text", "").splitlines():
            parts = [p.strip() for p in line.split("|")] + [""] * 4
            if parts[0]:
                out.append({"name": parts[0], "endpoint": parts[1], "spec": parts[2], "call_instructions": parts[3]})
        return out


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", widget=forms.Textarea(attrs={"rows": 4}), required=False)


@admin.register(CatalogEntry)
class CatalogEntryAdmin(XlsxExportMixin, GovernedAdmin):
    policy = CatalogEntryPolicy()
    form = EntryForm
    list_display = ("code", "title", "source_unit", "status", "share_type", "open_type", "update_frequency",
                    "quality_score", "version")
    list_filter = ("status", "share_type", "open_type", "level", "update_frequency", "base_category",
                   ("source_unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "title", "description", "keywords")
    list_select_related = ("source_unit",)
    inlines = [DataItemInline, InterfaceInline]
    readonly_fields = ("status", "level", "version", "quality_display", "versions_display", "review_due_on",
                       "return_reason", "retire_reason", "transition_buttons")
    export_columns = [
        ("目录编码", lambda e: e.code), ("资源名称", lambda e: e.title), ("数源单位", lambda e: e.source_unit.name),
        ("状态", lambda e: e.get_status_display()), ("共享类型", lambda e: e.get_share_type_display()),
        ("共享/开放依据", lambda e: e.legal_basis), ("开放类型", lambda e: e.get_open_type_display()),
        ("更新频率", lambda e: e.get_update_frequency_display()), ("质量评分", lambda e: e.quality_score),
        ("版本", lambda e: e.version),
    ]
    actions = ["action_submit", "action_publish", "action_revise"]
    RESTRICTED = ("code", "title", "source_unit", "share_type")

    # ---- restricted view of 暂不共享 entries (可用不可见)
    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not can_view_details(request.user, obj):
            return self.RESTRICTED
        return super().get_fields(request, obj)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        return [(None, {"fields": self.get_fields(request, obj)})]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not can_view_details(request.user, obj):
            return self.RESTRICTED
        return self.readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None and not can_view_details(request.user, obj):
            return []
        return self.inlines

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "source_unit":
            scope = user_scope(request.user)
            if not scope.is_superuser:
                kwargs["queryset"] = Organization.objects.filter(pk__in=scope.units_with(Role.UNIT_DATA_ADMIN))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # ---- writes go through the services
    def save_model(self, request: HttpRequest, obj: CatalogEntry, form: Any, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in services.entries.ENTRY_FIELDS if f in form.cleaned_data}
        if change:
            services.entry_update(entry=obj, acting_user=request.user, items=form.parsed_items(),
                                  interfaces=form.parsed_interfaces(), **data)
        else:
            data.pop("title", None)
            created = services.entry_create(source_unit=form.cleaned_data["source_unit"], code=obj.code,
                                            title=obj.title, acting_user=request.user, items=form.parsed_items(),
                                            interfaces=form.parsed_interfaces(), **data)
            obj.pk = created.pk

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Items and interfaces were saved by the service."""

    def changeform_view(self, request: HttpRequest, object_id: Any = None, form_url: str = "",
                        extra_context: Any = None) -> Any:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (ValidationError, PermissionDenied) as exc:
            if isinstance(exc, PermissionDenied) and not str(exc):
                raise
            text = "；".join(getattr(exc, "messages", None) or [str(exc)])
            self.message_user(request, f"未保存：{text}", level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # ---- displays
    @admin.display(description="质量评分明细")
    def quality_display(self, obj: CatalogEntry) -> str:
        marks = {True: "✔", False: "✘", None: "—"}
        return format_html("<strong>{} 分</strong><ul>{}</ul>", obj.quality_score, format_html_join(
            "", "<li>{} {} <small>{}</small></li>",
            ((marks[c["passed"]], c["label"], c["hint"]) for c in obj.quality)))

    @admin.display(description="发布版本")
    def versions_display(self, obj: CatalogEntry) -> str:
        versions = list(obj.versions.order_by("number").values_list("number", "published_at"))
        if not versions:
            return "尚未发布"
        base = reverse("admin:catalogs_catalogentry_diff", args=[obj.pk])
        links = format_html_join("", '<li>v{} {} · <a href="{}?old={}">与当前比较</a></li>',
                                 ((n, timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), base, n)
                                  for n, at in versions))
        return format_html("<ul>{}</ul>", links)

    @admin.display(description="办理")
    def transition_buttons(self, obj: CatalogEntry) -> str:
        request = getattr(self, "_request", None)
        if request is None or obj.pk is None:
            return "—"
        names = services.entry_available_transitions(request.user, obj)
        if not names:
            return "（当前无可办理的操作）"
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', (
            (reverse("admin:catalogs_catalogentry_transition", args=[obj.pk, n]),
             services.entries.TRANSITION_LABELS[n]) for n in names))

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        self._request = request
        return super().get_form(request, obj, change, **kwargs)

    # ---- extra pages
    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/transition/<str:action>/", view(self.transition_view),
                 name="catalogs_catalogentry_transition"),
            path("<int:pk>/diff/", view(self.diff_view), name="catalogs_catalogentry_diff"),
            path("import/", view(self.import_view), name="catalogs_catalogentry_import"),
            *super().get_urls(),
        ]

    def _scoped(self, request: HttpRequest, pk: int) -> CatalogEntry:
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def transition_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        entry = self._scoped(request, pk)
        if action not in services.TRANSITIONS:
            raise PermissionDenied
        form = ReasonForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            done = self.run_service(request, services.entry_transition, entry=entry, action=action,
                                    acting_user=request.user, reason=form.cleaned_data["reason"],
                                    success=f"已{services.entries.TRANSITION_LABELS[action]}。")
            if done is not None:
                return HttpResponseRedirect(reverse("admin:catalogs_catalogentry_change", args=[pk]))
        return TemplateResponse(request, "admin/catalogs/transition.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "entry": entry, "form": form,
            "label": services.entries.TRANSITION_LABELS[action], "title": services.entries.TRANSITION_LABELS[action]})

    def diff_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self._scoped(request, pk)
        if not can_view_details(request.user, entry):
            raise PermissionDenied("该目录为“暂不共享”，不能查看版本差异。")
        try:
            old = int(request.GET.get("old", "1"))
            new = int(request.GET["new"]) if request.GET.get("new") else None
            changes = services.entry_version_diff(entry=entry, old_number=old, new_number=new)
        except (ValueError, ValidationError):
            self.message_user(request, "指定的版本不存在。", level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:catalogs_catalogentry_change", args=[pk]))
        return TemplateResponse(request, "admin/catalogs/diff.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "entry": entry, "changes": changes,
            "old": old, "new": new or "当前", "title": f"{entry.title}：版本差异"})

    def import_view(self, request: HttpRequest) -> HttpResponse:
        scope = user_scope(request.user)
        units = Organization.objects.filter(pk__in=scope.units_with(Role.UNIT_DATA_ADMIN)) if not \
            scope.is_superuser else Organization.objects.all()
        errors: list[Any] = []
        if request.method == "POST":
            unit = units.filter(pk=request.POST.get("unit") or 0).first()
            upload = request.FILES.get("file")
            if unit is None or upload is None or not can_add_entry(request.user, unit):
                errors = ["请选择本单位并上传 .xlsx 文件。"]
            else:
                try:
                    created = services.import_catalog(upload, unit=unit, acting_user=request.user)
                except XlsxImportError as exc:
                    errors = [str(e) for e in exc.errors]
                except PermissionDenied as exc:
                    errors = [str(exc)]
                else:
                    self.message_user(request, f"已导入 {len(created)} 条目录（草稿）。", level=messages.SUCCESS)
                    return HttpResponseRedirect(reverse("admin:catalogs_catalogentry_changelist"))
        return TemplateResponse(request, "admin/catalogs/import.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "units": units, "errors": errors,
            "headers": [c.header for c in services.IMPORT_COLUMNS], "title": "导入目录（Excel）"})

    # ---- bulk actions
    def _bulk(self, request: HttpRequest, queryset: QuerySet[Any], action: str) -> None:
        ok, failed = 0, []
        for entry in queryset.order_by("pk"):
            try:
                services.entry_transition(entry=entry, action=action, acting_user=request.user)
                ok += 1
            except (ValidationError, PermissionDenied) as exc:
                failed.append(f"{entry.code}：{'；'.join(getattr(exc, 'messages', None) or [str(exc)])}")
        if ok:
            self.message_user(request, f"{services.entries.TRANSITION_LABELS[action]}：成功 {ok} 条。",
                              level=messages.SUCCESS)
        for text in failed:
            self.message_user(request, text, level=messages.ERROR)

    @admin.action(description="提交审核")
    def action_submit(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, "submit")

    @admin.action(description="审核发布")
    def action_publish(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, "publish")

    @admin.action(description="发起修订")
    def action_revise(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        self._bulk(request, queryset, "revise")


@admin.register(CatalogVersion)
class CatalogVersionAdmin(ReadOnlyAdmin):
    policy = CatalogEntryPolicy()
    list_display = ("entry", "number", "published_at", "published_by")
    list_select_related = ("entry", "published_by")
    search_fields = ("entry__code", "entry__title")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        visible = CatalogEntryPolicy().scope(request.user, CatalogEntry.objects.all())
        return CatalogVersion.objects.filter(entry__in=visible).select_related("entry", "published_by")

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_view_permission(self, request, obj) and (
            obj is None or bool(can_view_details(request.user, obj.entry)))


class ReferenceAdmin(GovernedAdmin):
    policy = ReferencePolicy()
    search_fields = ("code", "name")


admin.site.register(Classification, ReferenceAdmin, list_display=("code", "name", "parent"))
admin.site.register(Grade, ReferenceAdmin, list_display=("code", "name", "rank"))


@admin.register(DataElement)
class DataElementAdmin(ReadOnlyAdmin):
    """一数一源登记表 (written by the entry services)."""

    policy = ReferencePolicy()
    list_display = ("code", "name", "source_unit")
    list_select_related = ("source_unit",)
    search_fields = ("code", "name", "source_unit__name")


@admin.register(CollectionItem)
class CollectionItemAdmin(XlsxExportMixin, GovernedAdmin):
    policy = CollectionItemPolicy()
    list_display = ("code", "name", "unit", "frequency", "deadline_rule", "has_frequency_conflict", "is_active")
    list_filter = ("frequency", "deadline_rule", "has_frequency_conflict", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "unit__name")
    list_select_related = ("unit",)
    export_columns = [("事项编码", lambda i: i.code), ("信息或数据需求", lambda i: i.name), ("报送单位", lambda i: i.unit.name),
                      ("具体内容", lambda i: "、".join(i.fields)), ("更新频率", lambda i: i.get_frequency_display()),
                      ("报送时限", lambda i: i.get_deadline_rule_display()), ("冲突说明", lambda i: i.conflict_note)]


class SubmissionInline(admin.TabularInline):
    model = CollectionSubmission
    extra = 0
    can_delete = False
    fields = ("submitted_at", "channel", "file_name", "row_count", "is_accepted", "message", "submitted_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubmitForm(forms.Form):
    file = forms.FileField(label="报送文件（.xlsx 或 .csv）")


@admin.register(CollectionTask)
class CollectionTaskAdmin(XlsxExportMixin, GovernedAdmin):
    policy = CollectionTaskPolicy()
    list_display = ("item", "unit", "period", "due_on", "status", "submitted_at")
    list_filter = ("status", "period", ("unit", admin.RelatedOnlyFieldListFilter))
    search_fields = ("item__name", "unit__name", "period")
    list_select_related = ("item", "unit")
    readonly_fields = ("item", "unit", "period", "period_start_on", "period_end_on", "due_on", "status",
                       "submitted_at", "reminded_at")
    inlines = [SubmissionInline]
    export_columns = [("采集事项", lambda t: t.item.name), ("报送单位", lambda t: t.unit.name), ("数据期", lambda t: t.period),
                      ("截止日", lambda t: t.due_on), ("状态", lambda t: t.get_status_display())]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.admin_site.admin_view
        return [path("board/", view(self.board_view), name="catalogs_collectiontask_board"),
                path("<int:pk>/submit/", view(self.submit_view), name="catalogs_collectiontask_submit"),
                *super().get_urls()]

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """逾期看板 per unit and 按时报送率 per unit for the chosen year, within the user's scope."""
        year = int(request.GET.get("year") or timezone.localdate().year)
        units = Organization.objects.filter(pk__in=self.get_queryset(request).values("unit_id"))
        return TemplateResponse(request, "admin/catalogs/board.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "year": year,
            "board": task_overdue_board(units=units), "rates": on_time_rate(year=year, units=units),
            "title": "采集报送逾期看板与按时报送率"})

    def submit_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        task = get_object_or_404(self.get_queryset(request), pk=pk)
        form = SubmitForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            sub = self.run_service(request, services.collection_submit, task=task, acting_user=request.user,
                                   file=upload, file_name=upload.name)
            if sub is not None:
                level = messages.SUCCESS if sub.is_accepted else messages.ERROR
                self.message_user(request, sub.message, level=level)
                return HttpResponseRedirect(reverse("admin:catalogs_collectiontask_change", args=[pk]))
        return TemplateResponse(request, "admin/catalogs/transition.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "entry": task, "form": form,
            "label": "报送", "title": f"报送：{task}", "multipart": True,
            "hint": "应包含的列：" + "、".join(task.item.fields)})


@admin.register(CollectionSubmission)
class CollectionSubmissionAdmin(ReadOnlyAdmin):
    policy = CollectionSubmissionPolicy()
    list_display = ("task", "submitted_at", "channel", "row_count", "is_accepted", "message")
    list_filter = ("is_accepted", "channel")
    list_select_related = ("task__item",)


class CorrectionStepForm(forms.Form):
    text = forms.CharField(label="意见/理由/说明", widget=forms.Textarea(attrs={"rows": 4}))
    will_correct = forms.BooleanField(label="决定更正（仅“核实决定”步骤）", required=False)


@admin.register(DataCorrection)
class DataCorrectionAdmin(XlsxExportMixin, GovernedAdmin):
    policy = DataCorrectionPolicy()
    list_display = ("id", "entry", "source_unit", "reporter_unit", "status", "reported_on", "analysis_due_on",
                    "decide_due_on", "correct_due_on", "is_decision_late", "is_correction_late")
    list_filter = ("status", "is_decision_late", "is_correction_late")
    search_fields = ("entry__title", "description")
    list_select_related = ("entry", "source_unit", "reporter_unit")
    readonly_fields = [f.name for f in DataCorrection._meta.fields if f.name not in ("id", "created_at")]
    export_columns = [("编号", lambda c: c.pk), ("目录", lambda c: c.entry.title), ("数源单位", lambda c: c.source_unit.name),
                      ("状态", lambda c: c.get_status_display()), ("报告日期", lambda c: c.reported_on),
                      ("核实期限", lambda c: c.decide_due_on), ("更正期限", lambda c: c.correct_due_on)]
    STEPS = {"dispatch": ("分析并分派", services.correction_dispatch, "analysis"),
             "decide": ("核实决定", services.correction_decide, "reason"),
             "complete": ("更正完成", services.correction_complete, "note")}

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # reported from the entry page / API through correction_report

    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/step/<str:step>/", self.admin_site.admin_view(self.step_view),
                     name="catalogs_datacorrection_step"), *super().get_urls()]

    def step_view(self, request: HttpRequest, pk: int, step: str) -> HttpResponse:
        correction = get_object_or_404(self.get_queryset(request), pk=pk)
        if step not in self.STEPS:
            raise PermissionDenied
        label, func, arg = self.STEPS[step]
        form = CorrectionStepForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            kwargs: dict[str, Any] = {arg: form.cleaned_data["text"]}
            if step == "decide":
                kwargs["will_correct"] = form.cleaned_data["will_correct"]
            if self.run_service(request, func, correction=correction, acting_user=request.user, success=f"已{label}。",
                                **kwargs) is not None:
                return HttpResponseRedirect(reverse("admin:catalogs_datacorrection_change", args=[pk]))
        return TemplateResponse(request, "admin/catalogs/transition.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "entry": correction, "form": form,
            "label": label, "title": label})


@admin.register(InterfaceRequest)
class InterfaceRequestAdmin(GovernedAdmin):
    policy = InterfaceRequestPolicy()
    list_display = ("id", "producer_unit", "entry", "status", "requested_on", "due_on", "is_extension_approved",
                    "is_late")
    list_filter = ("status", "is_late")
    list_select_related = ("producer_unit", "entry")
    readonly_fields = [f.name for f in InterfaceRequest._meta.fields if f.name not in ("id", "created_at")]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

