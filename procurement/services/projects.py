"""Project services: annual plan cycle, declaration, joint review, approvals (gates G1/G2), budget adjustments,
performance reports, completion, acceptance (gate G3), O&M funding and self-evaluation (HLJ; QZ; GD)."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from portal.audit import snapshot
from portal.locks import relock
from portal.permissions import require
from portal.workflow import Step
from procurement import deadlines
from procurement import parameters as params
from procurement.models import (
    AcceptanceExtension,
    AdjustmentOutcome,
    AnnualPlan,
    BudgetAdjustment,
    ItProject,
    PerformanceReport,
    PlanStatus,
    ProjectDataResource,
    ProjectStatus,
    SharingFailureFinding,
)
from procurement.permissions import (
    can_approve_project,
    can_declare_project,
    can_manage_project,
    can_record_sharing_failure,
)
from procurement.services.common import check_deadline, save_audited
from procurement.workflow import PROJECT


def open_sharing_failures(unit_id: int) -> list[SharingFailureFinding]:
    return list(SharingFailureFinding.objects.filter(unit_id=unit_id, resolved_on__isnull=True,
                                                     retired_at__isnull=True))


def _sharing_gate(project: ItProject, what: str) -> None:
    """QZ 一(六), HLJ 34: a unit failing data-sharing requirements gets no approval and no O&M funding."""
    failures = open_sharing_failures(project.construction_unit_id)
    if failures:
        items = "；".join(f"{f.found_on:%Y-%m-%d} {f.source}" for f in failures)
        raise ValidationError(f"建设单位存在未整改的数据共享不达标记录（{items}），不予{what}。")


# ------------------------------------------------------------------------------------------- plan cycle
@transaction.atomic
def annual_plan_open(*, year: int, acting_user: Any) -> AnnualPlan:
    """Open the demand call for plan year ``year`` (June of the year before; draft due 31 October)."""
    require(can_approve_project(acting_user))
    if AnnualPlan.objects.filter(year=year).exists():
        raise ValidationError(f"{year}年度计划已存在。")
    opens, closes = deadlines.demand_window(year)
    plan = AnnualPlan(year=year, demand_opens_on=opens, demand_closes_on=closes,
                      draft_due_on=deadlines.plan_draft_due(year))
    save_audited(plan, acting_user=acting_user, action="procurement.annual_plan.open")
    return plan


@transaction.atomic
def annual_plan_draft(*, plan: AnnualPlan, on: date, acting_user: Any, late_reason: str = "") -> AnnualPlan:
    """Record the drafted plan; after 31 October only with a written reason (recorded as late)."""
    require(can_approve_project(acting_user))
    plan = relock(plan)
    if plan.status not in (PlanStatus.COLLECTING, PlanStatus.REVIEWING):
        raise ValidationError("年度计划已编制，不能重复编制。")
    before = snapshot(plan)
    plan.is_drafted_late = check_deadline(on, plan.draft_due_on, "年度计划编制", late_reason)
    plan.status, plan.drafted_on = PlanStatus.DRAFTED, on
    save_audited(plan, acting_user=acting_user, action="procurement.annual_plan.draft", before=before, reason=late_reason)
    return plan


@transaction.atomic
def annual_plan_approve(*, plan: AnnualPlan, on: date, acting_user: Any) -> AnnualPlan:
    require(can_approve_project(acting_user))
    plan = relock(plan)
    if plan.status != PlanStatus.DRAFTED:
        raise ValidationError("年度计划编制完成后才能批准。")
    before = snapshot(plan)
    plan.status, plan.approved_on = PlanStatus.APPROVED, on
    save_audited(plan, acting_user=acting_user, action="procurement.annual_plan.approve", before=before)
    return plan


# ------------------------------------------------------------------------------------------ declaration
@transaction.atomic
def project_declare(*, code: str, name: str, construction_unit: Any, declared_on: date,
                    total_investment: Decimal, data_resources: list[str], plan: AnnualPlan | None = None,
                    has_sharing_analysis: bool = False, content_and_scale: str = "",
                    is_emergency_inclusion: bool = False, is_classified: bool = False,
                    responsible_person: str = "", acting_user: Any) -> ItProject:
    """Declare a project to the annual demand call (June of N-1), listing its data resources."""
    require(can_declare_project(acting_user, construction_unit))
    if plan is None and not is_emergency_inclusion:
        raise ValidationError("未纳入年度计划的项目不得申报（应急纳入的项目除外）。")
    if plan is not None and not is_emergency_inclusion:
        if plan.status != PlanStatus.COLLECTING:
            raise ValidationError(f"{plan.year}年度需求征集已结束。")
        if not plan.demand_opens_on <= declared_on <= plan.demand_closes_on:
            raise ValidationError(f"需求征集时间为{plan.demand_opens_on:%Y-%m-%d}至{plan.demand_closes_on:%Y-%m-%d}，"
                                  "不在征集期内申报。")
    if total_investment <= 0:
        raise ValidationError("总投资必须大于0。")
    project = ItProject(code=code, name=name, construction_unit=construction_unit, declared_on=declared_on,
                        total_investment=total_investment, annual_plan=plan, has_sharing_analysis=has_sharing_analysis,
                        content_and_scale=content_and_scale, is_emergency_inclusion=is_emergency_inclusion,
                        is_classified=is_classified, responsible_person=responsible_person)
    save_audited(project, acting_user=acting_user, action="procurement.project.declare")
    for resource_name in data_resources:
        if resource_name.strip():
            save_audited(ProjectDataResource(project=project, name=resource_name.strip()),
                         acting_user=acting_user, action="procurement.data_resource.add")
    return project


@transaction.atomic
def project_data_resource_add(*, project: ItProject, name: str, description: str = "",
                              acting_user: Any) -> ProjectDataResource:
    """List one more data resource (allowed until acceptance is applied for)."""
    require(can_manage_project(acting_user, project))
    if project.status in (ProjectStatus.ACCEPTED, ProjectStatus.IN_OPERATION, ProjectStatus.SELF_EVALUATED):
        raise ValidationError("项目已验收，不能再增加数据资源。")
    resource = ProjectDataResource(project=project, name=name, description=description)
    save_audited(resource, acting_user=acting_user, action="procurement.data_resource.add")
    return resource


@transaction.atomic
def project_data_resource_link(*, resource: ProjectDataResource, catalog_entry: Any,
                               acting_user: Any) -> ProjectDataResource:
    """Link a listed data resource to its catalog entry (the entry must be the construction unit's own)."""
    require(can_manage_project(acting_user, resource.project))
    resource = relock(resource)
    if catalog_entry.source_unit_id != resource.project.construction_unit_id:
        raise ValidationError("只能关联本建设单位作为数源单位的目录。")
    before = snapshot(resource)
    resource.catalog_entry = catalog_entry
    save_audited(resource, acting_user=acting_user, action="procurement.data_resource.link", before=before)
    return resource


# ------------------------------------------------------------------------------------ review and approval
def project_joint_review_start(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    """Start the joint review (≤5 working days, HLJ 10)."""
    return PROJECT.apply("start_joint_review", project, user=acting_user, on=on)


@PROJECT.effect("start_joint_review")
def _start_joint_review(step: Step) -> None:
    project = step.obj
    project.joint_review_started_on = step.on
    project.joint_review_due_on = step.due_on = _due(step, project)


def _due(step: Step, project: ItProject) -> date | None:
    """The due date of the declared limit of ``step`` for the project's jurisdiction."""
    limit = step.workflow.limit_of(step.transition, step.target)
    return deadlines.limit_due(limit, step.on, project.construction_unit) if limit else None


def project_include_in_plan(*, project: ItProject, on: date, opinions: str, acting_user: Any,
                            late_reason: str = "") -> ItProject:
    """Finish the joint review with the three opinions and put the project in the annual plan."""
    return PROJECT.apply("include_in_plan", project, user=acting_user, on=on, opinions=opinions,
                         late_reason=late_reason)


@PROJECT.effect("include_in_plan")
def _include_in_plan(step: Step) -> None:
    project, late_reason = step.obj, step.inputs.get("late_reason") or ""
    check_deadline(step.on, project.joint_review_due_on, "联合审核（5个工作日）", late_reason)
    if project.annual_plan_id and project.annual_plan.status in (PlanStatus.DRAFTED, PlanStatus.APPROVED) \
            and not project.is_emergency_inclusion:
        raise ValidationError("年度计划已编制完成，不能再纳入项目（应急项目除外）。")
    project.joint_review_done_on, project.review_opinions = step.on, step.inputs["opinions"]
    step.audit_reason = late_reason


def _approval_gates(project: ItProject) -> None:
    """G1 (in an approved plan or emergency inclusion) and G2 (data resources, sharing analysis, sharing record)."""
    errors = []
    if not project.is_emergency_inclusion and (
            project.annual_plan_id is None or project.annual_plan.status != PlanStatus.APPROVED):
        errors.append("项目未列入已批准的年度建设计划，不予审批。")
    if not project.data_resources.filter(retired_at__isnull=True).exists():
        errors.append("可研阶段须列明项目的数据资源（数据资源目录是审批的必要条件）。")
    if not project.has_sharing_analysis:
        errors.append("可研报告/初步设计须包含信息资源共享分析篇（章）。")
    if errors:
        raise ValidationError(errors)
    _sharing_gate(project, "审批")


def project_approve_fsr(*, project: ItProject, approval_no: str, on: date, acting_user: Any) -> ItProject:
    """Approve the feasibility study (gates G1, G2)."""
    return PROJECT.apply("approve_fsr", project, user=acting_user, on=on, approval_no=approval_no)


@PROJECT.effect("approve_fsr")
def _approve_fsr(step: Step) -> None:
    _approval_gates(step.obj)
    step.obj.fsr_approval_no, step.obj.fsr_approved_on = step.inputs["approval_no"], step.on


def project_submit_pd(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    """Submit the preliminary design; the authority has 20 working days (HLJ 18)."""
    return PROJECT.apply("submit_pd", project, user=acting_user, on=on)


@PROJECT.effect("submit_pd")
def _submit_pd(step: Step) -> None:
    step.obj.pd_submitted_on = step.on
    step.obj.pd_review_due_on = step.due_on = _due(step, step.obj)


def project_approve_pd(*, project: ItProject, approval_no: str, on: date, budget_estimate: Decimal,
                       merged: bool = False, merge_reason: str = "", acting_user: Any,
                       late_reason: str = "") -> ItProject:
    """Approve the preliminary design and estimate (≤20 working days), or the merged FSR+PD for the 3 listed cases."""
    return PROJECT.apply("approve_pd", project, user=acting_user, on=on, approval_no=approval_no,
                         budget_estimate=budget_estimate, merged=merged, merge_reason=merge_reason,
                         late_reason=late_reason)


@PROJECT.effect("approve_pd")
def _approve_pd(step: Step) -> None:
    project, inputs = step.obj, step.inputs
    merged, merge_reason = bool(inputs.get("merged")), inputs.get("merge_reason") or ""
    late_reason = inputs.get("late_reason") or ""
    if merged:
        if project.status != ProjectStatus.IN_PLAN:
            raise ValidationError("可研暨初步设计合并审批只适用于尚未批复可研的项目。")
        if not merge_reason:
            raise ValidationError({"merge_reason": [
                "合并审批须说明属于哪种情形（局部升级改造、应急项目、内容简单投资小或仅购置设备）。"]})
    else:
        if project.status != ProjectStatus.FSR_APPROVED:
            raise ValidationError("须先批复可行性研究报告（或按规定情形合并审批）。")
        if project.pd_submitted_on is None:
            raise ValidationError("初步设计尚未报审。")
        check_deadline(step.on, project.pd_review_due_on, "初步设计审批（20个工作日）", late_reason)
    if inputs["budget_estimate"] <= 0:
        raise ValidationError({"budget_estimate": ["投资概算必须大于0。"]})
    _approval_gates(project)
    project.pd_approval_no, project.pd_approved_on = inputs["approval_no"], step.on
    project.budget_estimate = inputs["budget_estimate"]
    project.is_merged_fsr_pd, project.merge_reason = merged, merge_reason if merged else ""
    if merged:
        project.fsr_approval_no, project.fsr_approved_on = inputs["approval_no"], step.on
    step.audit_reason = late_reason


# ----------------------------------------------------------------------------------- construction phase
def project_start_construction(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    return PROJECT.apply("start_construction", project, user=acting_user, on=on)


@PROJECT.effect("start_construction")
def _start_construction(step: Step) -> None:
    step.obj.construction_started_on = step.on


@PROJECT.effect("require_reapproval")
def _require_reapproval(step: Step) -> None:
    """Beyond 15 %, beyond the estimate or a changed goal: the design and estimate must be approved again."""
    project = step.obj
    project.pd_submitted_on = project.pd_review_due_on = project.pd_approved_on = None
    project.pd_approval_no = ""


@transaction.atomic
def budget_adjustment_file(*, project: ItProject, change_amount: Decimal, new_total_investment: Decimal,
                           reason: str, on: date, goal_unchanged: bool = True, note: str = "",
                           acting_user: Any) -> BudgetAdjustment:
    """HLJ 28: ≤15 % of the estimate, within the estimate, same goal → filed; otherwise back to PD re-approval."""
    require(can_manage_project(acting_user, project))
    project = relock(project)
    if project.budget_estimate is None:
        raise ValidationError("项目尚无批复概算，不能办理概算调整。")
    if project.status not in (ProjectStatus.PD_APPROVED, ProjectStatus.PROCURING, ProjectStatus.UNDER_CONSTRUCTION):
        raise ValidationError("只有概算批复后、建设完成前可以调整建设内容。")
    raw_pct = abs(change_amount) / project.budget_estimate * 100
    pct = raw_pct.quantize(Decimal("0.01"), ROUND_HALF_UP)
    max_pct = params.value("ADJUSTMENT_MAX_PCT", on=on, unit=project.construction_unit)
    within = (raw_pct <= max_pct and new_total_investment <= project.budget_estimate
              and goal_unchanged)
    adjustment = BudgetAdjustment(project=project, change_amount=change_amount,
                                  new_total_investment=new_total_investment, pct_of_estimate=pct, reason=reason,
                                  goal_unchanged=goal_unchanged, filed_on=on, note=note,
                                  outcome=AdjustmentOutcome.FILED if within else AdjustmentOutcome.REAPPROVAL)
    save_audited(adjustment, acting_user=acting_user, action="procurement.budget_adjustment.file")
    if within:
        before = snapshot(project)
        project.total_investment = new_total_investment
        save_audited(project, acting_user=acting_user, action="procurement.project.adjust_budget", before=before)
    else:  # beyond 15 %, beyond the estimate or a changed goal: the design and estimate must be approved again
        PROJECT.apply("require_reapproval", project, user=acting_user, on=on,
                      reason=f"概算调整{pct}%（超出备案范围或目标改变），须重新审批初步设计和概算：{reason}")
    return adjustment


@transaction.atomic
def performance_report_submit(*, project: ItProject, year: int, submitted_on: date, progress: str = "",
                              investment_execution: str = "", acting_user: Any,
                              late_reason: str = "") -> PerformanceReport:
    """Yearly performance report during construction, due by 31 December of that year (HLJ 25)."""
    require(can_manage_project(acting_user, project))
    if project.status not in (ProjectStatus.PROCURING, ProjectStatus.UNDER_CONSTRUCTION, ProjectStatus.SUSPENDED,
                              ProjectStatus.COMPLETED):
        raise ValidationError("建设期内才需报送年度绩效评价报告。")
    if PerformanceReport.objects.filter(project=project, year=year).exists():
        raise ValidationError(f"{year}年度绩效评价报告已报送。")
    is_late = check_deadline(submitted_on, date(year, 12, 31), f"{year}年度绩效评价报告", late_reason)
    report = PerformanceReport(project=project, year=year, submitted_on=submitted_on, is_late=is_late,
                               progress=progress, investment_execution=investment_execution)
    save_audited(report, acting_user=acting_user, action="procurement.performance_report.submit", reason=late_reason)
    return report


def project_complete(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    """Construction completed: acceptance must be applied for within 6 months (HLJ 29)."""
    return PROJECT.apply("complete", project, user=acting_user, on=on)


@PROJECT.effect("complete")
def _complete(step: Step) -> None:
    project = step.obj
    project.completed_on = step.on
    project.acceptance_due_on = deadlines.add_months(step.on, params.int_value(
        "ACCEPTANCE_MONTHS", on=step.on, unit=project.construction_unit))


@transaction.atomic
def acceptance_extension_request(*, project: ItProject, requested_on: date, reason: str, new_due_on: date,
                                 acting_user: Any) -> AcceptanceExtension:
    """Ask, before the 6-month deadline, for a later acceptance date."""
    require(can_manage_project(acting_user, project))
    if project.status != ProjectStatus.COMPLETED:
        raise ValidationError("建设完成、尚未申请验收的项目才能申请延期验收。")
    if requested_on > project.acceptance_due_on:
        raise ValidationError("延期验收应在验收期限届满前申请。")
    if new_due_on <= project.acceptance_due_on or not reason.strip():
        raise ValidationError("请填写延期理由和晚于原期限的新验收期限。")
    ext = AcceptanceExtension(project=project, requested_on=requested_on, reason=reason, new_due_on=new_due_on)
    save_audited(ext, acting_user=acting_user, action="procurement.acceptance_extension.request")
    return ext


@transaction.atomic
def acceptance_extension_decide(*, extension: AcceptanceExtension, approve: bool, acting_user: Any
                                ) -> AcceptanceExtension:
    require(can_approve_project(acting_user, extension.project))
    extension = relock(extension)
    if extension.decided_by_id:
        raise ValidationError("该延期申请已处理。")
    project = relock(extension.project) if approve else None  # row locks before the first audit row
    before = snapshot(extension)
    extension.is_approved, extension.decided_by = approve, acting_user
    save_audited(extension, acting_user=acting_user, action="procurement.acceptance_extension.decide", before=before)
    if project is not None:
        pbefore = snapshot(project)
        project.acceptance_due_on = extension.new_due_on
        save_audited(project, acting_user=acting_user, action="procurement.project.extend_acceptance", before=pbefore)
    return extension


@transaction.atomic
def project_record_acceptance_checks(*, project: ItProject, archive_acceptance_passed: bool,
                                     crypto_assessment_report: str, security_check_passed: bool,
                                     classified_review_passed: bool = False, acting_user: Any) -> ItProject:
    """Record the archive, cryptography and security (and classified-system) checks required at acceptance."""
    require(can_manage_project(acting_user, project))
    project = relock(project)
    before = snapshot(project)
    project.archive_acceptance_passed = archive_acceptance_passed
    project.crypto_assessment_report = crypto_assessment_report
    project.security_check_passed = security_check_passed
    project.classified_review_passed = classified_review_passed
    save_audited(project, acting_user=acting_user, action="procurement.project.record_acceptance_checks", before=before)
    return project


def project_apply_acceptance(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    """Apply for completion acceptance, within 6 months of completion or the approved extension."""
    return PROJECT.apply("apply_acceptance", project, user=acting_user, on=on)


@PROJECT.effect("apply_acceptance")
def _apply_acceptance(step: Step) -> None:
    project = step.obj
    if project.acceptance_due_on and step.on > project.acceptance_due_on:
        raise ValidationError(f"已超过验收申请期限（{project.acceptance_due_on:%Y-%m-%d}，建设完成后6个月），"
                              "请先提出延期验收申请并经同意。")
    project.acceptance_applied_on = step.on


def acceptance_blockers(project: ItProject) -> list[str]:
    """Everything that still prevents acceptance (gate G3); empty when the project may be accepted."""
    blockers = []
    resources = list(project.data_resources.filter(retired_at__isnull=True).select_related("catalog_entry"))
    if not resources:
        blockers.append("项目未列明任何数据资源。")
    for resource in resources:
        if not resource.is_registered:
            blockers.append(f"数据资源“{resource.name}”尚未在政务数据资源目录中登记发布。")
    if not project.archive_acceptance_passed:
        blockers.append("档案验收未通过或未记录。")
    if not project.crypto_assessment_report.strip():
        blockers.append("缺少密码应用安全性评估报告。")
    if not project.security_check_passed:
        blockers.append("网络安全测评和安全可靠产品核查未记录通过。")
    if project.is_classified and not project.classified_review_passed:
        blockers.append("涉密信息系统测评审查未通过。")
    return blockers


def project_accept(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    """Completion acceptance; refused while any G3 item is missing (data resources registered, checks recorded)."""
    return PROJECT.apply("accept", project, user=acting_user, on=on)


@PROJECT.effect("accept")
def _accept(step: Step) -> None:
    blockers = acceptance_blockers(step.obj)
    if blockers:
        raise ValidationError(["验收不予通过：", *blockers])
    step.obj.accepted_on = step.on


def project_start_operation(*, project: ItProject, on: date, acting_user: Any) -> ItProject:
    return PROJECT.apply("start_operation", project, user=acting_user, on=on)


@PROJECT.effect("start_operation")
def _start_operation(step: Step) -> None:
    step.obj.in_operation_on = step.on


def self_evaluation_window(project: ItProject) -> tuple[date, date]:
    base = max(d for d in (project.accepted_on, project.in_operation_on) if d is not None)
    return (deadlines.add_months(base, deadlines.SELF_EVAL_MIN_MONTHS),
            deadlines.add_months(base, deadlines.SELF_EVAL_MAX_MONTHS))


def project_self_evaluate(*, project: ItProject, on: date, acting_user: Any, late_reason: str = "") -> ItProject:
    """Self-evaluation 6–12 months after acceptance and start of operation (HLJ 33)."""
    return PROJECT.apply("self_evaluate", project, user=acting_user, on=on, late_reason=late_reason)


@PROJECT.effect("self_evaluate")
def _self_evaluate(step: Step) -> None:
    late_reason = step.inputs.get("late_reason") or ""
    earliest, latest = self_evaluation_window(step.obj)
    if step.on < earliest:
        raise ValidationError(f"自评价应在验收并投入运行6个月后进行（最早{earliest:%Y-%m-%d}）。")
    check_deadline(step.on, latest, "项目自评价（12个月内）", late_reason)
    step.obj.self_evaluated_on = step.on
    step.audit_reason = late_reason


@transaction.atomic
def project_om_funding_approve(*, project: ItProject, amount: Decimal, on: date, acting_user: Any) -> ItProject:
    """Approve O&M funding; refused for a unit with an unresolved data-sharing failure (QZ 一(六), HLJ 34)."""
    require(can_approve_project(acting_user, project))
    project = relock(project)
    if project.status not in (ProjectStatus.ACCEPTED, ProjectStatus.IN_OPERATION, ProjectStatus.SELF_EVALUATED):
        raise ValidationError("项目通过验收后才能核定运行维护经费。")
    if amount <= 0:
        raise ValidationError("运维经费金额必须大于0。")
    _sharing_gate(project, "安排运行维护经费")
    before = snapshot(project)
    project.om_funding_approved, project.om_funding_approved_on = amount, on
    save_audited(project, acting_user=acting_user, action="procurement.project.approve_om_funding", before=before)
    return project


def project_suspend(*, project: ItProject, reason: str, acting_user: Any, terminate: bool = False) -> ItProject:
    """Suspend (serious delay or loss) or terminate a project."""
    return PROJECT.apply("terminate" if terminate else "suspend", project, user=acting_user, reason=reason)


def project_resume(*, project: ItProject, reason: str, acting_user: Any) -> ItProject:
    """Resume construction after the rectification of a suspended project."""
    return PROJECT.apply("resume", project, user=acting_user, reason=reason)


@PROJECT.effect("suspend")
@PROJECT.effect("terminate")
def _suspend(step: Step) -> None:
    step.obj.suspended_reason = step.inputs["reason"]


@transaction.atomic
def sharing_failure_record(*, unit: Any, source: str, found_on: date, description: str, reference: str = "",
                           acting_user: Any) -> SharingFailureFinding:
    """Record a unit's data-sharing failure (blocks approvals and O&M funding until resolved; ADR 0403)."""
    require(can_record_sharing_failure(acting_user, unit))
    finding = SharingFailureFinding(unit=unit, source=source, found_on=found_on, description=description,
                                    reference=reference)
    save_audited(finding, acting_user=acting_user, action="procurement.sharing_failure.record")
    return finding


@transaction.atomic
def sharing_failure_resolve(*, finding: SharingFailureFinding, on: date, acting_user: Any) -> SharingFailureFinding:
    require(can_record_sharing_failure(acting_user, finding.unit))
    finding = relock(finding)
    if finding.resolved_on:
        raise ValidationError("该记录已整改完成。")
    before = snapshot(finding)
    finding.resolved_on = on
    save_audited(finding, acting_user=acting_user, action="procurement.sharing_failure.resolve", before=before)
    return finding


PROJECT_EDITABLE = ("name", "content_and_scale", "responsible_person", "has_sharing_analysis", "total_investment",
                    "is_classified")
PROJECT_EDITABLE_STATUSES = (ProjectStatus.DEMAND_COLLECTED, ProjectStatus.JOINT_REVIEW, ProjectStatus.IN_PLAN)


@transaction.atomic
def project_update(*, project: ItProject, acting_user: Any, **changes: Any) -> ItProject:
    """Correct a declaration before the feasibility study is approved (afterwards: budget adjustment rules)."""
    require(can_manage_project(acting_user, project))
    project = relock(project)
    if project.status not in PROJECT_EDITABLE_STATUSES:
        raise ValidationError("可研批复后不能直接修改申报内容；投资变化请办理概算调整。")
    unknown = set(changes) - set(PROJECT_EDITABLE)
    if unknown:
        raise ValidationError(f"以下字段不能在此修改：{'、'.join(sorted(unknown))}。")
    if "total_investment" in changes and changes["total_investment"] <= 0:
        raise ValidationError("总投资必须大于0。")
    before = snapshot(project)
    for field, value in changes.items():
        setattr(project, field, value)
    save_audited(project, acting_user=acting_user, action="procurement.project.update", before=before)
    return project
