"""Applications (申报) by an applicant under a call, their evidence, events, expert scores and objections."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.display import local_datetime
from portal.files import PrivatePath
from portal.models import AppendOnlyModel, FrozenFieldsModel, FrozenFieldsQuerySet, GovernedModel, GovernedQuerySet

MONEY = {"max_digits": 18, "decimal_places": 2}


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    SUBMITTED = "submitted", "已提交待受理"
    RETURNED = "returned", "退回补正"
    ACCEPTED = "accepted", "已受理"
    UNDER_REVIEW = "under_review", "审核中"
    APPROVED = "approved", "已核定"
    REJECTED = "rejected", "不予支持"
    PUBLICITY = "publicity", "公示中"
    PUBLICIZED = "publicized", "公示期满待拨付"
    DISBURSED = "disbursed", "已拨付"
    WITHDRAWN = "withdrawn", "已撤回"
    CANCELLED = "cancelled", "已撤销"


class ApplicationOrigin(models.TextChoices):
    """申报方式: filed by the enterprise, or created when it confirmed a 免申即享 push (``MatchCandidate``)."""

    APPLICANT = "applicant", "企业申报"
    PROACTIVE = "proactive", "免申即享"


_S = ApplicationStatus
# States in which someone owes a next step by a due date (overdue flags apply).
CLOCK_RUNNING = frozenset({_S.SUBMITTED, _S.RETURNED, _S.ACCEPTED, _S.UNDER_REVIEW, _S.APPROVED, _S.PUBLICITY,
                           _S.PUBLICIZED})
# States whose award reserves pool money.
RESERVING = frozenset({_S.APPROVED, _S.PUBLICITY, _S.PUBLICIZED})
# Applications that count for duplicates (everything alive).
ALIVE = frozenset({*CLOCK_RUNNING, _S.DISBURSED})
# What finance officers see (to pay it).
FINANCE_VISIBLE = frozenset({_S.APPROVED, _S.PUBLICITY, _S.PUBLICIZED, _S.DISBURSED, _S.CANCELLED})


class Application(GovernedModel):
    """One application for one rule under one call, by one applicant organisation (统一社会信用代码)."""

    number = models.CharField("申报编号", max_length=40, unique=True, null=True, blank=True, editable=False)
    call = models.ForeignKey("subsidies.Call", verbose_name="申报批次", on_delete=models.PROTECT,
                             related_name="applications")
    rule = models.ForeignKey("subsidies.Rule", verbose_name="规则", on_delete=models.PROTECT,
                             related_name="applications")
    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="申报主体", on_delete=models.PROTECT,
                                   related_name="subsidy_applications")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="填报人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    facts = models.JSONField("申报事实", default=dict)
    key = models.CharField("项目/作品标识", max_length=100, blank=True)
    period = models.PositiveSmallIntegerField("申报年度")
    origin = models.CharField("申报方式", max_length=12, choices=ApplicationOrigin.choices,
                              default=ApplicationOrigin.APPLICANT, editable=False, db_index=True,
                              help_text="免申即享：企业确认政策精准推送后由系统按已掌握的数据预填生成。")
    status = models.CharField("状态", max_length=20, choices=ApplicationStatus.choices,
                              default=ApplicationStatus.DRAFT, db_index=True)
    calculation = models.JSONField("测算结果", null=True, blank=True, editable=False)
    ceiling = models.DecimalField("测算上限（元）", null=True, blank=True, editable=False, **MONEY)
    approved_amount = models.DecimalField("核定金额（元）", null=True, blank=True, editable=False, **MONEY)
    decision_reason = models.TextField("审核意见/理由", blank=True)
    is_duplicate = models.BooleanField("疑似重复申报", default=False, editable=False)
    duplicate_of = models.ForeignKey("self", verbose_name="重复于", null=True, blank=True, editable=False,
                                     on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField("首次提交时间", null=True, blank=True, editable=False)
    event_on = models.DateField("计算基准日", null=True, blank=True, editable=False,
                                help_text="首次提交日期；按该日在施行的规则与参数计算")
    step_started_on = models.DateField("本环节开始日", null=True, blank=True, editable=False)
    due_on = models.DateField("本环节办理期限", null=True, blank=True, editable=False)
    paused_remaining_workdays = models.SmallIntegerField("暂停时剩余工作日", null=True, blank=True, editable=False)
    returned_from = models.CharField("补正前状态", max_length=20, blank=True, editable=False)
    correction_request = models.TextField("补正要求", blank=True, editable=False)
    publicity_ends_on = models.DateField("公示截止日", null=True, blank=True, editable=False)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审核人", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+", editable=False)

    class Meta:
        verbose_name = "奖补申报"
        verbose_name_plural = "奖补申报"
        ordering = ["-created_at"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["enterprise", "rule", "period"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["created_at", "id"], name="subsidy_app_created"),
            models.Index(fields=["status", "created_at", "id"], name="subsidy_app_status_created"),
            models.Index(fields=["period", "created_at"], name="subsidy_app_period_created"),
            models.Index(fields=["origin", "created_at"], name="subsidy_app_origin_created"),
            models.Index(fields=["is_duplicate", "created_at"], name="subsidy_app_dup_created"),
            models.Index(fields=["call", "created_at", "id"], name="subsidy_app_call_created"),
            models.Index(fields=["rule", "created_at", "id"], name="subsidy_app_rule_created"),
            # the 工作台's applications waiting at a step, soonest deadline first (ADR 0008)
            models.Index(fields=["due_on", "id"], name="subsidy_app_due"),
        ]

    def __str__(self) -> str:
        return f"{self.number or '草稿'} {self.rule.code} {self.enterprise.name}"

    @property
    def is_overdue(self) -> bool:
        return bool(self.due_on and self.status in CLOCK_RUNNING and timezone.localdate() > self.due_on)

    @property
    def is_editable(self) -> bool:
        return self.status in (ApplicationStatus.DRAFT, ApplicationStatus.RETURNED)


class ApplicationEvent(AppendOnlyModel):
    """Append-only log of every workflow step (who, when, from → to, note, the due date it set): the kernel's
    ``AppendOnlyModel`` refuses changing or deleting a row, one by one or in bulk."""

    UPDATE_REFUSED = "办理记录只可追加，不可修改。"
    DELETE_REFUSED = "办理记录只可追加，不可删除。"

    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="events")
    at = models.DateTimeField("时间", default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="办理人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField("原状态", max_length=20, blank=True)
    to_status = models.CharField("新状态", max_length=20)
    note = models.TextField("说明", blank=True)
    due_on = models.DateField("下一环节期限", null=True, blank=True)

    class Meta:
        verbose_name = "办理记录"
        verbose_name_plural = "办理记录"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{local_datetime(self.at)} {self.action_label}"

    @property
    def action_label(self) -> str:
        return event_action_label(self.action)

    @property
    def from_status_label(self) -> str:
        return ApplicationStatus(self.from_status).label if self.from_status else "无"

    @property
    def to_status_label(self) -> str:
        return ApplicationStatus(self.to_status).label if self.to_status else "无"


def event_action_label(action: str) -> str:
    """The Chinese name of a workflow step recorded in ``ApplicationEvent.action``."""
    from subsidies.workflow import step_label

    return step_label(action)


evidence_path = PrivatePath("subsidies/evidence")  # the name migration 0001 refers to


# Material kinds outside a call's list: the evidence an enterprise gives for the facts it corrected when confirming a
# 免申即享 push (``subsidies.services.candidates.candidate_confirm``).
CORRECTION_KIND = "correction"
SYSTEM_EVIDENCE_KINDS = {CORRECTION_KIND: "更正依据（免申即享）"}


class Evidence(GovernedModel):
    """An uploaded proof (invoice, certificate…) of an application; downloaded only through permission checks."""

    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="evidence")
    kind = models.CharField("材料类型", max_length=40)
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)
    original_name = models.CharField("原文件名", max_length=200)
    size = models.PositiveIntegerField("大小（字节）")
    content_type = models.CharField("文件类型", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "申报材料"
        verbose_name_plural = "申报材料"
        ordering = ["application", "created_at"]

    def __str__(self) -> str:
        return self.original_name

    @property
    def kind_label(self) -> str:
        """The material's name in the call's list of required materials (``invoice`` → 发票或费用凭证)."""
        return self.application.call.kind_labels().get(self.kind) or SYSTEM_EVIDENCE_KINDS.get(self.kind, self.kind)


class ExpertScore(GovernedModel):
    """An expert's score of a competitive application (0–100)."""

    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="scores")
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="评审专家", on_delete=models.PROTECT,
                               related_name="+")
    score = models.DecimalField("得分", max_digits=5, decimal_places=2)
    comment = models.TextField("评审意见", blank=True)

    class Meta:
        verbose_name = "专家评分"
        verbose_name_plural = "专家评分"
        constraints = [models.UniqueConstraint(fields=["application", "expert"], name="uniq_expert_score")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.score}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", "待处理"
    UPHELD = "upheld", "异议成立"
    DISMISSED = "dismissed", "异议不成立"


class ObjectionQuerySet(FrozenFieldsQuerySet, GovernedQuerySet):
    pass


class Objection(FrozenFieldsModel, GovernedModel):
    """An objection received during publicity (公示异议) and how it was resolved. What was received (from whom,
    when, what it says, on which application) never changes once recorded (``FrozenFieldsModel``); the decision
    is added by ``objection_resolve``."""

    FROZEN_FIELDS = frozenset({"application", "received_on", "objector", "content"})
    FROZEN_REFUSED = "公示异议一经登记，以下内容不可修改："

    application = models.ForeignKey(Application, verbose_name="申报", on_delete=models.PROTECT,
                                    related_name="objections")
    received_on = models.DateField("收到日期")
    objector = models.CharField("异议人", max_length=100)
    content = models.TextField("异议内容")
    status = models.CharField("处理结果", max_length=12, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.OPEN)
    resolution = models.TextField("处理意见", blank=True)
    resolved_at = models.DateTimeField("处理时间", null=True, blank=True)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = "公示异议"
        verbose_name_plural = "公示异议"
        ordering = ["-received_on"]

    def __str__(self) -> str:
        return f"{self.objector}：{self.content[:20]}"
