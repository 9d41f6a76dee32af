"""Usage records (QZ §八(二)): appended one by one or pushed in batches; never updated or deleted. A use dated while
the authorization was suspended (or after it was terminated) is recorded as a violation and reported to the authority."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from portal.audit import audit_record
from portal.display import local_datetime
from portal.ids import parse_id
from portal.services import notify
from sharing import permissions
from sharing.models import AcquisitionMethod, Authorization, AuthorizationStatus, DataUseRecord, MediaType
from sharing.models.authorizations import RETENTION_YEARS
from sharing.selectors import Gap, authorization_service_gaps

TEXT_FIELDS = {"purpose": "具体用途", "user_name": "使用人员", "approver_name": "批准人员",
               "data_content": "数据内容"}
# the longest text each column holds: longer text is refused, never cut (issue 15)
MAX_LENGTHS = {"user_name": ("使用人员", 60), "approver_name": ("批准人员", 60), "external_id": ("单位侧记录编号", 64),
               "purpose": ("具体用途", 2000), "data_content": ("数据内容", 2000)}
MAX_BATCH = 1000


def retain_until(acquired: datetime) -> date:
    day = timezone.localtime(acquired).date()
    try:
        return day.replace(year=day.year + RETENTION_YEARS)
    except ValueError:  # 29 February
        return day.replace(year=day.year + RETENTION_YEARS, day=28)


def _row_errors(row: dict[str, Any], auth: Authorization | None, now: datetime) -> tuple[list[str], Any]:
    errors: list[str] = []
    if auth is None:
        return ["授权不存在或无权访问。"], None
    for key, label in TEXT_FIELDS.items():
        if not str(row.get(key) or "").strip():
            errors.append(f"请填写{label}。")
    for key, (label, limit) in MAX_LENGTHS.items():
        length = len(str(row.get(key) or "").strip())
        if length > limit:
            errors.append(f"{label}不能超过 {limit} 个字符（当前 {length} 个）。")
    acquired = row.get("acquired_at")
    if isinstance(acquired, str):
        acquired = parse_datetime(acquired)
    if not isinstance(acquired, datetime):
        errors.append("获取时间格式应为 ISO 8601（如 2026-10-09T10:30:00+08:00）。")
        acquired = None
    else:
        if timezone.is_naive(acquired):
            acquired = timezone.make_aware(acquired)
        local_day = timezone.localtime(acquired).date()
        if acquired > now:
            errors.append("获取时间不能晚于当前时间。")
        elif not auth.valid_from_on <= local_day <= auth.valid_until_on:
            errors.append(f"获取时间不在授权有效期（{auth.valid_from_on} 至 {auth.valid_until_on}）内。")
    if row.get("acquisition_method") not in AcquisitionMethod.values:
        errors.append(f"获取方式应为：{'、'.join(AcquisitionMethod.values)}。")
    if row.get("media_type") not in MediaType.values:
        errors.append(f"介质类型应为：{'、'.join(MediaType.values)}。")
    return errors, acquired


@transaction.atomic
def usage_records_push(*, records: list[dict[str, Any]], acting_user: Any) -> tuple[list[DataUseRecord], list[str]]:
    """Append a batch all-or-nothing; returns (created, skipped external ids already recorded by the same unit).

    Each row: authorization (id or number), purpose, user_name, approver_name, data_content, acquired_at,
    acquisition_method, media_type, optional external_id. Any bad row rejects the whole batch with every error
    (``ValidationError``, text over its column's length included: never cut); a row the caller may not record for
    an authorization it can see rejects the whole batch with ``PermissionDenied`` (403), nothing written.
    """
    if not records:
        raise ValidationError("请至少提交一条使用记录。")
    if len(records) > MAX_BATCH:
        raise ValidationError(f"每批最多 {MAX_BATCH} 条。")
    from sharing.permissions import AuthorizationPolicy

    refs = {str(r.get("authorization", "")) for r in records}
    visible = AuthorizationPolicy().scope(acting_user, Authorization.objects.all())
    by_ref: dict[str, Authorization] = {}
    for auth in visible.filter(number__in=refs).select_related("consumer_unit"):
        by_ref[auth.number] = auth
    numeric = [pk for pk in map(parse_id, refs) if pk is not None]
    for auth in visible.filter(pk__in=numeric).select_related("consumer_unit"):
        by_ref[str(auth.pk)] = auth
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    rows: list[DataUseRecord] = []
    skipped: list[str] = []
    seen: set[tuple[int, str]] = set()
    batch_id = f"B{timezone.localdate():%Y%m%d}{secrets.token_hex(4).upper()}"
    refused: list[str] = []
    for index, row in enumerate(records, start=1):
        auth = by_ref.get(str(row.get("authorization", "")))
        decision = permissions.can_record_usage(acting_user, auth) if auth is not None else None
        if decision is not None and not decision:
            refused.append(f"第{index}条：{decision.reason}")
    if refused:
        raise PermissionDenied("；".join(refused[:20]) + ("……" if len(refused) > 20 else "") + "（整批未登记）")
    for index, row in enumerate(records, start=1):
        auth = by_ref.get(str(row.get("authorization", "")))
        row_errors, acquired = _row_errors(row, auth, now)
        if row_errors:
            errors[f"第{index}条"] = row_errors
            continue
        assert auth is not None and acquired is not None
        external_id = str(row.get("external_id") or "").strip()
        if external_id:
            key = (auth.consumer_unit_id, external_id)
            if key in seen or DataUseRecord.objects.filter(unit_id=auth.consumer_unit_id,
                                                           external_id=external_id).exists():
                skipped.append(external_id)
                continue
            seen.add(key)
        rows.append(DataUseRecord(
            authorization=auth, unit_id=auth.consumer_unit_id, purpose=row["purpose"].strip(),
            user_name=row["user_name"].strip(), approver_name=row["approver_name"].strip(),
            data_content=row["data_content"].strip(), acquired_at=acquired,
            acquisition_method=row["acquisition_method"], media_type=row["media_type"], external_id=external_id,
            batch_id=batch_id, recorded_by=acting_user, recorded_at=now, retain_until_on=retain_until(acquired)))
    if errors:
        raise ValidationError(errors)
    _flag_violations(rows, {auth.pk: auth for auth in by_ref.values()})
    created = DataUseRecord.objects.bulk_create(rows)
    audit_record(actor=acting_user, action="sharing.usage_record.push", obj=None,
                 after={"batch_id": batch_id, "count": len(created), "skipped": skipped,
                        "units": sorted(permissions.member_unit_ids(acting_user))})
    violations = [r for r in created if r.is_violation]
    if violations:
        _report_violations(violations, acting_user)
    return created, skipped


# ------------------------------------------------------------------------------------------ use while suspended
def violation_note(gaps: list[Gap], acquired: datetime) -> str:
    """Why a use at ``acquired`` breaks the authorization ('' when it was in service then)."""
    for start, end, status in gaps:
        if start <= acquired and (end is None or acquired < end):
            since = local_datetime(start)
            if status == AuthorizationStatus.REVOKED:
                return f"获取时间在授权终止（{since}）之后。"
            until = f"至 {local_datetime(end)} 恢复" if end is not None else "，至今未恢复"
            return f"获取时间在授权暂停期间（{since} 起{until}）。"
    return ""


def _flag_violations(rows: list[DataUseRecord], auths: dict[int, Authorization]) -> None:
    """A use dated inside a suspension (or after a termination) is recorded and flagged, not refused: the use
    already happened and refusing it would lose the evidence (docs/adr/0205; QZ §五(十), FJ-REG art.33)."""
    gaps = authorization_service_gaps({r.authorization_id for r in rows})
    for row in rows:
        note = violation_note(gaps.get(row.authorization_id, []), row.acquired_at)
        if note:
            row.is_violation, row.violation_note = True, f"授权 {auths[row.authorization_id].number}：{note}"


def _report_violations(records: list[DataUseRecord], acting_user: Any) -> None:
    """One audit row for the batch, and the data authority over each consumer unit told once per authorization."""
    from catalogs.selectors import authority_users

    audit_record(actor=acting_user, action="sharing.usage_record.violation", obj=None,
                 after={"authorization": sorted({r.authorization.number for r in records}), "count": len(records),
                        "batch_id": records[0].batch_id})
    by_auth: dict[int, list[DataUseRecord]] = {}
    for r in records:
        by_auth.setdefault(r.authorization_id, []).append(r)
    for group in by_auth.values():
        auth = group[0].authorization
        lines = "；".join(f"{local_datetime(r.acquired_at)} {r.user_name}：{r.purpose[:30]}" for r in group[:20])
        notify(recipients=authority_users(auth.consumer_unit),
               title=f"暂停期间使用数据：{auth.consumer_unit} {len(group)} 条",
               body=f"{group[0].violation_note} 使用记录：{lines}",
               url=f"/admin/sharing/datauserecord/?authorization__id__exact={auth.pk}&is_violation__exact=1")


def usage_record_create(*, authorization: Authorization, acting_user: Any, **fields: Any) -> DataUseRecord:
    """Append a single record (same rules as a batch of one)."""
    created, skipped = usage_records_push(records=[{"authorization": authorization.number, **fields}],
                                          acting_user=acting_user)
    if skipped:
        raise ValidationError({"external_id": ["该记录编号已登记过。"]})
    return created[0]
