"""Admin of 政务数据资源目录 (one module per area; importing registers the ModelAdmins)."""

from catalogs.admin import collection, entries, issues

__all__ = ["collection", "entries", "issues"]
