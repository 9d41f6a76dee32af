"""Lifecycle of open-data grants (授权开放许可): suspend, resume, terminate (QZ §五(十) by analogy; FJ-OPEN art.33),
expire at the end of the period, remind before it. Every change is an append-only ``AuthorizationEvent``, an audit row
and a notice to the applicant organisation (``notify_enterprise``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import lock_rows, relock
from portal.permissions import require
from portal.services import notify_enterprise
from portal.workdays import add_workdays
from sharing import permissions
from sharing.models import AuthorizationEvent, AuthorizationStatus, MisuseKind, OpenDataGrant
from sharing.workflow import today

S = AuthorizationStatus


def _lock(grant: OpenDataGrant) -> OpenDataGrant:
    return relock(grant, related=["enterprise", "application"])


def _site_url(grant: OpenDataGrant) -> str:
    return f"/open-applications/{grant.application_id}/"


def _change(grant: OpenDataGrant, *, to: str, event: str, reason: str, acting_user: Any,
            misuse_kind: str = "") -> OpenDataGrant:
    before = grant.status
    actor = acting_user if getattr(acting_user, "is_authenticated", False) else None
    with acting_as(actor):
        grant.status, grant.status_reason, grant.status_changed_at = to, reason, timezone.now()
        grant.save()
        AuthorizationEvent.objects.create(open_grant=grant, event=event, from_status=before, to_status=to,
                                          misuse_kind=misuse_kind, reason=reason, actor=actor)
        audit_record(actor=actor, action=f"open_grant.{event}", obj=grant, reason=reason,
                     before={"status": before}, after={"status": to, "misuse_kind": misuse_kind})
    notify_enterprise(enterprise=grant.enterprise, title=f"授权开放许可{grant.get_status_display()}",
                      body=f"许可 {grant.number} 状态变更为“{grant.get_status_display()}”。原因：{reason}",
                      url=_site_url(grant))
    return grant


def _check_reason(misuse_kind: str, reason: str) -> None:
    if misuse_kind not in MisuseKind.values:
        raise ValidationError({"misuse_kind": ["请选择原因类别：违法违规使用、超范围使用、使用存在安全风险或其他。"]})
    if not reason.strip():
        raise ValidationError({"reason": ["暂停或终止授权须填写具体原因。"]})


@transaction.atomic
def open_grant_suspend(*, grant: OpenDataGrant, misuse_kind: str, reason: str, acting_user: Any) -> OpenDataGrant:
    """Suspend an active grant (misuse, over-scope use, resale, security risk); the applicant is notified."""
    g = _lock(grant)
    require(permissions.can_manage_open_grant(acting_user, g))
    _check_reason(misuse_kind, reason)
    if g.status != S.ACTIVE:
        raise ValidationError(f"只有有效的许可可以暂停（当前：{g.get_status_display()}）。")
    return _change(g, to=S.SUSPENDED, event="suspend", reason=reason.strip(), acting_user=acting_user,
                   misuse_kind=misuse_kind)


@transaction.atomic
def open_grant_resume(*, grant: OpenDataGrant, reason: str, acting_user: Any) -> OpenDataGrant:
    """Resume a suspended grant after rectification (not past its end date)."""
    g = _lock(grant)
    require(permissions.can_manage_open_grant(acting_user, g))
    if g.status != S.SUSPENDED:
        raise ValidationError("只有已暂停的许可可以恢复。")
    if not reason.strip():
        raise ValidationError({"reason": ["请填写恢复理由（整改情况）。"]})
    if g.valid_until_on < today():
        raise ValidationError("许可已过有效期，不能恢复；请重新申请。")
    return _change(g, to=S.ACTIVE, event="resume", reason=reason.strip(), acting_user=acting_user)


@transaction.atomic
def open_grant_revoke(*, grant: OpenDataGrant, misuse_kind: str, reason: str, acting_user: Any) -> OpenDataGrant:
    """Terminate a grant (final)."""
    g = _lock(grant)
    require(permissions.can_manage_open_grant(acting_user, g))
    _check_reason(misuse_kind, reason)
    if g.status not in (S.ACTIVE, S.SUSPENDED):
        raise ValidationError(f"该许可已{g.get_status_display()}，不能终止。")
    return _change(g, to=S.REVOKED, event="revoke", reason=reason.strip(), acting_user=acting_user,
                   misuse_kind=misuse_kind)


def open_grant_set_status(*, grant: OpenDataGrant, status: str, reason: str, acting_user: Any,
                          misuse_kind: str = MisuseKind.OTHER) -> OpenDataGrant:
    """Suspend, resume or terminate by target status (kept for callers of the first version)."""
    if status == S.SUSPENDED:
        return open_grant_suspend(grant=grant, misuse_kind=misuse_kind, reason=reason, acting_user=acting_user)
    if status == S.ACTIVE:
        return open_grant_resume(grant=grant, reason=reason, acting_user=acting_user)
    if status == S.REVOKED:
        return open_grant_revoke(grant=grant, misuse_kind=misuse_kind, reason=reason, acting_user=acting_user)
    raise ValidationError(f"不能手工将许可变更为“{status}”。")


@transaction.atomic
def open_grants_expire(*, on: date | None = None) -> list[int]:
    """Daily job: grants past their end date become ``expired``; the applicant is notified."""
    on = on or today()
    ids = list(OpenDataGrant.objects.filter(status__in=[S.ACTIVE, S.SUSPENDED], valid_until_on__lt=on)
               .order_by("pk").values_list("pk", flat=True))
    for g in lock_rows(OpenDataGrant.objects.select_related("enterprise").filter(pk__in=ids)):
        _change(g, to=S.EXPIRED, event="expire", reason=f"有效期至 {g.valid_until_on}，已到期。", acting_user=None)
    return ids


@transaction.atomic
def open_grants_remind_expiring(*, on: date | None = None) -> list[int]:
    """Daily job: remind the applicant once, N working days before the end date (``SHARING_EXPIRY_REMINDER_WORKDAYS``)."""
    on = on or today()
    horizon = add_workdays(on, int(getattr(settings, "SHARING_EXPIRY_REMINDER_WORKDAYS", 10)))
    reminded = []
    for g in lock_rows(OpenDataGrant.objects.select_related("enterprise")
                       .filter(status=S.ACTIVE, valid_until_on__gte=on, valid_until_on__lte=horizon,
                               expiry_reminded_on__isnull=True)):
        notify_enterprise(enterprise=g.enterprise, title="授权开放许可即将到期",
                          body=f"许可 {g.number} 将于 {g.valid_until_on} 到期；如需继续使用，请在到期前重新申请。",
                          url=_site_url(g))
        with acting_as(None):
            g.expiry_reminded_on = on
            g.save()
        reminded.append(g.pk)
    return reminded
