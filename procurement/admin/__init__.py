"""Admin for 政务信息化项目与采购: scoped by the app's policies, history on, no delete; the workflow steps are
buttons and step pages derived from ``procurement.workflow`` (``WorkflowAdminMixin``); bidding records export to
Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html

from portal.admin_base import GovernedAdmin
from portal.admin_workflow import WorkflowAdminMixin
from portal.display import pairs_html, plain
from portal.models import Organization
from portal.permissions import units_for
from portal.roles import Role
from portal.xlsx import Sheet, xlsx_response
from procurement import models as m
from procurement import permissions as perms
from procurement.admin import forms
from procurement.admin.columns import moment, nowrap, unit_short
from procurement.admin.entry import ServiceEntryAdmin, changed_values
from procurement.admin.links import OCDS_PATH, RelatedLinksMixin
from procurement.redflags.base import DETAIL_BID_KEYS, DETAIL_LABELS, EVENT_LABELS
from procurement.selectors import bid_list, bidding_records, project_list, score_grid, tender_list
from procurement.services import projects as ps
from procurement.services import remedies as rm
from procurement.services import tenders as ts
from procurement.workflow import PROJECT, TENDER


class ServiceOnlyAdmin(GovernedAdmin):
    """Records created and changed only through services: the admin lists, shows history and runs actions."""

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in self.model._meta.fields]


class DataResourceInline(admin.TabularInline):
    model = m.ProjectDataResource
    fields = ["name", "catalog_entry", "description"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.AnnualPlan)
class AnnualPlanAdmin(ServiceOnlyAdmin):
    policy = perms.AnnualPlanPolicy()
    list_display = ["year", "status", "demand_opens_on", "draft_due_on", "drafted_on", "is_drafted_late",
                    "approved_on"]


@admin.register(m.ItProject)
class ItProjectAdmin(RelatedLinksMixin, WorkflowAdminMixin, ServiceEntryAdmin):
    """项目申报 (add → ``project_declare``); declaration details editable until the FSR is approved; the steps of
    ``procurement.workflow.PROJECT`` are buttons on the record (derived step pages)."""

    policy = perms.ProjectPolicy()
    workflow = PROJECT
    form = forms.ProjectForm
    add_fields = ["code", "name", "construction_unit", "annual_plan", "declared_on", "total_investment",
                  "data_resources_text", "has_sharing_analysis", "content_and_scale", "is_emergency_inclusion",
                  "is_classified", "responsible_person"]
    change_fields = list(ps.PROJECT_EDITABLE)
    field_groups = [
        ("联合审核（5个工作日）", ["joint_review_started_on", "joint_review_due_on", "joint_review_done_on",
                                "review_opinions"]),
        ("可行性研究与初步设计", ["fsr_approval_no", "fsr_approved_on", "is_merged_fsr_pd", "merge_reason",
                               "pd_submitted_on", "pd_review_due_on", "pd_approval_no", "pd_approved_on",
                               "budget_estimate"]),
        ("运维经费", ["om_funding_requested", "om_funding_approved", "om_funding_approved_on"]),
        ("建设与验收", ["construction_started_on", "completed_on", "acceptance_due_on", "acceptance_applied_on",
                     "archive_acceptance_passed", "crypto_assessment_report", "security_check_passed",
                     "classified_review_passed", "accepted_on"]),
        ("运行与自评价", ["in_operation_on", "self_evaluated_on"]),
        ("暂停", ["suspended_reason"]),
    ]
    list_display = ["code_col", "name", "unit_col", "workflow_state", "total_investment", "acceptance_due_on"]

    @admin.display(description="项目编号", ordering="code")
    def code_col(self, obj: m.ItProject) -> str:
        return nowrap(obj.code)

    @admin.display(description="建设单位", ordering="construction_unit__name")
    def unit_col(self, obj: m.ItProject) -> str:
        return unit_short(obj.construction_unit)
    list_filter = ["status", "annual_plan"]
    search_fields = ["code", "name"]
    list_select_related = ["construction_unit"]
    inlines = [DataResourceInline]
    actions = ["show_acceptance_blockers", "rerun_red_flags"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return project_list(user=request.user)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.status not in ps.PROJECT_EDITABLE_STATUSES:
            return [f.name for f in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "construction_unit" in fields and not request.user.is_superuser:
            fields["construction_unit"].queryset = Organization.objects.filter(
                pk__in=units_for(request.user, Role.PROCUREMENT_OFFICER))

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        return ps.project_declare(
            code=data["code"], name=data["name"], construction_unit=data["construction_unit"],
            plan=data.get("annual_plan"), declared_on=data["declared_on"], total_investment=data["total_investment"],
            data_resources=(data.get("data_resources_text") or "").splitlines(),
            has_sharing_analysis=data.get("has_sharing_analysis", False),
            content_and_scale=data.get("content_and_scale", ""),
            is_emergency_inclusion=data.get("is_emergency_inclusion", False),
            is_classified=data.get("is_classified", False), responsible_person=data.get("responsible_person", ""),
            acting_user=request.user)

    def perform_change(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        changes = changed_values(obj, data, self.change_fields)
        return ps.project_update(project=obj, acting_user=request.user, **changes) if changes else obj

    @admin.action(description="查看验收前仍缺的条件")
    def show_acceptance_blockers(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for project in queryset:
            blockers = ps.acceptance_blockers(project)
            level = messages.WARNING if blockers else messages.SUCCESS
            self.message_user(request, f"{project.code}：" + ("；".join(blockers) or "验收条件已齐备。"), level)

    @admin.action(description="重新运行风险预警规则（项目下各招标项目）")
    def rerun_red_flags(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for project in queryset:
            self.run_service(request, rm.red_flags_rerun, project=project, acting_user=request.user,
                             success=f"{project.code} 的风险预警已更新。")


@admin.register(m.SharingFailureFinding)
class SharingFailureAdmin(ServiceOnlyAdmin):
    policy = perms.SharingFailurePolicy()
    list_display = ["unit", "source", "found_on", "resolved_on"]
    list_select_related = ["unit"]


for model, policy, columns in (
    (m.BudgetAdjustment, perms.ProjectChildPolicy(), ["project", "change_amount", "pct_of_estimate", "outcome",
                                                      "filed_on"]),
    (m.PerformanceReport, perms.ProjectChildPolicy(), ["project", "year", "submitted_on", "is_late"]),
    (m.AcceptanceExtension, perms.ProjectChildPolicy(), ["project", "requested_on", "new_due_on", "is_approved"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ServiceOnlyAdmin,), {
        "policy": policy, "list_display": columns, "list_select_related": ["project"]}))


class LotInline(admin.TabularInline):
    model = m.Lot
    fields = ["lot_no", "subject", "control_price", "status", "benchmark_price", "awarded_bid"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(m.Tender)
class TenderAdmin(RelatedLinksMixin, WorkflowAdminMixin, ServiceEntryAdmin):
    """招标项目 (add → ``tender_create`` with its first lot; draft editable → ``tender_update``); the steps of
    ``procurement.workflow.TENDER`` are buttons on the record; bids and contracts have their own entry pages."""

    policy = perms.TenderPolicy()
    workflow = TENDER
    form = forms.TenderForm
    add_fields = ["project", "tender_no", "title", "bid_deadline", "evaluation_method", "price_option", "q_below",
                  "q_above", "tech_weight", "commercial_weight", "price_weight", "candidate_count", "agent_name",
                  "contract_sign_days", "lot_subject", "lot_control_price", "lot_bid_bond_amount"]
    change_fields = list(ts.TENDER_EDITABLE)
    field_groups = [
        ("评标办法与权重", ["evaluation_method", "tech_weight", "commercial_weight", "price_weight", "price_option",
                     "range_low_pct", "range_high_pct", "q_below", "q_above", "candidate_count"]),
        ("发布、投标与开标", ["issued_at", "bid_deadline", "opened_at", "bid_validity_days"]),
        ("定标与合同", ["report_received_on", "award_determined_on", "award_notice_issued_on", "written_report_filed_on",
                   "contract_sign_days"]),
        ("终止", ["terminated_reason"]),
    ]
    list_display = ["tender_no_col", "title", "tenderer_col", "workflow_state", "deadline_col"]

    @admin.display(description="招标编号", ordering="tender_no")
    def tender_no_col(self, obj: m.Tender) -> str:
        return nowrap(obj.tender_no)

    @admin.display(description="招标人", ordering="tenderer__name")
    def tenderer_col(self, obj: m.Tender) -> str:
        return unit_short(obj.tenderer)

    @admin.display(description="投标截止", ordering="bid_deadline")
    def deadline_col(self, obj: m.Tender) -> str:
        return moment(obj.bid_deadline)
    list_filter = ["status", "evaluation_method"]
    search_fields = ["tender_no", "title"]
    list_select_related = ["tenderer"]
    inlines = [LotInline]
    actions = ["rerun_red_flags", "export_bidding_records"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return tender_list(user=request.user)

    def get_urls(self) -> list[Any]:
        return [path("<int:pk>/record-bid/", self.custom_view(self.record_bid_view),
                     name="procurement_tender_record_bid"),
                path("<int:pk>/sign-contract/", self.custom_view(self.sign_contract_view),
                     name="procurement_tender_sign_contract"),
                path("<int:pk>/score-grid/", self.custom_view(self.score_grid_view),
                     name="procurement_tender_score_grid"),
                *super().get_urls()]

    def _entry_page(self, request: HttpRequest, pk: int, page: str, lots: Any) -> HttpResponse:
        """The step's own entry page (bid or contract), with the tender's first eligible lot chosen."""
        tender = self.get_queryset(request).filter(pk=pk).first()
        if tender is None:
            raise Http404("招标项目不存在或无权查看。")
        lot = lots.filter(tender=tender).order_by("lot_no").first()
        return redirect(reverse(f"admin:{page}") + (f"?lot={lot.pk}" if lot else ""))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        return super().changelist_view(request, {**(extra_context or {}), "ocds_url": OCDS_PATH})

    def score_grid_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        """评分汇总表: evaluator × bid per lot, read-only; outside the tender's scope 404, without the right 403."""
        tender = self.get_queryset(request).filter(pk=pk).first()
        if tender is None:
            raise Http404("招标项目不存在或无权查看。")
        decision = perms.can_view_score_grid(request.user, tender)
        if not decision:
            raise PermissionDenied(decision.reason)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": tender,
                   "title": f"评分汇总表：{tender.tender_no} {tender.title}", "tender": tender,
                   "grids": score_grid(tender=tender)}
        return TemplateResponse(request, "admin/procurement/score_grid.html", context)

    def record_bid_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._entry_page(request, pk, "procurement_bid_add", m.Lot.objects.all())

    def sign_contract_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        return self._entry_page(request, pk, "procurement_contract_add",
                                m.Lot.objects.filter(status=m.LotStatus.AWARDED))

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        if obj is not None and obj.status != m.TenderStatus.DRAFT:
            return [f.name for f in self.model._meta.fields]
        return super().get_readonly_fields(request, obj)

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "project" in fields:
            fields["project"].queryset = perms.ProjectPolicy().scope(request.user, m.ItProject.objects.filter(
                status__in=(m.ProjectStatus.PD_APPROVED, m.ProjectStatus.PROCURING,
                            m.ProjectStatus.UNDER_CONSTRUCTION)))

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        options = {k: data[k] for k in ("price_option", "q_below", "q_above", "tech_weight", "commercial_weight",
                                        "price_weight", "candidate_count", "agent_name", "contract_sign_days")
                   if k in data}
        return ts.tender_create(
            project=data["project"], tender_no=data["tender_no"], title=data["title"],
            bid_deadline=data["bid_deadline"], evaluation_method=data["evaluation_method"],
            lots=[{"subject": data["lot_subject"], "control_price": data["lot_control_price"],
                   "bid_bond_amount": data.get("lot_bid_bond_amount") or 0}],
            acting_user=request.user, **options)

    def perform_change(self, request: HttpRequest, obj: Any, data: dict[str, Any]) -> Any:
        changes = changed_values(obj, data, self.change_fields)
        return ts.tender_update(tender=obj, acting_user=request.user, **changes) if changes else obj

    @admin.action(description="重新运行风险预警规则")
    def rerun_red_flags(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for tender in queryset:
            self.run_service(request, rm.red_flags_rerun, tender=tender, acting_user=request.user,
                             success=f"{tender.tender_no} 的风险预警已更新。")

    @admin.action(description="导出投标记录（Excel）")
    def export_bidding_records(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        tender_ids = list(self.policy.scope(request.user, queryset).values_list("pk", flat=True))
        return xlsx_response("投标记录.xlsx", [bidding_sheet(request.user, tender_ids)])


def bidding_sheet(user: Any, tender_ids: list[int] | None = None) -> Sheet:
    headers = ["招标编号", "招标项目", "招标人", "合同包", "投标人", "统一社会信用代码", "递交时间", "投标报价",
               "报价评标价", "状态", "否决理由", "技术分", "商务分", "价格分", "总分", "扣除后评审价", "排名"]
    rows = ([b.lot.tender.tender_no, b.lot.tender.title, b.lot.tender.tenderer.name, b.lot.lot_no, b.bidder.name,
             b.bidder.uscc, b.submitted_at, b.price_figures, b.evaluated_price, b.get_status_display(),
             b.rejection_reason, b.tech_score, b.commercial_score, b.price_score, b.total_score,
             b.price_after_deduction, b.rank] for b in bidding_records(user=user, tender_ids=tender_ids).iterator())
    return Sheet("投标记录", headers, rows, widths=[16, 30, 24, 8, 30, 22, 18, 14, 14, 12, 30])


@admin.register(m.Bid)
class BidAdmin(RelatedLinksMixin, ServiceEntryAdmin):
    """投标 (add → ``bid_record`` with its bond; bidder identified by 统一社会信用代码). Bids are not edited.
    The entry page of the tender step ``record_bid``."""

    policy = perms.BidPolicy()

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return bid_list(user=request.user)
    form = forms.BidForm
    add_fields = ["lot", "bidder_uscc", "bidder_name", "submitted_at", "price_figures", "price_words",
                  "summary_total", "tech_file_text", "bond_amount", "bond_received_at", "bond_is_from_basic_account",
                  "bond_payer_account_no"]

    def limit_choices(self, request: HttpRequest, fields: dict[str, Any]) -> None:
        if "lot" in fields:
            fields["lot"].queryset = perms.TenderChildPolicy().scope(request.user, m.Lot.objects.filter(
                tender__status=m.TenderStatus.ISSUED)).select_related("tender")

    def perform_add(self, request: HttpRequest, data: dict[str, Any]) -> Any:
        bond = None
        if data.get("bond_amount"):
            bond = {"amount": data["bond_amount"], "received_at": data.get("bond_received_at") or data["submitted_at"],
                    "is_from_basic_account": data.get("bond_is_from_basic_account", False),
                    "payer_account_no": data.get("bond_payer_account_no", "")}
        return ts.bid_record(lot=data["lot"], bidder_uscc=data["bidder_uscc"], bidder_name=data["bidder_name"],
                             submitted_at=data["submitted_at"], price_figures=data["price_figures"],
                             price_words=data.get("price_words"), summary_total=data.get("summary_total"),
                             tech_file_text=data.get("tech_file_text", ""), bond=bond, acting_user=request.user)
    list_display = ["bidder", "tender_lot", "evaluated_price", "status_badge", "total_score", "rank"]

    @admin.display(description="招标项目 / 合同包", ordering="lot__tender__tender_no")
    def tender_lot(self, obj: m.Bid) -> str:
        return nowrap(f"{obj.lot.tender.tender_no} 包{obj.lot.lot_no}")

    @admin.display(description="状态", ordering="status")
    def status_badge(self, obj: m.Bid) -> str:
        final = obj.status in (m.BidStatus.REJECTED, m.BidStatus.WITHDRAWN)
        return format_html('<span class="badge badge-state{}">{}</span>', " badge-final" if final else "",
                           obj.get_status_display())
    list_filter = ["status"]
    list_select_related = ["lot__tender", "bidder"]
    search_fields = ["bidder__name", "bidder__uscc", "lot__tender__tender_no"]


for model, policy, columns, related in (
    (m.TenderAmendment, perms.TenderChildPolicy(), ["tender", "published_at", "deadline_before", "deadline_after"],
     ["tender"]),
    (m.RandomDraw, perms.TenderChildPolicy(), ["tender", "param", "value", "drawn_at", "is_void"], ["tender"]),
    (m.Publicity, perms.TenderChildPolicy(), ["tender", "kind", "starts_on", "ends_on"], ["tender"]),
    (m.BidBond, perms.BidChildPolicy(), ["bid", "amount", "status", "refund_due_on", "refunded_on"],
     ["bid__bidder", "bid__lot__tender"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ServiceOnlyAdmin,), {
        "policy": policy, "list_display": columns, "list_select_related": related}))


@admin.register(m.RedFlag)
class RedFlagAdmin(RelatedLinksMixin, GovernedAdmin):
    """Red flags are generated by the rules; a supervisor records the disposition (confirmed / false positive)."""

    policy = perms.RedFlagPolicy()
    list_display = ["rule_code", "tender", "bidder", "message", "is_current", "disposition", "last_found_at"]
    list_filter = ["rule_code", "disposition", "is_current"]
    list_select_related = ["tender", "bidder"]
    fields = ["rule_code", "tender", "lot", "bid", "bidder", "message", "legal_basis", "detail_display",
              "event_display", "first_found_at", "last_found_at", "is_current", "disposition", "disposition_reason",
              "disposed_by", "disposed_at"]

    @admin.display(description="触发环节")
    def event_display(self, obj: m.RedFlag) -> str:
        return EVENT_LABELS.get(obj.event, obj.event)

    @admin.display(description="明细")
    def detail_display(self, obj: m.RedFlag) -> str:
        """The rule's finding as labelled values; bid ids named by their bidders."""
        detail = dict(obj.detail or {})
        ids = {i for k in DETAIL_BID_KEYS for i in _as_list(detail.get(k)) if isinstance(i, int)}
        if ids:
            bids = {b.pk: str(b) for b in m.Bid.objects.filter(pk__in=ids).select_related("bidder", "lot__tender")}
            for key in DETAIL_BID_KEYS & detail.keys():
                value = detail[key]
                if isinstance(value, list) or key != "bids":
                    detail[key] = [bids.get(i, f"#{i}") for i in _as_list(value)]
        return pairs_html(("投标人数" if k == "bids" and isinstance(v, int) else DETAIL_LABELS.get(k, str(k)),
                           plain(v)) for k, v in detail.items())

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f for f in self.fields if f not in ("disposition", "disposition_reason")]

    refusal_fields = {"reason": "disposition_reason"}

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        rm.red_flag_dispose(flag=m.RedFlag.objects.get(pk=obj.pk), disposition=form.cleaned_data["disposition"],
                            reason=form.cleaned_data["disposition_reason"], acting_user=request.user)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [] if value is None else [value]


from procurement.admin import records  # noqa: E402,F401  (registers the data-entry admins)
