"""Data corrections (QZ §七) and additional-interface requests (QZ §二(三)); all deadlines via portal.workdays."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from catalogs import permissions as perms
from catalogs.models import (
    CatalogEntry,
    CorrectionStatus,
    DataCorrection,
    EntryStatus,
    InterfaceKind,
    InterfaceOrigin,
    InterfaceRequest,
    ServiceInterface,
)
from catalogs.selectors import authority_users, tech_operators, unit_members, unit_members_by_unit
from catalogs.services.entries import version_freeze
from catalogs.services.quality import entry_quality_refresh
from catalogs.workflow import CORRECTION, INTERFACE_REQUEST, MAX_EXTENSION, REQUEST_LIMIT
from portal.audit import audit_record, snapshot
from portal.bulk import BulkStep, Notice, notify_bulk, transition_in_batches
from portal.history import acting_as
from portal.locks import relock
from portal.models import Organization
from portal.permissions import require
from portal.services import notify
from portal.workdays import add_workdays
from portal.workflow import Step

MIN_DESCRIPTION = 10


# --------------------------------------------------------------------------------------------- corrections
@transaction.atomic
def correction_report(*, entry: CatalogEntry, description: str, acting_user: Any,
                      reporter_unit: Organization | None = None, on: date | None = None) -> DataCorrection:
    """A consumer unit reports problem data on a published entry; the tech unit must analyse it within the declared
    limit of the REPORTED step (catalogs.workflow.CORRECTION)."""
    require(perms.can_report_correction(acting_user, entry))
    reporter_unit = perms.reporting_unit(acting_user, reporter_unit)
    if len(description.strip()) < MIN_DESCRIPTION:
        raise ValidationError({"description": [f"请简明准确地描述问题（不少于{MIN_DESCRIPTION}字）。"]})
    today = on or timezone.localdate()
    with acting_as(acting_user):
        correction = DataCorrection.objects.create(
            entry=entry, source_unit=entry.source_unit, reporter_unit=reporter_unit, reported_by=acting_user,
            description=description.strip(), reported_on=today,
            analysis_due_on=CORRECTION.limits[CorrectionStatus.REPORTED].due(today))
        audit_record(actor=acting_user, action="catalogs.correction.report", obj=correction,
                     after=snapshot(correction))
    return correction


@CORRECTION.effect("dispatch_to_source")
def _dispatch(step: Step) -> None:
    c = step.obj
    c.analysis = step.inputs["analysis"]
    c.dispatched_on = step.on
    c.decide_due_on = step.due_on
    c.is_analysis_late = step.on > c.analysis_due_on
    step.then(lambda: notify(
        recipients=unit_members(c.source_unit_id), title=f"问题数据待核实：{c.entry.title}",
        body=f"请于 {c.decide_due_on:%Y年%m月%d日} 前核实并决定是否更正。",
        url=f"/admin/catalogs/datacorrection/{c.pk}/change/"))


@CORRECTION.effect("decide")
def _decide(step: Step) -> None:
    c = step.obj
    will_correct = bool(step.inputs.get("will_correct"))
    step.go(CorrectionStatus.CORRECTING if will_correct else CorrectionStatus.NOT_CORRECTED)
    c.decided_on = step.on
    c.decision_reason = step.inputs["reason"]
    c.is_decision_late = c.decide_due_on is not None and step.on > c.decide_due_on
    c.correct_due_on = step.due_on if will_correct else None
    body = f"决定更正，期限 {c.correct_due_on:%Y-%m-%d}" if will_correct else f"不予更正：{c.decision_reason}"
    step.then(lambda: notify(
        recipients=authority_users(c.source_unit) + unit_members(c.reporter_unit_id),
        title=f"纠错核实结果：{c.entry.title}", body=body,
        url=f"/admin/catalogs/datacorrection/{c.pk}/change/"))


@CORRECTION.effect("complete")
def _complete(step: Step) -> None:
    c = step.obj
    c.corrected_on = step.on
    c.correction_note = step.inputs["note"]
    c.is_correction_late = c.correct_due_on is not None and step.on > c.correct_due_on


def correction_dispatch(*, correction: DataCorrection, analysis: str, acting_user: Any,
                        on: date | None = None) -> DataCorrection:
    """The tech service unit analyses and dispatches to the source unit, which must decide within 5 wd."""
    return CORRECTION.apply("dispatch_to_source", correction, user=acting_user, on=on, analysis=analysis)


def correction_decide(*, correction: DataCorrection, will_correct: bool, reason: str, acting_user: Any,
                      on: date | None = None) -> DataCorrection:
    """The source unit verifies and decides; correcting must be done within 10 wd of the decision."""
    return CORRECTION.apply("decide", correction, user=acting_user, on=on, will_correct=will_correct, reason=reason)


def correction_complete(*, correction: DataCorrection, note: str, acting_user: Any,
                        on: date | None = None) -> DataCorrection:
    """The source unit has corrected the data at source and re-aggregated it."""
    return CORRECTION.apply("complete", correction, user=acting_user, on=on, note=note)


# --------------------------------------------------------------------------------------------- interface requests
@transaction.atomic
def interface_request_create(*, entry: CatalogEntry, description: str, acting_user: Any,
                             on: date | None = None) -> InterfaceRequest:
    """The data authority asks the entry's producer for more interfaces: due within the declared REQUEST_LIMIT."""
    require(perms.can_request_interface(acting_user, entry.source_unit))
    if not description.strip():
        raise ValidationError({"description": ["请说明接口需求及应用场景。"]})
    today = on or timezone.localdate()
    due = REQUEST_LIMIT.due(today)
    with acting_as(acting_user):
        req = InterfaceRequest.objects.create(
            producer_unit=entry.source_unit, entry=entry, requested_by=acting_user, description=description.strip(),
            requested_on=today, original_due_on=due, due_on=due)
        audit_record(actor=acting_user, action="catalogs.interface_request.create", obj=req, after=snapshot(req))
        notify(recipients=unit_members(entry.source_unit_id), title=f"接口提供要求：{entry.title}",
               body=f"请于 {due:%Y年%m月%d日} 前提供接口及接口规范、调用说明。",
               url=f"/admin/catalogs/interfacerequest/{req.pk}/change/")
    return req


@INTERFACE_REQUEST.effect("request_extension")
def _request_extension(step: Step) -> None:
    req = step.obj
    workdays = int(step.inputs["workdays"])
    if not 1 <= workdays <= MAX_EXTENSION.days:
        raise ValidationError({"workdays": [f"延期不得超过 {MAX_EXTENSION.days} 个工作日。"]})
    if step.on > req.due_on:
        raise ValidationError("已超过提供期限，不能再申请延期。")
    req.extension_reason = step.inputs["reason"]
    req.extension_workdays = workdays
    req.has_extension_request = True
    step.then(lambda: notify(
        recipients=[req.requested_by], title=f"接口提供延期申请：{req.producer_unit}",
        body=f"申请延期 {workdays} 个工作日，理由：{req.extension_reason}",
        url=f"/admin/catalogs/interfacerequest/{req.pk}/change/"))


@INTERFACE_REQUEST.effect("decide_extension")
def _decide_extension(step: Step) -> None:
    req = step.obj
    approve = bool(step.inputs.get("approve"))
    req.is_extension_approved = approve
    req.extension_decision_note = step.inputs.get("note") or ""
    if approve:
        req.due_on = add_workdays(req.original_due_on, req.extension_workdays)
        if req.is_overdue and req.due_on >= step.on:
            req.is_overdue = False  # flagged while the decision was pending; the approved extension still runs
            req.overdue_flagged_on = None
    step.audit_reason = req.extension_decision_note
    step.then(lambda: notify(
        recipients=unit_members(req.producer_unit_id), title="接口提供延期申请" + ("已批准" if approve else "未批准"),
        body=f"提供期限：{req.due_on:%Y年%m月%d日}。{req.extension_decision_note}",
        url=f"/admin/catalogs/interfacerequest/{req.pk}/change/"))


@INTERFACE_REQUEST.effect("deliver")
def _deliver(step: Step) -> None:
    """The producer delivers the interface with its spec and call instructions; it is not on the entry yet: the
    technical service unit re-wraps it and publishes it (``rewrap``, QZ §二(三))."""
    req = step.obj
    data = step.inputs
    req.delivered_name = data["name"]
    req.delivered_kind = data.get("kind") or InterfaceKind.DATA_QUERY
    req.producer_endpoint = data["endpoint"]
    req.delivered_spec = data["spec"]
    req.delivered_call_instructions = data["call_instructions"]
    req.delivered_on = step.on
    req.is_late = step.on > req.due_on
    req.is_overdue = False  # delivered: no longer outstanding (is_late keeps the record of a late delivery)
    subject = req.entry.title if req.entry_id else req.description[:30]
    step.then(lambda: notify(
        recipients=tech_operators(), title=f"待再封装发布的接口：{subject}",
        body=f"{req.producer_unit}已提供接口“{req.delivered_name}”及接口规范、调用说明，请再封装后在市汇聚共享平台统一发布。",
        url=f"/admin/catalogs/interfacerequest/{req.pk}/change/"))


@INTERFACE_REQUEST.effect("rewrap")
def _rewrap(step: Step) -> None:
    """The technical service unit re-wraps the delivered interface and publishes it: the interface (at the platform
    address) joins the entry, and a published entry gets a new version that contains it, so version diffs show it."""
    req = step.obj
    if req.entry_id is None:
        raise ValidationError("该接口需求未关联目录条目，不能发布接口。")
    entry = relock(req.entry)
    if entry.status == EntryStatus.RETIRED:
        raise ValidationError("目录已停用，不能发布接口。")
    legacy = req.delivered_interface  # delivered before the re-wrap step existed: attached directly
    name = req.delivered_name or (legacy.name if legacy else "")
    values = {"kind": req.delivered_kind or (legacy.kind if legacy else InterfaceKind.DATA_QUERY),
              "origin": InterfaceOrigin.PRODUCER, "endpoint": step.inputs["platform_endpoint"],
              "spec": step.inputs.get("spec") or req.delivered_spec or (legacy.spec if legacy else ""),
              "call_instructions": req.delivered_call_instructions or (legacy.call_instructions if legacy else "")}
    if not name:
        raise ValidationError("生产单位尚未提供接口名称，不能发布。")
    if ServiceInterface.objects.filter(entry=entry, name=name, retired_at__isnull=True).exclude(
            pk=getattr(legacy, "pk", None)).exists():
        raise ValidationError(f"目录已有同名接口“{name}”，请核对后再发布。")
    req.platform_endpoint = values["endpoint"]
    req.rewrap_note = step.inputs.get("note") or ""
    req.rewrapped_on = step.on
    req.rewrapped_by = step.user
    iface = legacy or ServiceInterface(entry=entry, name=name)
    for key, value in values.items():
        setattr(iface, key, value)
    iface.retired_at = None
    iface.full_clean(exclude=["entry"])
    iface.save()
    req.delivered_interface = iface
    if entry.status == EntryStatus.PUBLISHED:
        entry.version += 1
        entry.published_at = step.now
        entry.save(update_fields=["version", "published_at", "updated_at"])
        version_freeze(entry, user=step.user, at=step.now)
        req.published_version = entry.version
        audit_record(actor=step.user, action="catalogs.entry.publish_interface", obj=entry,
                     reason=f"接口“{name}”再封装发布", after={"version": entry.version, "interface": name,
                                                                "endpoint": iface.endpoint})
    step.audit_reason = f"平台统一发布地址：{iface.endpoint}"
    when = f"随目录第{entry.version}版发布" if req.published_version else "目录修订中，随下次发布"
    step.then(lambda: entry_quality_refresh(entry))
    step.then(lambda: notify(
        recipients=unit_members(req.producer_unit_id) + [req.requested_by], title=f"接口已再封装并统一发布：{entry.title}",
        body=f"接口“{name}”已由技术服务单位再封装，平台地址 {iface.endpoint}，{when}。",
        url=f"/admin/catalogs/interfacerequest/{req.pk}/change/"))


@INTERFACE_REQUEST.effect("overdue")
def _overdue(step: Step) -> None:
    req = step.obj
    if req.is_overdue or req.due_on >= step.on:
        raise ValidationError(f"提供期限 {req.due_on:%Y-%m-%d} 未过或已标记逾期。")
    step.go(req.status)  # the state stays; the flag records the overdue
    req.is_overdue = True
    req.overdue_flagged_on = step.on
    step.audit_reason = f"提供期限 {req.due_on:%Y-%m-%d} 前未提供接口"
    recipients = unit_members(req.producer_unit_id)
    if recipients:
        subject = req.entry.title if req.entry_id else req.description[:30]
        step.then(lambda: notify(
            recipients=recipients, title=f"接口提供要求已逾期：{subject}",
            body=f"提供期限 {req.due_on:%Y年%m月%d日} 已过，请尽快提供接口及接口规范、调用说明。",
            url=f"/admin/catalogs/interfacerequest/{req.pk}/change/"))


def interface_request_rewrap(*, request: InterfaceRequest, platform_endpoint: str, acting_user: Any, spec: str = "",
                             note: str = "", on: date | None = None) -> InterfaceRequest:
    """The technical service unit re-wraps the delivered interface and publishes it on the platform (QZ §二(三)):
    the entry gets a new published version containing it."""
    return INTERFACE_REQUEST.apply("rewrap", request, user=acting_user, on=on, platform_endpoint=platform_endpoint,
                                   spec=spec, note=note)


def interface_request_extension_request(*, request: InterfaceRequest, reason: str, workdays: int | str,
                                        acting_user: Any, on: date | None = None) -> InterfaceRequest:
    """The producer asks in writing for one extension of at most 5 working days, before the due date."""
    return INTERFACE_REQUEST.apply("request_extension", request, user=acting_user, on=on, reason=reason,
                                   workdays=str(workdays))


def interface_request_extension_decide(*, request: InterfaceRequest, approve: bool, note: str = "",
                                       acting_user: Any, on: date | None = None) -> InterfaceRequest:
    """The authority approves (due date moves by the requested working days from the original due date) or refuses."""
    return INTERFACE_REQUEST.apply("decide_extension", request, user=acting_user, on=on, approve=approve, note=note)


def interface_request_deliver(*, request: InterfaceRequest, name: str, endpoint: str, spec: str,
                              call_instructions: str, acting_user: Any, kind: str = InterfaceKind.DATA_QUERY,
                              on: date | None = None) -> InterfaceRequest:
    """The producer delivers the interface with its spec and call instructions (QZ §二(三)); the technical service
    unit re-wraps and publishes it next (``interface_request_rewrap``)."""
    return INTERFACE_REQUEST.apply("deliver", request, user=acting_user, on=on, name=name, endpoint=endpoint,
                                   spec=spec, call_instructions=call_instructions, kind=kind)


INTERFACE_OVERDUE_CHANGE_REASON = "提供期限已过未提供接口，定时任务标记为逾期"


def _interface_overdue_after(batch: BulkStep) -> None:
    """The ``overdue`` effect's notice to the producer unit's data administrators, for a whole batch."""
    members = unit_members_by_unit({r.producer_unit_id for r in batch.records})
    notify_bulk(Notice(recipients=members[r.producer_unit_id],
                       title=f"接口提供要求已逾期：{r.entry.title if r.entry_id else r.description[:30]}",
                       body=f"提供期限 {r.due_on:%Y年%m月%d日} 已过，请尽快提供接口及接口规范、调用说明。",
                       url=f"/admin/catalogs/interfacerequest/{r.pk}/change/")
                for r in batch.records if members[r.producer_unit_id])


def interface_requests_mark_overdue(*, on: date | None = None) -> int:
    """Daily job: undelivered requests past their due date (10 wd, or the approved extension) are flagged overdue
    once (transition ``overdue``: the state stays, the flag and its date are set; history, an audit row and a
    notification to the producer unit's data administrators). Set-based batches (``portal.bulk``, docs/adr/0017),
    each its own transaction; a flagged request is no longer selected."""
    today = on or timezone.localdate()
    return len(transition_in_batches(
        INTERFACE_REQUEST, "overdue", InterfaceRequest.objects.filter(is_overdue=False, due_on__lt=today), on=today,
        update={"status": F("status"), "is_overdue": True, "overdue_flagged_on": today},
        reason=lambda req: f"提供期限 {req.due_on:%Y-%m-%d} 前未提供接口",
        change_reason=INTERFACE_OVERDUE_CHANGE_REASON, point="catalogs.interface_requests_mark_overdue",
        after=_interface_overdue_after, relock_related=("producer_unit", "entry")))
