"""Data corrections (数据纠错, QZ §七) and additional-interface requests (QZ §二(三))."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalogs.models.entries import InterfaceKind
from portal.models import GovernedModel


class CorrectionStatus(models.TextChoices):
    REPORTED = "reported", "已报告待分析"
    DISPATCHED = "dispatched", "已分派待核实"
    CORRECTING = "correcting", "决定更正，更正中"
    NOT_CORRECTED = "not_corrected", "决定不予更正"
    CORRECTED = "corrected", "已更正并重新汇聚"


class DataCorrection(GovernedModel):
    """问题数据纠错: user unit reports → tech unit analyses and dispatches → source unit decides (5 wd) → corrects
    within 10 wd of its decision."""

    entry = models.ForeignKey("catalogs.CatalogEntry", verbose_name="目录条目", on_delete=models.PROTECT,
                              related_name="corrections")
    source_unit = models.ForeignKey("portal.Organization", verbose_name="数源单位", on_delete=models.PROTECT,
                                    related_name="corrections_received")
    reporter_unit = models.ForeignKey("portal.Organization", verbose_name="报告单位", on_delete=models.PROTECT,
                                      related_name="corrections_reported")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="报告人", on_delete=models.PROTECT,
                                    related_name="+")
    description = models.TextField("问题描述")
    status = models.CharField("状态", max_length=16, choices=CorrectionStatus.choices,
                              default=CorrectionStatus.REPORTED, db_index=True)
    reported_on = models.DateField("报告日期")
    analysis_due_on = models.DateField("分析分派期限")
    analysis = models.TextField("分析意见", blank=True)
    dispatched_on = models.DateField("分派日期", null=True, blank=True)
    decide_due_on = models.DateField("核实决定期限", null=True, blank=True)
    decided_on = models.DateField("决定日期", null=True, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    correct_due_on = models.DateField("更正期限", null=True, blank=True)
    corrected_on = models.DateField("更正日期", null=True, blank=True)
    correction_note = models.TextField("更正说明", blank=True)
    is_analysis_late = models.BooleanField("分析分派逾期", default=False)
    is_decision_late = models.BooleanField("核实决定逾期", default=False)
    is_correction_late = models.BooleanField("更正逾期", default=False)

    class Meta:
        verbose_name = "数据纠错"
        verbose_name_plural = "数据纠错"
        ordering = ["-reported_on", "-id"]

    def __str__(self) -> str:
        return f"纠错#{self.pk} {self.entry.title}"


class InterfaceRequestStatus(models.TextChoices):
    OPEN = "open", "待提供"
    EXTENSION_REQUESTED = "extension_requested", "已申请延期"
    DELIVERED = "delivered", "生产单位已提供，待技术服务单位再封装"
    PUBLISHED = "published", "已再封装并统一发布"


class InterfaceRequest(GovernedModel):
    """The authority asks a producer for more interfaces: due in 10 working days, one written extension ≤ 5 wd."""

    producer_unit = models.ForeignKey("portal.Organization", verbose_name="数据生产单位", on_delete=models.PROTECT,
                                      related_name="interface_requests")
    entry = models.ForeignKey("catalogs.CatalogEntry", verbose_name="目录条目", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="interface_requests")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提出人", on_delete=models.PROTECT,
                                     related_name="+")
    description = models.TextField("接口需求及应用场景")
    status = models.CharField("状态", max_length=24, choices=InterfaceRequestStatus.choices,
                              default=InterfaceRequestStatus.OPEN, db_index=True)
    requested_on = models.DateField("提出日期")
    original_due_on = models.DateField("原定期限")
    due_on = models.DateField("提供期限")
    extension_reason = models.TextField("书面延期理由", blank=True)
    extension_workdays = models.PositiveSmallIntegerField("申请延期工作日", default=0)
    has_extension_request = models.BooleanField("已提出延期申请", default=False)
    is_extension_approved = models.BooleanField("延期已批准", default=False)
    extension_decision_note = models.TextField("延期审批意见", blank=True)
    delivered_on = models.DateField("提供日期", null=True, blank=True)
    # what the producer delivered (QZ §二(三): interface, spec and call instructions), before the re-wrap
    delivered_name = models.CharField("接口名称", max_length=120, blank=True)
    delivered_kind = models.CharField("接口类型", max_length=16, blank=True,
                                      choices=[("", "无"), *InterfaceKind.choices])
    producer_endpoint = models.CharField("生产单位接口地址", max_length=300, blank=True)
    delivered_spec = models.TextField("接口规范", blank=True)
    delivered_call_instructions = models.TextField("调用说明", blank=True)
    # the technical service unit re-wraps it and publishes it on the platform: a new published version of the entry
    platform_endpoint = models.CharField("平台统一发布地址", max_length=300, blank=True)
    rewrap_note = models.TextField("再封装说明", blank=True)
    rewrapped_on = models.DateField("再封装发布日期", null=True, blank=True)
    rewrapped_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="再封装经办人", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    published_version = models.PositiveIntegerField("发布的目录版本号", null=True, blank=True,
                                                    help_text="接口随该版本发布；目录修订中时随下次发布。")
    delivered_interface = models.ForeignKey("catalogs.ServiceInterface", verbose_name="发布的接口", null=True,
                                            blank=True, on_delete=models.PROTECT, related_name="+")
    is_late = models.BooleanField("逾期提供", default=False)
    is_overdue = models.BooleanField("已逾期未提供", default=False, db_index=True,
                                     help_text="每日任务在提供期限（含已批准的延期）过后仍未提供时标记。")
    overdue_flagged_on = models.DateField("逾期标记日期", null=True, blank=True)

    class Meta:
        verbose_name = "接口提供要求"
        verbose_name_plural = "接口提供要求"
        ordering = ["-requested_on", "-id"]

    def __str__(self) -> str:
        return f"接口需求#{self.pk}（{self.producer_unit}）"
