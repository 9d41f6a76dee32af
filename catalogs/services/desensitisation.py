"""Write services for 脱敏处理记录: one active record (who, method, date) per personal-information item.

An entry with a personal item is opened (授权开放/普遍开放) only when each such item has one (GD 公共数据管理办法
第三十二条；闽数字办〔2022〕6号 第十一条(三)、第十三条；福建省大数据发展条例 第三十二条 “记录数据处理全流程”); the check is
``catalogs.services.entries.entry_publication_errors`` at submission and publication.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from catalogs import permissions as perms
from catalogs.models import DataItem, Desensitisation, DesensitisationMethod
from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import relock
from portal.permissions import require


def _record_dict(record: Desensitisation) -> dict[str, Any]:
    return {"item": record.item.name, "method": record.get_method_display(),
            "performed_on": record.performed_on.isoformat(), "note": record.note}


@transaction.atomic
def desensitisation_record(*, item: DataItem, method: str, performed_on: date, acting_user: Any,
                           note: str = "") -> Desensitisation:
    """Record how personal item ``item`` was desensitised (the recorder is the responsible person); a previous
    active record of the item is retired (kept with its history). Only while the entry is editable."""
    entry = relock(item.entry, related=["source_unit"])
    require(perms.can_record_desensitisation(acting_user, entry))
    item = DataItem.objects.get(pk=item.pk)
    errors: dict[str, list[str]] = {}
    if item.entry_id != entry.pk or item.retired_at is not None:
        errors.setdefault("item", []).append("该信息项已停用或不属于本目录。")
    elif not item.is_personal_info:
        errors.setdefault("item", []).append(f"信息项“{item.name}”未标注为个人信息，无需登记脱敏处理记录。")
    if method not in DesensitisationMethod.values:
        errors.setdefault("method", []).append("请选择脱敏方式。")
    if not isinstance(performed_on, date):
        errors.setdefault("performed_on", []).append("请填写处理日期。")
    elif performed_on > timezone.localdate():
        errors.setdefault("performed_on", []).append("处理日期不能晚于今天。")
    note = (note or "").strip()
    if method == DesensitisationMethod.OTHER and not note:
        errors.setdefault("note", []).append("脱敏方式为“其他”时须在处理说明中写明具体做法。")
    if errors:
        raise ValidationError(errors)
    with acting_as(acting_user):
        previous = list(Desensitisation.objects.filter(item=item, retired_at__isnull=True))
        for old in previous:
            old.retired_at = timezone.now()
            old.save(update_fields=["retired_at", "updated_at"])
        record = Desensitisation(entry=entry, item=item, method=method, performed_on=performed_on,
                                 performed_by=acting_user, note=note)
        record.full_clean()
        record.save()
        audit_record(actor=acting_user, action="catalogs.desensitisation.record", obj=entry,
                     before=_record_dict(previous[0]) if previous else None, after=_record_dict(record))
    return record


@transaction.atomic
def desensitisation_retire(*, record: Desensitisation, acting_user: Any, reason: str = "") -> Desensitisation:
    """Withdraw a record (e.g. entered for the wrong item); the item then counts as not desensitised."""
    entry = relock(record.entry, related=["source_unit"])
    require(perms.can_record_desensitisation(acting_user, entry))
    record = Desensitisation.objects.select_related("item").get(pk=record.pk)
    if record.retired_at is not None:
        return record
    with acting_as(acting_user):
        record.retired_at = timezone.now()
        record.save(update_fields=["retired_at", "updated_at"])
        audit_record(actor=acting_user, action="catalogs.desensitisation.retire", obj=entry, reason=reason,
                     before=_record_dict(record))
    return record
