"""Authorization lifecycle (QZ §五(十); FJ-REG art.33): suspend, resume, terminate, renew, expire, remind."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import lock_all, lock_rows, relock
from portal.permissions import require
from portal.services import notify
from portal.workdays import add_workdays
from sharing import permissions
from sharing.models import Authorization, AuthorizationEvent, AuthorizationStatus, MisuseKind, WebhookEvent
from sharing.services.applications import _unit_admins
from sharing.services.steps import new_number
from sharing.services.webhooks import queue_webhooks
from sharing.workflow import today

S = AuthorizationStatus


def _lock(authorization: Authorization) -> Authorization:
    return relock(authorization, related=["application", "consumer_unit"])


def _change(auth: Authorization, *, to: str, event: str, reason: str, acting_user: Any, misuse_kind: str = "",
            webhook: str | None = None) -> Authorization:
    before = auth.status
    with acting_as(acting_user):
        auth.status = to
        auth.status_changed_at = timezone.now()
        auth.status_reason = reason
        auth.save()
        AuthorizationEvent.objects.create(
            authorization=auth, event=event, from_status=before, to_status=to, misuse_kind=misuse_kind,
            reason=reason, actor=acting_user if getattr(acting_user, "is_authenticated", False) else None)
        audit_record(actor=acting_user, action=f"authorization.{event}", obj=auth, reason=reason,
                     before={"status": before}, after={"status": to, "misuse_kind": misuse_kind})
    if webhook:
        queue_webhooks(auth, webhook)
    notify(recipients=_unit_admins(auth.consumer_unit_id), title=f"数据共享授权{auth.get_status_display()}",
           body=f"授权 {auth.number} 状态变更为“{auth.get_status_display()}”。原因：{reason or '—'}",
           url=f"/admin/sharing/authorization/{auth.pk}/change/")
    return auth


def _check_reason(misuse_kind: str, reason: str) -> None:
    if misuse_kind not in MisuseKind.values:
        raise ValidationError({"misuse_kind": ["请选择原因类别：违法违规使用、超范围使用、使用存在安全风险或其他。"]})
    if not reason.strip():
        raise ValidationError({"reason": ["暂停或终止服务须填写具体原因。"]})


@transaction.atomic
def authorization_suspend(*, authorization: Authorization, misuse_kind: str, reason: str,
                          acting_user: Any) -> Authorization:
    """Suspend service for misuse, over-scope use or security risk (reason required); integrators are notified."""
    auth = _lock(authorization)
    require(permissions.can_manage_authorization(acting_user, auth))
    _check_reason(misuse_kind, reason)
    if auth.status != S.ACTIVE:
        raise ValidationError(f"只有有效的授权可以暂停（当前：{auth.get_status_display()}）。")
    return _change(auth, to=S.SUSPENDED, event="suspend", reason=reason.strip(), acting_user=acting_user,
                   misuse_kind=misuse_kind, webhook=WebhookEvent.SUSPENDED)


@transaction.atomic
def authorization_resume(*, authorization: Authorization, reason: str, acting_user: Any) -> Authorization:
    """Resume a suspended authorization after rectification."""
    auth = _lock(authorization)
    require(permissions.can_manage_authorization(acting_user, auth))
    if auth.status != S.SUSPENDED:
        raise ValidationError("只有已暂停的授权可以恢复。")
    if not reason.strip():
        raise ValidationError({"reason": ["请填写恢复理由（整改情况）。"]})
    if auth.valid_until_on < today():
        raise ValidationError("授权已过有效期，不能恢复；请续期或重新申请。")
    return _change(auth, to=S.ACTIVE, event="resume", reason=reason.strip(), acting_user=acting_user,
                   webhook=WebhookEvent.RESUMED)


@transaction.atomic
def authorization_revoke(*, authorization: Authorization, misuse_kind: str, reason: str,
                         acting_user: Any) -> Authorization:
    """Terminate service (final)."""
    auth = _lock(authorization)
    require(permissions.can_manage_authorization(acting_user, auth))
    _check_reason(misuse_kind, reason)
    if auth.status not in (S.ACTIVE, S.SUSPENDED):
        raise ValidationError(f"该授权已{auth.get_status_display()}，不能终止。")
    return _change(auth, to=S.REVOKED, event="revoke", reason=reason.strip(), acting_user=acting_user,
                   misuse_kind=misuse_kind, webhook=WebhookEvent.REVOKED)


@transaction.atomic
def authorization_renew(*, authorization: Authorization, valid_until_on: date, reason: str,
                        acting_user: Any) -> Authorization:
    """A new authorization with the same scope and a new period; the old one is marked superseded."""
    auth = _lock(authorization)
    require(permissions.can_manage_authorization(acting_user, auth))
    if auth.status not in (S.ACTIVE, S.EXPIRED):
        raise ValidationError(f"只有有效或已到期的授权可以续期（当前：{auth.get_status_display()}）。")
    on = today()
    if valid_until_on <= max(on, auth.valid_until_on):
        raise ValidationError({"valid_until_on": ["续期后的截止日须晚于今天和原截止日。"]})
    if not reason.strip():
        raise ValidationError({"reason": ["请填写续期理由。"]})
    with acting_as(acting_user):
        new = Authorization(
            number=new_number("SQ"), application=auth.application, consumer_unit=auth.consumer_unit,
            service_mode=auth.service_mode, interface_kind=auth.interface_kind, share_type=auth.share_type,
            valid_from_on=max(on, auth.valid_until_on) if auth.status == S.ACTIVE else on,
            valid_until_on=valid_until_on, is_special=auth.is_special, renewed_from=auth,
            scope_snapshot={**auth.scope_snapshot, "renewed_from": auth.number})
        new.save()
        new.entries.set(list(auth.entries.all()))
        new.data_items.set(list(auth.data_items.all()))
        AuthorizationEvent.objects.create(authorization=new, event="issue_renewal", to_status=S.ACTIVE,
                                          reason=reason.strip(), actor=acting_user)
        audit_record(actor=acting_user, action="authorization.renew", obj=new, reason=reason,
                     after={"renewed_from": auth.number, "valid_until_on": str(valid_until_on)})
    _change(auth, to=S.SUPERSEDED, event="supersede", reason=f"已续期为 {new.number}", acting_user=acting_user)
    return new


@transaction.atomic
def authorizations_expire(*, on: date | None = None) -> list[int]:
    """Mark authorizations past their end date as expired (daily task); integrators get the ``expired`` webhook."""
    on = on or today()
    ids = list(Authorization.objects.filter(status__in=[S.ACTIVE, S.SUSPENDED], valid_until_on__lt=on)
               .order_by("pk").values_list("pk", flat=True))
    for auth in lock_all(Authorization, ids):
        _change(auth, to=S.EXPIRED, event="expire", reason=f"有效期至 {auth.valid_until_on}，已到期。",
                acting_user=None, webhook=WebhookEvent.EXPIRED)
    return ids


@transaction.atomic
def authorizations_remind_expiring(*, on: date | None = None) -> list[int]:
    """Remind the consumer unit's data admins once, N working days before the end date (default 10)."""
    on = on or today()
    horizon = add_workdays(on, int(getattr(settings, "SHARING_EXPIRY_REMINDER_WORKDAYS", 10)))
    reminded = []
    for auth in lock_rows(Authorization.objects.filter(
            status=S.ACTIVE, valid_until_on__gte=on, valid_until_on__lte=horizon, expiry_reminded_on__isnull=True)):
        notify(recipients=_unit_admins(auth.consumer_unit_id), title="数据共享授权即将到期",
               body=f"授权 {auth.number} 将于 {auth.valid_until_on} 到期；如需继续使用，请及时申请续期。",
               url=f"/admin/sharing/authorization/{auth.pk}/change/")
        Authorization.objects.filter(pk=auth.pk).update(expiry_reminded_on=on)  # bookkeeping, not a scope change
        reminded.append(auth.pk)
    return reminded
