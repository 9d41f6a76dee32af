"""What a catalog change did to the live grants that depend on the entry (docs/adr/0205): one append-only row per
affected share authorization or open-data grant and per change, linking the published entry version to the grant."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import AppendOnlyModel


class ImpactChange(models.TextChoices):
    """The catalog change that reached the grant."""

    NOT_SHARED = "not_shared", "共享类型改为暂不共享"
    CONDITIONAL = "conditional", "无条件共享改为有条件共享"
    ITEMS_RETIRED = "items_retired", "授权所涉信息项已停用"
    OPEN_CLOSED = "open_closed", "开放类型改为不予开放"
    ENTRY_RETIRED = "entry_retired", "目录已停用"


class ImpactDecision(models.TextChoices):
    """What the rule decided for the grant."""

    SUSPENDED = "suspended", "已暂停服务"
    FLAGGED = "flagged", "已标记，待数据管理机构复核"


class CatalogImpact(AppendOnlyModel):
    """One catalog change (entry version, rule) applied to one authorization or open-data grant, with the decision."""

    UPDATE_REFUSED = "目录变更影响记录只可追加，不可修改。"
    DELETE_REFUSED = "目录变更影响记录只可追加，不可删除。"

    entry = models.ForeignKey("catalogs.CatalogEntry", verbose_name="目录条目", on_delete=models.PROTECT,
                              related_name="+")
    entry_version = models.PositiveIntegerField("目录版本号", help_text="变更生效时的已发布版本号")
    change = models.CharField("目录变更", max_length=16, choices=ImpactChange.choices)
    decision = models.CharField("处理结果", max_length=16, choices=ImpactDecision.choices)
    authorization = models.ForeignKey("sharing.Authorization", verbose_name="共享授权", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="catalog_impacts")
    open_grant = models.ForeignKey("sharing.OpenDataGrant", verbose_name="授权开放许可", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="catalog_impacts")
    reason = models.TextField("说明")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="目录变更审核人", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField("记录时间", default=timezone.now)

    class Meta:
        verbose_name = "目录变更影响"
        verbose_name_plural = "目录变更影响（授权联动）"
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(authorization__isnull=False, open_grant__isnull=True)
            | models.Q(authorization__isnull=True, open_grant__isnull=False), name="catalog_impact_one_subject")]

    def __str__(self) -> str:
        subject = self.authorization or self.open_grant
        return f"{subject.number if subject else '—'}：{self.get_change_display()}（{self.get_decision_display()}）"
