"""Admin of applications and what hangs on them. The step buttons and step pages come from the workflow declaration
(``subsidies.workflow.APPLICATION`` through ``portal.admin_workflow``); every step is ``APPLICATION.apply``, never a
form save; evidence is downloaded through the kernel's audited download; awards export the finance workbook."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from portal.admin_base import GovernedAdmin, ReadOnlyAdmin, date_range_filter, labelled_filter, year_filter
from portal.admin_workflow import WorkflowAdminMixin
from portal.display import plain
from portal.files import download_link
from portal.xlsx import Sheet
from subsidies import permissions as perms
from subsidies import services
from subsidies.admin.exports import FilteredXlsxExportMixin
from subsidies.exports import DETAIL_WRAP, DISBURSEMENT_HEADERS, detail_widths, disbursement_response, disbursement_rows
from subsidies.models import Application, ApplicationEvent, ApplicationOrigin, Award, Evidence, ExpertScore, Objection
from subsidies.review_checks import findings_as_rows, review_findings
from subsidies.selectors import (
    application_get_for_user,
    application_list,
    application_timeline,
    award_list,
    candidate_source_rows,
    rule_filter_choices,
    rule_outside_note,
)
from subsidies.trace import trace_rows
from subsidies.workflow import APPLICATION, step_label


class ScoreForm(forms.Form):
    score = forms.DecimalField(label="评分（0–100）", max_digits=5, decimal_places=2, min_value=0, max_value=100)
    comment = forms.CharField(label="评审意见", widget=forms.Textarea(attrs={"rows": 3}), required=False)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    can_delete = False
    fields = ["kind_display", "download", "size", "content_type", "sha256", "created_at", "retired_at"]
    readonly_fields = fields

    @admin.display(description="材料类型")
    def kind_display(self, obj: Evidence) -> str:
        return obj.kind_label

    def get_queryset(self, request: HttpRequest) -> QuerySet[Evidence]:
        return super().get_queryset(request).select_related("application__call")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="文件")
    def download(self, obj: Evidence) -> str:
        return download_link(obj, "file")


class ScoreInline(admin.TabularInline):
    model = ExpertScore
    extra = 0
    can_delete = False
    fields = ["expert", "score", "comment", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ObjectionInline(admin.TabularInline):
    model = Objection
    extra = 0
    can_delete = False
    fields = ["received_on", "objector", "content", "status", "resolution", "resolved_at"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RuleFilter(admin.SimpleListFilter):
    """规则: a program officer chooses among the own bureau's rules; a rule of another bureau (a link or a typed
    address) is not silently empty: a note names the bureau that handles it."""

    title = "规则"
    parameter_name = "rule__id__exact"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return rule_filter_choices(request.user, model_admin.get_queryset(request))

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if not self.value():
            return queryset
        note = rule_outside_note(request.user, self.value())
        if note:
            messages.warning(request, note)
        return queryset.filter(rule_id=self.value()) if str(self.value()).isdigit() else queryset.none()


@admin.register(Application)
class ApplicationAdmin(FilteredXlsxExportMixin, WorkflowAdminMixin, GovernedAdmin):
    policy = perms.ApplicationPolicy()
    workflow = APPLICATION
    change_form_template = "admin/subsidies/application/change_form.html"
    # fits a 1366-px laptop with the sidebar and the filters: the rule by its code (full title on hover), the due date
    # and its 已逾期 badge in one column, amounts on one line
    list_display = ["number_display", "enterprise", "rule_code", "workflow_state", "ceiling", "approved_amount",
                    "due_display", "is_duplicate"]  # the year leads the number (and is a filter)
    list_display_links = ["number_display"]
    list_filter = ["status", year_filter("period", "申报年度"), "rule__family", RuleFilter, "origin", "is_duplicate", "call",
                   date_range_filter("created_at", "创建时间")]
    list_select_related = ["enterprise", "rule", "call"]
    search_fields = ["number", "enterprise__name", "enterprise__uscc"]
    readonly_fields = ["number", "origin", "call", "rule", "enterprise", "status", "facts_display", "key", "period",
                       "ceiling", "approved_amount", "decision_reason", "correction_request", "is_duplicate",
                       "duplicate_of", "submitted_at", "event_on", "due_on", "publicity_ends_on", "reviewer",
                       "payment_display", "calculation_display", "timeline_display", "proactive_display",
                       "cross_checks_display"]
    # the status and due date lead the page (record header); the groups follow the steps, and those not reached
    # yet (no approved amount, no 补正, no duplicate, no payment) are collapsed (CollapseEmptyGroupsMixin)
    fieldsets = [
        (None, {"fields": ["number", "origin", "enterprise", "rule", "call", "period", "status", "submitted_at",
                           "event_on", "due_on", "reviewer", "timeline_display"]}),
        ("申报事实与测算", {"fields": ["facts_display", "calculation_display", "ceiling", "key"]}),
        ("免申即享：数据来源与企业更正", {"fields": ["proactive_display"]}),
        ("交叉核查", {"fields": ["cross_checks_display"]}),
        ("补正", {"fields": ["correction_request"]}),
        ("审核决定与公示", {"fields": ["approved_amount", "decision_reason", "publicity_ends_on"]}),
        ("重复申报核查", {"fields": ["is_duplicate", "duplicate_of"]}),
        ("财政拨付", {"fields": ["payment_display"]}),
    ]
    inlines = [EvidenceInline, ScoreInline, ObjectionInline]
    # 财政拨付 is no bulk action: each payment is confirmed on its step page with 支付凭证号 and 支付日期.
    actions = ["accept_selected", "review_selected", "publicity_selected", "publicity_close_selected"]
    REVIEW_ACTIONS = frozenset(actions)

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        """Offer each bulk action only to the roles allowed to run it (finance staff see no 受理/开始审核)."""
        actions = super().get_actions(request)
        if not perms.can_review_applications(request.user):
            for name in self.REVIEW_ACTIONS:
                actions.pop(name, None)
        return actions

    EXPORT_HEADERS = ["申报编号", "申报主体", "统一社会信用代码", "规则", "年度", "申报批次", "申报方式", "状态",
                      "测算上限（元）", "核定金额（元）", "期限", "逾期"]

    def export_sheet(self, qs: QuerySet[Application]) -> Sheet:
        """The filtered applications, one line each, with a 合计 of the ceilings and approved amounts."""
        rows = ([a.number, a.enterprise.name, a.enterprise.uscc, f"{a.rule.code} {a.rule.title}", a.period,
                 a.call.name, a.get_origin_display(), a.get_status_display(), a.ceiling, a.approved_amount, a.due_on,
                 "是" if a.is_overdue else "否"] for a in qs.iterator(chunk_size=500))
        return Sheet("奖补申报", self.EXPORT_HEADERS, rows, widths=[19, 30, 21, 34, 7, 26, 10, 13, 15, 15, 11.5, 6],
                     wrap=(1, 3, 5), totals=(8, 9), print_title="奖补申报清单（当前筛选）")

    @admin.display(description="申报编号", ordering="number")
    def number_display(self, obj: Application) -> str:
        if obj.origin == ApplicationOrigin.PROACTIVE:
            return format_html('{}<br><span class="badge badge-state">免申即享</span>', obj.number or "草稿")
        return obj.number or "草稿"

    @admin.display(description="推送、数据来源与更正")
    def proactive_display(self, obj: Application) -> str:
        candidate = getattr(obj, "match_candidate", None) if obj.pk else None
        if candidate is None:
            return "企业自行申报（非免申即享）"
        labels = {f["name"]: f["label"] for f in obj.rule.facts_schema()}
        head = format_html("<p>{} 推送，预计 {} 元；企业于 {} 确认。</p>",
                           timezone.localtime(candidate.pushed_at).strftime("%Y-%m-%d %H:%M") if candidate.pushed_at
                           else "—", candidate.amount,
                           timezone.localtime(candidate.responded_at).strftime("%Y-%m-%d %H:%M")
                           if candidate.responded_at else "—")
        sources = format_html_join("", "<li>{}</li>", (
            ("，".join(f"{label}：{value}" for label, value in row["items"]),)
            for row in candidate_source_rows(candidate))) or format_html("<li>{}</li>", "无来源记录")
        corrections = format_html_join("", "<li>{}：{} → <b>{}</b></li>", (
            (labels.get(k, k), candidate.facts.get(k, "—"), v) for k, v in (candidate.corrections or {}).items()))
        evidence = (format_html("；更正依据：{}", download_link(candidate, "correction_evidence"))
                    if candidate.correction_evidence else "")
        return format_html("{}<p>数据来源：</p><ul>{}</ul><p>企业更正{}：</p><ul>{}</ul>", head, sources, evidence,
                           corrections or format_html("<li>{}</li>", "无（按推送的数据确认）"))

    @admin.display(description="核查结果")
    def cross_checks_display(self, obj: Application) -> str:
        if not obj.pk:
            return "—"
        findings = review_findings(obj, on=timezone.localdate())
        if not findings:
            return "未发现不良行为记录（有效期内）或同一项目在其他政策下的奖补。"
        return format_html("<ul>{}</ul><p>{}</p>", format_html_join("", "<li><b>{}{}</b>：{}<br>依据：{}</li>", (
            (f.label, "（不得核定）" if f.blocking else "（须写明处理意见）", f.text, f.basis) for f in findings)),
            "核定时自动复核；有“不得核定”的不能核定，有提示的须在核定说明中写明处理意见。")

    @admin.display(description="拨付信息")
    def payment_display(self, obj: Application) -> str:
        award = getattr(obj, "award", None) if obj.pk else None
        if award is None or not award.disbursed_on:
            return "未拨付"
        return format_html("支付凭证号 <b>{}</b>，支付日期 {}", award.payment_reference or "无", award.disbursed_on)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False  # applicants apply on the site or through the API

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the change form is read-only; steps are the buttons above it

    @admin.display(description="逾期", boolean=True)
    def overdue_display(self, obj: Application) -> bool:
        return obj.is_overdue

    @admin.display(description="规则", ordering="rule__code")
    def rule_code(self, obj: Application) -> str:
        return format_html('<span title="{}">{}</span>', str(obj.rule), obj.rule.code)

    @admin.display(description="办理期限", ordering="due_on")
    def due_display(self, obj: Application) -> str:
        if obj.due_on is None:
            return "—"
        if obj.is_overdue:
            return format_html('{}<br><span class="badge badge-overdue">已逾期</span>', obj.due_on)
        return str(obj.due_on)

    @admin.display(description="申报事实")
    def facts_display(self, obj: Application) -> str:
        schema = {f["name"]: f for f in obj.rule.facts_schema()}
        return format_html("<ul>{}</ul>", format_html_join("", "<li>{}：<b>{}</b></li>", (
            (schema[k]["label"] if k in schema else k,
             plain(v, {c["value"]: c["label"] for c in schema.get(k, {}).get("choices", [])}))
            for k, v in (obj.facts or {}).items())))

    @admin.display(description="测算过程")
    def calculation_display(self, obj: Application) -> str:
        calc = obj.calculation or {}
        if not calc:
            return "无"
        head = format_html("<p>结论：{}，上限 {} 元（市 {} / 县 {}）{}</p>", "符合" if calc.get("eligible") else "不符合",
                           calc.get("amount"), calc.get("funding", {}).get("city"),
                           calc.get("funding", {}).get("county"), "；".join(calc.get("reasons", [])))
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                                ((t["caption"], t["value"], t["citation"]) for t in trace_rows(calc)))
        return format_html("{}<table><tr><th>步骤</th><th>值</th><th>依据</th></tr>{}</table>", head, rows)

    @admin.display(description="办理进度")
    def timeline_display(self, obj: Application) -> str:
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (s["label"], {"done": "已办", "current": "办理中", "pending": "待办"}[s["status"]],
             timezone.localtime(s["done_at"]).strftime("%Y-%m-%d %H:%M") if s["done_at"] else "",
             s["due_on"] or "", "逾期" if s["is_overdue"] else "") for s in application_timeline(obj)))
        return format_html("<table><tr><th>环节</th><th>状态</th><th>办理时间</th><th>期限</th><th></th></tr>{}</table>",
                           rows)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return application_list(user=request.user)

    # ------------------------------------------------------------------ steps (declared), score, bulk actions
    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/score/", self.custom_view(self.score_view), name="subsidies_application_score"),
                *super().get_urls()]

    def _visible(self, request: HttpRequest, pk: int) -> Application:
        try:
            return application_get_for_user(request.user, pk)
        except Application.DoesNotExist:
            raise Http404("申报不存在或无权查看。") from None

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: dict[str, Any] | None = None) -> HttpResponse:
        extra = dict(extra_context or {})
        if object_id.isdigit():
            app = application_list(user=request.user).filter(pk=object_id).first()
            if app is not None:
                extra["can_score"] = app.rule.is_competitive and bool(perms.can_score(request.user, app))
        return super().change_view(request, object_id, form_url, extra)

    def workflow_step_context(self, request: HttpRequest, obj: Application, transition: Any) -> dict[str, Any]:
        """Every step page shows the running due date and the ceiling; the approval also the calculation behind it."""
        trace = trace_rows(obj.calculation) if transition.name == "approve" else []
        checks = findings_as_rows(review_findings(obj, on=timezone.localdate())) if transition.name == "approve" else []
        return {"step_info_template": "admin/subsidies/application/step_info.html", "trace": trace,
                "cross_checks": checks}

    def workflow_initial(self, request: HttpRequest, obj: Application, transition: Any) -> dict[str, Any]:
        return {"amount": obj.ceiling} if transition.name == "approve" else {}

    def score_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        app = self._visible(request, pk)
        form = ScoreForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            result = self.run_service(request, services.application_score, application=app, form=form,
                                      acting_user=request.user, success="评分已保存。", **form.cleaned_data)
            if result is not None:
                return redirect(reverse("admin:subsidies_application_change", args=[app.pk]))
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "object": app,
                   "title": "专家评分", "form": form}
        return TemplateResponse(request, "admin/subsidies/application/score_form.html", context)

    # ------------------------------------------------------------------ bulk actions (no extra input needed)
    def _bulk(self, request: HttpRequest, queryset: QuerySet[Application], func: Any, label: str) -> None:
        done = 0
        for app in queryset.order_by("pk"):
            if self.run_service(request, func, application=app, acting_user=request.user) is not None:
                done += 1
        if done:
            self.message_user(request, f"已{label} {done} 件。", level=messages.SUCCESS)

    @admin.action(description="受理所选申报")
    def accept_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._bulk(request, queryset, services.application_accept, "受理")

    @admin.action(description="所选申报开始审核")
    def review_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._bulk(request, queryset, services.application_review_start, "开始审核")

    @admin.action(description="所选已核定申报开始公示")
    def publicity_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._bulk(request, queryset, services.application_publicity_start, "开始公示")

    @admin.action(description="结束所选已期满的公示")
    def publicity_close_selected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._bulk(request, queryset, services.application_publicity_close, "结束公示")


@admin.register(Award)
class AwardAdmin(FilteredXlsxExportMixin, GovernedAdmin):
    policy = perms.AwardPolicy()
    # fits a 1366-px laptop for finance staff: the application by its number, the rule by its code, the city/county
    # shares in one column, the payment (date and voucher number) in one
    list_display = ["application_number", "enterprise", "rule_code", "shares", "county_short", "status_display",
                    "payment"]
    list_filter = [year_filter("year", "年度"), "status", "rule__family", RuleFilter, "county"]
    list_select_related = ["application", "enterprise", "rule", "county"]
    search_fields = ["enterprise__name", "enterprise__uscc", "application__number"]
    actions = ["export_selected_year"]
    field_groups = [
        ("分担与资金池", ["city_amount", "county_amount", "county", "city_pool", "county_pool"]),
        ("收款人", ["payee_name", "payee_bank", "payee_account"]),
        ("拨付", ["disbursed_on", "payment_reference"]),
        ("释放", ["released_on"]),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Award]:
        return award_list(user=request.user)

    @admin.display(description="申报编号", ordering="application__number")
    def application_number(self, obj: Award) -> str:
        return obj.application.number

    @admin.display(description="规则", ordering="rule__code")
    def rule_code(self, obj: Award) -> str:
        return format_html('<span title="{}">{}</span>', str(obj.rule), obj.rule.code)

    @admin.display(description="承担县（市、区）", ordering="county__name")
    def county_short(self, obj: Award) -> str:
        county = obj.county
        return (county.short_name or county.name.removesuffix("人民政府")) if county is not None else "—"

    @admin.display(description="状态（核定日期）", ordering="status")
    def status_display(self, obj: Award) -> str:
        return format_html('<span class="badge badge-state{}">{}</span><br>{}',
                           " badge-final" if obj.status == "released" else "", obj.get_status_display(),
                           obj.approved_on or "")

    @admin.display(description="核定金额及市/县分担（元）", ordering="amount")
    def shares(self, obj: Award) -> str:
        return format_html('<b>{}</b><br><span class="quiet">市 {}<br>县 {}</span>', obj.amount, obj.city_amount,
                           obj.county_amount)

    @admin.display(description="拨付（日期、凭证号）", ordering="disbursed_on")
    def payment(self, obj: Award) -> str:
        if not obj.disbursed_on:
            return "未拨付"
        return format_html("{}<br>{}", obj.disbursed_on, obj.payment_reference or "—")

    def export_sheet(self, qs: QuerySet[Award]) -> Sheet:
        """The filtered awards as the finance detail sheet (one line per paying level, 合计 of the amounts)."""
        detail = qs.select_related("enterprise", "rule", "application", "county", "city_pool__budget_unit",
                                   "county_pool__budget_unit", "call").order_by("approved_on", "pk")
        return Sheet("拨付明细", DISBURSEMENT_HEADERS, disbursement_rows(detail), widths=detail_widths(detail),
                     wrap=DETAIL_WRAP, totals=(4,), print_title="惠企政策奖补拨付明细表（当前筛选）")

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description="导出所选奖补所在年度的财政拨付表（.xlsx）")
    def export_selected_year(self, request: HttpRequest, queryset: QuerySet[Award]) -> Any:
        years = sorted(set(queryset.values_list("year", flat=True)))
        if len(years) != 1:
            self.message_user(request, "请选择同一年度的奖补记录导出。", level=messages.ERROR)
            return None
        return disbursement_response(years[0], request.user)


@admin.register(Objection)
class ObjectionAdmin(GovernedAdmin):
    policy = perms.ObjectionPolicy()
    list_display = ["application", "objector", "received_on", "status", "resolved_at"]
    list_filter = ["status"]
    list_select_related = ["application"]
    fields = ["application", "objector", "content", "received_on", "status", "resolution"]
    raw_id_fields = ["application"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["application", "objector", "content", "received_on"] if obj else ["status", "resolution"]

    def save_model(self, request: HttpRequest, obj: Objection, form: Any, change: bool) -> None:
        """Record through objection_record; a decision through objection_resolve (cancels when upheld); a refusal
        shows the form again with its input (portal.admin_base.ServiceFormMixin)."""
        if not change:
            row = services.objection_record(application=obj.application, objector=obj.objector, content=obj.content,
                                            received_on=obj.received_on, acting_user=request.user)
            obj.pk = row.pk
            return
        if obj.status != "open":
            original = Objection.objects.get(pk=obj.pk)
            services.objection_resolve(objection=original, upheld=obj.status == "upheld", resolution=obj.resolution,
                                       acting_user=request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) if obj is None else (
            obj.status == "open" and perms.is_reviewer(request.user, obj.application.rule))


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    policy = perms.ApplicationChildPolicy()
    list_display = ["at", "application", "action_display", "from_status_display", "to_status_display", "actor",
                    "due_on"]
    list_filter = [labelled_filter("action", "操作", step_label, codes=lambda: APPLICATION.transitions.keys())]
    list_select_related = ["application__rule", "application__enterprise", "actor"]
    fields = ("at", "application", "action_display", "from_status_display", "to_status_display", "actor", "note",
              "due_on")
    readonly_fields = fields

    @admin.display(description="操作", ordering="action")
    def action_display(self, obj: ApplicationEvent) -> str:
        return obj.action_label

    @admin.display(description="原状态")
    def from_status_display(self, obj: ApplicationEvent) -> str:
        return obj.from_status_label

    @admin.display(description="新状态")
    def to_status_display(self, obj: ApplicationEvent) -> str:
        return obj.to_status_label


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    policy = perms.ApplicationChildPolicy()
    list_display = ["original_name", "application", "kind_display", "size", "content_type", "created_at"]
    list_select_related = ["application__call", "application__rule", "application__enterprise"]
    search_fields = ["original_name", "application__number"]
    exclude = ["file", "kind"]
    readonly_fields = ["kind_display", "download"]

    @admin.display(description="材料类型")
    def kind_display(self, obj: Evidence) -> str:
        return obj.kind_label

    @admin.display(description="下载")
    def download(self, obj: Evidence) -> str:
        return download_link(obj, "file")
