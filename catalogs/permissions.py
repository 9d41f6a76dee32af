"""Permission rules for 政务数据资源目录: can_<action>(user, obj) -> Decision, policies, role model permissions."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from catalogs.models import CatalogEntry, CatalogLevel, EntryStatus, ShareType
from portal.files import PrivateFile
from portal.models import Organization
from portal.permissions import ALLOW, NOT_LOGGED_IN, AnyUser, Decision, Policy, deny, units_for, user_scope
from portal.roles import Role

EDITABLE_STATES = (EntryStatus.DRAFT, EntryStatus.RETURNED, EntryStatus.REVISING)


def _is_unit_admin(user: AnyUser, unit_id: int) -> bool:
    """A data administrator of unit ``unit_id`` (or the superuser)."""
    if user is None or not user.is_authenticated:
        return False
    return bool(user.is_superuser) or unit_id in units_for(user, Role.UNIT_DATA_ADMIN)


def own_unit_ids(user: AnyUser) -> frozenset[int]:
    """The units ``user`` belongs to (any role): what a list's “本单位” choice narrows to."""
    return user_scope(user).unit_ids


def defaults_to_own_unit(user: AnyUser) -> bool:
    """Lists open on “本单位” for a unit's staff; city-wide roles and county authorities open on all they may see."""
    scope = user_scope(user)
    return bool(scope.unit_ids) and not scope.is_city_wide and not scope.has_role(Role.COUNTY_AUTHORITY)


def admin_units(user: AnyUser) -> QuerySet[Organization]:
    """The units whose catalog ``user`` may compile (data administrator; the superuser: every unit)."""
    if user is not None and user.is_authenticated and user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(pk__in=units_for(user, Role.UNIT_DATA_ADMIN))


def reporting_unit(user: AnyUser, unit: Any = None) -> Any:
    """The unit in whose name ``user`` reports problem data (``unit`` if given and allowed; else the first of its
    units); refusals raise ``PermissionDenied`` with the reason."""
    from django.core.exceptions import PermissionDenied

    scope = user_scope(user)
    if unit is None:
        unit = Organization.objects.filter(pk__in=scope.unit_ids).order_by("pk").first()
    elif unit.pk not in scope.unit_ids and not scope.is_superuser:
        raise PermissionDenied("只能以本单位名义报告问题数据。")
    if unit is None:
        raise PermissionDenied("只有政务单位用户可以报告问题数据。")
    return unit


def _source_admin(user: AnyUser, entry: CatalogEntry) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if _is_unit_admin(user, entry.source_unit_id):
        return ALLOW
    return deny(f"只有数源单位“{entry.source_unit}”的数据管理员可以执行此操作。")


def can_submit_entry(user: AnyUser, entry: CatalogEntry) -> Decision:
    """提交审核: the source unit's data administrator."""
    return _source_admin(user, entry)


def can_revise_entry(user: AnyUser, entry: CatalogEntry) -> Decision:
    """发起修订 of a published entry: the source unit's data administrator."""
    return _source_admin(user, entry)


def can_request_retire(user: AnyUser, entry: CatalogEntry) -> Decision:
    """申请停用: the source unit's data administrator."""
    return _source_admin(user, entry)


def is_entry_authority(user: AnyUser, entry: CatalogEntry) -> bool:
    """The approving authority: city data authority for city entries, the county's authority for county entries."""
    scope = user_scope(user)
    if scope.is_superuser:
        return True
    if entry.level == CatalogLevel.CITY:
        return scope.has_role(Role.CITY_AUTHORITY)
    return scope.has_role(Role.COUNTY_AUTHORITY) and any(
        entry.source_unit.path.startswith(p) for p in scope.county_paths)


def can_add_entry(user: AnyUser, unit: Any) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if _is_unit_admin(user, unit.pk):
        return ALLOW
    return deny(f"只有“{unit}”的数据管理员可以为本单位编制目录。")


def can_edit_entry(user: AnyUser, entry: CatalogEntry) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if not _is_unit_admin(user, entry.source_unit_id):
        return deny(f"只有数源单位“{entry.source_unit}”的数据管理员可以修改该目录。")
    if entry.status not in EDITABLE_STATES:
        return deny(f"目录处于“{entry.get_status_display()}”状态，不能修改；已发布的目录请先“发起修订”。")
    return ALLOW


def can_record_desensitisation(user: AnyUser, entry: CatalogEntry) -> Decision:
    """脱敏处理记录 are kept by the source unit's data administrators while the entry is editable (before opening)."""
    decision = can_edit_entry(user, entry)
    if not decision and user.is_authenticated and _is_unit_admin(user, entry.source_unit_id):
        return deny(f"目录处于“{entry.get_status_display()}”状态，不能登记脱敏处理记录；已发布的目录请先“发起修订”。")
    return decision


def can_review_entry(user: AnyUser, entry: CatalogEntry) -> Decision:
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if is_entry_authority(user, entry):
        return ALLOW
    who = "市数据管理机构" if entry.level == CatalogLevel.CITY else "所在县（市、区）数据管理机构"
    return deny(f"只有{who}可以审核该目录。")


def is_staff_reader(user: AnyUser) -> bool:
    """Government staff (or the superuser): may read version differences and other internal detail."""
    return bool(user.is_authenticated and (user.is_superuser or user_scope(user).is_staff_member))


def can_view_details(user: AnyUser, entry: CatalogEntry) -> Decision:
    """可用不可见: for 暂不共享 entries others see only the title and source unit."""
    if entry.share_type != ShareType.NOT_SHARED:
        return ALLOW
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY, Role.AUDITOR, Role.TECH_OPERATOR):
        return ALLOW
    if entry.source_unit_id in scope.unit_ids:
        return ALLOW
    if scope.county_paths and any(entry.source_unit.path.startswith(p) for p in scope.county_paths):
        return ALLOW
    return deny("该目录为“暂不共享”，仅显示资源名称和数源单位（可用不可见）。")


def can_report_correction(user: AnyUser, entry: CatalogEntry) -> Decision:
    scope = user_scope(user)
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if not scope.is_staff_member or not scope.unit_ids:
        return deny("只有政务单位用户可以报告问题数据。")
    if entry.status != EntryStatus.PUBLISHED:
        return deny("只能对已发布的目录报告问题数据。")
    return ALLOW


def can_dispatch_correction(user: AnyUser, correction: Any) -> Decision:
    if user is not None and user.is_authenticated and user_scope(user).has_role(Role.TECH_OPERATOR):
        return ALLOW
    return deny("只有技术服务单位可以分析并分派纠错。")


def can_decide_correction(user: AnyUser, correction: Any) -> Decision:
    if _is_unit_admin(user, correction.source_unit_id):
        return ALLOW
    return deny(f"只有数源单位“{correction.source_unit}”的数据管理员可以核实和更正。")


def can_complete_correction(user: AnyUser, correction: Any) -> Decision:
    """更正完成: the source unit's data administrator (the one who decided)."""
    return can_decide_correction(user, correction)


def can_request_interface(user: AnyUser, unit: Any = None) -> Decision:
    """The data authority over ``unit`` (city authority: any unit; county authority: units of its county)."""
    if user is None or not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY):
        return ALLOW
    if scope.has_role(Role.COUNTY_AUTHORITY) and (
            unit is None or any(unit.path.startswith(p) for p in scope.county_paths)):
        return ALLOW
    if scope.has_role(Role.COUNTY_AUTHORITY):
        return deny(f"“{unit}”不在本县（市、区）范围内，只有市数据管理机构可以向其提出接口要求或审批延期。")
    return deny("只有数据管理机构可以要求数据生产单位提供接口。")


def can_act_as_producer(user: AnyUser, interface_request: Any) -> Decision:
    if _is_unit_admin(user, interface_request.producer_unit_id):
        return ALLOW
    return deny(f"只有“{interface_request.producer_unit}”的数据管理员可以办理该接口需求。")


def can_deliver_interface(user: AnyUser, interface_request: Any) -> Decision:
    """提供接口: the producer unit's data administrator."""
    return can_act_as_producer(user, interface_request)


def can_rewrap_interface(user: AnyUser, interface_request: Any) -> Decision:
    """再封装并统一发布: the technical service unit (QZ §二(三))."""
    if user is not None and user.is_authenticated and user_scope(user).has_role(Role.TECH_OPERATOR):
        return ALLOW
    return deny("接口由技术服务单位再封装后在市汇聚共享平台统一发布，您无权执行。")


def can_request_extension(user: AnyUser, interface_request: Any) -> Decision:
    """书面申请延期: the producer unit's data administrator, once per request (QZ §二(三))."""
    decision = can_act_as_producer(user, interface_request)
    if decision and interface_request.has_extension_request:
        return deny("每项接口需求只能书面申请一次延期。")
    return decision


def can_decide_extension(user: AnyUser, interface_request: Any) -> Decision:
    """审批延期申请: the data authority over the producer unit."""
    return can_request_interface(user, interface_request.producer_unit)


def can_mark_interface_overdue(user: AnyUser, interface_request: Any) -> Decision:
    """逾期标记: the daily job (no user) or the superuser running it by hand."""
    if user is None or (user.is_authenticated and user.is_superuser):
        return ALLOW
    return deny("逾期标记由系统每日任务执行。")


def can_submit_collection(user: AnyUser, task: Any) -> Decision:
    """报送数据: the data administrator of the task's unit."""
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    if _is_unit_admin(user, task.unit_id):
        return ALLOW
    return deny(f"只有“{task.unit}”的数据管理员可以报送该采集任务。")


def can_mark_collection_overdue(user: AnyUser, task: Any) -> Decision:
    """逾期标记: the daily job (no user) or the superuser running it by hand."""
    if user is None or (user.is_authenticated and user.is_superuser):
        return ALLOW
    return deny("逾期标记由系统每日任务执行。")


def can_download_submission(user: AnyUser, submission: Any) -> Decision:
    """Submitted files: the submitting unit, the data authority over it (city, or its county) and the tech unit."""
    if not user.is_authenticated:
        return NOT_LOGGED_IN
    scope = user_scope(user)
    unit = submission.task.unit
    if scope.is_superuser or scope.has_role(Role.CITY_AUTHORITY, Role.TECH_OPERATOR) or unit.pk in scope.unit_ids:
        return ALLOW
    if scope.has_role(Role.COUNTY_AUTHORITY) and any(unit.path.startswith(p) for p in scope.county_paths):
        return ALLOW
    return deny("只有报送单位、数据管理机构和技术服务单位可以下载报送文件。")


DOWNLOADS = [PrivateFile("catalogs.CollectionSubmission", "file", can_download_submission,
                         download_name=lambda submission: submission.file_name)]

# The producer unit of each record, for the access log of reads (QZ §八(四); portal/access_log.py).
ACCESS_UNITS = {
    "catalogs.CatalogEntry": "source_unit",
    "catalogs.DataItem": "entry__source_unit",
    "catalogs.ServiceInterface": "entry__source_unit",
    "catalogs.CatalogVersion": "entry__source_unit",
    "catalogs.DataElement": "source_unit",
    "catalogs.CollectionItem": "unit",
    "catalogs.CollectionTask": "unit",
    "catalogs.CollectionSubmission": "task__unit",
    "catalogs.DataCorrection": "source_unit",
    "catalogs.InterfaceRequest": "producer_unit",
}


# --------------------------------------------------------------------------------------------- policies
class CatalogEntryPolicy(Policy):
    """Published entries for every government user; own unit's in any state; authorities their jurisdiction."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        from catalogs.selectors import entry_visibility_q

        if not user.is_authenticated:
            return qs.none()
        q = entry_visibility_q(user)
        return qs if q is None else qs.filter(q)

    def can_add(self, user: AnyUser) -> Decision:
        if user.is_authenticated and (user.is_superuser or units_for(user, Role.UNIT_DATA_ADMIN)):
            return ALLOW
        return deny("只有单位数据管理员可以编制目录。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return can_edit_entry(user, obj)


class UnitScopedPolicy(Policy):
    """Rows of a unit (``unit_field``): the unit's members, the county authority, city-wide roles and tech unit."""

    unit_field = "unit"
    extra_roles: tuple[str, ...] = (Role.TECH_OPERATOR,)

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        scope = user_scope(user)
        if not user.is_authenticated or not scope.is_staff_member:
            return qs.none()
        if scope.is_city_wide or scope.has_role(*self.extra_roles):
            return qs
        return qs.filter(self.unit_q(scope))

    def unit_q(self, scope: Any) -> Q:
        return Q(**{f"{self.unit_field}_id__in": scope.unit_ids}) | scope.county_units_q(f"{self.unit_field}_id")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return deny("请使用页面上的办理操作。")


class CollectionItemPolicy(UnitScopedPolicy):
    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.CITY_AUTHORITY, Role.COUNTY_AUTHORITY) else deny(
            "只有数据管理机构可以维护采集事项。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        decision = self.can_add(user)  # a county authority changes the items of its county only (not the city's)
        return decision if not decision else self.can_view(user, obj)


class CollectionTaskPolicy(UnitScopedPolicy):
    def can_perform(self, user: AnyUser, obj: Any, action: str) -> Decision | None:
        return can_submit_collection(user, obj) if action == "submit" else None


class CollectionSubmissionPolicy(UnitScopedPolicy):
    unit_field = "task__unit"

    def unit_q(self, scope: Any) -> Q:
        return Q(task__unit_id__in=scope.unit_ids) | scope.county_units_q("task__unit_id")


class DataCorrectionPolicy(UnitScopedPolicy):
    def unit_q(self, scope: Any) -> Q:
        return (Q(source_unit_id__in=scope.unit_ids) | Q(reporter_unit_id__in=scope.unit_ids)
                | scope.county_units_q("source_unit_id"))

    def can_add(self, user: AnyUser) -> Decision:
        scope = user_scope(user)
        return ALLOW if scope.is_staff_member and scope.unit_ids else deny("只有政务单位用户可以报告问题数据。")


class InterfaceRequestPolicy(UnitScopedPolicy):
    def unit_q(self, scope: Any) -> Q:
        return Q(producer_unit_id__in=scope.unit_ids) | scope.county_units_q("producer_unit_id")

    def can_add(self, user: AnyUser) -> Decision:
        return can_request_interface(user)



class ReferencePolicy(Policy):
    """Classification, grade, data-element registry: every staff user reads; the city authority maintains."""

    def scope(self, user: AnyUser, qs: QuerySet[Any]) -> QuerySet[Any]:
        return qs if user_scope(user).is_staff_member else qs.none()

    def can_add(self, user: AnyUser) -> Decision:
        return ALLOW if user_scope(user).has_role(Role.CITY_AUTHORITY) else deny("只有市数据管理机构可以维护。")

    def can_change(self, user: AnyUser, obj: Any) -> Decision:
        return self.can_add(user)


_VIEW_ALL = ["catalogs.view_catalogentry", "catalogs.view_dataitem", "catalogs.view_serviceinterface",
             "catalogs.view_catalogversion", "catalogs.view_classification", "catalogs.view_grade",
             "catalogs.view_dataelement", "catalogs.view_datacorrection", "catalogs.add_datacorrection"]
_COLLECTION_VIEW = ["catalogs.view_collectionitem", "catalogs.view_collectiontask", "catalogs.view_collectionsubmission",
                    "catalogs.view_interfacerequest"]
_EDIT = ["catalogs.add_catalogentry", "catalogs.change_catalogentry", "catalogs.add_dataitem",
         "catalogs.change_dataitem", "catalogs.add_serviceinterface", "catalogs.change_serviceinterface"]
_AUTHORITY = [*_VIEW_ALL, *_COLLECTION_VIEW, "catalogs.change_catalogentry", "catalogs.add_collectionitem",
              "catalogs.change_collectionitem", "catalogs.add_interfacerequest", "catalogs.change_interfacerequest",
              "catalogs.change_datacorrection"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CITY_AUTHORITY: [*_AUTHORITY, "catalogs.add_classification", "catalogs.change_classification",
                          "catalogs.add_grade", "catalogs.change_grade"],
    Role.COUNTY_AUTHORITY: _AUTHORITY,
    Role.UNIT_DATA_ADMIN: [*_VIEW_ALL, *_COLLECTION_VIEW, *_EDIT, "catalogs.change_collectiontask",
                           "catalogs.change_datacorrection", "catalogs.change_interfacerequest"],
    Role.UNIT_LEADER: [*_VIEW_ALL, *_COLLECTION_VIEW],
    Role.TECH_OPERATOR: [*_VIEW_ALL, *_COLLECTION_VIEW, "catalogs.change_datacorrection"],
    Role.PROGRAM_OFFICER: ["catalogs.view_catalogentry"],
    Role.FINANCE_OFFICER: ["catalogs.view_catalogentry"],
    Role.PROCUREMENT_OFFICER: ["catalogs.view_catalogentry"],
    Role.PROCUREMENT_SUPERVISOR: ["catalogs.view_catalogentry"],
    Role.AUDITOR: [*_VIEW_ALL, *_COLLECTION_VIEW],
}
