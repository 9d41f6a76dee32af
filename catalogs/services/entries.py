"""Write services for catalog entries: create/update with the catalog rules, the lifecycle, published versions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from catalogs import permissions as perms
from catalogs.models import (
    AggregationMode,
    CatalogEntry,
    CatalogLevel,
    CatalogVersion,
    DataElement,
    DataItem,
    Desensitisation,
    EntryStatus,
    InterfaceKind,
    OpenType,
    ServiceInterface,
    ShareType,
)
from catalogs.services.quality import entry_quality_refresh
from catalogs.workflow import ENTRY
from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.hooks import announce
from portal.locks import relock
from portal.models import Organization
from portal.permissions import require
from portal.workflow import Step

ENTRY_FIELDS = (
    "title", "description", "share_type", "share_conditions", "share_scope", "legal_basis", "open_type",
    "open_conditions", "has_personal_info", "has_trade_secret", "is_state_secret", "classification", "grade",
    "update_frequency", "aggregation_mode", "no_aggregation_reason", "doc_kind", "base_category", "data_format",
    "keywords",
)
ITEM_FIELDS = ("name", "data_type", "description", "is_personal_info")
INTERFACE_FIELDS = ("name", "kind", "origin", "endpoint", "spec", "call_instructions")


# --------------------------------------------------------------------------------------------- rules
def entry_rule_errors(entry: CatalogEntry) -> dict[str, list[str]]:
    """The catalog rules of QZ §五(二), §六, §八(三) as field errors (empty when the entry is acceptable)."""
    errors: dict[str, list[str]] = {}

    def add(field: str, msg: str) -> None:
        errors.setdefault(field, []).append(msg)

    if entry.is_state_secret:
        add("is_state_secret", "涉及国家秘密的数据不得在市汇聚共享平台登记、共享或开放（泉政办〔2021〕21号 §八(三)），已拒绝。")
    if entry.share_type in (ShareType.CONDITIONAL, ShareType.NOT_SHARED) and not entry.legal_basis.strip():
        add("legal_basis", f"共享类型为“{entry.get_share_type_display()}”时必须填写法律、法规或党中央、国务院政策依据。")
    if entry.share_type == ShareType.NOT_SHARED and entry.open_type != OpenType.CLOSED:
        add("open_type", "暂不共享的数据不能向社会开放，开放类型应为“不予开放”。")
    if entry.open_type == OpenType.OPEN and entry.has_trade_secret:
        add("open_type", "含商业秘密的数据须脱密后方可普遍开放；请脱密后取消相应标记，或改为授权开放/不予开放。")
    if entry.open_type == OpenType.OPEN and entry.has_personal_info and (entry.pk is None or undesensitised_items(entry)):
        add("open_type", "含个人信息的数据须脱敏后方可普遍开放：请先为每个个人信息项登记脱敏处理记录，或改为授权开放/不予开放。")
    if entry.aggregation_mode == AggregationMode.INTERFACE_ONLY and not entry.no_aggregation_reason.strip():
        add("no_aggregation_reason", "仅提供接口（不能汇聚）的数据必须说明法律法规或政策依据。")
    if not entry.title.strip():
        add("title", "资源名称不能为空。")
    return errors


# QZ §五(四): 暂不共享 data is used only through the interfaces the producer hangs on the platform (可用不可见)
USABLE_NOT_VISIBLE_KINDS = (InterfaceKind.COMPARE, InterfaceKind.VERIFY, InterfaceKind.STATISTICS)


def undesensitised_items(entry: CatalogEntry) -> list[DataItem]:
    """Active personal-information items of ``entry`` without an active desensitisation record."""
    recorded = Desensitisation.objects.filter(item=OuterRef("pk"), retired_at__isnull=True)
    return list(DataItem.objects.filter(entry=entry, retired_at__isnull=True, is_personal_info=True)
                .exclude(Exists(recorded)).order_by("sort_order", "pk"))


def entry_publication_errors(entry: CatalogEntry) -> dict[str, list[str]]:
    """The rules checked when an entry is submitted and again when it is published: the catalog rules, at least one
    data item, 可用不可见 interfaces of 暂不共享 data (QZ §五(四), 附件1 第4–5点) and a recorded desensitisation of every
    personal item before opening (GD 第三十二条; 闽数字办〔2022〕6号 第十一条、第十三条; 福建省大数据发展条例 第三十二条)."""
    errors = entry_rule_errors(entry)

    def add(field: str, msg: str) -> None:
        errors.setdefault(field, []).append(msg)

    active_items = DataItem.objects.filter(entry=entry, retired_at__isnull=True)
    if not active_items.exists():
        add("items", "提交前至少登记一个信息项。")
    if entry.share_type == ShareType.NOT_SHARED and not ServiceInterface.objects.filter(
            entry=entry, retired_at__isnull=True, kind__in=USABLE_NOT_VISIBLE_KINDS).exists():
        add("interfaces", "暂不共享的数据须依照“可用不可见”原则向市汇聚共享平台挂接比对、核查或统计接口"
                          "（泉政办〔2021〕21号 §五(四)）；请至少登记一个比对、核查或统计接口。")
    if entry.open_type != OpenType.CLOSED:
        label = entry.get_open_type_display()
        missing = undesensitised_items(entry)
        if missing:
            names = "、".join(f"“{i.name}”" for i in missing)
            add("open_type", f"含个人信息的信息项须脱敏并登记脱敏处理记录（处理人、方式、日期）后方可{label}；"
                             f"{names}尚无脱敏处理记录（《广东省公共数据管理办法》第三十二条）。")
        elif entry.has_personal_info and not active_items.filter(is_personal_info=True).exists():
            add("open_type", f"目录标注“含个人信息”，但未标明哪些信息项是个人信息；请在信息项上勾选“个人信息”并逐项"
                             f"登记脱敏处理记录后方可{label}，或改为不予开放。")
    return errors


def _apply_forced_values(entry: CatalogEntry) -> None:
    """Base resources are always 无条件共享 (QZ §五(二)); the level follows the source unit."""
    if entry.base_category:
        entry.share_type = ShareType.UNCONDITIONAL
    entry.level = CatalogLevel.COUNTY if entry.source_unit.county is not None else CatalogLevel.CITY


def element_conflict(code: str, source_unit: Organization) -> str:
    """一数一源: the refusal (naming the owner) when data element ``code`` is registered to another unit, else ''."""
    element = DataElement.objects.select_related("source_unit").filter(code=code.strip()).first()
    if element is None or element.source_unit_id == source_unit.pk:
        return ""
    return (f"数据元“{element.code} {element.name}”已由“{element.source_unit}”登记为数源单位（一数一源），"
            f"不能由“{source_unit}”重复登记；请通过共享申请获取。")


def _element_for(entry: CatalogEntry, code: str, name: str) -> DataElement:
    """一数一源: the data element is registered to this entry's source unit, or refused naming its owner."""
    refusal = element_conflict(code, entry.source_unit)
    if refusal:
        raise ValidationError({"items": [refusal]})
    element = DataElement.objects.filter(code=code).first()
    if element is None:
        return DataElement.objects.create(code=code, name=name or code, source_unit=entry.source_unit)
    return element


def _sync_items(entry: CatalogEntry, items: list[dict[str, Any]]) -> None:
    """Replace the entry's data items by name (kept rows keep their ids; dropped rows are retired, not deleted)."""
    seen: set[str] = set()
    existing = {i.name: i for i in DataItem.objects.filter(entry=entry)}
    for order, data in enumerate(items, start=1):
        name = str(data.get("name", "")).strip()
        if not name:
            raise ValidationError({"items": [f"第{order}个信息项缺少名称。"]})
        if name in seen:
            raise ValidationError({"items": [f"信息项“{name}”重复。"]})
        seen.add(name)
        element = None
        if str(data.get("element_code") or "").strip():
            element = _element_for(entry, str(data["element_code"]).strip(), str(data.get("element_name") or name))
        item = existing.get(name) or DataItem(entry=entry, name=name)
        for field in ITEM_FIELDS[1:]:
            if field in data and data[field] is not None:
                setattr(item, field, data[field])
        item.element = element
        item.sort_order = order
        item.retired_at = None
        item.full_clean(exclude=["entry"])
        item.save()
    for name, item in existing.items():
        if name not in seen and item.retired_at is None:
            item.retired_at = timezone.now()
            item.save()


def _sync_interfaces(entry: CatalogEntry, interfaces: list[dict[str, Any]]) -> None:
    existing = {i.name: i for i in ServiceInterface.objects.filter(entry=entry)}
    seen: set[str] = set()
    for data in interfaces:
        name = str(data.get("name", "")).strip()
        if not name:
            raise ValidationError({"interfaces": ["接口名称不能为空。"]})
        seen.add(name)
        iface = existing.get(name) or ServiceInterface(entry=entry, name=name)
        for field in INTERFACE_FIELDS[1:]:
            if field in data and data[field] is not None:
                setattr(iface, field, data[field])
        iface.retired_at = None
        iface.full_clean(exclude=["entry"])
        iface.save()
    for name, iface in existing.items():
        if name not in seen and iface.retired_at is None:
            iface.retired_at = timezone.now()
            iface.save()


def _check_personal_flag(entry: CatalogEntry) -> None:
    """An entry with a personal-information item is marked 含个人信息 (saved with history, inside the service); the
    rules are checked again with the saved items (普遍开放 needs each personal item desensitised)."""
    if DataItem.objects.filter(entry=entry, retired_at__isnull=True, is_personal_info=True).exists() and \
            not entry.has_personal_info:
        entry.has_personal_info = True
        entry.save(update_fields=["has_personal_info", "updated_at"])
    errors = entry_rule_errors(entry)
    if errors:
        raise ValidationError(errors)


def _validate_and_save(entry: CatalogEntry) -> None:
    _apply_forced_values(entry)
    errors = entry_rule_errors(entry)
    if errors:
        raise ValidationError(errors)
    entry.full_clean(validate_unique=True)
    entry.save()


# --------------------------------------------------------------------------------------------- create / update
@transaction.atomic
def entry_create(*, source_unit: Organization, code: str, title: str, acting_user: Any,
                 items: list[dict[str, Any]] | None = None, interfaces: list[dict[str, Any]] | None = None,
                 **fields: Any) -> CatalogEntry:
    """Register a draft entry of ``source_unit`` (its data administrators only; ``acting_user=None`` = system import)."""
    if acting_user is not None:
        require(perms.can_add_entry(acting_user, source_unit))
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{'、'.join(sorted(unknown))}")
    code = code.strip()
    if CatalogEntry.objects.filter(code=code).exists():
        raise ValidationError({"code": [f"目录编码“{code}”已存在。"]})
    with acting_as(acting_user):
        entry = CatalogEntry(source_unit=source_unit, code=code, title=title.strip(), created_by=acting_user,
                             status=EntryStatus.DRAFT, **fields)
        _validate_and_save(entry)
        _sync_items(entry, items or [])
        _sync_interfaces(entry, interfaces or [])
        _check_personal_flag(entry)
        audit_record(actor=acting_user, action="catalogs.entry.create", obj=entry, after=snapshot(entry))
    entry_quality_refresh(entry)
    return entry


@transaction.atomic
def entry_update(*, entry: CatalogEntry, acting_user: Any, items: list[dict[str, Any]] | None = None,
                 interfaces: list[dict[str, Any]] | None = None, **fields: Any) -> CatalogEntry:
    """Change a draft / returned / revising entry of the user's own unit; ``items``/``interfaces`` replace the lists."""
    entry = relock(entry, related=["source_unit"])
    require(perms.can_edit_entry(acting_user, entry))
    unknown = set(fields) - set(ENTRY_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{'、'.join(sorted(unknown))}")
    before = snapshot(entry)
    with acting_as(acting_user):
        for key, value in fields.items():
            setattr(entry, key, value)
        _validate_and_save(entry)
        if items is not None:
            _sync_items(entry, items)
        if interfaces is not None:
            _sync_interfaces(entry, interfaces)
        _check_personal_flag(entry)
        audit_record(actor=acting_user, action="catalogs.entry.update", obj=entry, before=before,
                     after=snapshot(entry))
    entry_quality_refresh(entry)
    return entry


# --------------------------------------------------------------------------------------------- lifecycle
# The machine is declared in catalogs.workflow (ENTRY); these effects add what a step does besides its state. The
# quality score (which reads the state) is refreshed after every step.
def _refresh_quality(step: Step) -> None:
    step.then(lambda: entry_quality_refresh(step.obj))


@ENTRY.effect("submit")
def _submit(step: Step) -> None:
    entry = step.obj
    errors = entry_publication_errors(entry)
    if errors:
        raise ValidationError(errors)
    entry.submitted_at = step.now
    _refresh_quality(step)


@ENTRY.effect("publish")
def _publish(step: Step) -> None:
    entry = step.obj
    errors = entry_publication_errors(entry)  # the interfaces or records may have changed since submission
    if errors:
        raise ValidationError(errors)
    previous = CatalogVersion.objects.filter(entry=entry, number=entry.version).values_list("snapshot", flat=True)
    before = previous.first() if entry.version else None
    entry.version += 1
    entry.published_at = step.now
    entry.return_reason = ""

    def freeze() -> None:
        version_freeze(entry, user=step.user, at=step.now)
        # dependent grants follow the new version (sharing.services.catalog_impact, docs/adr/0205)
        announce("catalogs.entry.published", entry=entry, previous=before, user=step.user, on=step.on)

    step.then(freeze)
    _refresh_quality(step)


@ENTRY.effect("return")
def _return(step: Step) -> None:
    step.obj.return_reason = step.inputs["reason"]
    _refresh_quality(step)


@ENTRY.effect("revise")
def _revise(step: Step) -> None:
    _refresh_quality(step)


@ENTRY.effect("request_retire")
def _request_retire(step: Step) -> None:
    step.obj.retire_requested_at = step.now
    step.obj.retire_reason = step.inputs["reason"]
    _refresh_quality(step)


@ENTRY.effect("retire")
def _retire(step: Step) -> None:
    entry = step.obj
    entry.retired_at = step.now
    entry.retire_reason = entry.retire_reason or step.inputs["reason"]
    step.then(lambda: announce("catalogs.entry.retired", entry=entry, user=step.user, on=step.on,
                               reason=entry.retire_reason))
    _refresh_quality(step)


def version_freeze(entry: CatalogEntry, *, user: Any, at: Any) -> CatalogVersion:
    """Freeze ``entry`` as it is now (with its active items and interfaces) as published version ``entry.version``."""
    return CatalogVersion.objects.create(entry=entry, number=entry.version, snapshot=entry_snapshot(entry),
                                         published_at=at, published_by=user)


def entry_available_transitions(user: Any, entry: CatalogEntry) -> list[str]:
    """Names of the transitions ``user`` may run on ``entry`` now (declared in ``catalogs.workflow.ENTRY``)."""
    return [t.name for t in ENTRY.available(user, entry)]


def entry_transition(*, entry: CatalogEntry, action: str, acting_user: Any, reason: str = "",
                     on: date | None = None) -> CatalogEntry:
    """Run one lifecycle step of ``catalogs.workflow.ENTRY``; publishing freezes a new version. Refusals name the
    reason (``PermissionDenied`` for the actor, ``ValidationError`` for the state, the inputs and the rules)."""
    inputs = {"reason": reason} if ENTRY.transition(action).input("reason") is not None else {}
    return ENTRY.apply(action, entry, user=acting_user, on=on, **inputs)


# --------------------------------------------------------------------------------------------- versions
SNAPSHOT_LABELS = {
    "code": "目录编码", "title": "资源名称", "description": "资源摘要", "source_unit": "数源单位",
    "level": "目录层级", "share_type": "共享类型", "share_conditions": "共享条件", "share_scope": "共享范围",
    "legal_basis": "共享/开放依据", "open_type": "开放类型", "open_conditions": "开放条件",
    "has_personal_info": "含个人信息", "has_trade_secret": "含商业秘密", "classification": "数据分类",
    "grade": "数据分级", "update_frequency": "更新频率", "aggregation_mode": "汇聚方式",
    "no_aggregation_reason": "不能汇聚的依据", "doc_kind": "文书证照类型", "base_category": "基础信息资源类别",
    "data_format": "数据格式", "keywords": "关键词",
}


def entry_snapshot(entry: CatalogEntry) -> dict[str, Any]:
    """A readable, JSON-ready picture of the entry with its active items and interfaces (stored per version)."""
    data: dict[str, Any] = {}
    for field in SNAPSHOT_LABELS:
        value = getattr(entry, field)
        display = getattr(entry, f"get_{field}_display", None)
        if display is not None:
            value = display()
        elif hasattr(value, "pk"):
            value = str(value)
        data[field] = "" if value is None else value
    data["items"] = [
        {"name": i.name, "data_type": i.get_data_type_display(), "description": i.description,
         "is_personal_info": i.is_personal_info, "element": i.element.code if i.element_id else ""}
        for i in DataItem.objects.filter(entry=entry, retired_at__isnull=True).select_related("element")]
    data["interfaces"] = [
        {"name": i.name, "kind": i.get_kind_display(), "endpoint": i.endpoint, "spec": i.spec,
         "call_instructions": i.call_instructions}
        for i in ServiceInterface.objects.filter(entry=entry, retired_at__isnull=True)]
    return data


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    old: Any
    new: Any


def version_diff(old: dict[str, Any], new: dict[str, Any]) -> list[FieldChange]:
    """Field-by-field differences between two snapshots (items and interfaces compared by name)."""
    changes: list[FieldChange] = []
    for field, label in SNAPSHOT_LABELS.items():
        if old.get(field) != new.get(field):
            changes.append(FieldChange(field, label, old.get(field), new.get(field)))
    for key, label in (("items", "信息项"), ("interfaces", "服务接口")):
        before = {i["name"]: i for i in old.get(key, [])}
        after = {i["name"]: i for i in new.get(key, [])}
        for name in after.keys() - before.keys():
            changes.append(FieldChange(f"{key}:{name}", f"{label}“{name}”", None, "新增"))
        for name in before.keys() - after.keys():
            changes.append(FieldChange(f"{key}:{name}", f"{label}“{name}”", "删除", None))
        for name in sorted(before.keys() & after.keys()):
            for sub, value in after[name].items():
                if before[name].get(sub) != value:
                    changes.append(FieldChange(f"{key}:{name}.{sub}", f"{label}“{name}”.{sub}",
                                               before[name].get(sub), value))
    return changes


def entry_version_diff(*, entry: CatalogEntry, old_number: int, new_number: int | None = None) -> list[FieldChange]:
    """What changed between two published versions (``new_number=None`` compares with the current working copy)."""
    versions = {v.number: v.snapshot for v in CatalogVersion.objects.filter(entry=entry)}
    if old_number not in versions or (new_number is not None and new_number not in versions):
        raise ValidationError("指定的版本不存在。")
    new = versions[new_number] if new_number is not None else entry_snapshot(entry)
    return version_diff(versions[old_number], new)
