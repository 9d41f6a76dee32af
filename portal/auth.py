"""Login lockout (ADR 0014): a fixed window per username and per client address, held in the database.

The first failure opens a window of ``PORTAL_LOGIN_LOCK_MINUTES``; ``PORTAL_LOGIN_MAX_FAILURES`` failures for one
username, or ``PORTAL_LOGIN_MAX_FAILURES_PER_CLIENT`` from one address, inside it lock that username or address for
``PORTAL_LOGIN_LOCK_MINUTES`` from the failure that reached the limit. Attempts while locked are not counted and do
not extend the lock. Unknown usernames are counted and locked exactly like existing ones (no account enumeration).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from portal.access_log import client_ip
from portal.locks import lock_all

LOCKED_MESSAGE = "登录失败次数过多，请于 {until} 后再试。"


def _username_key(username: str) -> str:
    return username.strip().lower()[:150]


def _keys(username: str | None, ip: str | None) -> list[tuple[str, str]]:
    """(scope, key) pairs of a login attempt: the client address, then the username."""
    keys: list[tuple[str, str]] = []
    if ip:
        keys.append(("client", ip))
    if username and _username_key(username):
        keys.append(("username", _username_key(username)))
    return keys


def _limit(scope: str) -> int:
    if scope == "client":
        return int(settings.PORTAL_LOGIN_MAX_FAILURES_PER_CLIENT)
    return int(settings.PORTAL_LOGIN_MAX_FAILURES)


def locked_until(username: str | None, ip: str | None, *, now: datetime | None = None) -> datetime | None:
    """The end of the lock on this username or this client address (the later of the two), or None if neither is
    locked. One query, the same for existing and unknown usernames."""
    from django.db.models import Q

    from portal.models import LoginThrottle

    now = now or timezone.now()
    keys = _keys(username, ip)
    if not keys:
        return None
    match = Q()
    for scope, key in keys:
        match |= Q(scope=scope, key=key)
    ends = [end for end in LoginThrottle.objects.filter(match, locked_until__gt=now)
            .values_list("locked_until", flat=True) if end is not None]
    return max(ends, default=None)


def locked_message(until: datetime) -> str:
    """「登录失败次数过多，请于 HH:MM 后再试。」 with the unlock time rounded up to the minute, local time."""
    local = timezone.localtime(until)
    if local.second or local.microsecond:
        local = local.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return LOCKED_MESSAGE.format(until=local.strftime("%H:%M"))


def is_locked(username: str | None, ip: str | None = None) -> bool:
    return locked_until(username, ip) is not None


def record_failure(username: str | None, ip: str | None, *, now: datetime | None = None) -> None:
    """Count one failed login against the username and the client address (their rows locked in pk order)."""
    from portal.models import LoginFailure, LoginThrottle

    now = now or timezone.now()
    window = timedelta(minutes=settings.PORTAL_LOGIN_LOCK_MINUTES)
    with transaction.atomic():
        if username:
            LoginFailure.objects.create(username=username[:150], ip=ip, at=now)
        pks = [LoginThrottle.objects.get_or_create(scope=scope, key=key,
                                                   defaults={"window_started_at": now, "failures": 0})[0].pk
               for scope, key in _keys(username, ip)]
        for row in lock_all(LoginThrottle, pks):  # locked in pk order, then counted
            if row.locked_until is not None and row.locked_until > now:
                continue  # locked: neither counted nor extended
            if row.locked_until is not None or row.window_started_at + window <= now:
                row.window_started_at, row.failures, row.locked_until = now, 0, None  # the window is over
            row.failures += 1
            if row.failures >= _limit(row.scope):
                row.locked_until = now + window
            row.save(update_fields=["window_started_at", "failures", "locked_until"])


def login_records_purge(*, now: datetime | None = None) -> int:
    """Failure rows older than 30 days and throttle rows whose window and lock ended more than a day ago."""
    from portal.models import LoginFailure, LoginThrottle

    now = now or timezone.now()
    deleted, _ = LoginFailure.objects.filter(at__lt=now - timedelta(days=30)).delete()
    stale = now - timedelta(days=1)
    gone, _ = LoginThrottle.objects.filter(window_started_at__lt=stale).exclude(locked_until__gte=stale).delete()
    return deleted + gone


def clear_username(username: str) -> None:
    """A successful login ends that username's window (the client address keeps its count)."""
    from portal.models import LoginFailure, LoginThrottle

    LoginThrottle.objects.filter(scope="username", key=_username_key(username)).delete()
    LoginFailure.objects.filter(username__iexact=username).delete()


class LockoutModelBackend(ModelBackend):
    def authenticate(self, request: Any, username: str | None = None, password: str | None = None,
                     **kwargs: Any) -> Any:
        until = locked_until(username, client_ip(request) if request is not None else None)
        if until is not None:
            # PermissionDenied stops the other backends too; the login forms check first and show the message.
            raise PermissionDenied(locked_message(until))
        return super().authenticate(request, username=username, password=password, **kwargs)


@receiver(user_login_failed)
def _record_failure(sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any) -> None:
    username = credentials.get("username") or ""
    record_failure(username, client_ip(request) if request is not None else None)


@receiver(user_logged_in)
def _clear_failures(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    clear_username(user.get_username())
    if request is not None and hasattr(request, "session"):
        from portal.middleware import IDLE_SESSION_KEY

        request.session[IDLE_SESSION_KEY] = int(time.time())  # the idle clock starts at login (no write on page 1)
