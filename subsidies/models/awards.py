"""Awards: the money decided for an application, split into city and county lines, with their pool bookings."""

from __future__ import annotations

from django.db import models

from portal.models import FrozenFieldsModel, FrozenFieldsQuerySet, GovernedModel, GovernedQuerySet

MONEY = {"max_digits": 18, "decimal_places": 2}


class AwardStatus(models.TextChoices):
    RESERVED = "reserved", "已核定（资金已预留）"
    COMMITTED = "committed", "已拨付"
    RELEASED = "released", "已释放（撤回/撤销）"


class AwardQuerySet(FrozenFieldsQuerySet, GovernedQuerySet):
    pass


class Award(FrozenFieldsModel, GovernedModel):
    """One approved award; its history (reserved and committed) feeds difference rules and caps.

    What was decided (amount, its city/county split, the pools it was booked in, to whom, when) never changes once
    written; only its status and payment dates move (``FrozenFieldsModel``)."""

    FROZEN_FIELDS = frozenset({"application", "enterprise", "rule", "call", "key", "year", "amount", "city_amount",
                               "county_amount", "county", "city_pool", "county_pool", "approved_on"})
    FROZEN_REFUSED = "奖补核定一经作出，以下内容不可修改："

    application = models.OneToOneField("subsidies.Application", verbose_name="申报", on_delete=models.PROTECT,
                                       related_name="award")
    enterprise = models.ForeignKey("portal.Enterprise", verbose_name="申报主体", on_delete=models.PROTECT,
                                   related_name="subsidy_awards")
    rule = models.ForeignKey("subsidies.Rule", verbose_name="规则", on_delete=models.PROTECT, related_name="awards")
    call = models.ForeignKey("subsidies.Call", verbose_name="申报批次", on_delete=models.PROTECT,
                             related_name="awards")
    key = models.CharField("项目/作品标识", max_length=100, blank=True)
    year = models.PositiveSmallIntegerField("年度", db_index=True)
    amount = models.DecimalField("核定金额（元）", **MONEY)
    city_amount = models.DecimalField("市级承担（元）", **MONEY)
    county_amount = models.DecimalField("县级承担（元）", **MONEY)
    county = models.ForeignKey("portal.Organization", verbose_name="承担县（市、区）", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="+")
    city_pool = models.ForeignKey("subsidies.BudgetPool", verbose_name="市级资金池", on_delete=models.PROTECT,
                                  related_name="city_awards")
    county_pool = models.ForeignKey("subsidies.BudgetPool", verbose_name="县级资金池", null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="county_awards")
    status = models.CharField("状态", max_length=12, choices=AwardStatus.choices, default=AwardStatus.RESERVED)
    approved_on = models.DateField("核定日期")
    disbursed_on = models.DateField("拨付日期（支付日期）", null=True, blank=True)
    payment_reference = models.CharField("支付凭证号", max_length=60, blank=True,
                                         help_text="财政拨付时登记的国库支付凭证号。")
    released_on = models.DateField("释放日期", null=True, blank=True)
    payee_name = models.CharField("收款人", max_length=200, blank=True)
    payee_bank = models.CharField("开户行", max_length=120, blank=True)
    payee_account = models.CharField("收款人账号", max_length=40, blank=True)

    objects = AwardQuerySet.as_manager()

    class Meta:
        verbose_name = "奖补核定"
        verbose_name_plural = "奖补核定与拨付"
        ordering = ["-approved_on", "-id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["enterprise", "rule", "status"]),
            models.Index(fields=["rule", "year"]),
            models.Index(fields=["approved_on", "id"], name="subsidy_award_approved"),
            models.Index(fields=["status", "approved_on", "id"], name="subsidy_award_status_appr"),
            models.Index(fields=["year", "approved_on", "id"], name="subsidy_award_year_appr"),
            models.Index(fields=["county", "approved_on", "id"], name="subsidy_award_county_appr"),
        ]

    def __str__(self) -> str:
        return f"{self.rule.code} {self.enterprise} {self.amount}"
