"""The subsidy application workflow, declared once with the kernel (``portal.workflow``).

Each transition names its source states, its target (``resubmit`` chooses among the states an application can be
returned from), who acts (``subsidies.permissions``), the working-day limit of the step its target opens and the
inputs it needs. What a step does besides changing the state (checks, the calculator, the money bookings of
``subsidies.services.money``, the event row, notifications) is its effect in ``subsidies.services.applications``.

Clocks that do not start anew: ``review_start`` keeps the running review clock; ``resubmit`` resumes the clock paused
by ``return_for_correction``; ``publicity_start`` runs for the call's own number of publicity days
(``Call.publicity_workdays``, 5 by default) — those effects set the due date themselves.
"""

from __future__ import annotations

from dataclasses import replace

from portal.workflow import AMOUNT, Input, Limit, Transition, Workflow
from subsidies.models.applications import ALIVE, CLOCK_RUNNING, FINANCE_VISIBLE, RESERVING
from subsidies.models.applications import ApplicationStatus as S
from subsidies.models.manual import ManualAwardStatus as M
from subsidies.models.matching import CandidateStatus as C
from subsidies.permissions import (
    can_act_for_applicant,
    can_approve_manual_award,
    can_cancel_manual_award,
    can_close_publicity,
    can_disburse_award,
    can_disburse_manual_award,
    can_expire_candidate,
    can_push_candidate,
    can_respond_candidate,
    can_review_application,
)

__all__ = ["ALIVE", "APPLICATION", "MANUAL_AWARD", "MATCH_CANDIDATE", "CLOCK_RUNNING", "FINANCE_VISIBLE", "RESERVING", "TIMELINE", "WITHDRAWABLE",
           "step_label"]  # the state sets live beside ApplicationStatus (permissions need them before this module)

NOTE = Input("note", "说明", required=False)
APPROVE_NOTE = Input("note", "核定说明", required=False,
                     help="核定金额低于测算上限时必填：写明核减理由（载入决定书）。")
CORRECTION = Input("reason", "补正要求", help="写明需补正的内容和材料，将通知申报主体。")
REJECT_REASON = Input("reason", "不予支持的理由", help="理由将告知申报主体。")
WITHDRAW_REASON = Input("reason", "撤回理由", required=False)
CANCEL_REASON = Input("reason", "撤销理由", help="如公示异议成立，写明核实情况。")
PAYMENT_REFERENCE = Input("payment_reference", "支付凭证号", kind="line", help="国库集中支付凭证号（或银行回单号）。")
PAID_ON = Input("paid_on", "支付日期", kind="date", help="实际支付日期：不得晚于今天，不得早于核定日期。")
APPROVE_AMOUNT = replace(AMOUNT, label="核定金额（元）", help="不得超过测算上限（按申报事实和已获奖补重新测算）。")

REVIEW_SOURCES = (S.SUBMITTED, S.ACCEPTED, S.UNDER_REVIEW)  # the states 补正 and 不予支持 may come from

APPLICATION = Workflow(
    "subsidies.application",
    label="奖补申报",
    model="subsidies.Application",
    states=S,
    due_field="due_on",
    transitions=[
        Transition("submit", "提交申报", (S.DRAFT,), S.SUBMITTED, can_act_for_applicant,
                   limit=Limit(5, basis="受理时限")),
        Transition("accept", "受理", (S.SUBMITTED,), S.ACCEPTED, can_review_application, inputs=(NOTE,),
                   limit=Limit(20, basis="审核时限，补正期间暂停")),
        Transition("return_for_correction", "退回补正", REVIEW_SOURCES, S.RETURNED, can_review_application,
                   inputs=(CORRECTION,), limit=Limit(10, basis="补正期限")),
        # back to the state it was returned from; the paused review clock resumes (effect)
        Transition("resubmit", "补正后重新提交", (S.RETURNED,), REVIEW_SOURCES, can_act_for_applicant,
                   inputs=(NOTE,)),
        Transition("review_start", "开始审核（含专家评审）", (S.ACCEPTED,), S.UNDER_REVIEW, can_review_application,
                   inputs=(NOTE,)),  # the review clock started at 受理 keeps running (effect)
        Transition("approve", "核定奖补金额", (S.UNDER_REVIEW,), S.APPROVED, can_review_application,
                   inputs=(APPROVE_AMOUNT, APPROVE_NOTE),
                   limit=Limit(3, basis="核定后启动公示")),
        Transition("reject", "不予支持", REVIEW_SOURCES, S.REJECTED, can_review_application,
                   inputs=(REJECT_REASON,)),
        Transition("publicity_start", "开始公示", (S.APPROVED,), S.PUBLICITY, can_review_application,
                   limit=Limit(5, basis="公示期，以申报批次设定的工作日数为准")),
        Transition("publicity_close", "公示期满", (S.PUBLICITY,), S.PUBLICIZED, can_close_publicity,
                   limit=Limit(15, basis="公示期满后拨付")),
        Transition("disburse", "财政拨付", (S.PUBLICIZED,), S.DISBURSED, can_disburse_award,
                   inputs=(PAYMENT_REFERENCE, PAID_ON, NOTE)),
        Transition("withdraw", "申报主体撤回",
                   (S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.UNDER_REVIEW, S.APPROVED, S.PUBLICITY,
                    S.PUBLICIZED), S.WITHDRAWN, can_act_for_applicant, inputs=(WITHDRAW_REASON,), optional=True),
        Transition("cancel", "撤销核定（如异议成立）", (S.APPROVED, S.PUBLICITY, S.PUBLICIZED), S.CANCELLED,
                   can_review_application, inputs=(CANCEL_REASON,), optional=True),
    ],
    effects_module="subsidies.services.applications",
)

# 一事一议 (泉政办〔2021〕21号 平台经济“五十百千”行动实施方案 三(四)1): entered with its decision document by a
# program officer (``manual_award_create``), approved by the approver named at entry (the pool booking, under the
# same pool locks as rule awards), paid by finance, or cancelled before payment (the money goes back to the pool).
MANUAL_AWARD = Workflow(
    "subsidies.manual_award",
    label="一事一议奖补",
    model="subsidies.ManualAward",
    states=M,
    transitions=[
        Transition("approve", "批准（预留资金）", (M.PENDING,), M.APPROVED, can_approve_manual_award,
                   inputs=(Input("note", "审批意见", required=False),)),
        Transition("reject", "不予批准", (M.PENDING,), M.REJECTED, can_approve_manual_award,
                   inputs=(Input("reason", "不予批准的理由"),)),
        Transition("disburse", "财政拨付", (M.APPROVED,), M.DISBURSED, can_disburse_manual_award,
                   inputs=(PAYMENT_REFERENCE, PAID_ON, NOTE)),
        Transition("cancel", "撤销（释放资金）", (M.APPROVED,), M.CANCELLED, can_cancel_manual_award,
                   inputs=(Input("reason", "撤销理由"),), optional=True),
    ],
    effects_module="subsidies.services.manual",
)

# 政策精准推送 / 免申即享: proposed by the matching job (``subsidies.services.matching``), pushed by a reviewer of the
# rule's responsible unit, confirmed (facts corrected with evidence where the enterprise disagrees) or declined by the
# enterprise. Confirming creates the pre-filled application marked 免申即享, which then follows ``APPLICATION``.
# A candidate the facts, the history or the rule no longer support is marked stale by the job.
MATCH_CANDIDATE = Workflow(
    "subsidies.match_candidate",
    label="免申即享候选",
    model="subsidies.MatchCandidate",
    states=C,
    transitions=[
        Transition("push", "推送给企业", (C.PROPOSED,), C.PUSHED, can_push_candidate,
                   inputs=(Input("note", "推送说明", required=False),),
                   limit=Limit(10, basis="企业确认期限（本系统设定的服务时限）")),
        Transition("dismiss", "不予推送", (C.PROPOSED,), C.DISMISSED, can_push_candidate,
                   inputs=(Input("reason", "不予推送的理由"),), optional=True),
        Transition("confirm", "企业确认（生成申报）", (C.PUSHED,), C.CONFIRMED, can_respond_candidate,
                   inputs=(NOTE,)),  # corrected facts and their evidence: ``candidate_confirm`` (site form)
        Transition("decline", "企业放弃", (C.PUSHED,), C.DECLINED, can_respond_candidate,
                   inputs=(Input("reason", "放弃原因", required=False),), optional=True),
        Transition("expire", "失效", (C.PROPOSED, C.PUSHED), C.STALE, can_expire_candidate,
                   inputs=(Input("reason", "失效原因"),), hidden=True),
    ],
    effects_module="subsidies.services.candidates",
)

WITHDRAWABLE = frozenset(APPLICATION.transitions["withdraw"].sources)

# The main path shown in the timeline: (transition that completes the step, Chinese label)
TIMELINE = [("submit", "提交申报"), ("accept", "受理"), ("review_start", "审核"), ("approve", "核定"),
            ("publicity_start", "公示"), ("publicity_close", "公示期满"), ("disburse", "拨付")]


def step_label(name: str) -> str:
    """The Chinese name of a transition (as recorded in ``ApplicationEvent.action``); unknown names as they are."""
    t = APPLICATION.transitions.get(name)
    return t.label if t is not None else name
