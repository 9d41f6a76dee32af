"""Policy documents and their rules; parameter values are dated data, editable with history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from portal.models import GovernedModel, GovernedQuerySet
from subsidies.rules.catalog import FAMILY_CHOICES, FUNDING_CHOICES, RECIPIENT_CHOICES, RULES_BY_CODE


class PolicyDocument(GovernedModel):
    """A policy text (文件): number, issuer, dates, jurisdiction, what it supersedes or repeals."""

    doc_number = models.CharField("文号", max_length=60, unique=True)
    title = models.CharField("标题", max_length=200)
    issuer = models.CharField("发文机关", max_length=100)
    issued_on = models.DateField("印发日期")
    effective_from = models.DateField("施行日期")
    effective_to = models.DateField("有效期至", null=True, blank=True, help_text="留空表示文件未规定截止日期")
    jurisdiction = models.CharField("适用地域", max_length=60)
    supersedes = models.ManyToManyField("self", verbose_name="取代（不一致处按本文件执行）", symmetrical=False,
                                        blank=True, related_name="superseded_by")
    repeals = models.ManyToManyField("self", verbose_name="废止", symmetrical=False, blank=True,
                                     related_name="repealed_by")
    source_file = models.CharField("原文文件", max_length=120, blank=True)
    note = models.TextField("备注", blank=True)

    class Meta:
        verbose_name = "政策文件"
        verbose_name_plural = "政策文件"
        ordering = ["-issued_on"]

    def __str__(self) -> str:
        return f"{self.doc_number} {self.title}"


class RuleQuerySet(GovernedQuerySet):
    def in_force(self, on: dt.date) -> RuleQuerySet:
        return self.active().filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))


class Rule(GovernedModel):
    """One incentive clause (奖补条款) with its code from subsidy_rules.md; formula steps live in subsidies.rules."""

    code = models.CharField("规则编号", max_length=10, unique=True)
    document = models.ForeignKey(PolicyDocument, verbose_name="政策文件", on_delete=models.PROTECT,
                                 related_name="rules")
    clause = models.CharField("条款", max_length=30, help_text="如：三(一)")
    title = models.CharField("名称", max_length=100)
    family = models.CharField("政策类别", max_length=20, choices=FAMILY_CHOICES)
    responsible_department = models.CharField("责任单位", max_length=100)
    responsible_unit = models.ForeignKey("portal.Organization", verbose_name="经办单位", null=True, blank=True,
                                         on_delete=models.PROTECT, related_name="subsidy_rules",
                                         help_text="受理、审核本规则申报的单位")
    funding = models.CharField("资金分担", max_length=20, choices=FUNDING_CHOICES)
    recipient_type = models.CharField("奖补对象", max_length=20, choices=RECIPIENT_CHOICES)
    competitive_limit = models.PositiveSmallIntegerField("每年评选上限（个）", null=True, blank=True,
                                                         help_text="竞争性评选规则每年核定数量上限；留空为不限")
    valid_from = models.DateField("适用起始日")
    valid_to = models.DateField("适用截止日", null=True, blank=True, help_text="留空表示未规定截止日期")
    superseded_by = models.ForeignKey("self", verbose_name="被以下规则取代", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="supersedes")
    summary = models.TextField("条款摘要", blank=True)
    note = models.TextField("口径说明", blank=True)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    objects = RuleQuerySet.as_manager()

    class Meta:
        verbose_name = "奖补规则"
        verbose_name_plural = "奖补规则"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def handling_unit(self) -> str:
        """The bureau that accepts and reviews applications under this rule (its 经办单位, else the 责任单位 named
        by the policy document); read with ``responsible_unit`` selected."""
        return self.responsible_unit.name if self.responsible_unit_id else self.responsible_department

    @property
    def citation(self) -> str:
        return f"{self.document.doc_number} {self.clause}"

    @property
    def is_competitive(self) -> bool:
        return bool(self.competitive_limit)

    def is_in_force(self, on: dt.date) -> bool:
        return self.retired_at is None and self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def facts_schema(self) -> list[dict[str, Any]]:
        from subsidies.rules import rule_facts_schema

        return rule_facts_schema(self.code)


def _same_shape(default: Any, value: Any) -> str:
    """Empty when ``value`` has the shape of the catalog default (number / {key: number} / [[number, number]])."""
    def is_number(v: Any) -> bool:
        if isinstance(v, bool):
            return False
        try:
            return Decimal(str(v)).is_finite() and Decimal(str(v)) >= 0
        except InvalidOperation:
            return False

    if isinstance(default, dict):
        if not isinstance(value, dict) or set(value) != set(default):
            from subsidies.rules.labels import key_label

            return f"应逐行填写以下项目：{'、'.join(key_label(k) for k in default)}"
        return "" if all(is_number(v) for v in value.values()) else "各档金额/比例应为非负数字"
    if isinstance(default, list):
        if not isinstance(value, list) or not value or not all(
                isinstance(p, list) and len(p) == 2 and is_number(p[0]) and is_number(p[1]) for p in value):
            return "应逐行填写“门槛，金额”"
        return ""
    return "" if is_number(value) else "应为一个非负数字（如 0.30 或 300000）"


class RuleParameter(GovernedModel):
    """A dated parameter value of a rule (rate, cap, tiers, threshold). The value in force on a date is used."""

    rule = models.ForeignKey(Rule, verbose_name="规则", on_delete=models.PROTECT, related_name="parameters")
    name = models.CharField("参数名", max_length=40)
    value = models.JSONField("取值", help_text="比例如 \"0.30\"；金额如 \"300000\"；档次如 {\"3\": \"50000\"}")
    valid_from = models.DateField("生效日")
    valid_to = models.DateField("失效日", null=True, blank=True)
    note = models.CharField("依据/说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "规则参数"
        verbose_name_plural = "规则参数（按生效日期）"
        ordering = ["rule__code", "name", "valid_from"]
        constraints = [models.UniqueConstraint(fields=["rule", "name", "valid_from"], name="uniq_rule_param_start")]

    def __str__(self) -> str:
        from subsidies.rules.labels import param_label, param_text

        return f"{self.rule_id and self.rule.code} {param_label(self.name)}：{param_text(self.value)}（{self.valid_from} 起）"

    def history_json_labels(self, field_name: str) -> dict[str, str]:
        from subsidies.rules.labels import PARAM_LABELS, VALUE_KEY_LABELS

        return {"name": PARAM_LABELS, "value": VALUE_KEY_LABELS}.get(field_name, {})

    def clean(self) -> None:
        rdef = RULES_BY_CODE.get(self.rule.code) if self.rule_id else None
        if rdef is None:
            return
        if self.name not in rdef.params:
            from subsidies.rules.labels import param_label

            raise ValidationError({"name": f"本规则没有参数“{param_label(self.name)}”"
                                           f"（可用：{'、'.join(param_label(p) for p in rdef.params)}）"})
        problem = _same_shape(rdef.params[self.name], self.value)
        if problem:
            raise ValidationError({"value": problem})
        if self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "失效日不能早于生效日"})
