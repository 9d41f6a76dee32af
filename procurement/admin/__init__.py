"""Admin for 政务信息化项目与采购: scoped by the app's policies, history on, no delete; workflow steps are admin
actions that call the services (refusals become error messages); bidding records export to Excel."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from portal.admin_base import GovernedAdmin
from portal.xlsx import Sheet, xlsx_response
from procurement import models as m
from procurement import permissions as perms
from procurement.redflags.engine import run_red_flags
from procurement.selectors import bidding_records
from procurement.services import evaluation as ev
from procurement.services import projects as ps
from procurement.services import remedies as rm
from procurement.services import tenders as ts


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
class ItProjectAdmin(ServiceOnlyAdmin):
    policy = perms.ProjectPolicy()
    list_display = ["code", "name", "construction_unit", "status", "total_investment", "acceptance_due_on"]
    list_filter = ["status", "annual_plan"]
    search_fields = ["code", "name"]
    list_select_related = ["construction_unit"]
    inlines = [DataResourceInline]
    actions = ["start_joint_review", "accept_today", "show_acceptance_blockers"]

    @admin.action(description="启动联合审核（今天起算5个工作日）")
    def start_joint_review(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for project in queryset:
            self.run_service(request, ps.project_joint_review_start, project=project, on=timezone.localdate(),
                             acting_user=request.user, success=f"{project.code} 已启动联合审核。")

    @admin.action(description="验收通过（今天；检查数据资源登记、安全、密码、档案）")
    def accept_today(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for project in queryset:
            self.run_service(request, ps.project_accept, project=project, on=timezone.localdate(),
                             acting_user=request.user, success=f"{project.code} 已通过验收。")

    @admin.action(description="查看验收前仍缺的条件")
    def show_acceptance_blockers(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for project in queryset:
            blockers = ps.acceptance_blockers(project)
            level = messages.WARNING if blockers else messages.SUCCESS
            self.message_user(request, f"{project.code}：" + ("；".join(blockers) or "验收条件已齐备。"), level)


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
class TenderAdmin(ServiceOnlyAdmin):
    policy = perms.TenderPolicy()
    list_display = ["tender_no", "title", "tenderer", "evaluation_method", "status", "bid_deadline"]
    list_filter = ["status", "evaluation_method"]
    search_fields = ["tender_no", "title"]
    list_select_related = ["tenderer"]
    inlines = [LotInline]
    actions = ["issue_now", "open_now", "evaluate_lots", "rerun_red_flags", "export_bidding_records"]

    @admin.action(description="发布招标文件并备案（现在）")
    def issue_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for tender in queryset:
            self.run_service(request, ts.tender_issue, tender=tender,
                             issued_at=timezone.now(), acting_user=request.user, success=f"{tender.tender_no} 已发布。")

    @admin.action(description="开标（现在；不足3家则流标）")
    def open_now(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for tender in queryset:
            self.run_service(request, ts.tender_open, tender=tender, opened_at=timezone.now(),
                             acting_user=request.user, success=f"{tender.tender_no} 开标完成。")

    @admin.action(description="计算评审结果并排名（各合同包）")
    def evaluate_lots(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for tender in queryset:
            for lot in tender.lots.all():
                self.run_service(request, ev.lot_evaluate, lot=lot, acting_user=request.user,
                                 success=f"{lot} 评审完成。")

    @admin.action(description="重新运行风险预警规则")
    def rerun_red_flags(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for tender in queryset:
            for event in ("bid", "award", "contract"):
                run_red_flags(tender, event, acting_user=request.user)
        self.message_user(request, "风险预警已更新。", messages.SUCCESS)

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
class BidAdmin(ServiceOnlyAdmin):
    policy = perms.BidPolicy()
    list_display = ["lot", "bidder", "price_figures", "evaluated_price", "status", "total_score", "rank"]
    list_filter = ["status"]
    list_select_related = ["lot__tender", "bidder"]
    search_fields = ["bidder__name", "bidder__uscc", "lot__tender__tender_no"]


for model, policy, columns, related in (
    (m.Lot, perms.TenderChildPolicy(), ["tender", "lot_no", "subject", "control_price", "status"], ["tender"]),
    (m.TenderAmendment, perms.TenderChildPolicy(), ["tender", "published_at", "deadline_before", "deadline_after"],
     ["tender"]),
    (m.CommitteeMember, perms.TenderChildPolicy(), ["tender", "name", "kind", "is_chair", "is_recused"], ["tender"]),
    (m.RandomDraw, perms.TenderChildPolicy(), ["tender", "param", "value", "drawn_at", "is_void"], ["tender"]),
    (m.Publicity, perms.TenderChildPolicy(), ["tender", "kind", "starts_on", "ends_on"], ["tender"]),
    (m.Contract, perms.LotChildPolicy(), ["contract_no", "lot", "supplier", "amount", "signed_on"],
     ["lot__tender", "supplier"]),
    (m.Objection, perms.TenderChildPolicy(), ["tender", "objector_name", "stage", "status", "received_on",
                                              "reply_due_on", "replied_on"], ["tender"]),
    (m.BidBond, perms.BidChildPolicy(), ["bid", "amount", "status", "refund_due_on", "refunded_on"],
     ["bid__bidder", "bid__lot__tender"]),
    (m.Complaint, perms.SupervisionPolicy(), ["tender", "complainant", "status", "filed_on", "review_due_on"],
     ["tender", "complainant"]),
    (m.PenaltyDecision, perms.SupervisionPolicy(), ["decision_no", "party", "fine_amount", "decided_on",
                                                    "credit_register_due_on"], ["party"]),
    (m.BadConductRecord, perms.SupervisionPolicy(), ["subject", "ground", "registered_on", "expires_on"],
     ["subject"]),
):
    admin.site.register(model, type(f"{model.__name__}Admin", (ServiceOnlyAdmin,), {
        "policy": policy, "list_display": columns, "list_select_related": related}))


@admin.register(m.RedFlag)
class RedFlagAdmin(GovernedAdmin):
    """Red flags are generated by the rules; a supervisor records the disposition (confirmed / false positive)."""

    policy = perms.RedFlagPolicy()
    list_display = ["rule_code", "tender", "bidder", "message", "is_current", "disposition", "last_found_at"]
    list_filter = ["rule_code", "disposition", "is_current"]
    list_select_related = ["tender", "bidder"]
    fields = ["rule_code", "tender", "lot", "bid", "bidder", "message", "legal_basis", "detail", "event",
              "first_found_at", "last_found_at", "is_current", "disposition", "disposition_reason", "disposed_by",
              "disposed_at"]

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f for f in self.fields if f not in ("disposition", "disposition_reason")]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        self.run_service(request, rm.red_flag_dispose, flag=m.RedFlag.objects.get(pk=obj.pk),
                         disposition=form.cleaned_data["disposition"],
                         reason=form.cleaned_data["disposition_reason"], acting_user=request.user,
                         success="复核结论已保存。")
