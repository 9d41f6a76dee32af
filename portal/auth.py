"""Login with lockout: after PORTAL_LOGIN_MAX_FAILURES failures in PORTAL_LOGIN_LOCK_MINUTES, refuse for that long."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

LOCKED_MESSAGE = "登录失败次数过多，账户已临时锁定 {minutes} 分钟，请稍后再试或联系管理员。"


def _window_start() -> Any:
    return timezone.now() - timedelta(minutes=settings.PORTAL_LOGIN_LOCK_MINUTES)


def is_locked(username: str) -> bool:
    from portal.models import LoginFailure

    recent = LoginFailure.objects.filter(username__iexact=username, at__gte=_window_start()).count()
    return recent >= settings.PORTAL_LOGIN_MAX_FAILURES


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        if username and is_locked(username):
            # PermissionDenied stops the other backends too; the login form shows the message.
            raise PermissionDenied(LOCKED_MESSAGE.format(minutes=settings.PORTAL_LOGIN_LOCK_MINUTES))
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _record_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    from portal.models import LoginFailure

    username = credentials.get("username") or ""
    if username:
        ip = request.META.get("REMOTE_ADDR") if request is not None else None
        LoginFailure.objects.create(username=username[:150], ip=ip)


@receiver(user_logged_in)
def _clear_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from portal.models import LoginFailure

    LoginFailure.objects.filter(username__iexact=user.get_username()).delete()
