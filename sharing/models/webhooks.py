"""Webhook subscriptions of integrators to an authorization, and each signed delivery with its retries."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.models import GovernedModel


class WebhookEvent(models.TextChoices):
    SUSPENDED = "authorization.suspended", "授权已暂停"
    RESUMED = "authorization.resumed", "授权已恢复"
    REVOKED = "authorization.revoked", "授权已终止"
    EXPIRED = "authorization.expired", "授权已到期"


DEFAULT_EVENTS = [WebhookEvent.SUSPENDED.value, WebhookEvent.REVOKED.value, WebhookEvent.EXPIRED.value]


class WebhookSubscription(GovernedModel):
    """An integrator's endpoint notified, HMAC-SHA256 signed, when an authorization is suspended, revoked or expires."""

    authorization = models.ForeignKey("sharing.Authorization", verbose_name="订阅的授权", on_delete=models.PROTECT,
                                      related_name="webhook_subscriptions")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="订阅人", on_delete=models.PROTECT,
                              related_name="+")
    url = models.URLField("回调地址", max_length=400)
    secret = models.CharField("签名密钥", max_length=80, editable=False,
                              help_text="用于 HMAC-SHA256 签名；创建时返回一次")
    events = models.JSONField("订阅事件", default=list)
    is_enabled = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "Webhook 订阅"
        verbose_name_plural = "Webhook 订阅"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.authorization_id} → {self.url}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "待发送"
    RETRYING = "retrying", "失败待重试"
    DELIVERED = "delivered", "已送达"
    FAILED = "failed", "最终失败"


class WebhookDelivery(models.Model):
    """One event for one subscription; attempts are bounded (``settings.SHARING_WEBHOOK_MAX_ATTEMPTS``)."""

    subscription = models.ForeignKey(WebhookSubscription, verbose_name="订阅", on_delete=models.PROTECT,
                                     related_name="deliveries")
    event = models.CharField("事件", max_length=40, choices=WebhookEvent.choices)
    payload = models.JSONField("内容")
    status = models.CharField("状态", max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING,
                              db_index=True)
    attempts = models.PositiveSmallIntegerField("已尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now, db_index=True)
    last_status_code = models.PositiveSmallIntegerField("最近响应码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=300, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    delivered_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "Webhook 投递"
        verbose_name_plural = "Webhook 投递"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.event} #{self.pk}（{self.get_status_display()}）"
