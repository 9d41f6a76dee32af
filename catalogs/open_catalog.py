"""Read paths of the public open-data catalog pages (selectors): facet counts of the search filters, the organisation
(数源单位) pages and the public change log of an entry.

Everything starts from ``selectors.entry_list_open`` (published, not 不予开放, no state secret, no undesensitised
personal data), so no page built on these functions can show anything else. Each facet is one aggregate query; the
organisation index and page are a fixed number of queries whatever the number of entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from catalogs.models import CatalogEntry, CatalogVersion, OpenType
from catalogs.selectors import entry_list_open, open_entry_search
from portal.models import Organization

# search-form field → entry field grouped for its facet
FACETS = {"open_type": "open_type", "share_type": "share_type", "unit": "source_unit_id",
          "classification": "classification_id", "frequency": "update_frequency"}


def open_entry_facets(*, filters: dict[str, Any] | None = None) -> dict[str, dict[Any, int]]:
    """Per filter of the public search: option value → number of open entries matching the other filters and the
    keyword (what choosing that option would list). One ``GROUP BY`` query per facet."""
    data = dict(filters or {})
    out: dict[str, dict[Any, int]] = {}
    for name, field in FACETS.items():
        others = {k: v for k, v in data.items() if k != name}
        rows = open_entry_search(filters=others).order_by().values(field).annotate(n=Count("pk"))
        out[name] = {r[field]: r["n"] for r in rows if r[field] is not None}
    return out


# ------------------------------------------------------------------------------------------ organisations
def _unit_counts(qs: QuerySet[CatalogEntry]) -> QuerySet[Any]:
    return (qs.order_by().values("source_unit_id", "source_unit__code", "source_unit__name", "source_unit__path")
            .annotate(total=Count("pk"), open=Count("pk", filter=Q(open_type=OpenType.OPEN)),
                      authorized=Count("pk", filter=Q(open_type=OpenType.AUTHORIZED))))


@dataclass(frozen=True)
class OpenOrganization:
    pk: int
    code: str
    name: str
    total: int
    open: int
    authorized: int


def _org(row: dict[str, Any]) -> OpenOrganization:
    return OpenOrganization(row["source_unit_id"], row["source_unit__code"], row["source_unit__name"], row["total"],
                            row["open"], row["authorized"])


def open_organization_list() -> list[OpenOrganization]:
    """数源单位 that publish open data, with their numbers of open entries (普遍开放 / 授权开放); one query."""
    return [_org(r) for r in _unit_counts(entry_list_open()).order_by("source_unit__path")]


def open_organization_get(code: str) -> tuple[Organization, OpenOrganization] | None:
    """A unit with at least one open entry and its counts (None otherwise: units without open data have no page)."""
    unit = Organization.objects.filter(code=code, retired_at__isnull=True).first()
    if unit is None:
        return None
    row = _unit_counts(entry_list_open().filter(source_unit=unit)).order_by("source_unit_id").first()
    return (unit, _org(row)) if row else None


def open_organization_frequencies(unit: Organization) -> list[tuple[str, int]]:
    """(更新频率 label, number of the unit's open entries) — one query."""
    from catalogs.models import UpdateFrequency

    labels = dict(UpdateFrequency.choices)
    rows = (entry_list_open().filter(source_unit=unit).order_by().values("update_frequency")
            .annotate(n=Count("pk")).order_by("update_frequency"))
    return [(str(labels.get(r["update_frequency"], r["update_frequency"])), r["n"]) for r in rows]


# ------------------------------------------------------------------------------------------ public change log
# What the public entry page shows, and only that: share conditions, legal basis, grades, endpoints and specs of
# interfaces stay internal (they are in the staff diff, not here).
PUBLIC_FIELDS = {
    "title": "资源名称", "description": "资源摘要", "source_unit": "数源单位", "open_type": "开放类型",
    "open_conditions": "开放条件", "update_frequency": "更新频率", "data_format": "数据格式", "classification": "数据分类",
    "keywords": "关键词",
}
PUBLIC_ITEM_FIELDS = {"name": "名称", "data_type": "数据类型", "description": "说明", "is_personal_info": "个人信息"}
PUBLIC_INTERFACE_FIELDS = {"name": "名称", "kind": "接口类型", "call_instructions": "调用说明"}
PARTS = (("items", "信息项", PUBLIC_ITEM_FIELDS), ("interfaces", "服务接口", PUBLIC_INTERFACE_FIELDS))
CLOSED_LABEL = str(OpenType.CLOSED.label)


@dataclass(frozen=True)
class PublicChange:
    kind: str  # "changed" | "added" | "removed"
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class PublicVersion:
    number: int
    published_at: datetime
    is_first_open: bool
    changes: list[PublicChange]


def _shown(value: Any) -> str:
    if value is None or value == "":
        return "（空）"
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def public_changes(old: dict[str, Any], new: dict[str, Any]) -> list[PublicChange]:
    """What changed between two published snapshots, limited to what the public page shows: fields, then items and
    interfaces (matched by name) added, removed or changed."""
    changes = [PublicChange("changed", label, _shown(old.get(key)), _shown(new.get(key)))
               for key, label in PUBLIC_FIELDS.items() if old.get(key) != new.get(key)]
    for key, label, sub_labels in PARTS:
        before = {str(i.get("name")): i for i in old.get(key) or []}
        after = {str(i.get("name")): i for i in new.get(key) or []}
        changes += [PublicChange("added", f"{label}“{name}”", "", "") for name in after if name not in before]
        changes += [PublicChange("removed", f"{label}“{name}”", "", "") for name in before if name not in after]
        for name in (n for n in after if n in before):
            changes += [PublicChange("changed", f"{label}“{name}”的{sub_label}", _shown(before[name].get(sub)),
                                     _shown(after[name].get(sub)))
                        for sub, sub_label in sub_labels.items() if before[name].get(sub) != after[name].get(sub)]
    return changes


def open_entry_changelog(entry: CatalogEntry) -> list[PublicVersion]:
    """The public change log of an open entry, newest first: each published version that was open data (a version
    published as 不予开放 is never shown, nor compared with), with what changed since the previous open one."""
    versions = CatalogVersion.objects.filter(entry=entry).order_by("number").only("number", "published_at",
                                                                                  "snapshot")
    out: list[PublicVersion] = []
    previous: dict[str, Any] | None = None
    for version in versions:
        snapshot = version.snapshot or {}
        if snapshot.get("open_type") == CLOSED_LABEL:
            continue
        changes = public_changes(previous, snapshot) if previous is not None else []
        out.append(PublicVersion(version.number, version.published_at, previous is None, changes))
        previous = snapshot
    return list(reversed(out))
