"""Import catalog entries from .xlsx, all-or-nothing (command ``import_catalog`` and the admin upload page)."""

from __future__ import annotations

from typing import IO, Any

from catalogs.models import (
    AggregationMode,
    BaseCategory,
    CatalogEntry,
    DataType,
    DocKind,
    OpenType,
    ShareType,
    UpdateFrequency,
)
from catalogs.services.entries import entry_create
from portal.models import Organization
from portal.xlsx import Column, RowError, XlsxImportError, import_all_or_nothing, read_rows


def _choices(enum: Any) -> dict[str, str]:
    out = {label: value for value, label in enum.choices}
    out.update({value: value for value, _ in enum.choices})
    return out


IMPORT_COLUMNS = [
    Column("目录编码", "code", required=True, max_length=64),
    Column("资源名称", "title", required=True, max_length=200),
    Column("资源摘要", "description"),
    Column("共享类型", "share_type", kind="choice", required=True, choices=_choices(ShareType)),
    Column("共享条件", "share_conditions"),
    Column("共享/开放依据", "legal_basis"),
    Column("开放类型", "open_type", kind="choice", required=True, choices=_choices(OpenType)),
    Column("更新频率", "update_frequency", kind="choice", required=True, choices=_choices(UpdateFrequency)),
    Column("汇聚方式", "aggregation_mode", kind="choice", choices=_choices(AggregationMode)),
    Column("基础信息资源类别", "base_category", kind="choice",
           choices={k: v for k, v in _choices(BaseCategory).items() if k}),
    Column("文书证照类型", "doc_kind", kind="choice", choices={k: v for k, v in _choices(DocKind).items() if k}),
    Column("含个人信息", "has_personal_info", kind="bool"),
    Column("含商业秘密", "has_trade_secret", kind="bool"),
    Column("涉及国家秘密", "is_state_secret", kind="bool"),
    Column("数据格式", "data_format", max_length=60),
    Column("关键词", "keywords", max_length=200),
    Column("信息项", "items", required=True, max_length=4000),
]
ITEM_SEPARATORS = ("|", "、", "；", ";", "\n")


def _split_items(text: str) -> list[dict[str, Any]]:
    for sep in ITEM_SEPARATORS[1:]:
        text = text.replace(sep, "|")
    return [{"name": n.strip(), "data_type": DataType.STRING} for n in text.split("|") if n.strip()]


def import_catalog(fileobj: IO[bytes], *, unit: Organization, acting_user: Any = None) -> list[CatalogEntry]:
    """Create one draft entry per row for ``unit``; any bad row → nothing written, XlsxImportError lists every one.

    ``acting_user=None`` is the operator's command line (trusted); from the admin the user's own unit rights apply.
    """
    rows = read_rows(fileobj, IMPORT_COLUMNS)

    def write(row: dict[str, Any]) -> CatalogEntry:
        fields = {k: v for k, v in row.items() if k not in {"_row", "code", "title", "items"} and v is not None}
        return entry_create(source_unit=unit, code=row["code"], title=row["title"], acting_user=acting_user,
                            items=_split_items(row["items"]), **fields)

    try:
        return import_all_or_nothing(rows, write)
    except XlsxImportError as exc:  # name the spreadsheet column, not the model field
        headers = {c.key: c.header for c in IMPORT_COLUMNS}
        headers.update({"is_state_secret": "涉及国家秘密", "items": "信息项"})
        raise XlsxImportError([RowError(e.row, headers.get(e.column, e.column), e.message)
                               for e in exc.errors]) from None
