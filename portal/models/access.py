"""Append-only access log of reads of governed data (QZ §八(四): 查询、下载、访问 traceable, kept ≥ 3 years).

One row per request that reads governed records (docs/adr/0009-access-log.md): who (user, API token or anonymous
public), from where (client IP), through which channel, which action, what (one object, or the list query with its
count and the ids on the page), and the producer units the data belongs to, so each producer sees reads of its own
data. Rows are never changed; the only deletion is the retention purge of rows older than three years
(``AccessLog.objects.purge_expired``), which the database triggers also enforce.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import timezone

from portal.models.append_only import AppendOnlyModel, AppendOnlyQuerySet

RETENTION_YEARS = 3


class AccessChannel(models.TextChoices):
    ADMIN = "admin", "管理后台"
    API = "api", "数据接口"
    EXPORT = "export", "导出"
    DOWNLOAD = "download", "文件下载"
    SITE = "site", "门户网站"


class AccessAction(models.TextChoices):
    QUERY = "query", "查询"
    ACCESS = "access", "访问"
    DOWNLOAD = "download", "下载"
    EXPORT = "export", "导出"


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    """The start (local midnight) of the day three years before today: rows read before it may be purged.

    A whole day earlier than "now minus three years" at most, never later, so the database trigger (which compares
    with its own clock) always agrees; 29 February counts back to 28 February."""
    today = timezone.localtime(now or timezone.now()).date()
    try:
        day = today.replace(year=today.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - RETENTION_YEARS, day=28)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


class AccessLogQuerySet(AppendOnlyQuerySet):
    def purge_expired(self, *, now: dt.datetime | None = None) -> int:
        """Delete the rows older than the retention period (the one deletion the access log allows); their number."""
        cutoff = retention_cutoff(now)
        deleted, _ = models.QuerySet.delete(self.model._base_manager.filter(at__lt=cutoff))
        return deleted


class AccessLog(AppendOnlyModel):
    UPDATE_REFUSED: ClassVar[str] = "访问日志只可追加，不可修改。"
    DELETE_REFUSED: ClassVar[str] = "访问日志须保存不少于3年，不可删除（满3年后由定时任务清理）。"
    ANONYMOUS: ClassVar[str] = "匿名公众"
    SYSTEM: ClassVar[str] = "系统"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="+")
    user_name = models.CharField("用户（快照）", max_length=150)
    api_token = models.CharField("接口令牌（前缀）", max_length=16, blank=True)
    client_ip = models.GenericIPAddressField("客户端IP", null=True, blank=True)
    channel = models.CharField("渠道", max_length=16, choices=AccessChannel.choices, db_index=True)
    action = models.CharField("操作", max_length=16, choices=AccessAction.choices, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name="数据类型", null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField("记录ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("记录/文件", max_length=255, blank=True)
    object_ids = models.JSONField("本次读取的记录ID", default=list, blank=True)
    query = models.TextField("请求地址与查询条件", blank=True)
    result_count = models.PositiveIntegerField("结果条数", null=True, blank=True)
    producer_unit_keys = models.TextField(
        "数据生产单位（编号）", blank=True, editable=False,
        help_text="数据所属生产单位的编号，以“|”分隔（|3|7|），供生产单位查看本单位数据的访问记录")

    objects = AccessLogQuerySet.as_manager()  # type: ignore[misc]  # the purge method on top of the append-only set

    class Meta:
        verbose_name = "数据访问日志"
        verbose_name_plural = "数据访问日志（只可追加，保存≥3年）"
        ordering = ["-at", "-id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["content_type", "object_id"], name="portal_access_object_idx"),
            models.Index(fields=["at", "id"], name="portal_access_at"),
            models.Index(fields=["channel", "at", "id"], name="portal_access_channel_at"),
            models.Index(fields=["action", "at", "id"], name="portal_access_action_at"),
            models.Index(fields=["content_type", "at", "id"], name="portal_access_type_at"),
        ]

    def __str__(self) -> str:
        from portal.display import local_datetime

        return f"{local_datetime(self.at)} {self.user_name} {self.get_action_display()} {self.object_repr}"

    @property
    def producer_unit_ids(self) -> list[int]:
        return [int(k) for k in self.producer_unit_keys.split("|") if k]

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied(self.DELETE_REFUSED)


def unit_keys(unit_ids: Any) -> str:
    """``|3|7|`` from unit ids (empty when none), the form ``producer_unit_keys`` stores and filters on."""
    ids = sorted({int(i) for i in unit_ids if i is not None})
    return "|" + "|".join(map(str, ids)) + "|" if ids else ""
