"""Data corrections (QZ §七) and additional-interface requests (QZ §二(三)); all deadlines via portal.workdays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from catalogs import permissions as perms
from catalogs.models import (
    CatalogEntry,
    CorrectionStatus,
    DataCorrection,
    InterfaceRequest,
    InterfaceRequestStatus,
    ServiceInterface,
)
from catalogs.services.quality import entry_quality_refresh
from portal.audit import audit_record, snapshot
from portal.history import acting_as
from portal.locks import lock_rows, relock
from portal.models import Membership, Organization
from portal.permissions import require, user_scope
from portal.roles import Role
from portal.services import notify
from portal.workdays import add_workdays

ANALYSIS_WORKDAYS = 3  # QZ says "及时"; docs/adr/0103
DECIDE_WORKDAYS = 5  # QZ §七(二)
CORRECT_WORKDAYS = 10  # QZ §七(二), counted from the decision
INTERFACE_WORKDAYS = 10  # QZ §二(三)
MAX_EXTENSION_WORKDAYS = 5  # QZ §二(三)
MIN_DESCRIPTION = 10


@dataclass(frozen=True)
class Step:
    sources: tuple[str, ...]
    target: str | tuple[str, ...]
    actor: str  # role that acts
    workday_limit: int | None  # deadline of the NEXT step, counted from this one


# The one declaration of the correction workflow.
CORRECTION_STEPS: dict[str, Step] = {
    "report": Step((), CorrectionStatus.REPORTED, "数据应用单位", ANALYSIS_WORKDAYS),
    "dispatch": Step((CorrectionStatus.REPORTED,), CorrectionStatus.DISPATCHED, Role.TECH_OPERATOR, DECIDE_WORKDAYS),
    "decide": Step((CorrectionStatus.DISPATCHED,), (CorrectionStatus.CORRECTING, CorrectionStatus.NOT_CORRECTED),
                   Role.UNIT_DATA_ADMIN, CORRECT_WORKDAYS),
    "complete": Step((CorrectionStatus.CORRECTING,), CorrectionStatus.CORRECTED, Role.UNIT_DATA_ADMIN, None),
}


def _authority_users(unit: Organization) -> list[Any]:
    roles = [Role.CITY_AUTHORITY]
    qs = Membership.objects.filter(retired_at__isnull=True, role__in=roles).select_related("user")
    users = [m.user for m in qs]
    county = unit.county
    if county is not None:
        users += [m.user for m in Membership.objects.filter(
            retired_at__isnull=True, role=Role.COUNTY_AUTHORITY,
            organization__path__startswith=county.path).select_related("user")]
    return users


def _members(unit_id: int, role: str = Role.UNIT_DATA_ADMIN) -> list[Any]:
    return [m.user for m in Membership.objects.filter(organization_id=unit_id, role=role,
                                                       retired_at__isnull=True).select_related("user")]


def _lock(correction: DataCorrection, step: str) -> DataCorrection:
    obj = relock(correction, related=["entry", "source_unit"])
    if obj.status not in CORRECTION_STEPS[step].sources:
        raise ValidationError(f"纠错当前为“{obj.get_status_display()}”，不能执行此操作。")
    return obj


@transaction.atomic
def correction_report(*, entry: CatalogEntry, description: str, acting_user: Any,
                      reporter_unit: Organization | None = None, on: date | None = None) -> DataCorrection:
    """A consumer unit reports problem data on a published entry; the tech unit must analyse it within 3 wd."""
    require(perms.can_report_correction(acting_user, entry))
    scope = user_scope(acting_user)
    if reporter_unit is None:
        reporter_unit = Organization.objects.filter(pk__in=scope.unit_ids).order_by("pk").first()
    elif reporter_unit.pk not in scope.unit_ids and not scope.is_superuser:
        raise PermissionDenied("只能以本单位名义报告问题数据。")
    if reporter_unit is None:
        raise PermissionDenied("只有政务单位用户可以报告问题数据。")
    if len(description.strip()) < MIN_DESCRIPTION:
        raise ValidationError({"description": [f"请简明准确地描述问题（不少于{MIN_DESCRIPTION}字）。"]})
    today = on or timezone.localdate()
    with acting_as(acting_user):
        correction = DataCorrection.objects.create(
            entry=entry, source_unit=entry.source_unit, reporter_unit=reporter_unit, reported_by=acting_user,
            description=description.strip(), reported_on=today,
            analysis_due_on=add_workdays(today, ANALYSIS_WORKDAYS))
        audit_record(actor=acting_user, action="correction_report", obj=correction, after=snapshot(correction))
    return correction


@transaction.atomic
def correction_dispatch(*, correction: DataCorrection, analysis: str, acting_user: Any,
                        on: date | None = None) -> DataCorrection:
    """The tech service unit analyses and dispatches to the source unit, which must decide within 5 wd."""
    correction = _lock(correction, "dispatch")
    require(perms.can_dispatch_correction(acting_user, correction))
    if not analysis.strip():
        raise ValidationError({"analysis": ["请填写分析意见。"]})
    today = on or timezone.localdate()
    with acting_as(acting_user):
        correction.analysis = analysis.strip()
        correction.dispatched_on = today
        correction.decide_due_on = add_workdays(today, DECIDE_WORKDAYS)
        correction.is_analysis_late = today > correction.analysis_due_on
        correction.status = CorrectionStatus.DISPATCHED
        correction.save()
        audit_record(actor=acting_user, action="correction_dispatch", obj=correction, reason=analysis)
    notify(recipients=_members(correction.source_unit_id), title=f"问题数据待核实：{correction.entry.title}",
           body=f"请于 {correction.decide_due_on:%Y年%m月%d日} 前核实并决定是否更正。",
           url=f"/admin/catalogs/datacorrection/{correction.pk}/change/")
    return correction


@transaction.atomic
def correction_decide(*, correction: DataCorrection, will_correct: bool, reason: str, acting_user: Any,
                      on: date | None = None) -> DataCorrection:
    """The source unit verifies and decides; correcting must be done within 10 wd of the decision."""
    correction = _lock(correction, "decide")
    require(perms.can_decide_correction(acting_user, correction))
    if not reason.strip():
        raise ValidationError({"decision_reason": ["请填写核实结论和理由。"]})
    today = on or timezone.localdate()
    with acting_as(acting_user):
        correction.decided_on = today
        correction.decision_reason = reason.strip()
        correction.is_decision_late = today > correction.decide_due_on
        if will_correct:
            correction.status = CorrectionStatus.CORRECTING
            correction.correct_due_on = add_workdays(today, CORRECT_WORKDAYS)
        else:
            correction.status = CorrectionStatus.NOT_CORRECTED
        correction.save()
        audit_record(actor=acting_user, action="correction_decide", obj=correction, reason=reason,
                     after={"will_correct": will_correct})
    notify(recipients=_authority_users(correction.source_unit) + _members(correction.reporter_unit_id),
           title=f"纠错核实结果：{correction.entry.title}",
           body=("决定更正，期限 " + f"{correction.correct_due_on:%Y-%m-%d}") if will_correct else f"不予更正：{reason}",
           url=f"/admin/catalogs/datacorrection/{correction.pk}/change/")
    return correction


@transaction.atomic
def correction_complete(*, correction: DataCorrection, note: str, acting_user: Any,
                        on: date | None = None) -> DataCorrection:
    """The source unit has corrected the data at source and re-aggregated it."""
    correction = _lock(correction, "complete")
    require(perms.can_decide_correction(acting_user, correction))
    if not note.strip():
        raise ValidationError({"correction_note": ["请说明更正内容及重新汇聚情况。"]})
    today = on or timezone.localdate()
    with acting_as(acting_user):
        correction.corrected_on = today
        correction.correction_note = note.strip()
        correction.is_correction_late = today > correction.correct_due_on
        correction.status = CorrectionStatus.CORRECTED
        correction.save()
        audit_record(actor=acting_user, action="correction_complete", obj=correction, reason=note)
    return correction


# --------------------------------------------------------------------------------------------- interface requests
@transaction.atomic
def interface_request_create(*, entry: CatalogEntry, description: str, acting_user: Any,
                             on: date | None = None) -> InterfaceRequest:
    """The data authority asks the entry's producer for more interfaces: due in 10 working days."""
    require(perms.can_request_interface(acting_user, entry.source_unit))
    if not description.strip():
        raise ValidationError({"description": ["请说明接口需求及应用场景。"]})
    today = on or timezone.localdate()
    due = add_workdays(today, INTERFACE_WORKDAYS)
    with acting_as(acting_user):
        req = InterfaceRequest.objects.create(
            producer_unit=entry.source_unit, entry=entry, requested_by=acting_user, description=description.strip(),
            requested_on=today, original_due_on=due, due_on=due)
        audit_record(actor=acting_user, action="interface_request_create", obj=req, after=snapshot(req))
    notify(recipients=_members(entry.source_unit_id), title=f"接口提供要求：{entry.title}",
           body=f"请于 {due:%Y年%m月%d日} 前提供接口及接口规范、调用说明。",
           url=f"/admin/catalogs/interfacerequest/{req.pk}/change/")
    return req


def _lock_request(req: InterfaceRequest) -> InterfaceRequest:
    return relock(req, related=["producer_unit", "entry"])


@transaction.atomic
def interface_request_extension_request(*, request: InterfaceRequest, reason: str, workdays: int, acting_user: Any,
                                        on: date | None = None) -> InterfaceRequest:
    """The producer asks in writing for one extension of at most 5 working days, before the due date."""
    req = _lock_request(request)
    require(perms.can_act_as_producer(acting_user, req))
    today = on or timezone.localdate()
    if req.status != InterfaceRequestStatus.OPEN:
        raise ValidationError(f"该需求当前为“{req.get_status_display()}”，不能申请延期。")
    if req.has_extension_request:
        raise ValidationError("每项接口需求只能书面申请一次延期。")
    if not 1 <= workdays <= MAX_EXTENSION_WORKDAYS:
        raise ValidationError({"extension_workdays": [f"延期不得超过 {MAX_EXTENSION_WORKDAYS} 个工作日。"]})
    if not reason.strip():
        raise ValidationError({"extension_reason": ["请填写书面延期理由。"]})
    if today > req.due_on:
        raise ValidationError("已超过提供期限，不能再申请延期。")
    with acting_as(acting_user):
        req.extension_reason = reason.strip()
        req.extension_workdays = workdays
        req.has_extension_request = True
        req.status = InterfaceRequestStatus.EXTENSION_REQUESTED
        req.save()
        audit_record(actor=acting_user, action="interface_request_extension_request", obj=req, reason=reason,
                     after={"workdays": workdays})
    notify(recipients=[req.requested_by], title=f"接口提供延期申请：{req.producer_unit}",
           body=f"申请延期 {workdays} 个工作日，理由：{reason.strip()}",
           url=f"/admin/catalogs/interfacerequest/{req.pk}/change/")
    return req


@transaction.atomic
def interface_request_extension_decide(*, request: InterfaceRequest, approve: bool, note: str = "",
                                       acting_user: Any, on: date | None = None) -> InterfaceRequest:
    """The authority approves (due date moves by the requested working days from the original due date) or refuses."""
    req = _lock_request(request)
    require(perms.can_request_interface(acting_user, req.producer_unit))
    if req.status != InterfaceRequestStatus.EXTENSION_REQUESTED:
        raise ValidationError("没有待审批的延期申请。")
    with acting_as(acting_user):
        req.is_extension_approved = approve
        req.extension_decision_note = note.strip()
        if approve:
            req.due_on = add_workdays(req.original_due_on, req.extension_workdays)
            if req.is_overdue and req.due_on >= (on or timezone.localdate()):
                req.is_overdue = False  # flagged while the decision was pending; the approved extension still runs
                req.overdue_flagged_on = None
        req.status = InterfaceRequestStatus.OPEN
        req.save()
        audit_record(actor=acting_user, action="interface_request_extension_decide", obj=req, reason=note,
                     after={"approved": approve, "due_on": str(req.due_on)})
    notify(recipients=_members(req.producer_unit_id), title="接口提供延期申请" + ("已批准" if approve else "未批准"),
           body=f"提供期限：{req.due_on:%Y年%m月%d日}。{note.strip()}",
           url=f"/admin/catalogs/interfacerequest/{req.pk}/change/")
    return req


@transaction.atomic
def interface_request_deliver(*, request: InterfaceRequest, name: str, endpoint: str, spec: str,
                              call_instructions: str, acting_user: Any, kind: str = "data_query",
                              on: date | None = None) -> InterfaceRequest:
    """The producer delivers the interface with its spec and call instructions (QZ §二(三))."""
    req = _lock_request(request)
    require(perms.can_act_as_producer(acting_user, req))
    if req.status == InterfaceRequestStatus.DELIVERED:
        raise ValidationError("该接口需求已办结。")
    errors = {}
    if not spec.strip():
        errors["spec"] = ["提供接口必须同时提供接口规范。"]
    if not call_instructions.strip():
        errors["call_instructions"] = ["提供接口必须同时提供调用说明。"]
    if not name.strip() or not endpoint.strip():
        errors["endpoint"] = ["请填写接口名称和地址。"]
    if errors:
        raise ValidationError(errors)
    today = on or timezone.localdate()
    with acting_as(acting_user):
        iface = ServiceInterface.objects.create(entry=req.entry, name=name.strip(), endpoint=endpoint.strip(),
                                                spec=spec.strip(), call_instructions=call_instructions.strip(),
                                                kind=kind)
        req.delivered_interface = iface
        req.delivered_on = today
        req.is_late = today > req.due_on
        req.is_overdue = False  # delivered: no longer outstanding (is_late keeps the record of a late delivery)
        req.status = InterfaceRequestStatus.DELIVERED
        req.save()
        audit_record(actor=acting_user, action="interface_request_deliver", obj=req, after={"interface": iface.pk})
    if req.entry_id:
        entry_quality_refresh(req.entry)
    return req


@transaction.atomic
def interface_requests_mark_overdue(*, on: date | None = None) -> int:
    """Daily job: undelivered requests past their due date (10 wd, or the approved extension) are flagged overdue
    once — history, an audit row and a notification to the producer unit's data administrators."""
    today = on or timezone.localdate()
    count = 0
    for req in lock_rows(InterfaceRequest.objects.filter(
            status__in=(InterfaceRequestStatus.OPEN, InterfaceRequestStatus.EXTENSION_REQUESTED),
            is_overdue=False, due_on__lt=today).select_related("producer_unit", "entry")):
        req.is_overdue = True
        req.overdue_flagged_on = today
        req.save(update_fields=["is_overdue", "overdue_flagged_on", "updated_at"])
        audit_record(actor=None, action="interface_request_overdue", obj=req,
                     reason=f"提供期限 {req.due_on:%Y-%m-%d} 前未提供接口",
                     before={"is_overdue": False}, after={"is_overdue": True})
        recipients = _members(req.producer_unit_id)
        if recipients:
            subject = req.entry.title if req.entry_id else req.description[:30]
            notify(recipients=recipients, title=f"接口提供要求已逾期：{subject}",
                   body=f"提供期限 {req.due_on:%Y年%m月%d日} 已过，请尽快提供接口及接口规范、调用说明。",
                   url=f"/admin/catalogs/interfacerequest/{req.pk}/change/")
        count += 1
    return count
