"""Kernel write services: organisations, memberships, applicant registration, API tokens, notifications."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from portal.api.auth import hash_key
from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.models import (
    ApiToken,
    Enterprise,
    EnterpriseMember,
    HolidayNotice,
    HolidayOverride,
    Membership,
    Notification,
    Organization,
)
from portal.passwords import applicant_password_validators
from portal.permissions import Decision, require
from portal.roles import Role, role_group_name
from portal.uscc import uscc_errors

User = get_user_model()


def _record_save(obj: Any, *, acting_user: Any, decision: Decision, entity: str, verb: str | None = None) -> Any:
    """Save a reference record edited in the admin: permission, validation, history under the editor, audit."""
    require(decision)
    adding = obj._state.adding
    before = None if adding else snapshot(type(obj)._default_manager.get(pk=obj.pk))
    obj.full_clean()
    with acting_as(acting_user):
        obj.save()
        audit_record(actor=acting_user, action=f"portal.{entity}.{verb or ('create' if adding else 'update')}",
                     obj=obj, before=before, after=snapshot(obj))
    return obj


@transaction.atomic
def organization_save(*, organization: Organization, acting_user: Any) -> Organization:
    """Create or edit a unit; a new parent re-roots the unit and all its descendants (each saved with history)."""
    from portal.locks import lock_rows
    from portal.policies import OrganizationPolicy

    policy = OrganizationPolicy()
    adding = organization._state.adding
    decision = policy.can_add(acting_user) if adding else policy.can_change(acting_user, organization)
    old_path = "" if adding else Organization.objects.values_list("path", flat=True).get(pk=organization.pk)
    _record_save(organization, acting_user=acting_user, decision=decision, entity="organization")
    if old_path and organization.path != old_path:
        with acting_as(acting_user):
            for child in lock_rows(Organization.objects.filter(path__startswith=old_path)
                                   .exclude(pk=organization.pk)):
                child.path = organization.path + child.path[len(old_path):]
                child.save(update_fields=["path", "updated_at"])
    return organization


@transaction.atomic
def enterprise_save(*, enterprise: Enterprise, acting_user: Any) -> Enterprise:
    """Create or edit an applicant organisation from the staff side."""
    from portal.policies import EnterprisePolicy

    policy = EnterprisePolicy()
    decision = policy.can_add(acting_user) if enterprise._state.adding else policy.can_change(acting_user, enterprise)
    return _record_save(enterprise, acting_user=acting_user, decision=decision, entity="enterprise")


@transaction.atomic
def membership_save(*, membership: Membership, acting_user: Any) -> Membership:
    """A new role assignment goes through ``membership_grant`` (group, staff flag); an edit changes title/phone."""
    from portal.policies import MembershipPolicy

    if membership._state.adding:
        require(MembershipPolicy().can_add(acting_user))
        granted = membership_grant(user=membership.user, organization=membership.organization, role=membership.role,
                                   acting_user=acting_user, title=membership.title)
        if membership.phone and granted.phone != membership.phone:
            granted.phone = membership.phone
            with acting_as(acting_user):
                granted.save(update_fields=["phone", "updated_at"])
        return granted
    return _record_save(membership, acting_user=acting_user,
                        decision=MembershipPolicy().can_change(acting_user, membership), entity="membership")


@transaction.atomic
def holiday_override_save(*, override: HolidayOverride, acting_user: Any) -> HolidayOverride:
    """Record a holiday or make-up working day the official calendar lacks (city data authority); open deadlines that
    ran through its year are counted again (``portal.deadlines``)."""
    from portal.deadlines import deadlines_affected, deadlines_recompute
    from portal.policies import can_maintain_holidays
    from portal.workdays import calendar_changed

    require(can_maintain_holidays(acting_user))
    years = {override.date.year} if override.date else set()
    if override.pk:
        years.add(HolidayOverride.objects.get(pk=override.pk).date.year)
    pending = [p for year in sorted(years) for p in deadlines_affected(year)]
    saved = _record_save(override, acting_user=acting_user, decision=can_maintain_holidays(acting_user),
                         entity="holiday", verb="save")
    calendar_changed()
    deadlines_recompute(pending, acting_user=acting_user, reason=f"节假日调整 {override.date:%Y-%m-%d}，按新日历重算期限")
    return saved


def notifications_mark_read(*, user: Any, notification: Notification | None = None) -> int:
    """Mark one of the user's notifications (or all unread ones) as read; bookkeeping, not audited."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


@transaction.atomic
def membership_grant(*, user: Any, organization: Organization, role: str, acting_user: Any = None,
                     title: str = "") -> Membership:
    """Give ``user`` a role in a unit and put them in the role's group (staff flag for admin access)."""
    with acting_as(acting_user):
        membership, created = Membership.objects.get_or_create(
            user=user, organization=organization, role=role, defaults={"title": title})
        if not created and membership.retired_at is not None:
            membership.retired_at = None
            membership.save()
        group, _ = Group.objects.get_or_create(name=role_group_name(role))
        user.groups.add(group)
        if role != Role.APPLICANT and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        if created:
            audit_record(actor=acting_user, action="portal.membership.grant", obj=membership, after=snapshot(membership))
    return membership


@transaction.atomic
def membership_retire(*, membership: Membership, acting_user: Any, reason: str) -> Membership:
    """Retire a role assignment (kept in history)."""
    if not reason.strip():
        raise ValidationError("停用角色需要填写理由。")
    with acting_as(acting_user):
        membership.retired_at = timezone.now()
        membership.save()
        audit_record(actor=acting_user, action="portal.membership.retire", obj=membership, reason=reason)
    return membership


@transaction.atomic
def enterprise_register(*, uscc: str, name: str, kind: str, username: str, password: str, email: str = "",
                        contact_name: str = "", contact_phone: str = "", is_domestic_controlled: bool = False,
                        region: Organization | None = None) -> EnterpriseMember:
    """Register an applicant organisation with its first (manager) user; refuses an invalid or taken code."""
    uscc = uscc.strip().upper()
    errors: dict[str, list[str]] = {}
    if uscc_errors(uscc):
        errors["uscc"] = uscc_errors(uscc)
    elif Enterprise.objects.filter(uscc=uscc).exists():
        errors["uscc"] = ["该统一社会信用代码已注册；如需加入该主体，请联系主体管理员邀请。"]
    if User.objects.filter(username__iexact=username).exists():
        errors["username"] = ["该用户名已被使用。"]
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate, password_validators=applicant_password_validators())
    except ValidationError as exc:
        errors["password"] = list(exc.messages)
    if errors:
        raise ValidationError(errors)
    user = User.objects.create_user(username=username, password=password, email=email)
    with acting_as(user):
        enterprise = Enterprise(uscc=uscc, name=name, kind=kind, contact_name=contact_name,
                                contact_phone=contact_phone, contact_email=email,
                                is_domestic_controlled=is_domestic_controlled, region=region)
        enterprise.full_clean()
        enterprise.save()
        member = EnterpriseMember.objects.create(user=user, enterprise=enterprise, is_manager=True)
        group, _ = Group.objects.get_or_create(name=role_group_name(Role.APPLICANT))
        user.groups.add(group)
        audit_record(actor=user, action="portal.enterprise.register", obj=enterprise, after=snapshot(enterprise))
    return member


@transaction.atomic
def enterprise_member_add(*, enterprise: Enterprise, username: str, password: str, email: str = "",
                          acting_user: Any) -> EnterpriseMember:
    """A manager adds another user to the same applicant organisation."""
    if not EnterpriseMember.objects.filter(enterprise=enterprise, user=acting_user, is_manager=True,
                                           retired_at__isnull=True).exists():
        raise ValidationError("只有主体管理员可以添加用户。")
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": ["该用户名已被使用。"]})
    validate_password(password, user=User(username=username, email=email),
                      password_validators=applicant_password_validators())
    user = User.objects.create_user(username=username, password=password, email=email)
    user.groups.add(Group.objects.get_or_create(name=role_group_name(Role.APPLICANT))[0])
    with acting_as(acting_user):
        member = EnterpriseMember.objects.create(user=user, enterprise=enterprise)
        audit_record(actor=acting_user, action="portal.enterprise_member.add", obj=member)
    return member


@transaction.atomic
def api_token_issue(*, user: Any, name: str = "", days: int | None = None, acting_user: Any = None) -> str:
    """Create a token for ``user`` and return the clear key (shown once; only its hash is stored)."""
    prefix = secrets.token_hex(4)
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, key_hash=hash_key(key),
        expires_at=timezone.now() + timedelta(days=days or settings.API_TOKEN_TTL_DAYS))
    audit_record(actor=acting_user, action="portal.api_token.issue", obj=token, after={"user": user.pk, "name": name})
    return key


@transaction.atomic
def api_token_revoke(*, token: ApiToken, acting_user: Any) -> ApiToken:
    """Revoke a token at once."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(actor=acting_user, action="portal.api_token.revoke", obj=token)
    return token


def api_token_touch(*, token: ApiToken, at: Any) -> None:
    """Note when a token was last used (bookkeeping at most every 5 minutes; not audited)."""
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=at)


def notify(*, recipients: Any, title: str, body: str = "", url: str = "") -> list[Notification]:
    """In-site notification to each recipient, e-mailed after commit where the user has an address."""
    created = [Notification.objects.create(recipient=u, title=title, body=body, url=url) for u in recipients]
    addresses = [u.email for u in recipients if getattr(u, "email", "")]
    if addresses:
        transaction.on_commit(lambda: send_mail(title, f"{body}\n{url}".strip(), None, addresses,
                                                fail_silently=True))
    return created


def notify_enterprise(*, enterprise: Enterprise, title: str, body: str = "", url: str = "") -> list[Notification]:
    """Notify every active user of an applicant organisation."""
    users = [m.user for m in enterprise.members.filter(retired_at__isnull=True).select_related("user")]
    return notify(recipients=users, title=title, body=body, url=url)


@transaction.atomic
def holiday_notice_save(*, notice: HolidayNotice, days: list[dict[str, Any]] | None, acting_user: Any,
                        on: Any = None) -> HolidayNotice:
    """Enter or change a year's State Council holiday notice with its days (holidays and make-up working days), then
    count again every open due date that ran through that year (``portal.deadlines``): one transaction, so the
    calendar and the deadlines move together. ``days`` ``None`` keeps the notice's days. History and audit rows."""
    from portal.deadlines import deadlines_affected, deadlines_recompute
    from portal.policies import can_maintain_holidays
    from portal.workdays import calendar_changed

    require(can_maintain_holidays(acting_user))
    calendar_changed()
    adding = notice._state.adding
    before = None if adding else snapshot(HolidayNotice.objects.get(pk=notice.pk))
    notice.full_clean()
    rows = [] if days is None else list(days)
    errors = []
    seen: set[Any] = set()
    for row in rows:
        day = row.get("date")
        if day is None:
            errors.append("每一天都须填写日期。")
        elif day.year != notice.year:
            errors.append(f"{day:%Y-%m-%d} 不在 {notice.year} 年内。")
        elif day in seen:
            errors.append(f"{day:%Y-%m-%d} 重复填写。")
        seen.add(day)
    if errors:
        raise ValidationError({"days": errors})
    taken = HolidayOverride.objects.filter(date__in=seen, retired_at__isnull=True).exclude(
        notice_id=notice.pk if notice.pk else None).exclude(notice__isnull=True)
    if taken.exists():
        raise ValidationError({"days": [f"{d:%Y-%m-%d} 已属于另一份通知。" for d in taken.values_list("date", flat=True)]})
    pending = deadlines_affected(notice.year)  # read on the calendar still in force
    with acting_as(acting_user):
        notice.save()
        if days is not None:
            current = {o.date: o for o in HolidayOverride.objects.filter(date__year=notice.year)}
            for row in rows:
                override = current.pop(row["date"], None) or HolidayOverride(date=row["date"])
                changed = (override._state.adding or override.notice_id != notice.pk or override.retired_at
                           or override.is_workday != bool(row.get("is_workday")) or override.name != (row.get("name") or ""))
                if changed:
                    override.notice = notice
                    override.is_workday = bool(row.get("is_workday"))
                    override.name = row.get("name") or ""
                    override.source = notice.document_number
                    override.retired_at = None
                    override.save()
            for gone in current.values():  # days dropped from the notice are retired, not deleted
                if gone.notice_id == notice.pk and gone.retired_at is None:
                    gone.retired_at = timezone.now()
                    gone.save()
        calendar_changed()
        moved = deadlines_recompute(pending, acting_user=acting_user,
                                    reason=f"录入{notice.year}年放假通知（{notice.document_number}），按新日历重算期限")
        notice.recomputed_at = timezone.now()
        notice.recomputed_count = moved
        notice.save(update_fields=["recomputed_at", "recomputed_count", "updated_at"])
        audit_record(actor=acting_user, action=f"portal.holiday_notice.{'create' if adding else 'update'}",
                     obj=notice, reason=f"重算期限 {moved} 项", before=before, after=snapshot(notice))
    transaction.on_commit(calendar_changed)
    return notice
