"""Helpers shared by the procurement services: row locks, audited saves, deadline checks."""

from __future__ import annotations

from datetime import date
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models

from portal.audit import audit_record, snapshot
from portal.history import acting_as

M = TypeVar("M", bound=models.Model)


def lock(obj: M) -> M:
    """Re-read ``obj`` with a row lock (select_for_update) so concurrent services serialise on it."""
    return type(obj)._default_manager.select_for_update().get(pk=obj.pk)


def lock_all(qs: models.QuerySet[Any]) -> list[Any]:
    """Lock rows in primary-key order (avoids deadlocks between services locking several rows)."""
    return list(qs.select_for_update().order_by("pk"))


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
