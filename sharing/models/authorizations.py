"""Authorizations (the frozen grant an approved application produces), their events, and usage records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.display import local_datetime
from portal.models import AppendOnlyModel, FrozenFieldsModel, FrozenFieldsQuerySet, GovernedModel, GovernedQuerySet
from sharing.models.applications import InterfaceKind, ServiceMode, ShareType
from sharing.states import AuthorizationStatus, MisuseKind

__all__ = ["EVENT_LABELS", "AcquisitionMethod", "Authorization", "AuthorizationEvent", "AuthorizationStatus",
           "DataUseRecord", "MediaType", "MisuseKind"]


# What happened to an authorization or an open-data grant (``AuthorizationEvent.event``), in Chinese.
EVENT_LABELS = {"issue_renewal": "续期签发", "suspend": "暂停", "resume": "恢复", "revoke": "终止",
                "supersede": "被续期授权替代", "expire": "到期"}


class AuthorizationQuerySet(FrozenFieldsQuerySet, GovernedQuerySet):  # type: ignore[override]  # the stubs type as_manager per class
    pass


class Authorization(FrozenFieldsModel, GovernedModel):
    """What was actually granted, frozen at issue: scope, mode, period. Only its status changes afterwards."""

    FROZEN_FIELDS = frozenset({"application", "consumer_unit", "service_mode", "interface_kind", "share_type",
                               "scope_snapshot", "valid_from_on", "valid_until_on", "number"})
    FROZEN_REFUSED = "授权一经签发即冻结，范围、方式和期限不可修改（如需变更请续期或重新申请）："

    number = models.CharField("授权编号", max_length=32, unique=True, editable=False)
    application = models.ForeignKey("sharing.ShareApplication", verbose_name="来源申请", on_delete=models.PROTECT,
                                    related_name="authorizations", editable=False)
    consumer_unit = models.ForeignKey("portal.Organization", verbose_name="被授权单位", on_delete=models.PROTECT,
                                      related_name="share_authorizations", editable=False)
    entries = models.ManyToManyField("catalogs.CatalogEntry", verbose_name="授权目录", related_name="+")
    data_items = models.ManyToManyField("catalogs.DataItem", verbose_name="授权信息项", related_name="+")
    scope_snapshot = models.JSONField("授权范围快照", default=dict, editable=False)
    service_mode = models.CharField("共享服务方式", max_length=24, choices=ServiceMode.choices, editable=False)
    interface_kind = models.CharField("接口类型", max_length=16, choices=InterfaceKind.choices, blank=True,
                                      editable=False)
    share_type = models.CharField("共享类型", max_length=16, choices=ShareType.choices, editable=False)
    valid_from_on = models.DateField("有效期起", editable=False)
    valid_until_on = models.DateField("有效期止", editable=False)
    status = models.CharField("状态", max_length=16, choices=AuthorizationStatus.choices,
                              default=AuthorizationStatus.ACTIVE, db_index=True, editable=False)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True, editable=False)
    status_reason = models.TextField("状态变更原因", blank=True, editable=False)
    renewed_from = models.OneToOneField("self", verbose_name="续期自", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="renewed_by", editable=False)
    is_special = models.BooleanField("特殊机关授权（限制可见）", default=False, editable=False)
    expiry_reminded_on = models.DateField("到期提醒日", null=True, blank=True, editable=False)

    objects = AuthorizationQuerySet.as_manager()  # type: ignore[assignment, misc]  # frozen fields + governed

    class Meta:
        verbose_name = "数据共享授权"
        verbose_name_plural = "数据共享授权"
        ordering = ["-valid_from_on", "-id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["valid_from_on", "id"], name="share_auth_valid_from"),
            models.Index(fields=["status", "valid_from_on", "id"], name="share_auth_status_from"),
            models.Index(fields=["service_mode", "valid_from_on"], name="share_auth_mode_from"),
            models.Index(fields=["share_type", "valid_from_on"], name="share_auth_type_from"),
            models.Index(fields=["consumer_unit", "valid_from_on", "id"], name="share_auth_unit_from"),
        ]

    def __str__(self) -> str:
        return f"{self.number}（{self.get_status_display()}）"

    @property
    def is_usable(self) -> bool:
        return self.status == AuthorizationStatus.ACTIVE


class AuthorizationEvent(AppendOnlyModel):
    """Append-only record of every status change (suspension, resumption, termination, expiry, renewal) of a share
    authorization or of an open-data grant (exactly one of the two)."""

    UPDATE_REFUSED = "授权状态事件只可追加，不可修改。"
    DELETE_REFUSED = "授权状态事件只可追加，不可删除。"

    authorization = models.ForeignKey(Authorization, verbose_name="授权", on_delete=models.PROTECT, null=True,
                                      blank=True, related_name="events")
    open_grant = models.ForeignKey("sharing.OpenDataGrant", verbose_name="授权开放许可", on_delete=models.PROTECT,
                                   null=True, blank=True, related_name="events")
    event = models.CharField("事件", max_length=20)
    from_status = models.CharField("原状态", max_length=16, blank=True)
    to_status = models.CharField("新状态", max_length=16)
    misuse_kind = models.CharField("原因类别", max_length=16, choices=MisuseKind.choices, blank=True)
    reason = models.TextField("原因", blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "授权状态事件"
        verbose_name_plural = "授权状态事件"
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(
            condition=models.Q(authorization__isnull=False, open_grant__isnull=True)
            | models.Q(authorization__isnull=True, open_grant__isnull=False), name="event_one_subject")]

    def __str__(self) -> str:
        subject = self.authorization or self.open_grant
        return f"{subject.number if subject else '—'} {self.event_label}"

    @property
    def event_label(self) -> str:
        return EVENT_LABELS.get(self.event, self.event)


class AcquisitionMethod(models.TextChoices):
    API_CALL = "api_call", "接口调用"
    CROSS_VERIFICATION = "cross_verification", "交叉核验"
    BULK_PUSH = "bulk_push", "批量推送"
    PLATFORM_QUERY = "platform_query", "平台查询"
    DOWNLOAD = "download", "下载"


class MediaType(models.TextChoices):
    ONLINE = "online", "在线（不落地）"
    DATABASE = "database", "业务系统数据库"
    ELECTRONIC_FILE = "electronic_file", "电子文件"
    PAPER = "paper", "纸质"
    REMOVABLE = "removable", "移动存储介质"


RETENTION_YEARS = 3


class DataUseRecord(AppendOnlyModel):
    """Each use of shared data (QZ §八(二)): purpose, user, approver, content, time, method, medium. Append-only."""

    UPDATE_REFUSED = "数据使用记录只可追加，不可修改。"
    DELETE_REFUSED = "数据使用记录须保存不少于3年，不可删除。"

    authorization = models.ForeignKey(Authorization, verbose_name="授权", on_delete=models.PROTECT,
                                      related_name="usage_records")
    unit = models.ForeignKey("portal.Organization", verbose_name="使用单位", on_delete=models.PROTECT,
                             related_name="+")
    purpose = models.TextField("具体用途")
    user_name = models.CharField("使用人员", max_length=60)
    approver_name = models.CharField("批准人员", max_length=60)
    data_content = models.TextField("数据内容")
    acquired_at = models.DateTimeField("获取时间", db_index=True)
    acquisition_method = models.CharField("获取方式", max_length=20, choices=AcquisitionMethod.choices)
    media_type = models.CharField("介质类型", max_length=20, choices=MediaType.choices)
    external_id = models.CharField("单位侧记录编号", max_length=64, blank=True,
                                   help_text="批量推送时用于去重；同一单位内唯一")
    batch_id = models.CharField("批次号", max_length=40, blank=True, db_index=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="登记人", on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField("登记时间", default=timezone.now)
    retain_until_on = models.DateField("至少保存至")
    # accepted as a recorded violation, never refused: the use already happened (docs/adr/0205, QZ §五(十))
    is_violation = models.BooleanField("暂停或终止期间使用（违规）", default=False, db_index=True,
                                       help_text="获取时间落在授权暂停或终止之后的，照常登记并标记违规，通报数据管理机构。")
    violation_note = models.TextField("违规说明", blank=True)

    class Meta:
        verbose_name = "数据使用记录"
        verbose_name_plural = "数据使用记录（只可追加，保存≥3年）"
        ordering = ["-acquired_at", "-id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            # a scoped list (authorization_id IN (…)) in the default order, from the index (ADR 0015)
            models.Index(fields=["authorization", "-acquired_at", "-id"], name="usage_auth_acquired_idx"),
            models.Index(fields=["acquired_at", "id"], name="share_use_acquired"),
            models.Index(fields=["is_violation", "acquired_at", "id"], name="share_use_violation_at"),
            models.Index(fields=["acquisition_method", "acquired_at"], name="share_use_method_at"),
            models.Index(fields=["media_type", "acquired_at"], name="share_use_media_at"),
            models.Index(fields=["unit", "acquired_at", "id"], name="share_use_unit_at"),
        ]
        constraints = [models.UniqueConstraint(fields=["unit", "external_id"], name="uniq_usage_external_id",
                                               condition=~models.Q(external_id=""))]

    def __str__(self) -> str:
        return f"{local_datetime(self.acquired_at)} {self.user_name} {self.purpose[:20]}"
