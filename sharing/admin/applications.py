"""Admin for share applications: scoped list, draft form through the service, workflow buttons, overdue board,
assessment report."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from catalogs.admin.common import filtered_list, own_unit_filter, related_links
from catalogs.models import CatalogEntry, DataItem, EntryStatus
from portal.admin_base import GovernedAdmin, date_range_filter
from portal.admin_workflow import WorkflowAdminMixin
from portal.xlsx import xlsx_response
from sharing import assessment, exports, permissions, selectors, services
from sharing.models import (
    ProducerOpinion,
    ShareApplication,
    WorkflowStep,
)
from sharing.services.applications import EDITABLE_FIELDS, validate_application
from sharing.workflow import SHARE_APPLICATION, Status, today


class OverdueFilter(admin.SimpleListFilter):
    title = "办理期限"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "已超期"), ("no", "未超期")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            return queryset.filter(current_due_on__lt=today())
        if self.value() == "no":
            return queryset.exclude(current_due_on__lt=today())
        return queryset


class StepInline(admin.TabularInline):
    model = WorkflowStep
    fk_name = "share_application"
    extra = 0
    can_delete = False
    fields = ("state_label", "actor", "responsible_unit", "started_on", "due_on", "is_statutory", "finished_on",
              "finished_by", "action_label", "opinion")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("responsible_unit", "finished_by")


class OpenStepInline(StepInline):
    fk_name = "open_application"


class OpinionInline(admin.TabularInline):
    model = ProducerOpinion
    extra = 0
    can_delete = False
    fields = ("producer_unit", "agrees", "opinion", "given_by", "given_at", "due_on")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def requestable_entries() -> QuerySet[CatalogEntry]:
    """Entries a unit may ask for: published and not retired (the share type decides the route, not visibility)."""
    return CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED, retired_at__isnull=True)


def requestable_items() -> QuerySet[DataItem]:
    return DataItem.objects.filter(entry__in=requestable_entries()).select_related("entry")


def item_label(item: DataItem) -> str:
    return f"{item.entry.code} {item.entry.title} · {item.name}"


class ScopedAutocomplete(AutocompleteSelectMultiple):
    """Django's admin autocomplete widget, pointed at this admin's own scoped search views (entries and data items
    have no admin of their own that could be searched with the applicant's scope)."""

    def __init__(self, *args: Any, url_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.search_url_name = url_name

    @property
    def media(self) -> forms.Media:
        """Django's autocomplete, then the script that sends the chosen entries with each search for data items."""
        return super().media + forms.Media(js=["sharing/item_picker.js"])

    def build_attrs(self, base_attrs: dict[str, Any], extra_attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        attrs = super().build_attrs(base_attrs, extra_attrs)
        if self.search_url_name == "sharing_autocomplete_items":
            attrs["data-entries-field"] = "id_entries"
            attrs["data-placeholder"] = "请先选择目录，再选择其中的信息项"
        return attrs

    def get_url(self) -> str:
        return reverse(f"{self.admin_site.name}:{self.search_url_name}")


class ShareApplicationForm(forms.ModelForm):
    class Meta:
        model = ShareApplication
        fields = ["applicant_unit", "kind", "entries", "data_items", *[f for f in EDITABLE_FIELDS if f != "kind"]]

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        from portal.models import Organization

        unit_ids = permissions.applicant_unit_ids(user)
        units = Organization.objects.all() if unit_ids is None else Organization.objects.filter(pk__in=unit_ids)
        if "applicant_unit" in self.fields:  # absent on read-only (view) forms
            self.fields["applicant_unit"].queryset = units
            if unit_ids is not None and len(unit_ids) == 1 and not self.instance.pk:
                self.fields["applicant_unit"].initial = next(iter(unit_ids))  # 本单位, the only one it may choose
        if "entries" in self.fields:
            self.fields["entries"].queryset = requestable_entries()
        if "data_items" in self.fields:
            self.fields["data_items"].queryset = requestable_items()
            self.fields["data_items"].label_from_instance = item_label

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        unit = data.get("applicant_unit")
        if unit is None:
            return data
        decision = permissions.can_create_share_application(self.user, unit)
        if not decision:
            raise ValidationError(decision.reason)
        probe = ShareApplication(applicant_unit=unit, **{f: data.get(f) for f in EDITABLE_FIELDS
                                                         if data.get(f) is not None})
        validate_application(probe, list(data.get("entries") or []), list(data.get("data_items") or []),
                             on=today())
        return data


class OpinionForm(forms.Form):
    agrees = forms.TypedChoiceField(label="会商结论", choices=[("1", "同意共享"), ("0", "不同意共享")], initial="1",
                                    coerce=lambda v: v == "1", widget=forms.RadioSelect)
    opinion = forms.CharField(label="会商意见", widget=forms.Textarea(attrs={"rows": 4, "cols": 80}), required=False)


@admin.register(ShareApplication)
class ShareApplicationAdmin(WorkflowAdminMixin, GovernedAdmin):
    policy = permissions.ShareApplicationPolicy()
    workflow = SHARE_APPLICATION
    form = ShareApplicationForm
    change_form_template = "admin/sharing/shareapplication/change_form.html"
    list_display = ("number", "business_matter", "applicant_unit", "share_type", "workflow_state", "due_display")
    list_filter = (own_unit_filter("申请单位/数源单位", "applicant_unit", "entries__source_unit"), "status",
                   "service_mode", "share_type", "route", "kind", OverdueFilter,
                   date_range_filter("created_at", "申请时间"))
    search_fields = ("number", "business_matter", "applicant_unit__name")
    list_select_related = ("applicant_unit",)
    readonly_fields = ("number", "status", "route", "share_type", "applicant_user", "submitted_at",
                       "is_deemed_stamped", "current_due_on", "is_statutory_due", "rejection_policy_basis",
                       "rejection_reason", "adjustment_note", "agreement_reference", "filed_with_city_at",
                       "filed_with_authority_at", "forwarded_at", "previous_application", "related_records")
    inlines = [OpinionInline, StepInline]
    field_groups = [
        ("共享方式与使用期限", ["service_mode", "interface_kind", "requested_from_on", "requested_until_on",
                       "source_location", "bulk_justification", "information_system", "system_mlps_level"]),
        ("审核结果", ["rejection_policy_basis", "rejection_reason", "adjustment_note", "agreement_reference"]),
        ("备案、转办与重新申请", ["filed_with_city_at", "filed_with_authority_at", "forwarded_at", "previous_application"]),
    ]

    @admin.display(description="超期", boolean=True)
    def overdue_flag(self, obj: ShareApplication) -> bool:
        return obj.is_overdue

    @admin.display(description="相关记录")
    def related_records(self, obj: ShareApplication) -> str:
        """The authorizations issued on this application, their usage records, and the re-applications."""
        if obj.pk is None:
            return "无"
        links = [("共享授权", filtered_list("sharing.authorization", application__id__exact=obj.pk)),
                 ("数据使用记录", filtered_list("sharing.datauserecord", authorization__application__id__exact=obj.pk)),
                 ("协商后重新申请", filtered_list("sharing.shareapplication", previous_application__id__exact=obj.pk))]
        if obj.previous_application_id:
            links.insert(0, ("原申请", reverse("admin:sharing_shareapplication_change",
                                             args=[obj.previous_application_id])))
        return related_links(links)

    @admin.display(description="办理期限", ordering="current_due_on")
    def due_display(self, obj: ShareApplication) -> str:
        """The current step's due date, with 已超期 in red when it has passed."""
        if obj.current_due_on is None:
            return "—"
        if obj.is_overdue:
            return format_html('{} <span class="badge badge-overdue">已超期</span>', obj.current_due_on)
        return str(obj.current_due_on)

    AUTOCOMPLETE = {"entries": "sharing_autocomplete_entries", "data_items": "sharing_autocomplete_items"}

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name in self.AUTOCOMPLETE:
            kwargs["widget"] = ScopedAutocomplete(db_field, self.admin_site, url_name=self.AUTOCOMPLETE[db_field.name])
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def autocomplete_view_for(self, request: HttpRequest, kind: str) -> JsonResponse:
        """Select2 search for the draft form: published entries / their data items, 20 per page."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied("只有单位数据管理员可以检索可申请的目录。")
        term = request.GET.get("term", "").strip()
        if kind == "entries":
            qs: QuerySet[Any] = requestable_entries().order_by("code", "pk")
            if term:
                qs = qs.filter(Q(code__icontains=term) | Q(title__icontains=term))
        else:  # only the items of the entries chosen on the form (sent by sharing/item_picker.js)
            chosen = [int(v) for v in request.GET.get("entries", "").split(",") if v.strip().isdigit()]
            qs = requestable_items().filter(entry_id__in=chosen).order_by("entry__code", "sort_order", "pk")
            if term:
                qs = qs.filter(Q(name__icontains=term) | Q(entry__title__icontains=term)
                               | Q(entry__code__icontains=term))
        page = Paginator(qs, 20).get_page(request.GET.get("page") or 1)
        label = (lambda e: f"{e.code} {e.title}（{e.get_share_type_display()}）") if kind == "entries" else item_label
        return JsonResponse({"results": [{"id": str(o.pk), "text": label(o)} for o in page.object_list],
                             "pagination": {"more": page.has_next()}})

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any) -> Any:
        form = super().get_form(request, obj, change, **kwargs)

        class Bound(form):  # type: ignore[misc, valid-type]
            def __init__(self, *args: Any, **kw: Any) -> None:
                super().__init__(*args, user=request.user, **kw)
        return Bound

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = {f: form.cleaned_data[f] for f in EDITABLE_FIELDS if f in form.cleaned_data}
        entries, items = list(form.cleaned_data["entries"]), list(form.cleaned_data["data_items"])
        if change:
            app = services.share_application_update(application=obj, acting_user=request.user, entries=entries,
                                                    data_items=items, **data)
        else:
            app = services.share_application_create(applicant_unit=form.cleaned_data["applicant_unit"],
                                                    entries=entries, data_items=items, acting_user=request.user,
                                                    **data)
        obj.pk = app.pk
        obj.number = app.number

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """Relations were saved by the service; the inlines (steps, opinions) are read-only and save nothing."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return list(self.inlines) if obj is not None else []  # a new draft has no steps or opinions yet

    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [
            path("overdue/", view(self.overdue_view), name="sharing_overdue"),
            path("autocomplete/entries/", view(lambda r: self.autocomplete_view_for(r, "entries")),
                 name="sharing_autocomplete_entries"),
            path("autocomplete/items/", view(lambda r: self.autocomplete_view_for(r, "items")),
                 name="sharing_autocomplete_items"),
            path("assessment/", view(self.assessment_view), name="sharing_assessment"),
            path("<int:pk>/act/<str:action>/", view(self.legacy_step_view), name="sharing_shareapplication_act"),
            path("<int:pk>/opinion/", view(self.opinion_view), name="sharing_shareapplication_opinion"),
            *super().get_urls(),
        ]

    def _get_visible(self, request: HttpRequest, pk: int) -> ShareApplication:
        app = selectors.share_application_get(request.user, pk)
        if app is None:
            raise Http404("申请不存在或无权查看。")
        return app

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return selectors.share_application_list(user=request.user)

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        app = selectors.share_application_get(request.user, object_id) if object_id.isdigit() else None
        if app is not None:
            extra["can_give_opinion"] = app.status == Status.JOINT_REVIEW and any(
                permissions.can_give_producer_opinion(request.user, app, e.source_unit) for e in app.entries.all())
        return super().change_view(request, object_id, form_url, extra)

    def legacy_step_view(self, request: HttpRequest, pk: int, action: str) -> HttpResponse:
        """The step pages' first address (``<pk>/act/<step>/``), kept for bookmarks: the derived step page."""
        app = self._get_visible(request, pk)
        if action not in self.workflow.transitions:
            raise Http404("未知操作。")
        return redirect(reverse("admin:sharing_shareapplication_step", args=[app.pk, action]))

    def opinion_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = self._get_visible(request, pk)
        units = [e.source_unit for e in app.entries.select_related("source_unit")
                 if permissions.can_give_producer_opinion(request.user, app, e.source_unit)]
        if not units:
            raise PermissionDenied("您不是本申请所涉数据生产单位的数据管理员，或申请不在会商环节。")
        form = OpinionForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            result = self.run_service(request, services.producer_opinion_give, application=app,
                                      producer_unit=units[0], acting_user=request.user, form=form,
                                      success="会商意见已提交。", **form.cleaned_data)
            if result is not None:
                return redirect(reverse("admin:sharing_shareapplication_change", args=[app.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "填写会商意见",
                   "object": app, "unit": units[0], "form": form}
        return TemplateResponse(request, "admin/sharing/opinion_form.html", context)

    def overdue_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        steps = selectors.overdue_step_list(request.user)[:500]
        violations = selectors.usage_violation_list(request.user)[:200]
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "title": "超期办理看板",
                   "steps": steps, "violations": violations, "today": today()}
        return TemplateResponse(request, "admin/sharing/overdue.html", context)

    def assessment_view(self, request: HttpRequest) -> HttpResponse:
        decision = permissions.can_view_assessment(request.user)
        if not decision:
            raise PermissionDenied(decision.reason)
        month = assessment.month_param(request.GET.get("month"))
        rows = assessment.unit_month_rows(request.user, month)
        if request.GET.get("format") == "xlsx":
            return xlsx_response(f"共享考核-{month:%Y-%m}.xlsx", [exports.assessment_sheet(rows, month)])
        context = {**self.admin_site.each_context(request), "opts": self.model._meta,
                   "title": f"共享考核评估（{month:%Y年%m月}）", "rows": rows, "month": month,
                   "headers": exports.ASSESSMENT_HEADERS}
        return TemplateResponse(request, "admin/sharing/assessment.html", context)


