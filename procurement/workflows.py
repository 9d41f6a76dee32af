"""The state machines of the procurement app, declared once: source states, target, acting role, time limit.

Services look their step up here (``require_transition``) so the admin, the API and commands share one rule set.
Actor tokens: ``unit`` = procurement officer of the owning/procuring unit; ``authority`` = approving authority
(city data authority); ``supervisor`` = procurement supervisor (oversight); ``evaluator`` = assigned committee member.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from procurement.models import ComplaintStatus, ObjectionStatus, ProjectStatus, TenderStatus

P, T = ProjectStatus, TenderStatus


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[str, ...]
    target: str
    actors: tuple[str, ...]
    limit: str = ""  # the time limit of the step, as people read it


PROJECT_FLOW: dict[str, Transition] = {t.name: t for t in (
    Transition("start_joint_review", (P.DEMAND_COLLECTED,), P.JOINT_REVIEW, ("authority",), "联合审核5个工作日"),
    Transition("include_in_plan", (P.JOINT_REVIEW,), P.IN_PLAN, ("authority",), "年度计划10月31日前编制"),
    Transition("approve_fsr", (P.IN_PLAN,), P.FSR_APPROVED, ("authority",)),
    Transition("approve_pd", (P.FSR_APPROVED, P.IN_PLAN), P.PD_APPROVED, ("authority",),
               "初步设计20个工作日内审批；可研暨初设合并审批限三种情形"),
    Transition("start_procurement", (P.PD_APPROVED,), P.PROCURING, ("unit",)),
    Transition("start_construction", (P.PROCURING, P.PD_APPROVED), P.UNDER_CONSTRUCTION, ("unit",),
               "建设期每年年底前报送绩效评价报告"),
    Transition("suspend", (P.UNDER_CONSTRUCTION,), P.SUSPENDED, ("authority",)),
    Transition("resume", (P.SUSPENDED,), P.UNDER_CONSTRUCTION, ("authority",)),
    Transition("terminate", (P.SUSPENDED, P.UNDER_CONSTRUCTION, P.PROCURING), P.TERMINATED, ("authority",)),
    Transition("complete", (P.UNDER_CONSTRUCTION,), P.COMPLETED, ("unit",), "建设完成后6个月内申请验收"),
    Transition("apply_acceptance", (P.COMPLETED,), P.ACCEPTANCE_APPLIED, ("unit",), "6个月内，或经批准延期"),
    Transition("accept", (P.ACCEPTANCE_APPLIED,), P.ACCEPTED, ("authority",),
               "数据资源已编目登记；安全、密码、档案验收已记录"),
    Transition("start_operation", (P.ACCEPTED,), P.IN_OPERATION, ("unit",)),
    Transition("self_evaluate", (P.IN_OPERATION,), P.SELF_EVALUATED, ("unit",), "验收并投入运行后6—12个月"),
)}

TENDER_FLOW: dict[str, Transition] = {t.name: t for t in (
    Transition("issue", (T.DRAFT,), T.ISSUED, ("unit",), "发布同时备案；至投标截止不少于20日"),
    Transition("amend", (T.ISSUED,), T.ISSUED, ("unit",), "影响投标的澄清修改距截止不足15日则顺延"),
    Transition("record_bid", (T.ISSUED,), T.ISSUED, ("unit",), "投标截止前"),
    Transition("close_and_open", (T.ISSUED,), T.OPENED, ("unit",), "不足3家不得开标，重新招标"),
    Transition("evaluate", (T.OPENED, T.EVALUATING), T.EVALUATING, ("unit", "evaluator")),
    Transition("submit_report", (T.EVALUATING,), T.REPORT_SUBMITTED, ("unit",)),
    Transition("publicize_candidates", (T.REPORT_SUBMITTED,), T.CANDIDATES_PUBLICIZED, ("unit",),
               "收到评标报告3日内公示，不少于3日"),
    Transition("determine_award", (T.CANDIDATES_PUBLICIZED,), T.AWARD_DETERMINED, ("unit",),
               "收到评标报告15日内确定中标人"),
    Transition("publicize_award", (T.AWARD_DETERMINED,), T.AWARD_PUBLICIZED, ("unit",),
               "确定中标人3日内公示，不少于10日"),
    Transition("sign_contract", (T.AWARD_PUBLICIZED, T.CONTRACTED), T.CONTRACTED, ("unit",),
               "中标通知书发出后按前附表期限签订；3日内公示不少于3日"),
    Transition("file_written_report", (T.AWARD_DETERMINED, T.AWARD_PUBLICIZED, T.CONTRACTED), "", ("unit",),
               "确定中标人15日内提交书面报告"),
    Transition("close", (T.CONTRACTED,), T.CLOSED, ("unit",), "保证金全部退还或不予退还"),
    Transition("terminate", (T.DRAFT, T.ISSUED, T.BIDS_CLOSED, T.OPENED, T.EVALUATING), T.TERMINATED,
               ("unit", "supervisor")),
)}

OBJECTION_FLOW: dict[str, Transition] = {t.name: t for t in (
    Transition("accept", (ObjectionStatus.RECEIVED,), ObjectionStatus.ACCEPTED, ("unit",), "收到后2日内决定"),
    Transition("reject", (ObjectionStatus.RECEIVED,), ObjectionStatus.NOT_ACCEPTED, ("unit",), "收到后2日内决定"),
    Transition("answer", (ObjectionStatus.RECEIVED, ObjectionStatus.ACCEPTED, ObjectionStatus.DEEMED_ACCEPTED),
               ObjectionStatus.ANSWERED, ("unit",), "收到后3日内答复，期间暂停招标投标活动"),
)}

COMPLAINT_FLOW: dict[str, Transition] = {t.name: t for t in (
    Transition("accept", (ComplaintStatus.FILED,), ComplaintStatus.ACCEPTED, ("supervisor",), "3个工作日内审查"),
    Transition("reject", (ComplaintStatus.FILED,), ComplaintStatus.NOT_ACCEPTED, ("supervisor",),
               "3个工作日内书面告知不予受理"),
    Transition("decide", (ComplaintStatus.ACCEPTED,), ComplaintStatus.DECIDED, ("supervisor",)),
)}


def require_transition(flow: dict[str, Transition], name: str, current: str, labels: type) -> Transition:
    """The transition, or a ValidationError naming (in Chinese) the states that allow it."""
    step = flow[name]
    if current not in step.sources:
        names = dict(labels.choices)
        allowed = "、".join(str(names.get(s, s)) for s in step.sources)
        raise ValidationError(f"当前状态“{names.get(current, current)}”下不能执行此操作；仅在以下状态可以：{allowed}。")
    return step
