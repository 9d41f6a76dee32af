"""Admin of periodic collection: items, tasks (upload page, overdue board), submissions (kernel file download)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from catalogs import services
from catalogs.admin.common import XlsxExportMixin, own_unit_filter, step_page
from catalogs.models import CollectionItem, CollectionSubmission, CollectionTask, InterfaceRequest
from catalogs.permissions import (
    CollectionItemPolicy,
    CollectionSubmissionPolicy,
    CollectionTaskPolicy,
    InterfaceRequestPolicy,
)
from catalogs.selectors import on_time_rate, task_overdue_board
from catalogs.workflow import COLLECTION_TASK
from portal.admin_base import GovernedAdmin, ReadOnlyAdmin, RelatedInScopeFilter
from portal.admin_workflow import WorkflowAdminMixin
from portal.display import plain
from portal.files import download_link
from portal.models import Organization
from portal.params import parse_year
from portal.templatetags.portal_calendar import provisional


@admin.display(description="文件")
def submission_file(obj: CollectionSubmission) -> str:
    return download_link(obj, "file")


FULL_SNAPSHOT = "FULL_SNAPSHOT"  # stored code of 首次采集起 for "everything that exists at the end of the range"
FULL_SNAPSHOT_LABEL = "全量存量"


class CollectionItemForm(forms.ModelForm):
    """The field list as lines of text (not a JSON list); the full-snapshot code shown and typed as 全量存量."""

    first_collection_from = forms.CharField(
        label="首次采集起", max_length=16, required=False,
        help_text=f"如 2020-01、2020-Q1、2020；填“{FULL_SNAPSHOT_LABEL}”表示截至期末的全量存量")

    class Meta:
        model = CollectionItem
        fields = ["unit", "entry", "code", "seq", "name", "fields", "is_fields_open_ended", "frequency", "deadline_rule",
                  "payload_kind", "initial_basis", "first_collection_label", "first_collection_from",
                  "first_collection_to", "has_frequency_conflict", "conflict_note", "source_clause", "notes",
                  "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fields"] = forms.CharField(
            label="具体内容（字段）", widget=forms.Textarea(attrs={"rows": 8, "cols": 40}),
            help_text="每行一个字段名，按附件所列顺序填写")
        if not self.is_bound:
            self.initial["fields"] = "\n".join(self.instance.fields or [])
            if self.instance.first_collection_from == FULL_SNAPSHOT:
                self.initial["first_collection_from"] = FULL_SNAPSHOT_LABEL

    def clean_fields(self) -> list[str]:
        names = [line.strip() for line in self.cleaned_data["fields"].splitlines() if line.strip()]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise forms.ValidationError(f"字段重复：{'、'.join(duplicates)}。")
        return names

    def clean_first_collection_from(self) -> str:
        value = self.cleaned_data["first_collection_from"].strip()
        return FULL_SNAPSHOT if value in (FULL_SNAPSHOT_LABEL, FULL_SNAPSHOT) else value


def first_collection_from_text(item: CollectionItem) -> str:
    if item.first_collection_from == FULL_SNAPSHOT:
        return FULL_SNAPSHOT_LABEL
    return item.first_collection_from or "无"


@admin.register(CollectionItem)
class CollectionItemAdmin(XlsxExportMixin, GovernedAdmin):
    policy = CollectionItemPolicy()
    form = CollectionItemForm
    view_only_display = {"fields": "fields_display", "first_collection_from": "first_collection_from_display"}
    list_display = ("code", "name", "unit", "frequency", "deadline_rule", "has_frequency_conflict", "is_active")
    list_filter = ("frequency", "deadline_rule", "has_frequency_conflict", ("unit", RelatedInScopeFilter))
    search_fields = ("code", "name", "unit__name")
    list_select_related = ("unit",)
    autocomplete_fields = ("reporting_units",)
    export_columns = [("事项编码", lambda i: i.code), ("信息或数据需求", lambda i: i.name), ("报送单位", lambda i: i.unit.name),
                      ("具体内容", lambda i: "、".join(i.fields)), ("更新频率", lambda i: i.get_frequency_display()),
                      ("报送时限", lambda i: i.get_deadline_rule_display()), ("冲突说明", lambda i: i.conflict_note)]

    @admin.display(description="具体内容（字段）")
    def fields_display(self, obj: CollectionItem) -> str:
        return "、".join(obj.fields) or "无"

    @admin.display(description="首次采集起")
    def first_collection_from_display(self, obj: CollectionItem) -> str:
        return first_collection_from_text(obj)


class SubmissionInline(admin.TabularInline):
    model = CollectionSubmission
    extra = 0
    can_delete = False
    fields = ("submitted_at", "channel", submission_file, "row_count", "is_accepted", "message", "submitted_by")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubmitForm(forms.Form):
    file = forms.FileField(label="报送文件（.xlsx 或 .csv）")


@admin.register(CollectionTask)
class CollectionTaskAdmin(XlsxExportMixin, WorkflowAdminMixin, GovernedAdmin):
    """The 报送数据 button comes from ``catalogs.workflow.COLLECTION_TASK``; the step keeps its own upload page."""

    policy = CollectionTaskPolicy()
    workflow = COLLECTION_TASK
    list_display = ("item", "unit", "period", "due_display", "workflow_state", "submitted_at")
    list_filter = (own_unit_filter("报送单位", "unit"), "status", "is_initial_load", "is_catch_up", "period",
                   ("unit", RelatedInScopeFilter))
    search_fields = ("item__name", "unit__name", "period")
    list_select_related = ("item", "unit")
    readonly_fields = ("item", "unit", "period", "period_start_on", "period_end_on", "deadline_display",
                       "nominal_due_on", "due_on", "status", "submitted_at", "reminded_at", "is_initial_load",
                       "is_catch_up")
    inlines = [SubmissionInline]
    export_columns = [("采集事项", lambda t: t.item.name), ("报送单位", lambda t: t.unit.name), ("数据期", lambda t: t.period),
                      ("规定截止日", lambda t: t.nominal_due_on), ("截止日", lambda t: t.due_on),
                      ("截止日说明", lambda t: t.deadline_note), ("状态", lambda t: t.get_status_display())]

    @admin.display(description="截止日", ordering="due_on")
    def due_display(self, obj: CollectionTask) -> str:
        """The due date with the 顺延 rule in its tooltip and the 暂定 mark of a provisional calendar year."""
        mark = provisional(obj.due_on)
        rolled = obj.nominal_due_on is not None and obj.nominal_due_on != obj.due_on
        return format_html('<span title="{}">{}{}</span>{}', obj.deadline_note, obj.due_on,
                           "（顺延）" if rolled and not obj.is_catch_up else ("（补报）" if obj.is_catch_up else ""),
                           mark)

    @admin.display(description="截止日说明")
    def deadline_display(self, obj: CollectionTask) -> str:
        return format_html("{}{}", obj.deadline_note, provisional(obj.due_on))

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [path("board/", view(self.board_view), name="catalogs_collectiontask_board"),
                path("<int:pk>/submit/", view(self.submit_view), name="catalogs_collectiontask_submit"),
                *super().get_urls()]

    def board_view(self, request: HttpRequest) -> HttpResponse:
        """逾期看板 per unit and 按时报送率 per unit for the chosen year, within the user's scope."""
        year = parse_year(request.GET.get("year"), default=timezone.localdate().year)
        assert year is not None
        requests = InterfaceRequestPolicy().scope(request.user, InterfaceRequest.objects.all())
        units = Organization.objects.filter(Q(pk__in=self.get_queryset(request).values("unit_id"))
                                            | Q(pk__in=requests.values("producer_unit_id")))
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
                                   file=upload, file_name=upload.name, form=form)
            if sub is not None:
                level = messages.SUCCESS if sub.is_accepted else messages.ERROR
                self.message_user(request, sub.message, level=level)
                return HttpResponseRedirect(reverse("admin:catalogs_collectiontask_change", args=[pk]))
        return step_page(self, request, obj=task, form=form, label="报送", multipart=True,
                         hint="应包含的列：" + "、".join(task.item.fields))


@admin.register(CollectionSubmission)
class CollectionSubmissionAdmin(ReadOnlyAdmin):
    policy = CollectionSubmissionPolicy()
    list_display = ("task", "submitted_at", "channel", "row_count", "is_accepted", "message", submission_file)
    list_filter = ("is_accepted", "channel")
    list_select_related = ("task__item",)
    exclude = ("columns", "missing_columns", "extra_columns")
    readonly_fields = ("columns_text", "missing_columns_text", "extra_columns_text")

    @admin.display(description="文件列")
    def columns_text(self, obj: CollectionSubmission) -> str:
        return plain(obj.columns)

    @admin.display(description="缺少的列")
    def missing_columns_text(self, obj: CollectionSubmission) -> str:
        return plain(obj.missing_columns)

    @admin.display(description="多出的列")
    def extra_columns_text(self, obj: CollectionSubmission) -> str:
        return plain(obj.extra_columns)
