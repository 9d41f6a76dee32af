"""Calls for applications (申报批次) and their budget pools (city share, county shares for 1:1 rules)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import models
from django.db.models import F, Q

from portal.models import GovernedModel
from subsidies.rules.catalog import FAMILY_CHOICES

MONEY = {"max_digits": 18, "decimal_places": 2}


class Call(GovernedModel):
    """A call for one rule, several rules or a whole family in one year, with its dates and evidence list."""

    code = models.CharField("批次编号", max_length=40, unique=True)
    name = models.CharField("批次名称", max_length=120)
    year = models.PositiveSmallIntegerField("年度")
    family = models.CharField("政策类别", max_length=20, choices=FAMILY_CHOICES, blank=True,
                              help_text="整类申报时填写；同时勾选规则的，以所选规则为准")
    rules = models.ManyToManyField("subsidies.Rule", verbose_name="适用规则", blank=True, related_name="calls")
    opens_on = models.DateField("申报开始日")
    closes_on = models.DateField("申报截止日")
    evidence_requirements = models.JSONField(
        "申报材料清单", default=list, blank=True,
        help_text='[{"kind": "invoice", "label": "发票", "required": true}, …]')
    publicity_workdays = models.PositiveSmallIntegerField("公示期（工作日）", default=5)
    responsible_unit = models.ForeignKey("portal.Organization", verbose_name="组织单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="subsidy_calls")
    description = models.TextField("申报说明", blank=True)

    class Meta:
        verbose_name = "申报批次"
        verbose_name_plural = "申报批次"
        ordering = ["-year", "-opens_on"]

    def __str__(self) -> str:
        return f"{self.name}（{self.year}）"

    def history_json_labels(self, field_name: str) -> dict[str, str]:
        from subsidies.rules.labels import EVIDENCE_KEY_LABELS, EVIDENCE_KIND_LABELS

        return {**EVIDENCE_KEY_LABELS, **EVIDENCE_KIND_LABELS} if field_name == "evidence_requirements" else {}

    def is_open(self, on: dt.date) -> bool:
        return self.retired_at is None and self.opens_on <= on <= self.closes_on

    def rule_codes(self) -> list[str]:
        from subsidies.models.policy import Rule

        codes = [r.code for r in self.rules.all()]
        if not codes and self.family:
            codes = list(Rule.objects.active().filter(family=self.family).values_list("code", flat=True))
        return codes

    def required_kinds(self) -> list[str]:
        return [str(r.get("kind")) for r in self.evidence_requirements or [] if r.get("required")]

    def kind_labels(self) -> dict[str, str]:
        labels = {str(r.get("kind")): str(r.get("label") or r.get("kind")) for r in self.evidence_requirements or []}
        labels.setdefault("other", "其他材料")
        return labels


class PoolLevel(models.TextChoices):
    CITY = "city", "市级"
    COUNTY = "county", "县级"


class BudgetPool(GovernedModel):
    """Money set aside for a call: reserved on approval, committed on disbursement, released on withdrawal.

    ``reserved + committed ≤ amount`` is also a database constraint, so no code path can over-commit.
    """

    call = models.ForeignKey(Call, verbose_name="申报批次", on_delete=models.PROTECT, related_name="pools")
    level = models.CharField("资金级次", max_length=10, choices=PoolLevel.choices)
    county = models.ForeignKey("portal.Organization", verbose_name="县（市、区）", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="subsidy_pools")
    amount = models.DecimalField("预算总额（元）", **MONEY)
    reserved = models.DecimalField("已核定未拨付（元）", default=Decimal("0"), editable=False, **MONEY)
    committed = models.DecimalField("已拨付（元）", default=Decimal("0"), editable=False, **MONEY)
    budget_unit = models.ForeignKey("portal.Organization", verbose_name="预算单位（单位名称）", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    budget_doc_number = models.CharField("指标文号", max_length=80, blank=True)
    budget_summary = models.CharField("指标摘要", max_length=200, blank=True)
    parent_budget_doc_number = models.CharField("上级指标文号", max_length=80, blank=True)

    class Meta:
        verbose_name = "资金池"
        verbose_name_plural = "资金池"
        ordering = ["call", "level", "county__sort_order"]
        constraints = [
            models.CheckConstraint(condition=Q(reserved__gte=0) & Q(committed__gte=0),
                                   name="pool_nonnegative"),
            models.CheckConstraint(condition=Q(amount__gte=F("reserved") + F("committed")),
                                   name="pool_not_overcommitted"),
            models.UniqueConstraint(fields=["call"], condition=Q(level="city"), name="uniq_city_pool"),
            models.UniqueConstraint(fields=["call", "county"], condition=Q(level="county"), name="uniq_county_pool"),
            models.CheckConstraint(condition=Q(level="city", county__isnull=True) | Q(level="county",
                                                                                       county__isnull=False),
                                   name="pool_county_iff_county_level"),
        ]

    def __str__(self) -> str:
        where = self.county.name if self.county_id else "市级"
        return f"{self.call.name} · {where}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.amount is not None and self.amount < (self.reserved or 0) + (self.committed or 0):
            raise ValidationError({"amount": f"预算总额不能低于已核定和已拨付金额之和（{self.reserved + self.committed} 元）。"})
        if self.level == PoolLevel.CITY and self.county_id:
            raise ValidationError({"county": "市级资金池不填写县（市、区）。"})
        if self.level == PoolLevel.COUNTY and not self.county_id:
            raise ValidationError({"county": "县级资金池须选择县（市、区）。"})

    @property
    def available(self) -> Decimal:
        return self.amount - self.reserved - self.committed

    @property
    def utilisation(self) -> Decimal:
        if not self.amount:
            return Decimal("0")
        return ((self.reserved + self.committed) * 100 / self.amount).quantize(Decimal("0.1"))
