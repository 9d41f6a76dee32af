"""The sharing workflows, declared once with the kernel (``portal.workflow``): share applications, open-data
applications, and the grants they produce (share authorizations, open-data grants).

Source: catalog_sharing.md §3.4–§3.5 (QZ §五(四), QZ-A2 §1–4), §4.2 (QZ §六(五)) and QZ §五(十) for the grants. A
limit is the working-day time of the step its state opens (``portal.workdays``; the start day is not counted). The
limits marked ``statutory`` come from the rules (QZ-A2 §3: 5 working days for the joint review of a conditional *bulk
exchange*, hence ``STATUTORY_ONLY_FOR``); the others are service targets for steps the rules only call “及时”
(promptly) — see docs/adr/0201-sharing-step-deadlines.md. ``settings.SHARING_STEP_WORKDAYS`` may override any limit
(keys: the state, ``open:<state>`` for open-data applications), read through the ``sharing`` parameter source.

What a step does besides changing the state lives in the effects of ``sharing.services`` (routing, validation, the
``WorkflowStep`` rows of the overdue board and the assessment, issuing the frozen authorization or grant, notices).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings

from portal.workflow import Input, Limit, Transition, Workflow, register_parameter_source
from sharing.permissions import (
    can_act_as_city_authority,
    can_act_as_county_authority,
    can_act_as_open_provider,
    can_act_as_reviewing_authority,
    can_act_as_tech_unit,
    can_act_for_applicant,
    can_act_for_open_applicant,
    can_apply_catalog_change,
    can_manage_authorization,
    can_manage_open_grant,
    can_run_schedule,
)
from sharing.states import (
    FINAL_STATES,
    OPEN_ACTIVE_STATES,
    OPEN_FINAL_STATES,
    OPEN_STATES,
    Actor,
    AuthorizationStatus,
    MisuseKind,
    OpenStatus,
    Status,
    today,
)

__all__ = ["AUTHORIZATION", "FINAL_STATES", "OPEN_ACTIVE_STATES", "OPEN_APPLICATION", "OPEN_FINAL_STATES",
           "OPEN_GRANT", "OPEN_STATES", "SHARE_APPLICATION", "Actor", "AuthorizationStatus", "MisuseKind",
           "OpenStatus", "Status", "due_on", "open_due_on", "step_actor", "step_is_statutory", "today"]


def _local_workdays(name: str, on: date) -> int | None:
    """``sharing.<state>`` / ``sharing.open.<state>`` -> ``settings.SHARING_STEP_WORKDAYS[<state> | open:<state>]``."""
    key = name.split(".", 1)[1]
    if key.startswith("open."):
        key = "open:" + key.removeprefix("open.")
    override = getattr(settings, "SHARING_STEP_WORKDAYS", {}) or {}
    return int(override[key]) if key in override else None


register_parameter_source("sharing", _local_workdays)

SLA = "（期限为服务目标）"


def _share(state: str, days: int, basis: str, *, statutory: bool = False) -> Limit:
    return Limit(days, basis=basis, statutory=statutory, parameter=f"sharing.{state}")


def _open(state: str, days: int, basis: str) -> Limit:
    return Limit(days, basis=basis, parameter=f"sharing.open.{state}")


# ------------------------------------------------------------------------------------------ inputs
OPINION = Input("opinion", "意见或原因")
POLICY_BASIS = Input("policy_basis", "政策依据", help="不予共享、停止授权须写明所依据的法律法规或政策条款。")
WITHDRAW_REASON = Input("opinion", "撤回原因")
AGREEMENT = Input("agreement_reference", "数据使用协议编号", kind="line")
VALID_UNTIL = Input("valid_until_on", "调整后的使用截止日", kind="date", required=False,
                    help="留空则按原申请截止日。")


def _application_items(app: object) -> list[tuple[str, str]]:
    items = app.data_items.select_related("entry").order_by("entry__code", "sort_order", "pk")  # type: ignore[attr-defined]
    return [(str(i.pk), f"{i.entry.code} {i.entry.title} · {i.name}") for i in items]


def _application_entries(app: object) -> list[tuple[str, str]]:
    return [(str(e.pk), f"{e.code} {e.title}") for e in app.entries.order_by("code", "pk")]  # type: ignore[attr-defined]


DATA_ITEMS = Input("data_items", "保留的信息项（只能缩小范围）", kind="multi", required=False,
                   options=_application_items, help="不选则保留原申请的全部信息项。")
ENTRIES = Input("entries", "保留的目录（只能缩小范围）", kind="multi", required=False,
                options=_application_entries, help="不选则保留原申请的全部目录。")
EXTRA_RESTRICTIONS = Input("extra_restrictions", "附加限制条件（每行一条）", required=False,
                           help="规定的限制条款（不得提供给第三方、不得倒卖、注明来源和获取日期等）自动写入许可。")

# ------------------------------------------------------------------------------------------ share applications
# The 5-day joint review is statutory only for bulk exchange (QZ-A2 §3); for other modes it is a service target.
STATUTORY_ONLY_FOR = {Status.JOINT_REVIEW: "bulk_exchange"}

S = Status
SHARE_APPLICATION = Workflow(
    "sharing.application", label="数据共享申请", model="sharing.ShareApplication", states=Status,
    due_field="current_due_on", lock_related=("applicant_unit", "applicant_county"),
    limits={
        S.COUNTY_REVIEW: _share(S.COUNTY_REVIEW, 5, "QZ-A2 §4" + SLA),
        S.COUNTY_FORWARDING: _share(S.COUNTY_FORWARDING, 3, "QZ-A2 §4" + SLA),
        S.COORDINATING: _share(S.COORDINATING, 5, "QZ §五(九)" + SLA),
        S.ASSESSING: _share(S.ASSESSING, 5, "QZ-A2 §2“及时”" + SLA),
        S.JOINT_REVIEW: _share(S.JOINT_REVIEW, 5, "QZ §五(四)；批量数据交换为法定期限：QZ-A2 §3，5个工作日内提出审核意见",
                                statutory=True),
        S.NEGOTIATING: _share(S.NEGOTIATING, 10, "QZ-A2 §2" + SLA),
        S.CONFIRMING: _share(S.CONFIRMING, 3, "QZ-A2 §2" + SLA),
        S.GRANTING: _share(S.GRANTING, 5, "QZ-A2 §2" + SLA),
        S.MODEL_BUILDING: _share(S.MODEL_BUILDING, 15, "QZ-A2 §2" + SLA),
        S.AGREEMENT_SIGNING: _share(S.AGREEMENT_SIGNING, 5, "QZ-A2 §3" + SLA),
        S.PUSH_CONFIGURING: _share(S.PUSH_CONFIGURING, 5, "QZ-A2 §3" + SLA),
    },
    transitions=[
        Transition("submit", "提交申请", (S.DRAFT,),
                   (S.COUNTY_FORWARDING, S.COORDINATING, S.ASSESSING, S.JOINT_REVIEW, S.PUSH_CONFIGURING),
                   actor=can_act_for_applicant),
        Transition("withdraw", "撤回申请", tuple(sorted(OPEN_STATES)), S.WITHDRAWN, actor=can_act_for_applicant,
                   inputs=(WITHDRAW_REASON,), optional=True),
        # county routing (QZ-A2 §4). County-local requests run the city's steps, the county's authority reviewing
        # (``can_act_as_reviewing_authority``); ``county_review`` is only left for applications submitted before
        # that (it used to grant at once): they are moved into the same steps.
        Transition("county_accept", "转入评估、会商等审核环节", (S.COUNTY_REVIEW,),
                   (S.ASSESSING, S.JOINT_REVIEW, S.PUSH_CONFIGURING), actor=can_act_as_county_authority,
                   inputs=(OPINION.optional(),)),
        Transition("county_forward", "统一向市级申请", (S.COUNTY_FORWARDING,),
                   (S.ASSESSING, S.JOINT_REVIEW, S.PUSH_CONFIGURING), actor=can_act_as_county_authority,
                   inputs=(OPINION.optional(),)),
        # special agencies (QZ §五(九))
        Transition("coordinate_approve", "协调处理：同意提供", (S.COORDINATING,), S.GRANTED,
                   actor=can_act_as_city_authority, inputs=(OPINION,)),
        Transition("coordinate_reject", "协调处理：不予提供", (S.COORDINATING,), S.REJECTED,
                   actor=can_act_as_city_authority, inputs=(OPINION, POLICY_BASIS)),
        # api / cross verification (QZ-A2 §2)
        Transition("assess_reasonable", "评估：需求合理", (S.ASSESSING,), (S.JOINT_REVIEW, S.CONFIRMING),
                   actor=can_act_as_tech_unit, inputs=(OPINION,)),
        Transition("assess_unreasonable", "评估：需求不合理", (S.ASSESSING,), S.NEGOTIATING,
                   actor=can_act_as_tech_unit, inputs=(OPINION,)),
        Transition("negotiate_close", "协商完毕：关闭并请重新申请", (S.NEGOTIATING,), S.CLOSED_FOR_RESUBMISSION,
                   actor=can_act_as_reviewing_authority, inputs=(OPINION,)),
        # joint review with the producer (QZ §五(四); bulk: QZ-A2 §3, 5 working days)
        Transition("joint_approve", "会商同意", (S.JOINT_REVIEW,), (S.AGREEMENT_SIGNING, S.CONFIRMING),
                   actor=can_act_as_reviewing_authority, inputs=(OPINION.optional(),)),
        Transition("joint_reject", "会商不同意（不予共享）", (S.JOINT_REVIEW,), S.REJECTED,
                   actor=can_act_as_reviewing_authority, inputs=(OPINION, POLICY_BASIS)),
        Transition("confirm", "确认授权", (S.CONFIRMING,), S.GRANTING, actor=can_act_as_reviewing_authority,
                   inputs=(OPINION.optional(),)),
        Transition("adjust", "调整后确认授权", (S.CONFIRMING,), S.GRANTING, actor=can_act_as_reviewing_authority,
                   inputs=(OPINION, DATA_ITEMS, VALID_UNTIL)),
        Transition("stop", "停止授权", (S.CONFIRMING,), S.STOPPED, actor=can_act_as_reviewing_authority,
                   inputs=(OPINION, POLICY_BASIS)),
        Transition("grant", "开放接口并授权", (S.GRANTING,), (S.MODEL_BUILDING, S.GRANTED),
                   actor=can_act_as_tech_unit, inputs=(OPINION.optional(),)),
        Transition("model_complete", "交叉核验模型上线", (S.MODEL_BUILDING,), S.GRANTED, actor=can_act_as_tech_unit,
                   inputs=(OPINION.optional(),)),
        # bulk exchange (QZ-A2 §3)
        Transition("agreement_record", "登记已签署协议", (S.AGREEMENT_SIGNING,), S.PUSH_CONFIGURING,
                   actor=can_act_as_tech_unit, inputs=(OPINION, AGREEMENT)),
        Transition("push_configure", "配置推送任务", (S.PUSH_CONFIGURING,), S.GRANTED, actor=can_act_as_tech_unit,
                   inputs=(OPINION.optional(),)),
    ],
)

# ------------------------------------------------------------------------------------------ open data (QZ §六(五))
# QZ §六(四)–(五), with the Fujian overlay (FJ-OPEN art.10, FJ-REG art.15; catalog_sharing.md §4.2 step 5): the
# applicant's eligibility is verified by the authority with evidence before anything else; after the authority's
# confirmation each provider unit consents, and the grant is issued only once the signed 数据使用和安全保障协议 is
# recorded. The term never exceeds the requested end date (docs/adr/0206-sharing-county-route-and-open-data-checks.md).
EVIDENCE = Input("eligibility_evidence", "资格证明材料", kind="file",
                 help="营业执照及股权结构证明（内资控股法人企业），或高等院校、科研院所的法人证书等。")
VERIFY_OPINION = Input("opinion", "核验意见", help="写明核验了哪些材料、结论是什么。")
INELIGIBLE_REASON = Input("opinion", "不符合申请资格的原因")
GRANT_UNTIL = Input("valid_until_on", "授权截止日", kind="date", required=False,
                    help="留空则按申请的使用截止日；只能提前（缩短须在意见中说明理由），不能晚于申请的截止日。")
PROVIDER_REASON = Input("opinion", "不同意的理由")
AGREEMENT_NUMBER = Input("agreement_number", "协议编号", kind="line")
AGREEMENT_SIGNED_ON = Input("signed_on", "签署日期", kind="date")
AGREEMENT_SIGNATORIES = Input("signatories", "签署各方（每行一方）", help="如：申请主体名称、市数据管理机构、技术服务单位。")
AGREEMENT_FILE = Input("agreement_file", "已签署的协议文件", kind="file")

OS = OpenStatus
OPEN_APPLICATION = Workflow(
    "sharing.open_application", label="授权开放申请", model="sharing.OpenDataApplication", states=OpenStatus,
    due_field="current_due_on", lock_related=("enterprise",),
    limits={
        OS.VERIFYING: _open(OS.VERIFYING, 5, "QZ §六(四)" + SLA),
        OS.ASSESSING: _open(OS.ASSESSING, 5, "QZ §六(五)“及时”" + SLA),
        OS.CONFIRMING: _open(OS.CONFIRMING, 3, "QZ §六(五)" + SLA),
        OS.NEGOTIATING: _open(OS.NEGOTIATING, 10, "QZ §六(五)" + SLA),
        OS.CONSENTING: _open(OS.CONSENTING, 5, "FJ-OPEN 第十条；FJ-REG 第十五条" + SLA),
        OS.AGREEMENT_SIGNING: _open(OS.AGREEMENT_SIGNING, 10, "FJ-OPEN 第十条" + SLA),
    },
    transitions=[
        Transition("submit", "提交申请", (OS.DRAFT,), OS.VERIFYING, actor=can_act_for_open_applicant),
        Transition("withdraw", "撤回申请", tuple(sorted(OPEN_ACTIVE_STATES)), OS.WITHDRAWN,
                   actor=can_act_for_open_applicant, inputs=(WITHDRAW_REASON,), optional=True),
        Transition("verify_eligibility", "核验申请资格：符合", (OS.VERIFYING,), OS.ASSESSING,
                   actor=can_act_as_city_authority, inputs=(EVIDENCE, VERIFY_OPINION)),
        Transition("refuse_eligibility", "核验申请资格：不符合", (OS.VERIFYING,), OS.INELIGIBLE,
                   actor=can_act_as_city_authority, inputs=(INELIGIBLE_REASON, POLICY_BASIS)),
        Transition("assess_reasonable", "评估：需求合理", (OS.ASSESSING,), OS.CONFIRMING, actor=can_act_as_tech_unit,
                   inputs=(OPINION,)),
        Transition("assess_unreasonable", "评估：需求不合理", (OS.ASSESSING,), OS.NEGOTIATING,
                   actor=can_act_as_tech_unit, inputs=(OPINION,)),
        Transition("negotiate_close", "协商完毕：关闭并请重新申请", (OS.NEGOTIATING,), OS.CLOSED_FOR_RESUBMISSION,
                   actor=can_act_as_city_authority, inputs=(OPINION,)),
        Transition("confirm", "确认授权（征求数据提供单位同意）", (OS.CONFIRMING,), OS.CONSENTING,
                   actor=can_act_as_city_authority, inputs=(OPINION.optional(), GRANT_UNTIL, EXTRA_RESTRICTIONS)),
        Transition("adjust", "调整后确认授权（征求数据提供单位同意）", (OS.CONFIRMING,), OS.CONSENTING,
                   actor=can_act_as_city_authority, inputs=(OPINION, ENTRIES, GRANT_UNTIL, EXTRA_RESTRICTIONS)),
        Transition("stop", "停止授权", (OS.CONFIRMING,), OS.STOPPED, actor=can_act_as_city_authority,
                   inputs=(OPINION, POLICY_BASIS)),
        Transition("provider_consent", "数据提供单位同意开放", (OS.CONSENTING,), (OS.CONSENTING, OS.AGREEMENT_SIGNING),
                   actor=can_act_as_open_provider, inputs=(OPINION.optional(),)),
        Transition("provider_refuse", "数据提供单位不同意开放", (OS.CONSENTING,), OS.PROVIDER_REFUSED,
                   actor=can_act_as_open_provider, inputs=(PROVIDER_REASON,)),
        Transition("agreement_record", "登记已签署协议并开放接口授权", (OS.AGREEMENT_SIGNING,), OS.GRANTED,
                   actor=can_act_as_tech_unit,
                   inputs=(AGREEMENT_NUMBER, AGREEMENT_SIGNED_ON, AGREEMENT_SIGNATORIES, AGREEMENT_FILE,
                           OPINION.optional())),
    ],
)

# ------------------------------------------------------------------------------------------ grants (QZ §五(十))
A = AuthorizationStatus
MISUSE_KIND = Input("misuse_kind", "原因类别", kind="choice", choices=tuple(MisuseKind.choices),
                    help="违法违规使用、超范围使用、使用存在安全风险或其他。")
STOP_REASON = Input("reason", "具体原因")
RESUME_REASON = Input("reason", "恢复理由（整改情况）")
RENEW_REASON = Input("reason", "续期理由")
RENEW_UNTIL = Input("valid_until_on", "续期至", kind="date")
CATALOG_REASON = Input("reason", "目录变更情况")

AUTHORIZATION = Workflow(
    "sharing.authorization", label="数据共享授权", model="sharing.Authorization", states=AuthorizationStatus,
    lock_related=("application", "consumer_unit"),
    transitions=[
        Transition("suspend", "暂停服务", (A.ACTIVE,), A.SUSPENDED, actor=can_manage_authorization,
                   inputs=(MISUSE_KIND, STOP_REASON), optional=True),
        Transition("resume", "恢复服务", (A.SUSPENDED,), A.ACTIVE, actor=can_manage_authorization,
                   inputs=(RESUME_REASON,)),
        Transition("revoke", "终止服务", (A.ACTIVE, A.SUSPENDED), A.REVOKED, actor=can_manage_authorization,
                   inputs=(MISUSE_KIND, STOP_REASON), optional=True),
        Transition("renew", "续期", (A.ACTIVE, A.EXPIRED), A.SUPERSEDED, actor=can_manage_authorization,
                   inputs=(RENEW_UNTIL, RENEW_REASON), optional=True),
        Transition("expire", "到期", (A.ACTIVE, A.SUSPENDED), A.EXPIRED, actor=can_run_schedule, hidden=True),
        # the entry was reclassified to 暂不共享 or retired (docs/adr/0205): run by sharing.services.catalog_impact
        Transition("catalog_suspend", "因目录变更暂停服务", (A.ACTIVE,), A.SUSPENDED, actor=can_apply_catalog_change,
                   inputs=(CATALOG_REASON,), hidden=True),
    ],
)

OPEN_GRANT = Workflow(
    "sharing.open_grant", label="授权开放许可", model="sharing.OpenDataGrant", states=AuthorizationStatus,
    lock_related=("enterprise", "application"),
    transitions=[
        Transition("suspend", "暂停许可", (A.ACTIVE,), A.SUSPENDED, actor=can_manage_open_grant,
                   inputs=(MISUSE_KIND, STOP_REASON), optional=True),
        Transition("resume", "恢复许可", (A.SUSPENDED,), A.ACTIVE, actor=can_manage_open_grant,
                   inputs=(RESUME_REASON,)),
        Transition("revoke", "终止许可", (A.ACTIVE, A.SUSPENDED), A.REVOKED, actor=can_manage_open_grant,
                   inputs=(MISUSE_KIND, STOP_REASON), optional=True),
        Transition("expire", "到期", (A.ACTIVE, A.SUSPENDED), A.EXPIRED, actor=can_run_schedule, hidden=True),
        # the entry was closed to opening (不予开放) or retired (docs/adr/0205)
        Transition("catalog_suspend", "因目录变更暂停许可", (A.ACTIVE,), A.SUSPENDED, actor=can_apply_catalog_change,
                   inputs=(CATALOG_REASON,), hidden=True),
    ],
)


# ------------------------------------------------------------------------------------------ reading the declarations
def step_actor(workflow: Workflow, state: str, obj: object = None) -> str:
    """Who acts in ``state``: the actor of the steps leaving it (withdrawal by the applicant aside); given the record,
    the actor its route decides (the county's authority on the county route)."""
    for t in workflow.transitions.values():
        if state in t.sources and t.name != "withdraw":
            actor_for = getattr(t.actor, "actor_for", None)
            if obj is not None and actor_for is not None:
                return str(actor_for(obj))
            return str(getattr(t.actor, "actor", Actor.APPLICANT))
    return Actor.APPLICANT


def step_is_statutory(workflow: Workflow, state: str, service_mode: str = "") -> bool:
    """Whether the limit of ``state`` is set by the rules (the joint review: only for bulk exchange)."""
    limit = workflow.limits.get(state)
    if limit is None or not limit.statutory:
        return False
    mode = STATUTORY_ONLY_FOR.get(state)  # type: ignore[call-overload]
    return mode is None or service_mode == mode


def due_on(state: str, start: date) -> date | None:
    """Due date of a share-application step entered on ``start`` (``None``: no limit runs in that state)."""
    limit = SHARE_APPLICATION.limits.get(state)
    return limit.due(start) if limit else None


def open_due_on(state: str, start: date) -> date | None:
    limit = OPEN_APPLICATION.limits.get(state)
    return limit.due(start) if limit else None
