"""政务信息化项目: annual plan, project lifecycle, data resources, budget adjustments, reports, gates (HLJ, QZ, GD)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from portal.models import GovernedModel

MONEY = {"max_digits": 18, "decimal_places": 2}


class PlanStatus(models.TextChoices):
    COLLECTING = "collecting", "需求征集中"
    REVIEWING = "reviewing", "联合审核中"
    DRAFTED = "drafted", "计划已编制"
    APPROVED = "approved", "计划已批准"


class AnnualPlan(GovernedModel):
    """年度建设计划 of year N: demand call in June of N-1, joint review, drafted by 31 October of N-1 (HLJ 8-11)."""

    year = models.PositiveIntegerField("计划年度", unique=True)
    status = models.CharField("状态", max_length=16, choices=PlanStatus.choices, default=PlanStatus.COLLECTING)
    demand_opens_on = models.DateField("需求征集开始日")
    demand_closes_on = models.DateField("需求征集截止日")
    draft_due_on = models.DateField("计划编制截止日", help_text="上一年10月31日前编制完成")
    drafted_on = models.DateField("编制完成日", null=True, blank=True)
    is_drafted_late = models.BooleanField("逾期编制", default=False)
    approved_on = models.DateField("批准日", null=True, blank=True)

    class Meta:
        verbose_name = "年度建设计划"
        verbose_name_plural = "年度建设计划"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年度政务信息化建设计划"


class ProjectStatus(models.TextChoices):
    DEMAND_COLLECTED = "demand_collected", "需求已申报"
    JOINT_REVIEW = "joint_review", "联合审核中"
    IN_PLAN = "in_plan", "已列入年度计划"
    FSR_APPROVED = "fsr_approved", "可研已批复"
    PD_APPROVED = "pd_approved", "初步设计已批复"
    PROCURING = "procuring", "采购中"
    UNDER_CONSTRUCTION = "under_construction", "建设中"
    SUSPENDED = "suspended", "暂停"
    TERMINATED = "terminated", "终止"
    COMPLETED = "completed", "建设完成"
    ACCEPTANCE_APPLIED = "acceptance_applied", "已申请验收"
    ACCEPTED = "accepted", "已通过验收"
    IN_OPERATION = "in_operation", "运行中"
    SELF_EVALUATED = "self_evaluated", "已自评价"


class MergeReason(models.TextChoices):
    PARTIAL_UPGRADE = "partial_upgrade", "已建项目局部升级改造"
    EMERGENCY = "emergency", "应急项目"
    SIMPLE_SMALL = "simple_small", "建设内容简单、投资规模小或仅购置设备"


class ItProject(GovernedModel):
    """政务信息化项目 from demand to self-evaluation; status changes only through the services (transition table)."""

    code = models.CharField("项目编号", max_length=40, unique=True)
    name = models.CharField("项目名称", max_length=200)
    construction_unit = models.ForeignKey("portal.Organization", verbose_name="项目建设单位", on_delete=models.PROTECT,
                                          related_name="it_projects")
    responsible_person = models.CharField("项目责任人", max_length=60, blank=True)
    annual_plan = models.ForeignKey(AnnualPlan, verbose_name="年度计划", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="projects")
    is_emergency_inclusion = models.BooleanField("应急纳入", default=False,
                                                 help_text="党中央、国务院或省委省政府要求的紧急项目，经省政府同意")
    status = models.CharField("状态", max_length=24, choices=ProjectStatus.choices,
                              default=ProjectStatus.DEMAND_COLLECTED, db_index=True)
    is_classified = models.BooleanField("涉密项目", default=False)
    declared_on = models.DateField("申报日期")
    content_and_scale = models.TextField("建设内容和规模", blank=True)
    has_sharing_analysis = models.BooleanField("含信息资源共享分析篇", default=False)
    joint_review_started_on = models.DateField("联合审核开始日", null=True, blank=True)
    joint_review_due_on = models.DateField("联合审核期限", null=True, blank=True, help_text="5个工作日")
    joint_review_done_on = models.DateField("联合审核完成日", null=True, blank=True)
    review_opinions = models.TextField("审核意见（集约共享、网络安全、密码应用）", blank=True)
    fsr_approval_no = models.CharField("可研批复文号", max_length=80, blank=True)
    fsr_approved_on = models.DateField("可研批复日期", null=True, blank=True)
    is_merged_fsr_pd = models.BooleanField("可研暨初步设计合并审批", default=False)
    merge_reason = models.CharField("合并理由", max_length=24, choices=MergeReason.choices, blank=True)
    pd_submitted_on = models.DateField("初步设计报审日", null=True, blank=True)
    pd_review_due_on = models.DateField("初步设计审批期限", null=True, blank=True, help_text="20个工作日")
    pd_approval_no = models.CharField("初步设计批复文号", max_length=80, blank=True)
    pd_approved_on = models.DateField("初步设计批复日期", null=True, blank=True)
    total_investment = models.DecimalField("总投资（元）", **MONEY)
    budget_estimate = models.DecimalField("投资概算（元）", null=True, blank=True, **MONEY)
    om_funding_requested = models.DecimalField("申请运维经费（元）", null=True, blank=True, **MONEY)
    om_funding_approved = models.DecimalField("核定运维经费（元）", null=True, blank=True, **MONEY)
    om_funding_approved_on = models.DateField("运维经费核定日", null=True, blank=True)
    construction_started_on = models.DateField("开工日期", null=True, blank=True)
    completed_on = models.DateField("建设完成日期", null=True, blank=True)
    acceptance_due_on = models.DateField("验收申请期限", null=True, blank=True, help_text="建设完成后6个月内")
    acceptance_applied_on = models.DateField("验收申请日期", null=True, blank=True)
    archive_acceptance_passed = models.BooleanField("档案验收通过", default=False)
    crypto_assessment_report = models.CharField("密码应用安全性评估报告编号", max_length=120, blank=True)
    security_check_passed = models.BooleanField("网络安全（等保）测评通过、安全可靠产品核查通过", default=False)
    classified_review_passed = models.BooleanField("涉密信息系统测评审查通过", default=False)
    accepted_on = models.DateField("验收通过日期", null=True, blank=True)
    in_operation_on = models.DateField("投入运行日期", null=True, blank=True)
    self_evaluated_on = models.DateField("自评价报告日期", null=True, blank=True)
    suspended_reason = models.TextField("暂停/终止原因", blank=True)

    class Meta:
        verbose_name = "政务信息化项目"
        verbose_name_plural = "政务信息化项目"
        ordering = ["-declared_on", "code"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["declared_on", "code"], name="proc_project_declared"),
            models.Index(fields=["status", "declared_on"], name="proc_project_status_decl"),
            models.Index(fields=["annual_plan", "declared_on"], name="proc_project_plan_decl"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class ProjectDataResource(GovernedModel):
    """A data resource the project declares at feasibility stage; acceptance needs it registered in the catalog."""

    project = models.ForeignKey(ItProject, verbose_name="项目", on_delete=models.PROTECT,
                                related_name="data_resources")
    name = models.CharField("数据资源名称", max_length=200)
    description = models.TextField("说明", blank=True)
    catalog_entry = models.ForeignKey("catalogs.CatalogEntry", verbose_name="已登记的目录", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="procurement_project_resources")

    class Meta:
        verbose_name = "项目数据资源"
        verbose_name_plural = "项目数据资源"
        ordering = ["project", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_registered(self) -> bool:
        from catalogs.models import EntryStatus

        return (self.catalog_entry_id is not None and self.catalog_entry.retired_at is None
                and self.catalog_entry.status in (EntryStatus.PUBLISHED, EntryStatus.REVISING))


class AdjustmentReason(models.TextChoices):
    STATE_DEPLOYMENT = "state_deployment", "落实国家和省决策部署"
    TECH_OPTIMIZATION = "tech_optimization", "技术方案优化"
    BUSINESS_NEED = "business_need", "计划内业务需要"


class AdjustmentOutcome(models.TextChoices):
    FILED = "filed", "调整备案（不超过概算15%）"
    REAPPROVAL = "reapproval", "须重新报批"


class BudgetAdjustment(GovernedModel):
    """概算内建设内容调整 (HLJ 28): ≤15 % of the estimate and within it → filed; otherwise re-approval."""

    project = models.ForeignKey(ItProject, verbose_name="项目", on_delete=models.PROTECT, related_name="adjustments")
    change_amount = models.DecimalField("调整内容金额（元）", **MONEY)
    new_total_investment = models.DecimalField("调整后总投资（元）", **MONEY)
    pct_of_estimate = models.DecimalField("占概算比例（%）", max_digits=7, decimal_places=2)
    reason = models.CharField("调整理由", max_length=24, choices=AdjustmentReason.choices)
    outcome = models.CharField("处理结果", max_length=16, choices=AdjustmentOutcome.choices)
    goal_unchanged = models.BooleanField("建设目标不变", default=True)
    filed_on = models.DateField("备案/报批日期")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "概算调整"
        verbose_name_plural = "概算调整"
        ordering = ["-filed_on"]

    def __str__(self) -> str:
        return f"{self.project.code} 调整 {self.change_amount}（{self.get_outcome_display()}）"


class PerformanceReport(GovernedModel):
    """年度绩效评价报告 during construction, due before the end of each construction year (HLJ 25)."""

    project = models.ForeignKey(ItProject, verbose_name="项目", on_delete=models.PROTECT,
                                related_name="performance_reports")
    year = models.PositiveIntegerField("年度")
    submitted_on = models.DateField("报送日期")
    is_late = models.BooleanField("逾期", default=False)
    progress = models.TextField("建设进度", blank=True)
    investment_execution = models.TextField("投资执行情况", blank=True)

    class Meta:
        verbose_name = "绩效评价报告"
        verbose_name_plural = "绩效评价报告"
        constraints = [models.UniqueConstraint(fields=["project", "year"], name="proc_uniq_perf_report")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.year}年度绩效报告"


class AcceptanceExtension(GovernedModel):
    """延期验收申请: moves the 6-month acceptance deadline when approved."""

    project = models.ForeignKey(ItProject, verbose_name="项目", on_delete=models.PROTECT,
                                related_name="acceptance_extensions")
    requested_on = models.DateField("申请日期")
    reason = models.TextField("延期理由")
    new_due_on = models.DateField("延期后验收期限")
    is_approved = models.BooleanField("已同意", default=False)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "延期验收申请"
        verbose_name_plural = "延期验收申请"

    def __str__(self) -> str:
        return f"{self.project.code} 延期至 {self.new_due_on}"


class SharingFailureFinding(GovernedModel):
    """A recorded data-sharing failure of a unit (QZ 一(六), HLJ 34): blocks approvals and O&M funding (ADR 0403)."""

    unit = models.ForeignKey("portal.Organization", verbose_name="单位", on_delete=models.PROTECT,
                             related_name="sharing_failures")
    source = models.CharField("来源", max_length=120, help_text="如：年度共享考核、共享申请超期未答复通报")
    reference = models.CharField("文号/记录编号", max_length=120, blank=True)
    found_on = models.DateField("认定日期")
    description = models.TextField("情况说明")
    resolved_on = models.DateField("整改完成日期", null=True, blank=True)

    class Meta:
        verbose_name = "数据共享不达标记录"
        verbose_name_plural = "数据共享不达标记录"
        ordering = ["-found_on"]

    def __str__(self) -> str:
        return f"{self.unit} {self.found_on} {self.source}"
