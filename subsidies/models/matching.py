"""政策精准推送 / 免申即享: where the administration already holds a rule fact (fact sources), the facts read from the
departments' submissions (enterprise facts), and the enterprises the calculator finds eligible (match candidates).

A candidate is proposed by the matching job, pushed by a program officer, and confirmed (possibly with corrected facts
and evidence) or declined by the enterprise; confirming creates a pre-filled application marked 免申即享 that follows
the normal review (``subsidies.workflow.MATCH_CANDIDATE``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from portal.files import PrivatePath
from portal.models import AppendOnlyModel, GovernedModel

MONEY = {"max_digits": 18, "decimal_places": 2}


def fact_choices() -> list[tuple[str, str]]:
    """Every fact name some rule asks for, labelled in Chinese with the rules that use it (the calculator's names
    stay the stored value)."""
    from subsidies.rules import RULES

    labels: dict[str, str] = {}
    codes: dict[str, list[str]] = {}
    for rdef in RULES:
        for fact in rdef.facts:
            labels.setdefault(fact.name, fact.label)
            codes.setdefault(fact.name, []).append(rdef.code)
    return sorted(((name, f"{labels[name]}（{'、'.join(codes[name])}）") for name in labels), key=lambda c: c[1])


def fact_label(name: str) -> str:
    return dict(fact_choices()).get(name, name)


class FactSource(GovernedModel):
    """A declaration by the data authority: rule fact ``fact`` (of ``rule``, or of every rule that asks for it) can be
    read from catalog data item ``data_item``, in the submissions of ``collection_item``, one row per enterprise
    identified by ``key_column``; ``vouching_unit`` answers for the value."""

    fact = models.CharField("奖补事实", max_length=60, help_text="计算器的事实名，如 annual_revenue（见规则的事实清单）。")
    rule = models.ForeignKey("subsidies.Rule", verbose_name="仅用于规则", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="fact_sources",
                             help_text="留空表示所有需要该事实的规则都可使用。")
    data_item = models.ForeignKey("catalogs.DataItem", verbose_name="目录信息项", on_delete=models.PROTECT,
                                  related_name="fact_sources")
    collection_item = models.ForeignKey("catalogs.CollectionItem", verbose_name="采集事项", on_delete=models.PROTECT,
                                        related_name="fact_sources",
                                        help_text="该信息项随此采集事项报送；按统一社会信用代码逐行读取。")
    key_column = models.CharField("主体标识列", max_length=60, default="统一社会信用代码")
    value_column = models.CharField("取值列", max_length=60, help_text="报送文件中承载该事实的列名。")
    vouching_unit = models.ForeignKey("portal.Organization", verbose_name="负责核实单位", on_delete=models.PROTECT,
                                      related_name="vouched_fact_sources")
    note = models.TextField("说明", blank=True)

    class Meta:
        verbose_name = "事实来源"
        verbose_name_plural = "事实来源（免申即享）"
        ordering = ["fact", "id"]
        constraints = [
            models.UniqueConstraint(fields=["fact", "rule", "collection_item"], condition=Q(retired_at__isnull=True),
                                    name="uniq_active_fact_source"),
        ]

    def __str__(self) -> str:
        return f"{fact_label(self.fact)} ← {self.collection_item}（{self.value_column}）"


class EnterpriseFact(AppendOnlyModel):
    """One fact value read from one submission row: for whom, which fact, the value as submitted, and where it came
    from (entry, catalog version, submission, date). A later submission adds a new row; the newest one counts."""

    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="主体", on_delete=models.PROTECT,
                                   related_name="facts")
    source = models.ForeignKey(FactSource, verbose_name="事实来源", on_delete=models.PROTECT, related_name="values")
    fact = models.CharField("奖补事实", max_length=60, db_index=True)
    period = models.PositiveSmallIntegerField("所属年度")
    value = models.CharField("取值", max_length=200)
    submission = models.ForeignKey("catalogs.CollectionSubmission", verbose_name="报送记录", on_delete=models.PROTECT,
                                   related_name="enterprise_facts")
    entry_version = models.ForeignKey("catalogs.CatalogVersion", verbose_name="目录版本", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    row_number = models.PositiveIntegerField("行号")
    read_at = models.DateTimeField("读取时间")

    UPDATE_REFUSED = "已读取的事实为只读记录，不可修改。"
    DELETE_REFUSED = "已读取的事实为只读记录，不可删除。"

    class Meta:
        verbose_name = "企业事实"
        verbose_name_plural = "企业事实（来自报送数据）"
        ordering = ["enterprise", "fact", "-period", "-id"]
        constraints = [models.UniqueConstraint(fields=["submission", "source", "enterprise"],
                                               name="uniq_fact_per_submission_row")]
        indexes = [models.Index(fields=["enterprise", "fact", "period"])]

    def __str__(self) -> str:
        return f"{self.enterprise} {fact_label(self.fact)}：{self.value}（{self.period}）"


class CandidateStatus(models.TextChoices):
    PROPOSED = "proposed", "待推送"
    PUSHED = "pushed", "已推送，待企业确认"
    CONFIRMED = "confirmed", "企业已确认（已生成申报）"
    DECLINED = "declined", "企业已放弃"
    DISMISSED = "dismissed", "不予推送"
    STALE = "stale", "已失效（事实或规则变化）"


OPEN_CANDIDATE = (CandidateStatus.PROPOSED, CandidateStatus.PUSHED)

correction_evidence_path = PrivatePath("subsidies/corrections")


class MatchCandidate(GovernedModel):
    """An enterprise the calculator finds eligible under a call's rule from facts the administration holds, with the
    amount, the trace and the sources of every fact. ``fingerprint`` hashes the inputs, so a re-run that sees the
    same facts, history and rule state changes nothing."""

    call = models.ForeignKey("subsidies.Call", verbose_name="申报批次", on_delete=models.PROTECT,
                             related_name="candidates")
    rule = models.ForeignKey("subsidies.Rule", verbose_name="规则", on_delete=models.PROTECT,
                             related_name="candidates")
    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="企业", on_delete=models.PROTECT,
                                   related_name="match_candidates")
    period = models.PositiveSmallIntegerField("年度")
    facts = models.JSONField("事实", default=dict)
    sources = models.JSONField("数据来源", default=list,
                               help_text="每项事实的来源：目录、版本、报送记录、报送日期、负责核实单位。")
    amount = models.DecimalField("预计金额（元）", **MONEY)
    calculation = models.JSONField("测算结果（含计算过程）", default=dict)
    fingerprint = models.CharField("输入指纹", max_length=64, editable=False)
    status = models.CharField("状态", max_length=12, choices=CandidateStatus.choices, default=CandidateStatus.PROPOSED,
                              db_index=True)
    matched_at = models.DateTimeField("最近匹配时间")
    pushed_at = models.DateTimeField("推送时间", null=True, blank=True, editable=False)
    pushed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="推送人", null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+", editable=False)
    responded_at = models.DateTimeField("企业答复时间", null=True, blank=True, editable=False)
    responded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="企业答复人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+", editable=False)
    corrections = models.JSONField("企业更正的事实", default=dict, blank=True, editable=False)
    correction_evidence = models.FileField("更正依据", upload_to=correction_evidence_path, blank=True, max_length=200,
                                           editable=False)
    reason = models.TextField("理由（放弃、不予推送或失效）", blank=True, editable=False)
    application = models.OneToOneField("subsidies.Application", verbose_name="生成的申报", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="match_candidate", editable=False)

    class Meta:
        verbose_name = "免申即享候选"
        verbose_name_plural = "免申即享候选（政策精准推送）"
        ordering = ["call", "rule", "-amount", "id"]
        # a stale candidate stays as the record of what was proposed; the next proposal is a new row
        constraints = [models.UniqueConstraint(fields=["call", "rule", "enterprise", "period"],
                                               condition=~Q(status="stale"), name="uniq_live_match_candidate")]
        indexes = [models.Index(fields=["enterprise", "status"])]

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.rule.code} · 预计 {self.amount} 元"
