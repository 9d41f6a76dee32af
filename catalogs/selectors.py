"""Read paths of 政务数据资源目录 (other apps use entry_list_visible / entry_list_open)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet

from catalogs.filters import CorrectionFilter, EntryFilter, InterfaceRequestFilter, SubmissionFilter, TaskFilter
from catalogs.models import (
    CatalogEntry,
    CatalogVersion,
    CollectionSubmission,
    CollectionTask,
    DataCorrection,
    DataItem,
    Desensitisation,
    EntryStatus,
    InterfaceRequest,
    ServiceInterface,
)
from catalogs.models.entries import CatalogEntryQuerySet, open_catalog_q
from portal.permissions import user_scope
from portal.roles import Role


def _entry_base() -> CatalogEntryQuerySet:
    return CatalogEntry.objects.select_related("source_unit", "classification", "grade")


REPUBLISHED_STATES = (EntryStatus.REVISING, EntryStatus.SUBMITTED, EntryStatus.RETURNED)
OPEN_Q = open_catalog_q()


def entry_list_open() -> QuerySet[CatalogEntry]:
    """The open catalog: published entries whose open type is not 不予开放 (public, applicants, CKAN, DCAT)."""
    return _entry_base().open_part()


def open_entry_search(*, filters: dict[str, Any] | None = None) -> QuerySet[CatalogEntry]:
    """The open catalog narrowed by the public search form's cleaned data (``q``, ``open_type``, ``share_type``,
    ``unit``, ``classification``, ``frequency``), ordered by code."""
    qs = entry_list_open()
    data = filters or {}
    if data.get("q"):
        term = data["q"].strip()
        qs = qs.filter(Q(title__icontains=term) | Q(description__icontains=term)
                       | Q(keywords__icontains=term) | Q(code__icontains=term))
    if data.get("open_type"):
        qs = qs.filter(open_type=data["open_type"])
    if data.get("share_type"):
        qs = qs.filter(share_type=data["share_type"])
    if data.get("unit"):
        qs = qs.filter(source_unit=data["unit"])
    if data.get("classification"):
        qs = qs.filter(classification=data["classification"])
    if data.get("frequency"):
        qs = qs.filter(update_frequency=data["frequency"])
    return qs.order_by("code")


def open_entry_get(code: str) -> CatalogEntry | None:
    """One entry of the open catalog with its active items and interfaces (None when absent or not open)."""
    records = Prefetch("desensitisations", queryset=Desensitisation.objects.filter(retired_at__isnull=True),
                       to_attr="active_desensitisations")
    items = DataItem.objects.filter(retired_at__isnull=True).prefetch_related(records)
    return (entry_list_open().filter(code=code)
            .prefetch_related(Prefetch("items", queryset=items),
                              Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True)))
            .first())


def entry_visibility_q(user: Any) -> Q | None:
    """Q of the entries ``user`` may see (None = everything); open-only for applicants and anonymous users."""
    scope = user_scope(user)
    if scope.is_superuser or scope.is_city_wide:
        return None
    if not scope.is_staff_member:
        return OPEN_Q
    # published entries, and entries under revision that were published before, are visible to every government user
    q = (Q(status=EntryStatus.PUBLISHED) | Q(version__gte=1, status__in=REPUBLISHED_STATES)
         | Q(source_unit_id__in=scope.unit_ids))
    if scope.has_role(Role.COUNTY_AUTHORITY):
        q |= scope.county_units_q("source_unit_id")  # a semi-join, not a join in the OR (docs/adr/0015)
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


def _filtered(qs: QuerySet[Any], filterset: Any, filters: Any) -> QuerySet[Any]:
    """``qs`` narrowed by ``filterset`` over ``filters`` (query parameters); invalid values are refused."""
    if not filters:
        return qs
    fs = filterset(filters, queryset=qs)
    if not fs.is_valid():
        raise ValidationError(fs.errors)
    return fs.qs


def entry_list(*, user: Any, filters: Any = None) -> QuerySet[CatalogEntry]:
    """The entries ``user`` may list (see ``entry_list_visible``) with their active items and interfaces, narrowed by
    ``EntryFilter`` over ``filters``: the one read of the admin changelist and the API."""
    qs = entry_list_visible(user).prefetch_related(
        Prefetch("items", queryset=DataItem.objects.filter(retired_at__isnull=True)),
        Prefetch("interfaces", queryset=ServiceInterface.objects.filter(retired_at__isnull=True)))
    return _filtered(qs, EntryFilter, filters)


def version_list(*, user: Any, filters: Any = None) -> QuerySet[CatalogVersion]:
    """Published versions of the entries ``user`` may see."""
    from catalogs.permissions import CatalogEntryPolicy

    visible = CatalogEntryPolicy().scope(user, CatalogEntry.objects.all())
    return CatalogVersion.objects.filter(entry__in=visible).select_related("entry", "published_by")


def correction_list(*, user: Any, filters: Any = None) -> QuerySet[DataCorrection]:
    """Corrections ``user`` may see (reporting and source units, their county authority, city-wide roles, tech)."""
    from catalogs.permissions import DataCorrectionPolicy

    qs = DataCorrectionPolicy().scope(user, DataCorrection.objects.select_related("entry", "source_unit",
                                                                                 "reporter_unit"))
    return _filtered(qs, CorrectionFilter, filters)


def interface_request_list(*, user: Any, filters: Any = None) -> QuerySet[InterfaceRequest]:
    """Interface requests ``user`` may see (the producer unit, its county authority, city-wide roles, tech)."""
    from catalogs.permissions import InterfaceRequestPolicy

    qs = InterfaceRequestPolicy().scope(user, InterfaceRequest.objects.select_related("producer_unit", "entry"))
    return _filtered(qs, InterfaceRequestFilter, filters)


def task_list(*, user: Any, filters: Any = None) -> QuerySet[CollectionTask]:
    """Collection tasks ``user`` may see."""
    from catalogs.permissions import CollectionTaskPolicy

    qs = CollectionTaskPolicy().scope(user, CollectionTask.objects.select_related("item", "unit"))
    return _filtered(qs, TaskFilter, filters)


def submission_list(*, user: Any, filters: Any = None) -> QuerySet[CollectionSubmission]:
    """Collection submissions ``user`` may see."""
    from catalogs.permissions import CollectionSubmissionPolicy

    qs = CollectionSubmissionPolicy().scope(user, CollectionSubmission.objects.select_related("task__unit"))
    return _filtered(qs, SubmissionFilter, filters)


def entry_get_visible(user: Any, pk: int) -> CatalogEntry:
    """One entry the user may see (404-style DoesNotExist otherwise)."""
    return entry_list_visible(user).get(pk=pk)


def unit_members(unit_id: int, role: str = Role.UNIT_DATA_ADMIN) -> list[Any]:
    """Active members of unit ``unit_id`` in ``role`` (recipients of the unit's notifications)."""
    from portal.models import Membership

    return [m.user for m in Membership.objects.filter(organization_id=unit_id, role=role,
                                                       retired_at__isnull=True).select_related("user")]


def unit_members_by_unit(unit_ids: set[int], role: str = Role.UNIT_DATA_ADMIN) -> dict[int, list[Any]]:
    """``unit_members`` of many units in one query (the set-based sweeps, docs/adr/0017)."""
    from portal.models import Membership

    found: dict[int, list[Any]] = {u: [] for u in unit_ids}
    for m in (Membership.objects.filter(organization_id__in=unit_ids, role=role, retired_at__isnull=True)
              .select_related("user").order_by("pk")):
        found[m.organization_id].append(m.user)
    return found


def tech_operators() -> list[Any]:
    """Active members of the technical service unit (recipients of the re-wrap notices)."""
    from portal.models import Membership

    return [m.user for m in Membership.objects.filter(role=Role.TECH_OPERATOR, retired_at__isnull=True)
            .select_related("user")]


def authority_users(unit: Any) -> list[Any]:
    """The city data authority's members and, for a county unit, its county authority's members (recipients)."""
    from portal.models import Membership

    users = [m.user for m in Membership.objects.filter(retired_at__isnull=True, role=Role.CITY_AUTHORITY)
             .select_related("user")]
    county = unit.county
    if county is not None:
        users += [m.user for m in Membership.objects.filter(
            retired_at__isnull=True, role=Role.COUNTY_AUTHORITY,
            organization__path__startswith=county.path).select_related("user")]
    return users


def task_overdue_board(*, units: QuerySet[Any] | None = None) -> list[dict[str, Any]]:
    """Per unit: overdue collection tasks, late submissions, overdue correction steps and overdue (undelivered)
    interface requests (one query each)."""
    from django.db.models import Count
    from django.db.models import Q as _Q

    from catalogs.models import CollectionTask, TaskStatus

    tasks = CollectionTask.objects.all()
    if units is not None:
        tasks = tasks.filter(unit__in=units)
    rows = {r["unit_id"]: {"unit_id": r["unit_id"], "unit": r["unit__name"], "overdue": r["overdue"],
                           "late_submitted": r["late"], "corrections_overdue": 0, "interface_requests_overdue": 0}
            for r in tasks.values("unit_id", "unit__name").annotate(
                overdue=Count("pk", filter=_Q(status=TaskStatus.OVERDUE)),
                late=Count("pk", filter=_Q(status=TaskStatus.LATE_SUBMITTED)))}
    for unit_id, name, count in correction_overdue_counts(units=units):
        _board_row(rows, unit_id, name)["corrections_overdue"] = count
    for unit_id, name, count in interface_request_overdue_counts(units=units):
        _board_row(rows, unit_id, name)["interface_requests_overdue"] = count
    return sorted((r for r in rows.values() if r["overdue"] or r["late_submitted"] or r["corrections_overdue"]
                   or r["interface_requests_overdue"]),
                  key=lambda r: (-r["overdue"], -r["corrections_overdue"], -r["interface_requests_overdue"], r["unit"]))


def _board_row(rows: dict[int, dict[str, Any]], unit_id: int, name: str) -> dict[str, Any]:
    return rows.setdefault(unit_id, {"unit_id": unit_id, "unit": name, "overdue": 0, "late_submitted": 0,
                                     "corrections_overdue": 0, "interface_requests_overdue": 0})


def interface_request_overdue_counts(*, units: QuerySet[Any] | None = None) -> list[tuple[int, str, int]]:
    """(producer unit id, name, number of interface requests flagged overdue and still undelivered) per unit."""
    from django.db.models import Count

    from catalogs.models import InterfaceRequest

    qs = InterfaceRequest.objects.filter(is_overdue=True)
    if units is not None:
        qs = qs.filter(producer_unit__in=units)
    return [(r["producer_unit_id"], r["producer_unit__name"], r["n"]) for r in
            qs.values("producer_unit_id", "producer_unit__name").annotate(n=Count("pk")).order_by()]


def correction_overdue_q(today: Any = None) -> Q:
    """Corrections whose current step is past its working-day due date."""
    from django.utils import timezone

    from catalogs.models import CorrectionStatus

    today = today or timezone.localdate()
    return (Q(status=CorrectionStatus.REPORTED, analysis_due_on__lt=today)
            | Q(status=CorrectionStatus.DISPATCHED, decide_due_on__lt=today)
            | Q(status=CorrectionStatus.CORRECTING, correct_due_on__lt=today))


def correction_overdue_counts(today: Any = None, *, units: QuerySet[Any] | None = None) -> list[tuple[int, str, int]]:
    """(unit id, unit name, number of overdue or late correction steps) per source unit (of ``units`` if given)."""
    from django.db.models import Count

    from catalogs.models import CorrectionStatus, DataCorrection

    # the analysis step is the tech service unit's, not the source unit's (docs/adr/0103)
    late = Q(is_decision_late=True) | Q(is_correction_late=True) | (
        correction_overdue_q(today) & ~Q(status=CorrectionStatus.REPORTED))
    qs = DataCorrection.objects.filter(late)
    if units is not None:
        qs = qs.filter(source_unit__in=units)
    return [(r["source_unit_id"], r["source_unit__name"], r["n"]) for r in
            qs.values("source_unit_id", "source_unit__name").annotate(n=Count("pk"))]


def on_time_rate(*, year: int, units: QuerySet[Any] | None = None) -> list[dict[str, Any]]:
    """Per unit for tasks due in ``year`` that are no longer pending: on time / due, as a percentage."""
    from django.db.models import Count
    from django.db.models import Q as _Q

    from catalogs.models import CollectionTask, TaskStatus

    qs = CollectionTask.objects.filter(due_on__year=year).exclude(status=TaskStatus.PENDING)
    if units is not None:
        qs = qs.filter(unit__in=units)
    out = []
    for r in qs.values("unit_id", "unit__name").annotate(
            due=Count("pk"), on_time=Count("pk", filter=_Q(status=TaskStatus.SUBMITTED))).order_by("unit__name"):
        out.append({"unit_id": r["unit_id"], "unit": r["unit__name"], "due": r["due"], "on_time": r["on_time"],
                    "rate": round(100 * r["on_time"] / r["due"], 1) if r["due"] else None})
    return out
