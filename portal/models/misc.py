"""Kernel records: calendar overrides, API tokens, login failures and throttles, in-site notifications, object grants."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from portal.display import local_datetime
from portal.models.base import GovernedModel


class HolidayNotice(GovernedModel):
    """A year's State Council holiday notice (国务院办公厅关于某年部分节假日安排的通知) as entered by the city data
    authority; its days are ``HolidayOverride`` rows. A year with a notice is official: not provisional (暂定)."""

    year = models.PositiveSmallIntegerField("年度", unique=True)
    document_number = models.CharField("文号", max_length=80, help_text="如：国办发明电〔2026〕7号")
    title = models.CharField("标题", max_length=200, blank=True)
    published_on = models.DateField("发布日期")
    recomputed_at = models.DateTimeField("期限重算时间", null=True, blank=True, editable=False)
    recomputed_count = models.PositiveIntegerField("重算的期限数", default=0, editable=False)

    class Meta:
        verbose_name = "节假日通知"
        verbose_name_plural = "节假日通知（国务院年度放假安排）"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.year}年放假安排（{self.document_number}）"


class HolidayOverride(GovernedModel):
    """An official holiday or make-up working day entered by staff; checked before chinese-calendar."""

    notice = models.ForeignKey(HolidayNotice, verbose_name="所属通知", null=True, blank=True,
                               on_delete=models.PROTECT, related_name="days")
    date = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否工作日", help_text="勾选 = 调休上班日；不勾选 = 法定节假日/休息日")
    name = models.CharField("名称", max_length=60, blank=True, help_text="如：2027年春节")
    source = models.CharField("依据", max_length=200, blank=True, help_text="国务院办公厅通知文号")

    class Meta:
        verbose_name = "节假日调整"
        verbose_name_plural = "节假日调整（优先于内置日历）"
        ordering = ["-date"]

    def __str__(self) -> str:
        return f"{self.date} {'上班' if self.is_workday else '休息'} {self.name}"


class ApiToken(models.Model):
    """An integrator's API token; only its SHA-256 is stored. Expires and can be revoked."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="用户", on_delete=models.CASCADE,
                             related_name="api_tokens")
    name = models.CharField("用途", max_length=80, blank=True)
    prefix = models.CharField("前缀", max_length=12, db_index=True)
    key_hash = models.CharField("摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("签发时间", default=timezone.now)
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌"
        verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


class LoginFailure(models.Model):
    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = "登录失败记录"
        verbose_name_plural = "登录失败记录"

    def __str__(self) -> str:
        return f"{self.username} {local_datetime(self.at)}"


class LoginThrottle(models.Model):
    """One fixed login window per username or per client address (ADR 0014): the first failure opens it, the
    failures inside it are counted, reaching the limit locks until ``locked_until``; attempts while locked are
    neither counted nor extend the lock. In the database so that every web node sees the same lock."""

    class Scope(models.TextChoices):
        USERNAME = "username", "用户名"
        CLIENT = "client", "客户端地址"

    scope = models.CharField("范围", max_length=10, choices=Scope.choices)
    key = models.CharField("用户名或地址", max_length=150)
    window_started_at = models.DateTimeField("窗口开始")
    failures = models.PositiveIntegerField("失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = "登录限制"
        verbose_name_plural = "登录限制"
        constraints = [models.UniqueConstraint(fields=["scope", "key"], name="login_throttle_scope_key")]

    def __str__(self) -> str:
        return f"{self.get_scope_display()} {self.key}"


class Notification(models.Model):
    """An in-site message to a user (staff or applicant); also e-mailed when an address is known."""

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="接收人", on_delete=models.CASCADE,
                                  related_name="notifications")
    title = models.CharField("标题", max_length=120)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=255, blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    read_at = models.DateTimeField("已读时间", null=True, blank=True)

    class Meta:
        verbose_name = "站内通知"
        verbose_name_plural = "站内通知"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


# Direct-FK object permissions (django-guardian) for explicit grants on kernel models.
class OrganizationUserObjectPermission(UserObjectPermissionBase):
    content_object = models.ForeignKey("portal.Organization", on_delete=models.CASCADE)


class OrganizationGroupObjectPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey("portal.Organization", on_delete=models.CASCADE)
