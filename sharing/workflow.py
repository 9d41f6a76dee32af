"""The sharing workflows, declared once: states, who acts in each step, the working-day limit, and transitions.

Source: catalog_sharing.md §3.4–§3.5 (QZ §五(四), QZ-A2 §1–4) and §4.2 (QZ §六(五)). Every step's due date is
``portal.workdays.add_workdays(start, limit)`` (the start day is not counted). Limits marked ``statutory`` come from the
rules (QZ-A2 §3: 5 working days for the conditional bulk review opinion); the others are service targets for steps the
rules only call "及时" (promptly) — see docs/adr/0201-sharing-step-deadlines.md. ``settings.SHARING_STEP_WORKDAYS`` may
override any limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone

from portal.workdays import add_workdays


class Actor(models.TextChoices):
    """Who acts in a step (a role *relative to the application*, checked in ``sharing.permissions``)."""

    APPLICANT = "applicant", "申请单位"
    TECH = "tech", "技术服务单位"
    CITY_AUTHORITY = "city_authority", "市数据管理机构"
    COUNTY_AUTHORITY = "county_authority", "县级数据管理机构"
    PRODUCER = "producer", "数据生产单位"


class Status(models.TextChoices):
    DRAFT = "draft", "草稿"
    COUNTY_REVIEW = "county_review", "县级数据管理机构审核中"
    COUNTY_FORWARDING = "county_forwarding", "待县级数据管理机构统一向市级申请"
    COORDINATING = "coordinating", "数据管理机构协调处理中"
    ASSESSING = "assessing", "技术服务单位需求评估中"
    JOINT_REVIEW = "joint_review", "数据管理机构会同生产单位会商中"
    NEGOTIATING = "negotiating", "协商调整中"
    CONFIRMING = "confirming", "待数据管理机构确认"
    GRANTING = "granting", "待开放接口并授权"
    MODEL_BUILDING = "model_building", "交叉核验模型制作中"
    AGREEMENT_SIGNING = "agreement_signing", "待签署数据使用协议"
    PUSH_CONFIGURING = "push_configuring", "推送任务配置中"
    GRANTED = "granted", "已授权（服务已开通）"
    REJECTED = "rejected", "审核不通过"
    STOPPED = "stopped", "已停止授权"
    CLOSED_FOR_RESUBMISSION = "closed_for_resubmission", "已关闭（协商后重新申请）"
    WITHDRAWN = "withdrawn", "已撤回"


FINAL_STATES = frozenset({Status.GRANTED, Status.REJECTED, Status.STOPPED, Status.CLOSED_FOR_RESUBMISSION,
                          Status.WITHDRAWN})
OPEN_STATES = frozenset(Status) - FINAL_STATES - {Status.DRAFT}


@dataclass(frozen=True)
class Step:
    actor: str
    workdays: int
    statutory: bool = False
    basis: str = ""


# state -> who must act and within how many working days
STEPS: dict[str, Step] = {
    Status.COUNTY_REVIEW: Step(Actor.COUNTY_AUTHORITY, 5, basis="QZ-A2 §4（期限为服务目标）"),
    Status.COUNTY_FORWARDING: Step(Actor.COUNTY_AUTHORITY, 3, basis="QZ-A2 §4（期限为服务目标）"),
    Status.COORDINATING: Step(Actor.CITY_AUTHORITY, 5, basis="QZ §五(九)（期限为服务目标）"),
    Status.ASSESSING: Step(Actor.TECH, 5, basis="QZ-A2 §2“及时”（期限为服务目标）"),
    Status.JOINT_REVIEW: Step(Actor.CITY_AUTHORITY, 5, basis="QZ-A2 §3：5个工作日内提出审核意见"),
    Status.NEGOTIATING: Step(Actor.CITY_AUTHORITY, 10, basis="QZ-A2 §2（期限为服务目标）"),
    Status.CONFIRMING: Step(Actor.CITY_AUTHORITY, 3, basis="QZ-A2 §2（期限为服务目标）"),
    Status.GRANTING: Step(Actor.TECH, 5, basis="QZ-A2 §2（期限为服务目标）"),
    Status.MODEL_BUILDING: Step(Actor.TECH, 15, basis="QZ-A2 §2（期限为服务目标）"),
    Status.AGREEMENT_SIGNING: Step(Actor.TECH, 5, basis="QZ-A2 §3（期限为服务目标）"),
    Status.PUSH_CONFIGURING: Step(Actor.TECH, 5, basis="QZ-A2 §3（期限为服务目标）"),
}


def step_workdays(state: str) -> int:
    override = getattr(settings, "SHARING_STEP_WORKDAYS", {}) or {}
    return int(override.get(str(state), STEPS[state].workdays))


def step_is_statutory(state: str, service_mode: str) -> bool:
    """The 5-day joint review is statutory for bulk exchange (QZ-A2 §3); everything else is a service target."""
    return state == Status.JOINT_REVIEW and service_mode == "bulk_exchange"


def today() -> date:
    """The current local date (Asia/Shanghai); the single clock of the sharing workflows."""
    return timezone.localdate()


def due_on(state: str, start: date) -> date | None:
    """Due date of a step entered on ``start``: ``limit`` working days later (the start day is not counted)."""
    if state not in STEPS:
        return None
    return add_workdays(start, step_workdays(state))


@dataclass(frozen=True)
class Transition:
    name: str
    label: str
    sources: frozenset[str]
    targets: tuple[str, ...]  # possible targets; the service resolves the concrete one (routing, mode, share type)
    actor: str
    needs_reason: bool = False  # a free-text opinion/reason is mandatory
    needs_policy_basis: bool = False  # refusals: policy basis and reason (QZ-A2 §3)

    @property
    def actor_label(self) -> str:
        return Actor(self.actor).label


def _t(name: str, label: str, sources: set[str], targets: tuple[str, ...], actor: str, **kw: bool) -> Transition:
    return Transition(name, label, frozenset(sources), targets, actor, **kw)


# The share application state machine (catalog_sharing.md §3.5). One row per action.
TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    _t("submit", "提交申请", {Status.DRAFT},
       (Status.COUNTY_REVIEW, Status.COUNTY_FORWARDING, Status.COORDINATING, Status.ASSESSING,
        Status.JOINT_REVIEW, Status.PUSH_CONFIGURING), Actor.APPLICANT),
    _t("withdraw", "撤回申请", set(OPEN_STATES), (Status.WITHDRAWN,), Actor.APPLICANT, needs_reason=True),
    # county routing (QZ-A2 §4)
    _t("county_approve", "县级审核通过（报市级备案）", {Status.COUNTY_REVIEW}, (Status.GRANTED,),
       Actor.COUNTY_AUTHORITY),
    _t("county_reject", "县级审核不通过", {Status.COUNTY_REVIEW}, (Status.REJECTED,), Actor.COUNTY_AUTHORITY,
       needs_reason=True, needs_policy_basis=True),
    _t("county_forward", "统一向市级申请", {Status.COUNTY_FORWARDING},
       (Status.ASSESSING, Status.JOINT_REVIEW, Status.PUSH_CONFIGURING), Actor.COUNTY_AUTHORITY),
    # special agencies (QZ §五(九))
    _t("coordinate_approve", "协调处理：同意提供", {Status.COORDINATING}, (Status.GRANTED,), Actor.CITY_AUTHORITY,
       needs_reason=True),
    _t("coordinate_reject", "协调处理：不予提供", {Status.COORDINATING}, (Status.REJECTED,), Actor.CITY_AUTHORITY,
       needs_reason=True, needs_policy_basis=True),
    # api / cross verification (QZ-A2 §2)
    _t("assess_reasonable", "评估：需求合理", {Status.ASSESSING}, (Status.JOINT_REVIEW, Status.CONFIRMING),
       Actor.TECH, needs_reason=True),
    _t("assess_unreasonable", "评估：需求不合理", {Status.ASSESSING}, (Status.NEGOTIATING,), Actor.TECH,
       needs_reason=True),
    _t("negotiate_close", "协商完毕：关闭并请重新申请", {Status.NEGOTIATING}, (Status.CLOSED_FOR_RESUBMISSION,),
       Actor.CITY_AUTHORITY, needs_reason=True),
    # joint review with the producer (QZ §五(四); bulk: QZ-A2 §3, 5 working days)
    _t("joint_approve", "会商同意", {Status.JOINT_REVIEW}, (Status.AGREEMENT_SIGNING, Status.CONFIRMING),
       Actor.CITY_AUTHORITY),
    _t("joint_reject", "会商不同意（不予共享）", {Status.JOINT_REVIEW}, (Status.REJECTED,), Actor.CITY_AUTHORITY,
       needs_reason=True, needs_policy_basis=True),
    _t("confirm", "确认授权", {Status.CONFIRMING}, (Status.GRANTING,), Actor.CITY_AUTHORITY),
    _t("adjust", "调整后确认授权", {Status.CONFIRMING}, (Status.GRANTING,), Actor.CITY_AUTHORITY, needs_reason=True),
    _t("stop", "停止授权", {Status.CONFIRMING}, (Status.STOPPED,), Actor.CITY_AUTHORITY, needs_reason=True,
       needs_policy_basis=True),
    _t("grant", "开放接口并授权", {Status.GRANTING}, (Status.MODEL_BUILDING, Status.GRANTED), Actor.TECH),
    _t("model_complete", "交叉核验模型上线", {Status.MODEL_BUILDING}, (Status.GRANTED,), Actor.TECH),
    # bulk exchange (QZ-A2 §3)
    _t("agreement_record", "登记已签署协议", {Status.AGREEMENT_SIGNING}, (Status.PUSH_CONFIGURING,), Actor.TECH,
       needs_reason=True),
    _t("push_configure", "配置推送任务", {Status.PUSH_CONFIGURING}, (Status.GRANTED,), Actor.TECH),
]}


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]


# ---------------------------------------------------------------------------------------- open data (QZ §六(五))
class OpenStatus(models.TextChoices):
    DRAFT = "draft", "草稿"
    ASSESSING = "assessing", "技术服务单位需求评估中"
    CONFIRMING = "confirming", "待数据管理机构确认"
    NEGOTIATING = "negotiating", "协商调整中"
    GRANTED = "granted", "已授权"
    STOPPED = "stopped", "已停止授权"
    CLOSED_FOR_RESUBMISSION = "closed_for_resubmission", "已关闭（协商后重新申请）"
    WITHDRAWN = "withdrawn", "已撤回"


OPEN_FINAL_STATES = frozenset({OpenStatus.GRANTED, OpenStatus.STOPPED, OpenStatus.CLOSED_FOR_RESUBMISSION,
                               OpenStatus.WITHDRAWN})
OPEN_ACTIVE_STATES = frozenset(OpenStatus) - OPEN_FINAL_STATES - {OpenStatus.DRAFT}

OPEN_STEPS: dict[str, Step] = {
    OpenStatus.ASSESSING: Step(Actor.TECH, 5, basis="QZ §六(五)“及时”（期限为服务目标）"),
    OpenStatus.CONFIRMING: Step(Actor.CITY_AUTHORITY, 3, basis="QZ §六(五)（期限为服务目标）"),
    OpenStatus.NEGOTIATING: Step(Actor.CITY_AUTHORITY, 10, basis="QZ §六(五)（期限为服务目标）"),
}

OPEN_TRANSITIONS: dict[str, Transition] = {t.name: t for t in [
    _t("submit", "提交申请", {OpenStatus.DRAFT}, (OpenStatus.ASSESSING,), Actor.APPLICANT),
    _t("withdraw", "撤回申请", set(OPEN_ACTIVE_STATES), (OpenStatus.WITHDRAWN,), Actor.APPLICANT, needs_reason=True),
    _t("assess_reasonable", "评估：需求合理", {OpenStatus.ASSESSING}, (OpenStatus.CONFIRMING,), Actor.TECH,
       needs_reason=True),
    _t("assess_unreasonable", "评估：需求不合理", {OpenStatus.ASSESSING}, (OpenStatus.NEGOTIATING,), Actor.TECH,
       needs_reason=True),
    _t("negotiate_close", "协商完毕：关闭并请重新申请", {OpenStatus.NEGOTIATING},
       (OpenStatus.CLOSED_FOR_RESUBMISSION,), Actor.CITY_AUTHORITY, needs_reason=True),
    _t("confirm", "确认并授权", {OpenStatus.CONFIRMING}, (OpenStatus.GRANTED,), Actor.CITY_AUTHORITY),
    _t("adjust", "调整后授权", {OpenStatus.CONFIRMING}, (OpenStatus.GRANTED,), Actor.CITY_AUTHORITY, needs_reason=True),
    _t("stop", "停止授权", {OpenStatus.CONFIRMING}, (OpenStatus.STOPPED,), Actor.CITY_AUTHORITY, needs_reason=True,
       needs_policy_basis=True),
]}


def open_due_on(state: str, start: date) -> date | None:
    if state not in OPEN_STEPS:
        return None
    override = getattr(settings, "SHARING_STEP_WORKDAYS", {}) or {}
    return add_workdays(start, int(override.get(f"open:{state}", OPEN_STEPS[state].workdays)))
