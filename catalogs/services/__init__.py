"""Write services of 政务数据资源目录 (one door for admin, API, commands and tasks)."""

from catalogs.services.collection import (
    collection_reminders_send,
    collection_submit,
    collection_tasks_generate,
    collection_tasks_mark_overdue,
)
from catalogs.services.desensitisation import desensitisation_record, desensitisation_retire
from catalogs.services.entries import (
    entry_available_transitions,
    entry_create,
    entry_snapshot,
    entry_transition,
    entry_update,
    entry_version_diff,
    version_diff,
)
from catalogs.services.imports import IMPORT_COLUMNS, import_catalog
from catalogs.services.issues import (
    correction_complete,
    correction_decide,
    correction_dispatch,
    correction_report,
    interface_request_create,
    interface_request_deliver,
    interface_request_extension_decide,
    interface_request_extension_request,
    interface_request_rewrap,
    interface_requests_mark_overdue,
)
from catalogs.services.quality import compute_quality, entry_quality_refresh

__all__ = [
    "IMPORT_COLUMNS", "collection_reminders_send", "collection_submit", "collection_tasks_generate",
    "collection_tasks_mark_overdue", "compute_quality", "correction_complete", "correction_decide",
    "correction_dispatch", "correction_report", "desensitisation_record", "desensitisation_retire", "entry_available_transitions", "entry_create",
    "entry_quality_refresh", "entry_snapshot", "entry_transition", "entry_update", "entry_version_diff",
    "import_catalog", "interface_request_create", "interface_request_deliver", "interface_request_extension_decide",
    "interface_request_extension_request", "interface_request_rewrap", "interface_requests_mark_overdue", "version_diff",
]
