"""Append-only domain audit log (QZ §八(四), FJ-OPEN art.24): hash-chained, never updated or deleted."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone


class AuditLogQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionDenied("审计日志只可追加，不可修改。")

    def delete(self) -> Any:
        raise PermissionDenied("审计日志只可追加，不可删除（保存不少于3年后归档）。")


class AuditLog(models.Model):
    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="操作人", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="+")
    actor_name = models.CharField("操作人（快照）", max_length=150, blank=True)
    action = models.CharField("操作", max_length=80, db_index=True)
    content_type = models.ForeignKey(ContentType, verbose_name="对象类型", null=True, blank=True,
                                     on_delete=models.PROTECT)
    object_id = models.CharField("对象ID", max_length=64, blank=True, db_index=True)
    object_repr = models.CharField("对象", max_length=255, blank=True)
    reason = models.TextField("理由", blank=True)
    before = models.JSONField("变更前", null=True, blank=True, encoder=DjangoJSONEncoder)
    after = models.JSONField("变更后", null=True, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField("前一条哈希", max_length=64, blank=True)
    hash = models.CharField("哈希", max_length=64, editable=False)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = "审计日志"
        verbose_name_plural = "审计日志"
        ordering = ["-at", "-id"]
        indexes = [  # ordering and list filters of the admin/API lists (ADR 0016)
            models.Index(fields=["content_type", "object_id"]),
            models.Index(fields=["at", "id"], name="portal_audit_at"),
            models.Index(fields=["action", "at", "id"], name="portal_audit_action_at"),
            models.Index(fields=["content_type", "at", "id"], name="portal_audit_type_at"),
        ]

    def __str__(self) -> str:
        from portal.display import local_datetime

        return f"{local_datetime(self.at)} {self.actor_name} {self.action_label} {self.object_repr}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionDenied("审计日志只可追加，不可修改。")
        self.hash = self.compute_hash()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionDenied("审计日志只可追加，不可删除。")

    def compute_hash(self) -> str:
        payload = json.dumps(
            {"at": self.at.isoformat(), "actor": self.actor_id, "action": self.action,
             "ct": self.content_type_id, "obj": self.object_id, "reason": self.reason,
             "before": self.before, "after": self.after, "prev": self.prev_hash},
            sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()

    @property
    def action_label(self) -> str:
        from portal.audit import action_label

        return action_label(self.action)

