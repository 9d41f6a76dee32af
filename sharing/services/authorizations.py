"""Authorization lifecycle (QZ §五(十); FJ-REG art.33): suspend, resume, terminate, renew, expire, remind.

Every status change is ``AUTHORIZATION.apply`` (``sharing.workflow``): the kernel locks, checks the actor, the state
and the inputs, saves with history and audits ``sharing.authorization.<step>``; the effect below checks the dates,
appends the ``AuthorizationEvent``, issues the renewal, queues the integrators' webhook and notifies the consumer unit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, Now

from portal.audit import audit_record
from portal.bulk import BulkStep, Notice, mark_in_batches, notify_bulk, transition_in_batches
from portal.services import notify
from portal.workdays import add_workdays
from portal.workflow import Step
from sharing.models import Authorization, AuthorizationEvent, AuthorizationStatus, WebhookEvent
from sharing.services.applications import _unit_admins
from sharing.services.catalog_impact import authorization_catalog_conflict
from sharing.services.steps import new_number
from sharing.services.webhooks import queue_webhooks, queue_webhooks_bulk
from sharing.visibility import sync_authorization
from sharing.workflow import AUTHORIZATION, today

S = AuthorizationStatus
EVENTS = {"suspend": "suspend", "resume": "resume", "revoke": "revoke", "renew": "supersede", "expire": "expire",
          "catalog_suspend": "suspend"}
WEBHOOKS = {"suspend": WebhookEvent.SUSPENDED, "resume": WebhookEvent.RESUMED, "revoke": WebhookEvent.REVOKED,
            "expire": WebhookEvent.EXPIRED, "catalog_suspend": WebhookEvent.SUSPENDED}

EXPIRE_CHANGE_REASON = "有效期届满，定时任务标记为已到期"
REMIND_CHANGE_REASON = "到期提醒已发送，定时任务记录提醒日期"


def _renewal(step: Step, auth: Authorization) -> str:
    """Checks the new end date; issues the renewal after the old one is saved. Returns the old one's status reason."""
    until = step.inputs["valid_until_on"]
    if until <= max(step.on, auth.valid_until_on):
        raise ValidationError({"valid_until_on": ["续期后的截止日须晚于今天和原截止日。"]})
    number = new_number("SQ")
    reason = str(step.inputs.get("reason") or "")
    valid_from = max(step.on, auth.valid_until_on) if auth.status == S.ACTIVE else step.on
    user = step.user

    def issue() -> None:
        new = Authorization(
            number=number, application=auth.application, consumer_unit=auth.consumer_unit,
            service_mode=auth.service_mode, interface_kind=auth.interface_kind, share_type=auth.share_type,
            valid_from_on=valid_from, valid_until_on=until, is_special=auth.is_special, renewed_from=auth,
            scope_snapshot={**auth.scope_snapshot, "renewed_from": auth.number})
        new.save()
        new.entries.set(list(auth.entries.all()))
        sync_authorization(new)
        new.data_items.set(list(auth.data_items.all()))
        AuthorizationEvent.objects.create(authorization=new, event="issue_renewal", to_status=S.ACTIVE,
                                          reason=reason, actor=user)
        audit_record(actor=user, action="sharing.authorization.issue", obj=new, reason=reason,
                     after={"renewed_from": auth.number, "valid_until_on": str(until)})

    step.then(issue)
    return f"已续期为 {number}"


@AUTHORIZATION.effect("suspend")
@AUTHORIZATION.effect("resume")
@AUTHORIZATION.effect("revoke")
@AUTHORIZATION.effect("renew")
@AUTHORIZATION.effect("expire")
@AUTHORIZATION.effect("catalog_suspend")
def _status_change(step: Step) -> None:
    auth: Authorization = step.obj
    name = step.transition.name
    reason = str(step.inputs.get("reason") or "")
    if name == "resume" and auth.valid_until_on < step.on:
        raise ValidationError("授权已过有效期，不能恢复；请续期或重新申请。")
    if name in ("resume", "renew"):
        conflict = authorization_catalog_conflict(auth)  # 暂不共享 can never come back as bulk (docs/adr/0205)
        if conflict:
            raise ValidationError(conflict)
    if name == "expire":
        if auth.valid_until_on >= step.on:
            raise ValidationError(f"授权有效期至 {auth.valid_until_on}，尚未到期。")
        reason = f"有效期至 {auth.valid_until_on}，已到期。"
    status_reason = _renewal(step, auth) if name == "renew" else reason
    before, misuse_kind = auth.status, str(step.inputs.get("misuse_kind") or "")
    auth.status_changed_at = step.now
    auth.status_reason = status_reason
    step.audit_reason = reason
    actor = step.user if getattr(step.user, "is_authenticated", False) else None

    def after() -> None:
        AuthorizationEvent.objects.create(authorization=auth, event=EVENTS[name], from_status=before,
                                          to_status=step.target, misuse_kind=misuse_kind, reason=status_reason,
                                          actor=actor)
        if name in WEBHOOKS:
            queue_webhooks(auth, WEBHOOKS[name])
        notify(recipients=_unit_admins(auth.consumer_unit_id), title=f"数据共享授权{auth.get_status_display()}",
               body=f"授权 {auth.number} 状态变更为“{auth.get_status_display()}”。原因：{status_reason or '—'}",
               url=f"/admin/sharing/authorization/{auth.pk}/change/")

    step.then(after)


def authorization_suspend(*, authorization: Authorization, misuse_kind: str, reason: str,
                          acting_user: Any) -> Authorization:
    """Suspend service for misuse, over-scope use or security risk (reason required); integrators are notified."""
    result: Authorization = AUTHORIZATION.apply("suspend", authorization, user=acting_user, misuse_kind=misuse_kind,
                                                reason=reason)
    return result


def authorization_resume(*, authorization: Authorization, reason: str, acting_user: Any) -> Authorization:
    """Resume a suspended authorization after rectification."""
    result: Authorization = AUTHORIZATION.apply("resume", authorization, user=acting_user, reason=reason)
    return result


def authorization_revoke(*, authorization: Authorization, misuse_kind: str, reason: str,
                         acting_user: Any) -> Authorization:
    """Terminate service (final)."""
    result: Authorization = AUTHORIZATION.apply("revoke", authorization, user=acting_user, misuse_kind=misuse_kind,
                                                reason=reason)
    return result


def authorization_renew(*, authorization: Authorization, acting_user: Any, valid_until_on: date | None = None,
                        reason: str = "") -> Authorization:
    """A new authorization with the same scope and a new period; the old one is marked superseded. Returns the new
    one. A missing end date or reason is refused by the declaration, at its field."""
    with transaction.atomic():
        old = AUTHORIZATION.apply("renew", authorization, user=acting_user, valid_until_on=valid_until_on,
                                  reason=reason)
        return Authorization.objects.get(renewed_from=old)


def unit_admins_by_unit(unit_ids: set[int]) -> dict[int, list[Any]]:
    """The data administrators of each unit (as ``_unit_admins``), for many units in one query."""
    from portal.models import Membership
    from portal.roles import Role

    found: dict[int, dict[int, Any]] = {u: {} for u in unit_ids}
    for m in (Membership.objects.filter(organization_id__in=unit_ids, role=Role.UNIT_DATA_ADMIN,
                                        retired_at__isnull=True).select_related("user").order_by("user_id")):
        found[m.organization_id][m.user_id] = m.user
    return {u: list(users.values()) for u, users in found.items()}


def _expired_after(batch: BulkStep) -> None:
    """What the ``expire`` effect adds, for a whole batch: events, integrators' webhooks, the consumer units' notice."""
    auths: list[Authorization] = batch.records
    AuthorizationEvent.objects.bulk_create([
        AuthorizationEvent(authorization=a, event=EVENTS["expire"], from_status=b, to_status=a.status,
                           reason=a.status_reason, actor=None, at=batch.at)
        for a, b in zip(auths, batch.from_states, strict=True)])
    queue_webhooks_bulk(auths, WEBHOOKS["expire"])
    admins = unit_admins_by_unit({a.consumer_unit_id for a in auths})
    notify_bulk(Notice(recipients=admins[a.consumer_unit_id], title=f"数据共享授权{a.get_status_display()}",
                       body=f"授权 {a.number} 状态变更为“{a.get_status_display()}”。原因：{a.status_reason or '—'}",
                       url=f"/admin/sharing/authorization/{a.pk}/change/") for a in auths)


def authorizations_expire(*, on: date | None = None) -> list[int]:
    """Mark authorizations past their end date as expired (daily task), in batches of set-based writes with the
    history, audit rows, events, webhooks and notices of the ``expire`` step; integrators get the ``expired``
    webhook. Idempotent: a run again after a crash goes on with what is still due."""
    on = on or today()
    return transition_in_batches(
        AUTHORIZATION, "expire", Authorization.objects.filter(valid_until_on__lt=on), on=on,
        update={"status_changed_at": Now(),
                "status_reason": Concat(Value("有效期至 "), Cast("valid_until_on", CharField()), Value("，已到期。"))},
        reason=lambda a: a.status_reason, change_reason=EXPIRE_CHANGE_REASON, point="sharing.authorizations_expire",
        after=_expired_after, relock_related=("consumer_unit",))


def authorizations_remind_expiring(*, on: date | None = None) -> list[int]:
    """Remind the consumer unit's data admins once, N working days before the end date (default 10); the reminder
    date is saved with history (it is bookkeeping, not a frozen field). Batches of set-based writes, each its own
    transaction: a reminded authorization carries its date, so a run again after a crash reminds nobody twice."""
    on = on or today()
    horizon = add_workdays(on, int(getattr(settings, "SHARING_EXPIRY_REMINDER_WORKDAYS", 10)))
    due = Authorization.objects.filter(status=S.ACTIVE, valid_until_on__gte=on, valid_until_on__lte=horizon,
                                       expiry_reminded_on__isnull=True)

    def notices(auths: list[Authorization]) -> Iterable[Notice]:
        admins = unit_admins_by_unit({a.consumer_unit_id for a in auths})
        return (Notice(recipients=admins[a.consumer_unit_id], title="数据共享授权即将到期",
                       body=f"授权 {a.number} 将于 {a.valid_until_on} 到期；如需继续使用，请及时申请续期。",
                       url=f"/admin/sharing/authorization/{a.pk}/change/") for a in auths)

    return mark_in_batches(due, update=lambda now: {"expiry_reminded_on": on}, change_reason=REMIND_CHANGE_REASON,
                           point="sharing.authorizations_remind_expiring", notices=notices)
