"""一事一议 awards: support decided case by case (泉政办〔2021〕21号《泉州市平台经济“五十百千”行动实施方案》三(四)1:
“可按‘一事一议’‘一企一策’方式研究确定奖补……支持政策”), outside the rule catalog, yet booked against a call's budget
pool under the same locks and pool cap as rule awards, with its decision document and an approver who is not the
person who entered it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from portal.files import PrivatePath
from portal.models import FrozenFieldsModel, FrozenFieldsQuerySet, GovernedModel, GovernedQuerySet

MONEY = {"max_digits": 18, "decimal_places": 2}
KIND_LABEL = "一事一议"


class ManualAwardStatus(models.TextChoices):
    PENDING = "pending", "待审批"
    APPROVED = "approved", "已批准（资金已预留）"
    DISBURSED = "disbursed", "已拨付"
    REJECTED = "rejected", "不予批准"
    CANCELLED = "cancelled", "已撤销（资金已释放）"


class ManualAwardQuerySet(FrozenFieldsQuerySet, GovernedQuerySet):
    pass


decision_document_path = PrivatePath("subsidies/decisions")


class ManualAward(FrozenFieldsModel, GovernedModel):
    """One 一事一议 award: to whom, how much, from which pool, on which decision (文号 and document), approved by
    whom. What was decided never changes once entered (``FrozenFieldsModel``); only the workflow moves its status."""

    FROZEN_FIELDS = frozenset({"enterprise", "pool", "amount", "year", "subject", "decision_number",
                               "decision_document", "decided_on", "approver", "entered_by"})
    FROZEN_REFUSED = "一事一议奖补一经登记，以下内容不可修改："

    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="奖补对象", on_delete=models.PROTECT,
                                   related_name="manual_awards")
    pool = models.ForeignKey("subsidies.BudgetPool", verbose_name="资金池", on_delete=models.PROTECT,
                             related_name="manual_awards")
    amount = models.DecimalField("奖补金额（元）", **MONEY)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    subject = models.CharField("事项", max_length=200, help_text="一事一议所议事项，如重大项目名称。")
    decision_number = models.CharField("决定文号", max_length=80,
                                       help_text="如会议纪要或批复文号：晋政纪〔2026〕12号。")
    decided_on = models.DateField("决定日期")
    decision_document = models.FileField("决定文件", upload_to=decision_document_path, max_length=200)
    document_name = models.CharField("决定文件原名", max_length=200, editable=False)
    document_sha256 = models.CharField("决定文件 SHA-256", max_length=64, editable=False)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                   related_name="+", editable=False)
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="审批人", on_delete=models.PROTECT,
                                 related_name="+", help_text="有审批权限的负责人，不得为登记人本人。")
    status = models.CharField("状态", max_length=12, choices=ManualAwardStatus.choices,
                              default=ManualAwardStatus.PENDING, db_index=True)
    approved_on = models.DateField("批准日期", null=True, blank=True, editable=False)
    disbursed_on = models.DateField("拨付日期（支付日期）", null=True, blank=True, editable=False)
    payment_reference = models.CharField("支付凭证号", max_length=60, blank=True, editable=False)
    released_on = models.DateField("释放日期", null=True, blank=True, editable=False)
    decision_note = models.TextField("审批意见", blank=True, editable=False)

    objects = ManualAwardQuerySet.as_manager()

    class Meta:
        verbose_name = "一事一议奖补"
        verbose_name_plural = "一事一议奖补"
        ordering = ["-decided_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="manual_award_positive"),
            models.CheckConstraint(condition=~Q(approver=F("entered_by")), name="manual_award_four_eyes"),
        ]

    def __str__(self) -> str:
        return f"{KIND_LABEL} {self.decision_number} {self.enterprise} {self.amount}"

    @property
    def kind_label(self) -> str:
        return KIND_LABEL
