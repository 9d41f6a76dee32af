"""Read paths of 政务数据资源目录 (other apps use entry_list_visible / entry_list_open)."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from catalogs.models import CatalogEntry, EntryStatus, OpenType
from portal.permissions import user_scope
from portal.roles import Role


def _entry_base() -> QuerySet[CatalogEntry]:
    return CatalogEntry.objects.select_related("source_unit", "classification", "grade")


OPEN_Q = Q(status=EntryStatus.PUBLISHED, is_state_secret=False) & ~Q(open_type=OpenType.CLOSED)


def entry_list_open() -> QuerySet[CatalogEntry]:
    """The open catalog: published entries whose open type is not 不予开放 (public, applicants, CKAN, DCAT)."""
    return _entry_base().open_part()


def entry_visibility_q(user: Any) -> Q | None:
    """Q of the entries ``user`` may see (None = everything); open-only for applicants and anonymous users."""
    scope = user_scope(user)
    if scope.is_superuser or scope.is_city_wide:
        return None
    if not scope.is_staff_member:
        return OPEN_Q
    q = Q(status=EntryStatus.PUBLISHED) | Q(source_unit_id__in=scope.unit_ids)
    if scope.has_role(Role.COUNTY_AUTHORITY):
        q |= scope.county_q("source_unit__path")
    return q


def entry_list_visible(user: Any) -> QuerySet[CatalogEntry]:
    """Entries the user may list: published ones for every government user, plus their own unit's in any state;
    authorities see their jurisdiction; applicants and anonymous users see only the open catalog.

    暂不共享 entries of other units are listed but only title and source unit may be shown (可用不可见):
    use ``catalogs.permissions.can_view_details`` before showing details.
    """
    if user is None or not getattr(user, "is_authenticated", False):
        return entry_list_open()
    q = entry_visibility_q(user)
    qs = _entry_base()
    return qs if q is None else qs.filter(q)
