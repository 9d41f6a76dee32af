"""Admin of catalog entries: scoped changelist, inlines saved through the services, workflow buttons, version diff,
import page, xlsx export; versions, classifications, grades and the 一数一源 registry."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from catalogs import services
from catalogs.admin.common import XlsxExportMixin, filtered_list, own_unit_filter, related_links
from catalogs.models import (
    CatalogEntry,
    CatalogVersion,
    Classification,
    DataElement,
    DataItem,
    Desensitisation,
    EntryStatus,
    Grade,
    ServiceInterface,
)
from catalogs.permissions import (
    CatalogEntryPolicy,
    ReferencePolicy,
    admin_units,
    can_add_entry,
    can_edit_entry,
    can_report_correction,
    can_request_interface,
    can_view_details,
)
from catalogs.selectors import entry_list, version_list
from catalogs.workflow import ENTRY
from portal.admin_base import GovernedAdmin, ReadOnlyAdmin, RelatedInScopeFilter
from portal.admin_workflow import WorkflowAdminMixin
from portal.display import pairs_html, plain
from portal.params import parse_int
from portal.xlsx import XlsxImportError


class ItemInlineForm(forms.ModelForm):
    element_code = forms.CharField(label="数据元编码", required=False, max_length=64,
                                   help_text="一数一源登记的数据元；他单位已登记的编码会被拒绝")

    class Meta:
        model = DataItem
        fields = ("name", "data_type", "description", "is_personal_info")
        widgets = {"description": forms.TextInput(attrs={"size": 30})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.element_id:
            self.fields["element_code"].initial = self.instance.element.code

    def validate_unique(self) -> None:
        """Names are checked by the service (retired items keep theirs and may be re-activated)."""


class ItemFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        unit = getattr(self.instance, "source_unit", None) if self.instance.source_unit_id else None
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            code = (data.get("element_code") or "").strip()
            if unit is not None and code and not data.get("DELETE"):
                refusal = services.entries.element_conflict(code, unit)
                if refusal:
                    form.add_error("element_code", refusal)


class InterfaceInlineForm(forms.ModelForm):
    class Meta:
        model = ServiceInterface
        fields = ("name", "kind", "origin", "endpoint", "spec", "call_instructions")
        widgets = {"spec": forms.Textarea(attrs={"rows": 2, "cols": 30}),
                   "call_instructions": forms.Textarea(attrs={"rows": 2, "cols": 30})}

    def validate_unique(self) -> None:
        """Checked by the service."""


class EntryChildInline(admin.TabularInline):
    """Items / interfaces of an entry: editable while the entry is editable; saved by the entry services (removing
    a row retires it, ids stay stable)."""

    extra = 1
    policy = CatalogEntryPolicy()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(retired_at__isnull=True)

    def _editable(self, request: HttpRequest, obj: Any) -> bool:
        if obj is None:
            return bool(self.policy.can_add(request.user))
        return bool(can_edit_entry(request.user, obj))

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._editable(request, obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True  # the parent entry is already scoped (and restricted entries show no inlines)


class DataItemInline(EntryChildInline):
    model = DataItem
    form = ItemInlineForm
    formset = ItemFormSet
    verbose_name_plural = "信息项（勾选“删除”即停用该信息项）"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("element")

    @admin.display(description="数据元编码")
    def element_code(self, obj: DataItem) -> str:
        """Shown when the entry is read-only (published): the registered data element, 无 when there is none."""
        return obj.element.code if obj.element is not None else "无"


class InterfaceInline(EntryChildInline):
    model = ServiceInterface
    form = InterfaceInlineForm
    extra = 0
    verbose_name_plural = "数据服务接口（勾选“删除”即停用该接口）"


class DesensitisationInlineForm(forms.ModelForm):
    class Meta:
        model = Desensitisation
        fields = ("item", "method", "performed_on", "note")
        widgets = {"note": forms.Textarea(attrs={"rows": 2, "cols": 30})}


class DesensitisationInline(EntryChildInline):
    """脱敏处理记录 of the entry's personal items (GD 第三十二条): recorded by ``desensitisation_record`` when the entry is
    saved; a changed row is recorded anew (the old one is retired), “删除” retires it."""

    model = Desensitisation
    form = DesensitisationInlineForm
    fk_name = "entry"
    extra = 0
    verbose_name_plural = "脱敏处理记录（个人信息项开放前逐项登记：方式、日期；登记人即处理责任人）"
    readonly_fields = ("performed_by",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).select_related("item", "performed_by")

    def get_formset(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        self._entry = obj  # per-request inline instance (ModelAdmin.get_inline_instances builds new ones)
        return super().get_formset(request, obj, **kwargs)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "item":
            entry = getattr(self, "_entry", None)
            kwargs["queryset"] = (DataItem.objects.filter(entry=entry, retired_at__isnull=True, is_personal_info=True)
                                  if entry is not None else DataItem.objects.none())
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _save_desensitisations(formset: Any, user: Any) -> None:
    """New or changed rows are recorded (a new record retires the item's previous one); ticked rows are retired."""
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        record = form.instance if form.instance.pk else None
        if record is not None and data.get("DELETE"):
            services.desensitisation_retire(record=record, acting_user=user, reason="在目录修改页删除")
        elif data.get("item") and not data.get("DELETE") and (record is None or form.has_changed()):
            services.desensitisation_record(item=data["item"], method=data.get("method") or "",
                                            performed_on=data.get("performed_on"), note=data.get("note") or "",
                                            acting_user=user)


class EntryForm(forms.ModelForm):
    class Meta:
        model = CatalogEntry
        fields = ["code", "title", "source_unit", *services.entries.ENTRY_FIELDS]


def _rows(formset: Any, keys: tuple[str, ...]) -> list[dict[str, Any]]:
    out = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if data.get("name") and not data.get("DELETE"):
            out.append({k: data.get(k) for k in keys if k in data})
    return out


@admin.register(CatalogEntry)
class CatalogEntryAdmin(XlsxExportMixin, WorkflowAdminMixin, GovernedAdmin):
    """Step buttons and step pages come from ``catalogs.workflow.ENTRY`` (WorkflowAdminMixin)."""

    policy = CatalogEntryPolicy()
    workflow = ENTRY
    form = EntryForm
    list_display = ("code", "title", "source_unit", "workflow_state", "share_type", "quality_score")
    list_filter = (own_unit_filter("数源单位", "source_unit"), "status", "share_type", "open_type", "level",
                   "update_frequency", "base_category", ("source_unit", RelatedInScopeFilter))
    search_fields = ("code", "title", "description", "keywords")
    list_select_related = ("source_unit",)
    inlines = [DataItemInline, InterfaceInline, DesensitisationInline]
    readonly_fields = ("status", "level", "version", "quality_display", "versions_display", "review_due_on",
                       "return_reason", "retire_reason", "related_buttons", "related_records")
    export_fields = (
        ("目录编码", "code"), ("资源名称", "title"), ("数源单位", "source_unit__name"), ("状态", "status"),
        ("共享类型", "share_type"), ("共享/开放依据", "legal_basis"), ("开放类型", "open_type"),
        ("更新频率", "update_frequency"), ("质量评分", "quality_score"), ("版本", "version"),
    )
    actions = ["action_submit", "action_publish", "action_revise"]
    RESTRICTED = ("code", "title", "source_unit", "share_type")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return entry_list(user=request.user)

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
        if obj is None or not DataItem.objects.filter(entry=obj, retired_at__isnull=True,
                                                      is_personal_info=True).exists():
            # records belong to saved personal items: the inline appears once the entry has one
            return [i for i in self.inlines if i is not DesensitisationInline]
        return self.inlines

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "source_unit":
            kwargs["queryset"] = admin_units(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    # ---- writes go through the services (entry, items and interfaces together, in save_related); a refusal shows
    # the form again with its input, at the field or inline it names (portal.admin_base.ServiceFormMixin)
    def save_model(self, request: HttpRequest, obj: CatalogEntry, form: Any, change: bool) -> None:
        """Saved with its items and interfaces by the service in ``save_related``."""

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        items = interfaces = desensitisations = None
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
            if formset.model is Desensitisation:
                desensitisations = formset
            elif formset.model is DataItem:
                items = _rows(formset, ("name", "data_type", "description", "is_personal_info", "element_code"))
            elif formset.model is ServiceInterface:
                interfaces = _rows(formset, services.entries.INTERFACE_FIELDS)
        data = {f: form.cleaned_data[f] for f in services.entries.ENTRY_FIELDS if f in form.cleaned_data}
        if change:
            if desensitisations is not None and desensitisations.has_changed():
                # first, so that the same save may open the entry (普遍开放 needs every personal item recorded)
                try:
                    _save_desensitisations(desensitisations, request.user)
                except ValidationError as exc:  # shown above the inline's rows (ServiceFormMixin)
                    raise ValidationError({desensitisations.prefix: exc.messages}) from exc
            services.entry_update(entry=form.instance, acting_user=request.user, items=items,
                                  interfaces=interfaces, **data)
        else:
            title = data.pop("title")
            created = services.entry_create(source_unit=form.cleaned_data["source_unit"],
                                            code=form.cleaned_data["code"], title=title, acting_user=request.user,
                                            items=items, interfaces=interfaces, **data)
            form.instance.pk = created.pk

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

    @admin.display(description="相关记录")
    def related_records(self, obj: CatalogEntry) -> str:
        """The entry's versions, corrections and interface requests (each list scoped to the viewer)."""
        if obj.pk is None:
            return "无"
        return related_links([
            ("发布版本", filtered_list("catalogs.catalogversion", entry__id__exact=obj.pk)),
            ("数据纠错", filtered_list("catalogs.datacorrection", entry__id__exact=obj.pk)),
            ("接口提供要求", filtered_list("catalogs.interfacerequest", entry__id__exact=obj.pk)),
            ("目录变更对授权的影响", filtered_list("sharing.catalogimpact", entry__id__exact=obj.pk)),
        ])

    @admin.display(description="其他办理")
    def related_buttons(self, obj: CatalogEntry) -> str:
        """Records started from a published entry (the entry's own steps are the buttons above the form)."""
        user = getattr(obj, "_viewer", None)
        if user is None or obj.pk is None:
            return "—"
        links = []
        if obj.status == EntryStatus.PUBLISHED and can_report_correction(user, obj):
            links.append((reverse("admin:catalogs_datacorrection_add") + f"?entry={obj.pk}", "报告问题数据"))
        if obj.status == EntryStatus.PUBLISHED and can_request_interface(user, obj.source_unit):
            links.append((reverse("admin:catalogs_interfacerequest_add") + f"?entry={obj.pk}", "要求提供接口"))
        if not links:
            return "—"
        return format_html_join(" ", '<a class="button" href="{}">{}</a>', links)

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._viewer = request.user  # per-request, for the “办理” buttons (never shared between requests)
        return obj

    # ---- extra pages
    def get_urls(self) -> list[Any]:
        view = self.custom_view
        return [
            path("<int:pk>/diff/", view(self.diff_view), name="catalogs_catalogentry_diff"),
            path("import/", view(self.import_view), name="catalogs_catalogentry_import"),
            path("quality/", view(self.quality_view), name="catalogs_catalogentry_quality"),
            *super().get_urls(),
        ]

    def quality_view(self, request: HttpRequest) -> HttpResponse:
        """目录质量评估: coverage (published / not yet) and the average quality score per source unit, as figures."""
        from portal.figures import figures_page

        return figures_page(self, request, title="目录质量评估（按数源单位）", keys=("catalog-coverage", "catalog-quality"),
                            intro="按数源单位统计目录编制（已发布、未发布）与目录质量评分平均值（QZ 附件1、附件2 "
                                  "目录要素与质量要求）；范围为您可查看的目录。")

    def _scoped(self, request: HttpRequest, pk: int) -> CatalogEntry:
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def diff_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        entry = self._scoped(request, pk)
        if not can_view_details(request.user, entry):
            raise PermissionDenied("该目录为“暂不共享”，不能查看版本差异。")
        try:
            old = parse_int(request.GET.get("old"), name="old", default=1)
            new = parse_int(request.GET.get("new"), name="new")
            assert old is not None
            changes = services.entry_version_diff(entry=entry, old_number=old, new_number=new)
        except ValidationError:
            self.message_user(request, "指定的版本不存在。", level=messages.ERROR)
            return HttpResponseRedirect(reverse("admin:catalogs_catalogentry_change", args=[pk]))
        return TemplateResponse(request, "admin/catalogs/diff.html", {
            **self.admin_site.each_context(request), "opts": self.model._meta, "entry": entry, "changes": changes,
            "old": old, "new": new or "当前", "title": f"{entry.title}：版本差异"})

    def import_view(self, request: HttpRequest) -> HttpResponse:
        units = admin_units(request.user)
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
            self.message_user(request, f"{ENTRY.transitions[action].label}：成功 {ok} 条。",
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


VERSION_ITEM_LABELS = {"name": "信息项名称", "data_type": "数据类型", "description": "说明", "is_personal_info": "个人信息",
                       "element": "数据元编码"}
VERSION_INTERFACE_LABELS = {"name": "接口名称", "kind": "接口类型", "endpoint": "接口地址", "spec": "接口规范",
                            "call_instructions": "调用说明"}


@admin.register(CatalogVersion)
class CatalogVersionAdmin(ReadOnlyAdmin):
    policy = CatalogEntryPolicy()
    list_display = ("entry", "number", "published_at", "published_by")
    fields = ("entry", "number", "published_at", "published_by", "snapshot_display", "related_records")
    readonly_fields = fields
    list_filter = (("entry", RelatedInScopeFilter),)

    @admin.display(description="相关记录")
    def related_records(self, obj: CatalogVersion) -> str:
        return related_links([
            ("目录条目", reverse("admin:catalogs_catalogentry_change", args=[obj.entry_id])),
            ("该目录的全部版本", filtered_list("catalogs.catalogversion", entry__id__exact=obj.entry_id)),
            ("与当前比较", reverse("admin:catalogs_catalogentry_diff", args=[obj.entry_id]) + f"?old={obj.number}"),
        ])
    list_select_related = ("entry", "published_by")
    search_fields = ("entry__code", "entry__title")

    @admin.display(description="内容快照")
    def snapshot_display(self, obj: CatalogVersion) -> str:
        data = obj.snapshot or {}
        pairs = [(label, plain(data.get(key))) for key, label in services.entries.SNAPSHOT_LABELS.items()]
        pairs += [("信息项", plain(data.get("items"), VERSION_ITEM_LABELS)),
                  ("数据服务接口", plain(data.get("interfaces"), VERSION_INTERFACE_LABELS))]
        return pairs_html(pairs)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return version_list(user=request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_view_permission(self, request, obj) and (
            obj is None or bool(can_view_details(request.user, obj.entry)))


class ReferenceAdmin(GovernedAdmin):
    policy = ReferencePolicy()
    search_fields = ("code", "name")


admin.site.register(Classification, ReferenceAdmin, list_display=("code", "name", "parent"), list_select_related=("parent",))
admin.site.register(Grade, ReferenceAdmin, list_display=("code", "name", "rank"))


@admin.register(DataElement)
class DataElementAdmin(ReadOnlyAdmin):
    """一数一源登记表 (written by the entry services)."""

    policy = ReferencePolicy()
    list_display = ("code", "name", "source_unit")
    list_select_related = ("source_unit",)
    search_fields = ("code", "name", "source_unit__name")


