"""规则参数: statutory limits and red-flag thresholds with effective dates and jurisdiction (see
``procurement.parameters``)."""

from __future__ import annotations

from django.db import models

from portal.models import GovernedModel


class RuleParameter(GovernedModel):
    """One value of a registered parameter for a period and a jurisdiction (empty = whole city)."""

    code = models.CharField("参数", max_length=40, db_index=True)
    jurisdiction = models.ForeignKey("portal.Organization", verbose_name="适用范围（空=全市）", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="procurement_rule_parameters",
                                     help_text="适用于该单位/区县及其下级；为空时适用于全市。")
    value = models.DecimalField("取值", max_digits=18, decimal_places=4)
    valid_from = models.DateField("生效日期")
    valid_to = models.DateField("失效日期", null=True, blank=True)
    source_clause = models.CharField("依据条款", max_length=255)
    needs_legal_confirmation = models.BooleanField("待法务确认", default=False)
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数"
        ordering = ["code", "jurisdiction", "-valid_from"]
        constraints = [models.UniqueConstraint(fields=["code", "jurisdiction", "valid_from"],
                                               name="proc_uniq_rule_param")]

    def __str__(self) -> str:
        return f"{self.code}={self.value}（{self.valid_from:%Y-%m-%d}起）"
