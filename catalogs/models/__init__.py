"""政务数据资源目录 models: catalog entries and their data items, interfaces, versions, collection and corrections."""

from catalogs.models.entries import (
    AggregationMode,
    BaseCategory,
    CatalogEntry,
    CatalogLevel,
    CatalogVersion,
    Classification,
    DataElement,
    DataItem,
    DataType,
    DocKind,
    EntryStatus,
    Grade,
    InterfaceKind,
    InterfaceOrigin,
    OpenType,
    ServiceInterface,
    ShareType,
    UpdateFrequency,
)

__all__ = [
    "AggregationMode", "BaseCategory", "CatalogEntry", "CatalogLevel", "CatalogVersion", "Classification",
    "DataElement", "DataItem", "DataType", "DocKind", "EntryStatus", "Grade", "InterfaceKind", "InterfaceOrigin",
    "OpenType", "ServiceInterface", "ShareType", "UpdateFrequency",
]
