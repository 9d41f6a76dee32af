"""政务数据资源目录 models: catalog entries and their data items, interfaces, versions, collection and corrections."""

from catalogs.models.collection import (
    CollectionFrequency,
    CollectionItem,
    CollectionSubmission,
    CollectionTask,
    DeadlineRule,
    InitialBasis,
    PayloadKind,
    SubmissionChannel,
    TaskStatus,
)
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
    Desensitisation,
    DesensitisationMethod,
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
from catalogs.models.issues import CorrectionStatus, DataCorrection, InterfaceRequest, InterfaceRequestStatus

__all__ = [
    "AggregationMode", "BaseCategory", "CatalogEntry", "CatalogLevel", "CatalogVersion", "Classification",
    "CollectionFrequency", "CollectionItem", "CollectionSubmission", "CollectionTask", "CorrectionStatus",
    "DataCorrection", "DataElement", "DataItem", "DataType", "Desensitisation", "DesensitisationMethod", "DeadlineRule", "DocKind", "EntryStatus", "Grade",
    "InitialBasis", "InterfaceKind", "InterfaceOrigin", "InterfaceRequest", "InterfaceRequestStatus", "OpenType",
    "PayloadKind", "ServiceInterface", "ShareType", "SubmissionChannel", "TaskStatus", "UpdateFrequency",
]
