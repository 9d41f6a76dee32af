"""Lifecycle of open-data grants (授权开放许可): suspend, resume, terminate (QZ §五(十) by analogy; FJ-OPEN art.33),
expire at the end of the period, remind before it. Every change is ``OPEN_GRANT.apply`` (``sharing.workflow``): with
history and the audit row ``sharing.open_grant.<step>``, plus an append-only ``AuthorizationEvent`` and a notice to the
applicant organisation (``notify_enterprise``) from the effect below."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat, Now

from portal.bulk import BulkStep, Notice, enterprise_users, mark_in_batches, notify_bulk, transition_in_batches
from portal.services import notify_enterprise
from portal.workdays import add_workdays
from portal.workflow import Step
from sharing.models import AuthorizationEvent, AuthorizationStatus, MisuseKind, OpenDataGrant
from sharing.services.catalog_impact import open_grant_catalog_conflict
from sharing.workflow import OPEN_GRANT, today

S = AuthorizationStatus
EXPIRE_CHANGE_REASON = "有效期届满，定时任务标记为已到期"
REMIND_CHANGE_REASON = "到期提醒已发送，定时任务记录提醒日期"


def _site_url(grant: OpenDataGrant) -> str:
    return f"/open-applications/{grant.application_id}/"


@OPEN_GRANT.effect("suspend")
@OPEN_GRANT.effect("resume")
@OPEN_GRANT.effect("revoke")
@OPEN_GRANT.effect("expire")
@OPEN_GRANT.effect("catalog_suspend")
def _status_change(step: Step) -> None:
    grant: OpenDataGrant = step.obj
    name = step.transition.name
    reason = str(step.inputs.get("reason") or "")
    if name == "resume" and grant.valid_until_on < step.on:
        raise ValidationError("许可已过有效期，不能恢复；请重新申请。")
    if name == "resume":
        conflict = open_grant_catalog_conflict(grant)  # a closed or retired entry is not opened again (docs/adr/0205)
        if conflict:
            raise ValidationError(conflict)
    if name == "expire":
        if grant.valid_until_on >= step.on:
            raise ValidationError(f"许可有效期至 {grant.valid_until_on}，尚未到期。")
        reason = f"有效期至 {grant.valid_until_on}，已到期。"
    before, misuse_kind = grant.status, str(step.inputs.get("misuse_kind") or "")
    grant.status_reason, grant.status_changed_at = reason, step.now
    step.audit_reason = reason
    actor = step.user if getattr(step.user, "is_authenticated", False) else None

    def after() -> None:
        event = "suspend" if name == "catalog_suspend" else name
        AuthorizationEvent.objects.create(open_grant=grant, event=event, from_status=before, to_status=step.target,
                                          misuse_kind=misuse_kind, reason=reason, actor=actor)
        notify_enterprise(enterprise=grant.enterprise, title=f"授权开放许可{grant.get_status_display()}",
                          body=f"许可 {grant.number} 状态变更为“{grant.get_status_display()}”。原因：{reason}",
                          url=_site_url(grant))

    step.then(after)


def open_grant_suspend(*, grant: OpenDataGrant, misuse_kind: str, reason: str, acting_user: Any) -> OpenDataGrant:
    """Suspend an active grant (misuse, over-scope use, resale, security risk); the applicant is notified."""
    result: OpenDataGrant = OPEN_GRANT.apply("suspend", grant, user=acting_user, misuse_kind=misuse_kind,
                                             reason=reason)
    return result


def open_grant_resume(*, grant: OpenDataGrant, reason: str, acting_user: Any) -> OpenDataGrant:
    """Resume a suspended grant after rectification (not past its end date)."""
    result: OpenDataGrant = OPEN_GRANT.apply("resume", grant, user=acting_user, reason=reason)
    return result


def open_grant_revoke(*, grant: OpenDataGrant, misuse_kind: str, reason: str, acting_user: Any) -> OpenDataGrant:
    """Terminate a grant (final)."""
    result: OpenDataGrant = OPEN_GRANT.apply("revoke", grant, user=acting_user, misuse_kind=misuse_kind,
                                             reason=reason)
    return result


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


def _expired_after(batch: BulkStep) -> None:
    """What the ``expire`` effect adds, for a whole batch: the events and the applicant organisations' notice."""
    grants: list[OpenDataGrant] = batch.records
    AuthorizationEvent.objects.bulk_create([
        AuthorizationEvent(open_grant=g, event="expire", from_status=b, to_status=g.status,
                           reason=g.status_reason, actor=None, at=batch.at)
        for g, b in zip(grants, batch.from_states, strict=True)])
    users = enterprise_users({g.enterprise_id for g in grants})
    notify_bulk(Notice(recipients=users[g.enterprise_id], title=f"授权开放许可{g.get_status_display()}",
                       body=f"许可 {g.number} 状态变更为“{g.get_status_display()}”。原因：{g.status_reason}",
                       url=_site_url(g)) for g in grants)


def open_grants_expire(*, on: date | None = None) -> list[int]:
    """Daily job: grants past their end date become ``expired``; the applicant is notified. Batches of set-based
    writes with the history, audit rows, events and notices of the ``expire`` step (idempotent, crash-safe)."""
    on = on or today()
    return transition_in_batches(
        OPEN_GRANT, "expire", OpenDataGrant.objects.filter(valid_until_on__lt=on), on=on,
        update={"status_changed_at": Now(),
                "status_reason": Concat(Value("有效期至 "), Cast("valid_until_on", CharField()), Value("，已到期。"))},
        reason=lambda g: g.status_reason, change_reason=EXPIRE_CHANGE_REASON, point="sharing.open_grants_expire",
        after=_expired_after)


def open_grants_remind_expiring(*, on: date | None = None) -> list[int]:
    """Daily job: remind the applicant once, N working days before the end date (``SHARING_EXPIRY_REMINDER_WORKDAYS``).
    Batches of set-based writes, each its own transaction; the reminder date (with history) keeps a run again from
    reminding twice."""
    on = on or today()
    horizon = add_workdays(on, int(getattr(settings, "SHARING_EXPIRY_REMINDER_WORKDAYS", 10)))
    due = OpenDataGrant.objects.filter(status=S.ACTIVE, valid_until_on__gte=on, valid_until_on__lte=horizon,
                                       expiry_reminded_on__isnull=True)

    def notices(grants: list[OpenDataGrant]) -> Iterable[Notice]:
        users = enterprise_users({g.enterprise_id for g in grants})
        return (Notice(recipients=users[g.enterprise_id], title="授权开放许可即将到期",
                       body=f"许可 {g.number} 将于 {g.valid_until_on} 到期；如需继续使用，请在到期前重新申请。",
                       url=_site_url(g)) for g in grants)

    return mark_in_batches(due, update=lambda now: {"expiry_reminded_on": on}, change_reason=REMIND_CHANGE_REASON,
                           point="sharing.open_grants_remind_expiring", notices=notices)
