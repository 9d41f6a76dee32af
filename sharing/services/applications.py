"""Write services for share applications: create/update drafts, route on submission, take workflow steps.

Every step is ``SHARE_APPLICATION.apply`` (``sharing.workflow``; ``share_application_act`` is the name the callers
know): the kernel locks, checks the actor, the state and the inputs, sets the working-day due date, saves with history
and audits; the effects below route the application, record the step rows and issue the frozen ``Authorization``
when it becomes ``granted``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from catalogs.models import CatalogLevel, EntryStatus
from portal import files
from portal.audit import audit_record
from portal.history import acting_as
from portal.locks import relock
from portal.models import Organization, OrgKind
from portal.params import date_bound_error
from portal.permissions import require
from portal.roles import Role
from portal.services import notify
from portal.workflow import Step
from sharing import permissions
from sharing.models import (
    SHARE_TYPE_RANK,
    USABLE_NOT_VISIBLE_KINDS,
    Authorization,
    ProducerOpinion,
    RequestKind,
    Route,
    ServiceMode,
    ShareApplication,
    ShareType,
    SourceLocation,
)
from sharing.services.steps import book_step, new_number
from sharing.visibility import sync_authorization, sync_share_application
from sharing.workflow import FINAL_STATES, SHARE_APPLICATION, Status, today

EDITABLE_FIELDS = ("kind", "scope_conditions", "business_matter", "application_scenario", "information_system",
                   "system_mlps_level", "service_mode", "interface_kind", "purpose", "legal_basis",
                   "requested_from_on", "requested_until_on", "source_location", "requirements_doc", "technical_plan",
                   "bulk_justification")
REQUIRED_TEXT = {"business_matter": "业务事项", "application_scenario": "业务应用场景",
                 "information_system": "使用数据的信息系统", "purpose": "具体用途"}


# ------------------------------------------------------------------------------------------------ validation
def strictest_share_type(entries: list[Any]) -> str:
    return max((e.share_type for e in entries), key=lambda t: SHARE_TYPE_RANK[t], default=ShareType.UNCONDITIONAL)


def validate_application(app: ShareApplication, entries: list[Any], items: list[Any], *, on: date) -> None:
    """All the content rules of QZ-A2 §1 and QZ §五(三)–(四); raises one ValidationError listing every problem."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    for field, label in REQUIRED_TEXT.items():
        if not str(getattr(app, field) or "").strip():
            add(field, f"请填写{label}。")
    if not entries:
        add("entries", "请至少选择一个数据资源目录。")
    for entry in entries:
        if entry.status != EntryStatus.PUBLISHED:
            add("entries", f"目录“{entry.title}”尚未发布，不能申请共享。")
        if getattr(entry, "is_state_secret", False):
            add("entries", f"目录“{entry.title}”涉及国家秘密，不得通过共享平台共享。")
    if not items:
        add("data_items", "请按最少够用原则选择具体的信息项。")
    entry_ids = {e.pk for e in entries}
    stray = [i.name for i in items if i.entry_id not in entry_ids]
    if stray:
        add("data_items", f"信息项不属于所选目录：{'、'.join(stray)}。")
    covered = {i.entry_id for i in items}
    for entry in entries:
        if entry.pk not in covered:
            add("data_items", f"目录“{entry.title}”未选择任何信息项；不需要的目录请移除。")
    for field, label in (("requested_from_on", "申请使用起始日"), ("requested_until_on", "申请使用截止日")):
        bound = date_bound_error(getattr(app, field), label, today=on)
        if bound:
            add(field, bound)
    if app.requested_from_on and app.requested_until_on and app.requested_until_on < app.requested_from_on:
        add("requested_until_on", "申请使用截止日不能早于起始日。")
    if app.requested_until_on and app.requested_until_on < on:
        add("requested_until_on", "申请使用截止日已过。")
    share_type = strictest_share_type(entries)
    mode = app.service_mode
    if mode == ServiceMode.CROSS_VERIFICATION:
        if not app.requirements_doc:
            add("requirements_doc", "申请数据交叉核验服务须上传需求说明。")
        if not app.technical_plan:
            add("technical_plan", "申请数据交叉核验服务须上传技术方案。")
    if mode == ServiceMode.BULK_EXCHANGE:
        if share_type == ShareType.NOT_SHARED:
            add("service_mode", "暂不共享的数据不得批量交换，只能申请比对、核查、统计接口（可用不可见）。")
        if not app.bulk_justification.strip():
            add("bulk_justification", "申请批量数据交换须说明数据服务接口或交叉核验不能满足需求的原因。")
        if not app.system_mlps_level.strip():
            add("system_mlps_level", "批量数据交换的接收系统须按等级保护要求建设，请填写等保级别。")
    if mode == ServiceMode.API and share_type == ShareType.NOT_SHARED:
        if app.interface_kind not in USABLE_NOT_VISIBLE_KINDS:
            add("interface_kind", "暂不共享的数据只能通过比对、核查、统计接口使用（可用不可见），不能申请数据查询接口。")
    if mode == ServiceMode.API and not app.interface_kind:
        add("interface_kind", "请选择接口类型。")
    for message in missing_interface_refusals(app, entries):
        add("interface_kind", message)
    if app.kind == RequestKind.SPECIAL_AGENCY and app.applicant_unit.kind != OrgKind.SPECIAL_AGENCY:
        add("kind", "特殊机关数据需求仅限公安、法院、检察院、司法、安全、纪委监委等部门提出。")
    if errors:
        raise ValidationError(errors)


def missing_interface_refusals(app: ShareApplication, entries: list[Any]) -> list[str]:
    """QZ §五(四): 暂不共享 data is used only through the 比对/核查/统计 interfaces its producer has hung on the platform
    (可用不可见), so an interface application to such an entry needs an active interface of the kind applied for."""
    if app.service_mode != ServiceMode.API or app.interface_kind not in USABLE_NOT_VISIBLE_KINDS:
        return []
    from catalogs.models import ServiceInterface

    not_shared = [e for e in entries if e.share_type == ShareType.NOT_SHARED]
    if not not_shared:
        return []
    having = set(ServiceInterface.objects.filter(entry__in=not_shared, kind=app.interface_kind,
                                                 retired_at__isnull=True).values_list("entry_id", flat=True))
    label = app.get_interface_kind_display()
    return [f"暂不共享目录“{e.title}”未挂接{label}（可用不可见，泉政办〔2021〕21号 §五(四)），不能申请该接口；"
            "请改选该目录已有的比对、核查或统计接口，或由数据管理机构先要求数据生产单位提供接口。"
            for e in not_shared if e.pk not in having]


def route_for(app: ShareApplication, entries: list[Any]) -> tuple[str, str]:
    """(route, first state) per QZ-A2 §2–4 and QZ §五(九)."""
    if app.kind == RequestKind.SPECIAL_AGENCY:
        return Route.SPECIAL, Status.COORDINATING
    county = app.applicant_unit.county
    if county is not None:
        local = all(e.level == CatalogLevel.COUNTY and e.source_unit.path.startswith(county.path) for e in entries)
        if local and app.source_location not in (SourceLocation.PROVINCIAL_BACKFLOW,
                                                 SourceLocation.CITY_UNIFIED_SYSTEM):
            # the county's authority reviews (QZ-A2 §4), in the same steps as the city's
            return Route.COUNTY_LOCAL, city_first_state(app.service_mode, strictest_share_type(entries))
        return Route.COUNTY_FORWARD, Status.COUNTY_FORWARDING
    return Route.CITY, city_first_state(app.service_mode, strictest_share_type(entries))


def city_first_state(mode: str, share_type: str) -> str:
    if mode == ServiceMode.BULK_EXCHANGE:
        return Status.PUSH_CONFIGURING if share_type == ShareType.UNCONDITIONAL else Status.JOINT_REVIEW
    return Status.ASSESSING


# ------------------------------------------------------------------------------------------------ drafts
@files.atomic()
def share_application_create(*, applicant_unit: Any, entries: list[Any], data_items: list[Any], acting_user: Any,
                             **fields: Any) -> ShareApplication:
    """Create a draft application of ``applicant_unit`` (checked in full, so a draft is already submittable)."""
    require(permissions.can_create_share_application(acting_user, applicant_unit))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{'、'.join(sorted(unknown))}")
    app = ShareApplication(applicant_unit=applicant_unit, applicant_user=acting_user, **fields)
    app.number = new_number("GX")
    app.applicant_county = applicant_unit.county
    entries, data_items = list(entries), list(data_items)
    validate_application(app, entries, data_items, on=today())
    with acting_as(acting_user):
        files.store_uploads(app)
        app.save()
        app.entries.set(entries)
        sync_share_application(app)
        app.data_items.set(data_items)
        audit_record(actor=acting_user, action="sharing.application.create", obj=app,
                     after={"entries": [e.pk for e in entries], "items": [i.pk for i in data_items],
                            "service_mode": app.service_mode})
    return app


@files.atomic()
def share_application_update(*, application: ShareApplication, acting_user: Any, entries: list[Any] | None = None,
                             data_items: list[Any] | None = None, **fields: Any) -> ShareApplication:
    """Edit a draft (only the applicant unit's data admin, only while it is a draft)."""
    app = relock(application)
    require(permissions.can_edit_share_application(acting_user, app))
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"未知字段：{'、'.join(sorted(unknown))}")
    for key, value in fields.items():
        setattr(app, key, value)
    entries = list(entries) if entries is not None else list(app.entries.all())
    data_items = list(data_items) if data_items is not None else list(app.data_items.all())
    validate_application(app, entries, data_items, on=today())
    with acting_as(acting_user):
        files.store_uploads(app)
        app.save()
        app.entries.set(entries)
        sync_share_application(app)
        app.data_items.set(data_items)
        audit_record(actor=acting_user, action="sharing.application.update", obj=app,
                     after={"fields": sorted(fields), "entries": [e.pk for e in entries]})
    return app


# ------------------------------------------------------------------------------------------------ workflow
def _producers_needing_opinion(app: ShareApplication) -> set[int]:
    return {e.source_unit_id for e in app.entries.all() if e.share_type != ShareType.UNCONDITIONAL}


def _submit(step: Step) -> None:
    app = step.obj
    entries = list(app.entries.select_related("source_unit"))
    validate_application(app, entries, list(app.data_items.all()), on=step.on)
    app.share_type = strictest_share_type(entries)
    app.submitted_at = step.now
    app.is_deemed_stamped = True
    app.route, state = route_for(app, entries)
    step.go(state)
    step.then(lambda: sync_share_application(app))  # submitted: the producers and the county see it (docs/adr/0015)


def _county_accept(step: Step) -> None:
    """An application left in the former county review (granted at once before QZ-A2 §4 was read as changing only
    the reviewer): into the same first step as any other, still reviewed by the county."""
    app = step.obj
    step.go(city_first_state(app.service_mode, app.share_type))


def _county_forward(step: Step) -> None:
    app = step.obj
    app.forwarded_at = step.now
    app.route = Route.COUNTY_FORWARD
    step.go(city_first_state(app.service_mode, app.share_type))


def _assess_reasonable(step: Step) -> None:
    # the interfaces may have been retired since submission: a 暂不共享 entry without the interface applied for
    # cannot be assessed as reasonable (QZ §五(四); QZ-A2 §2 “开放相应的接口”)
    refusals = missing_interface_refusals(step.obj, list(step.obj.entries.all()))
    if refusals:
        raise ValidationError(refusals)
    step.go(Status.CONFIRMING if step.obj.share_type == ShareType.UNCONDITIONAL else Status.JOINT_REVIEW)


def _joint_approve(step: Step) -> None:
    app = step.obj
    needed = _producers_needing_opinion(app)
    opinions = {o.producer_unit_id: o for o in app.producer_opinions.select_related("producer_unit")}
    missing = needed - set(opinions)
    if missing:
        names = "、".join(Organization.objects.filter(pk__in=missing).values_list("name", flat=True))
        raise ValidationError(f"会商须征得数据生产单位同意，尚未收到以下单位的意见：{names}。")
    against = [o.producer_unit.name for o in opinions.values() if o.producer_unit_id in needed and not o.agrees]
    if against:
        raise ValidationError(f"数据生产单位（{'、'.join(against)}）不同意共享，不能会商通过；"
                              "请作出不予共享决定并填写政策依据和原因。")
    step.go(Status.AGREEMENT_SIGNING if app.service_mode == ServiceMode.BULK_EXCHANGE else Status.CONFIRMING)


def _chosen_ids(value: Any, field: str) -> set[int]:
    try:
        return {int(getattr(v, "pk", v)) for v in value}
    except (TypeError, ValueError):
        raise ValidationError({field: ["所选项目无效。"]}) from None


def _adjust(step: Step) -> None:
    app = step.obj
    data_items = step.inputs.get("data_items")
    if data_items:
        current = set(app.data_items.values_list("pk", flat=True))
        chosen = _chosen_ids(data_items, "data_items")
        if not chosen <= current:
            raise ValidationError({"data_items": ["调整只能缩小信息项范围（须为原申请信息项的非空子集）。"]})
        step.then(lambda: app.data_items.set(list(chosen)))
    valid_until_on = step.inputs.get("valid_until_on")
    if valid_until_on is not None:
        if valid_until_on > app.requested_until_on or valid_until_on < step.on:
            raise ValidationError({"valid_until_on": ["调整后的截止日须在今天与原申请截止日之间。"]})
        app.requested_until_on = valid_until_on
    app.adjustment_note = step.inputs.get("opinion") or ""


def _agreement_record(step: Step) -> None:
    reference = str(step.inputs["agreement_reference"])
    if len(reference) > ShareApplication._meta.get_field("agreement_reference").max_length:  # type: ignore[operator]
        raise ValidationError({"agreement_reference": ["数据使用协议编号过长（不超过120个字符）。"]})
    step.obj.agreement_reference = reference


def _grant(step: Step) -> None:
    mode = step.obj.service_mode
    step.go(Status.MODEL_BUILDING if mode == ServiceMode.CROSS_VERIFICATION else Status.GRANTED)


def _push_configure(step: Step) -> None:
    if step.obj.share_type == ShareType.UNCONDITIONAL:
        step.obj.filed_with_authority_at = step.now  # 技术服务单位直接配置推送任务，并向数据管理机构报备


def _withdraw(step: Step) -> None:
    step.obj.withdraw_reason = step.inputs.get("opinion") or ""


SHARE_EFFECTS: dict[str, Callable[[Step], None]] = {
    "submit": _submit, "county_accept": _county_accept, "county_forward": _county_forward,
    "assess_reasonable": _assess_reasonable, "joint_approve": _joint_approve, "adjust": _adjust,
    "agreement_record": _agreement_record, "grant": _grant, "push_configure": _push_configure,
    "withdraw": _withdraw,
}


def _share_effect(name: str) -> Callable[[Step], None]:
    specific = SHARE_EFFECTS.get(name)

    def effect(step: Step) -> None:
        """The transition's own rules, then what every step does: refusal texts, the step rows, the closing time,
        the authorization when granted, the notice to the applicant unit."""
        app = step.obj
        if specific is not None:
            specific(step)
        opinion = str(step.inputs.get("opinion") or "")
        basis = str(step.inputs.get("policy_basis") or "")
        if step.transition.input("policy_basis") is not None:
            app.rejection_policy_basis, app.rejection_reason = basis, opinion
        step.audit_reason = opinion if not basis else f"{opinion}（政策依据：{basis}）"
        if step.target in FINAL_STATES:
            app.decided_at = step.now
        if step.target == Status.GRANTED and app.route == Route.COUNTY_LOCAL:
            app.filed_with_city_at = step.now  # 县级审核的，报市级数据管理机构备案 (QZ-A2 §4)
        book_step(step, field="share_application", opinion=opinion or str(step.inputs.get("agreement_reference") or ""),
                  service_mode=app.service_mode, county=app.applicant_county, applicant_unit=app.applicant_unit)

        def after() -> None:
            authorization = _issue_authorization(app, step.on) if step.target == Status.GRANTED else None
            _notify_after(app, name, step.transition.label, authorization)

        step.then(after)

    effect.__name__ = f"_share_{name}"
    return effect


for _name in SHARE_APPLICATION.transitions:
    SHARE_APPLICATION.effect(_name)(_share_effect(_name))


def share_application_act(*, application: ShareApplication, action: str, acting_user: Any, opinion: str = "",
                          policy_basis: str = "", agreement_reference: str = "", data_items: list[Any] | None = None,
                          valid_until_on: date | None = None) -> ShareApplication:
    """Take one workflow step (``SHARE_APPLICATION.apply``); refused, nothing changed, when the state, the actor or
    the required inputs are wrong."""
    given: dict[str, Any] = {"opinion": opinion, "policy_basis": policy_basis,
                             "agreement_reference": agreement_reference}
    if data_items is not None:
        given["data_items"] = list(data_items)
    if valid_until_on is not None:
        given["valid_until_on"] = valid_until_on
    transition = SHARE_APPLICATION.transition(action)
    given = {k: v for k, v in given.items() if transition.input(k) is not None}
    result: ShareApplication = SHARE_APPLICATION.apply(action, application, user=acting_user, **given)
    return result


def _issue_authorization(app: ShareApplication, on: date) -> Authorization:
    """Freeze what was granted: entries, items, mode, period (DataPass: the habilitation is its own record)."""
    items = list(app.data_items.select_related("entry"))
    entries = list(app.entries.select_related("source_unit"))
    auth = Authorization(
        number=new_number("SQ"), application=app, consumer_unit=app.applicant_unit,
        service_mode=app.service_mode, interface_kind=app.interface_kind, share_type=app.share_type,
        valid_from_on=max(on, app.requested_from_on), valid_until_on=app.requested_until_on,
        is_special=app.kind == RequestKind.SPECIAL_AGENCY,
        scope_snapshot={
            "entries": [{"id": e.pk, "code": e.code, "title": e.title, "source_unit": e.source_unit.name,
                         "share_type": e.share_type} for e in entries],
            "data_items": [{"id": i.pk, "entry": i.entry.code, "name": i.name} for i in items],
            "conditions": app.scope_conditions, "business_matter": app.business_matter,
            "information_system": app.information_system, "adjustment": app.adjustment_note,
        })
    auth.save()
    auth.entries.set(entries)
    sync_authorization(auth)
    auth.data_items.set(items)
    audit_record(actor=None, action="sharing.authorization.issue", obj=auth, after=auth.scope_snapshot)
    return auth


def _unit_admins(unit_id: int) -> list[Any]:
    from django.contrib.auth import get_user_model

    return list(get_user_model().objects.filter(memberships__organization_id=unit_id,
                                                memberships__role=Role.UNIT_DATA_ADMIN,
                                                memberships__retired_at__isnull=True).distinct())


def _notify_after(app: ShareApplication, action: str, label: str, authorization: Authorization | None) -> None:
    if action in ("submit", "county_forward"):
        return
    body = f"申请{app.number}（{app.business_matter}）：{label}。当前状态：{app.get_status_display()}。"
    if authorization is not None:
        body += f"授权编号 {authorization.number}，有效期至 {authorization.valid_until_on}。"
    if app.rejection_reason:
        body += f"原因：{app.rejection_reason}；政策依据：{app.rejection_policy_basis}。"
    notify(recipients=_unit_admins(app.applicant_unit_id), title=f"数据共享申请{label}", body=body,
           url=f"/admin/sharing/shareapplication/{app.pk}/change/")
    if authorization is not None and app.route == Route.COUNTY_LOCAL:
        from django.contrib.auth import get_user_model

        city = list(get_user_model().objects.filter(memberships__role=Role.CITY_AUTHORITY,
                                                    memberships__retired_at__isnull=True).distinct())
        notify(recipients=city, title="县级数据共享审核备案", body=body,
               url=f"/admin/sharing/shareapplication/{app.pk}/change/")


# ------------------------------------------------------------------------------------------------ convenience
def share_application_submit(*, application: ShareApplication, acting_user: Any) -> ShareApplication:
    """Submit online (deemed a stamped paper application, QZ-A2 §1) and route it."""
    return share_application_act(application=application, action="submit", acting_user=acting_user)


def share_application_withdraw(*, application: ShareApplication, acting_user: Any, reason: str) -> ShareApplication:
    return share_application_act(application=application, action="withdraw", acting_user=acting_user, opinion=reason)


@transaction.atomic
def producer_opinion_give(*, application: ShareApplication, producer_unit: Any, agrees: bool, opinion: str,
                          acting_user: Any) -> ProducerOpinion:
    """A producer's joint-review opinion (会商意见); one per producer unit, final once given."""
    app = relock(application)
    require(permissions.can_give_producer_opinion(acting_user, app, producer_unit))
    if not opinion.strip():
        raise ValidationError({"opinion": ["请填写会商意见。"]})
    if ProducerOpinion.objects.filter(application=app, producer_unit=producer_unit).exists():
        raise ValidationError("本单位已提交会商意见，不能重复提交。")
    with acting_as(acting_user):
        result = ProducerOpinion.objects.create(application=app, producer_unit=producer_unit, agrees=agrees,
                                                opinion=opinion.strip(), given_by=acting_user,
                                                due_on=app.current_due_on)
        audit_record(actor=acting_user, action="sharing.application.producer_opinion", obj=app,
                     reason=opinion, after={"producer_unit": producer_unit.pk, "agrees": agrees})
    return result


@transaction.atomic
def share_application_resubmit(*, application: ShareApplication, acting_user: Any) -> ShareApplication:
    """After negotiation: a new draft linked to the closed one, with the same content to adjust."""
    old = relock(application)
    if old.status != Status.CLOSED_FOR_RESUBMISSION:
        raise ValidationError("只有协商后关闭的申请可以重新申请。")
    require(permissions.can_resubmit_share_application(acting_user, old))
    fields = {f: getattr(old, f) for f in EDITABLE_FIELDS}
    if fields["requested_until_on"] < today():
        raise ValidationError("原申请的使用期限已过，请新建申请。")
    new = share_application_create(applicant_unit=old.applicant_unit, entries=list(old.entries.all()),
                                   data_items=list(old.data_items.all()), acting_user=acting_user, **fields)
    new.previous_application = old
    with acting_as(acting_user):
        new.save(update_fields=["previous_application", "updated_at"])
    return new
