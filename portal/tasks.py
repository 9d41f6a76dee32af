"""Background jobs of the kernel, and ``enqueue`` which every app uses (tasks take ids and are idempotent)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone


def enqueue(func: str, *args: Any, **kwargs: Any) -> Any:
    """Queue ``func`` (a dotted path) on django-q2; runs inline when ``Q_CLUSTER['sync']`` (tests)."""
    from django_q.tasks import async_task

    return async_task(func, *args, sync=bool(settings.Q_CLUSTER.get("sync")), **kwargs)


def purge_login_failures() -> int:
    """Daily: failure rows older than 30 days, and lockout windows over for a day (ADR 0010)."""
    from portal.models import LoginFailure, LoginThrottle

    now = timezone.now()
    deleted, _ = LoginFailure.objects.filter(at__lt=now - timedelta(days=30)).delete()
    stale = now - timedelta(days=1)
    gone, _ = LoginThrottle.objects.filter(window_started_at__lt=stale).exclude(locked_until__gte=stale).delete()
    return deleted + gone


def purge_access_log() -> int:
    """Daily: access-log rows older than three years are deleted (QZ §八(四) keeps them not less than 3 years)."""
    from portal.access_log import access_log_purge

    return access_log_purge()
