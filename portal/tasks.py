"""Background jobs of the kernel, and ``enqueue`` which every app uses (tasks take ids and are idempotent)."""

from __future__ import annotations

from typing import Any

from django.conf import settings


def enqueue(func: str, *args: Any, **kwargs: Any) -> Any:
    """Queue ``func`` (a dotted path) on django-q2; runs inline when ``Q_CLUSTER['sync']`` (tests)."""
    from django_q.tasks import async_task

    return async_task(func, *args, sync=bool(settings.Q_CLUSTER.get("sync")), **kwargs)


def purge_login_failures() -> int:
    """Daily: old login-failure and lockout rows (``portal.auth.login_records_purge``, ADR 0014)."""
    from portal.auth import login_records_purge

    return login_records_purge()


def purge_access_log() -> int:
    """Daily: access-log rows older than three years are deleted (QZ §八(四) keeps them not less than 3 years)."""
    from portal.access_log import access_log_purge

    return access_log_purge()
