"""Admin for 数据共享与开放 (registered on import)."""

from sharing.admin import applications, records
from sharing.admin.records import DataUseRecordAdmin

__all__ = ["DataUseRecordAdmin", "applications", "records"]
