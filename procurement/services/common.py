"""Helpers shared by the procurement services: audited saves, deadline checks (row locks: ``portal.locks``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from portal.audit import audit_record, snapshot
from portal.history import acting_as


def save_audited(obj: models.Model, *, acting_user: Any, action: str, before: dict[str, Any] | None = None,
                 reason: str = "") -> None:
    """Validate, save with the acting user as history user, and append the audit row."""
    obj.full_clean()
    with acting_as(acting_user):
        obj.save()
    audit_record(actor=acting_user, action=action, obj=obj, before=before, after=snapshot(obj), reason=reason)


def check_deadline(actual: date, due: date | None, what: str, late_reason: str = "") -> bool:
    """``True`` when late. Late without a written reason is refused; with one it is recorded as late."""
    if due is None or actual <= due:
        return False
    if not late_reason.strip():
        raise ValidationError(f"{what}已超过期限（{due:%Y-%m-%d}）；如确需补录，请填写逾期原因。")
    return True
