"""The state machines of the procurement app, declared once with the kernel (``portal.workflow``): IT projects,
tenders, objections and complaints.

Actors are ``can_*`` predicates of ``procurement.permissions``: the procurement officer of the owning/procuring unit
(``can_manage_project``, ``can_manage_tender``), the approving authority (``can_approve_project``), the procurement
supervisor (``can_supervise``), the evaluators (``can_evaluate``). What a step does besides changing the state lives in
the services (``@PROJECT.effect(...)`` etc.); services, admin step pages, API step endpoints and the generated tests
all read these declarations.

Limits: "N日" are natural days (``calendar=True``), "N个工作日" working days (procurement.md §0, §3.8). Where the
city may set its own figure the limit names its rule parameter (``parameter="procurement.<CODE>"``); the services
read it for the tenderer's jurisdiction and move a natural-day deadline ending on a holiday to the next working day
(``procurement.deadlines.limit_due``). Rules that are not a running clock of the step (the annual plan drafted by
31 October, acceptance within 6 months, self-evaluation after 6-12 months, 15 days between an amendment and the bid
deadline, ≥3 bids at opening, the written report within 15 days) stay the effects' own rules (see the notes).
"""

from __future__ import annotations

from typing import Any

from portal.workflow import REASON, Input, Limit, Transition, Workflow
from procurement.models import (
    ComplaintStatus,
    MergeReason,
    NonAcceptanceReason,
    ObjectionStatus,
    ProjectStatus,
    TenderStatus,
)
from procurement.permissions import (
    can_approve_project,
    can_deem_objection_accepted,
    can_evaluate,
    can_handle_objection,
    can_manage_project,
    can_manage_tender,
    can_supervise,
    can_terminate_tender,
)

P, T, OB, C = ProjectStatus, TenderStatus, ObjectionStatus, ComplaintStatus

# Inputs shared by several steps.
ON = Input("on", "办理日期", kind="date", required=False, help="留空为今天。")
LATE_REASON = Input("late_reason", "逾期说明", required=False, help="超过期限办理时必填，记入审计日志。")
APPROVAL_NO = Input("approval_no", "批复文号", kind="line")


def _lot_options(tender: Any) -> list[tuple[int, str]]:
    from procurement.models import Lot

    return [(lot.pk, str(lot)) for lot in Lot.objects.filter(tender=tender).order_by("lot_no")]


def _awarded_lot_options(tender: Any) -> list[tuple[int, str]]:
    from procurement.models import Lot, LotStatus

    return [(lot.pk, str(lot)) for lot in Lot.objects.filter(tender=tender, status=LotStatus.AWARDED)]


# ------------------------------------------------------------------------------------------------ IT projects
PROJECT = Workflow(
    "procurement.project", label="政务信息化项目", model="procurement.ItProject", states=ProjectStatus,
    # each step keeps its own due date (set by the effects): the 工作台 and the record header read it per state
    due_fields={P.JOINT_REVIEW: "joint_review_due_on", P.FSR_APPROVED: "pd_review_due_on",
                P.COMPLETED: "acceptance_due_on"},
    transitions=[
        Transition("start_joint_review", "启动联合审核", (P.DEMAND_COLLECTED,), P.JOINT_REVIEW, can_approve_project,
                   limit=Limit(5, basis="黑龙江办法第10条（D33）", statutory=True,
                               parameter="procurement.JOINT_REVIEW_WORKDAYS"), inputs=(ON,)),
        # note: the annual plan is drafted by 31 October (D34) — the plan's own rule (annual_plan_draft)
        Transition("include_in_plan", "纳入年度计划", (P.JOINT_REVIEW,), P.IN_PLAN, can_approve_project,
                   inputs=(Input("opinions", "审核意见（集约化建设和数据共享、网络安全、密码应用）"), ON, LATE_REASON)),
        Transition("approve_fsr", "批复可行性研究报告", (P.IN_PLAN,), P.FSR_APPROVED, can_approve_project,
                   inputs=(APPROVAL_NO, ON)),
        # the preliminary design submitted: the authority has 20 working days (a step of the machine, same state)
        Transition("submit_pd", "报审初步设计", (P.FSR_APPROVED,), P.FSR_APPROVED, can_manage_project,
                   limit=Limit(20, basis="黑龙江办法第18条（D35）", statutory=True,
                               parameter="procurement.PD_REVIEW_WORKDAYS"), inputs=(ON,)),
        Transition("approve_pd", "批复初步设计（概算）", (P.FSR_APPROVED, P.IN_PLAN), P.PD_APPROVED, can_approve_project,
                   inputs=(APPROVAL_NO, Input("budget_estimate", "投资概算（元）", kind="decimal"),
                           Input("merged", "可研暨初步设计合并审批", kind="bool", required=False),
                           Input("merge_reason", "合并审批情形", kind="choice", required=False,
                                 choices=tuple(MergeReason.choices)), ON, LATE_REASON)),
        Transition("start_procurement", "进入采购", (P.PD_APPROVED,), P.PROCURING, can_manage_project,
                   hidden=True),  # run by the first tender's issue
        # note: a performance report before each year end (D38) — ``performance_report_submit``
        Transition("start_construction", "开工建设", (P.PROCURING, P.PD_APPROVED), P.UNDER_CONSTRUCTION,
                   can_manage_project, inputs=(ON,)),
        Transition("require_reapproval", "概算调整超限，重新审批初步设计",
                   (P.PD_APPROVED, P.PROCURING, P.UNDER_CONSTRUCTION), P.FSR_APPROVED, can_manage_project,
                   inputs=(REASON,), hidden=True),  # run by ``budget_adjustment_file`` (HLJ 28)
        Transition("suspend", "暂停项目", (P.UNDER_CONSTRUCTION,), P.SUSPENDED, can_approve_project, inputs=(REASON,), optional=True),
        Transition("resume", "恢复建设", (P.SUSPENDED,), P.UNDER_CONSTRUCTION, can_approve_project, inputs=(REASON,)),
        Transition("terminate", "终止项目", (P.SUSPENDED, P.UNDER_CONSTRUCTION, P.PROCURING), P.TERMINATED,
                   can_approve_project, inputs=(REASON,), optional=True),
        # note: acceptance applied for within 6 months of completion (D36, months) — the effect sets acceptance_due_on
        Transition("complete", "建设完成", (P.UNDER_CONSTRUCTION,), P.COMPLETED, can_manage_project, inputs=(ON,)),
        Transition("apply_acceptance", "申请竣工验收", (P.COMPLETED,), P.ACCEPTANCE_APPLIED, can_manage_project,
                   inputs=(ON,)),
        Transition("accept", "验收通过", (P.ACCEPTANCE_APPLIED,), P.ACCEPTED, can_approve_project, inputs=(ON,)),
        Transition("start_operation", "投入运行", (P.ACCEPTED,), P.IN_OPERATION, can_manage_project, inputs=(ON,)),
        # note: self-evaluation 6-12 months after acceptance and operation (D37, months) — the effect's own rule
        Transition("self_evaluate", "提交自评价报告", (P.IN_OPERATION,), P.SELF_EVALUATED, can_manage_project,
                   inputs=(ON, LATE_REASON)),
    ],
)

# ------------------------------------------------------------------------------------------------ tenders
TENDER = Workflow(
    "procurement.tender", label="招标项目", model="procurement.Tender", states=TenderStatus,
    transitions=[
        # note: filed with the oversight authority at the same time (D1); ≥20 days to the bid deadline (D4, red flag)
        Transition("issue", "发布招标文件并备案", (T.DRAFT,), T.ISSUED, can_manage_tender,
                   inputs=(Input("issued_at", "发布时间", kind="datetime", required=False, help="留空为现在。"),)),
        # note: an amendment affecting bid preparation less than 15 days before the deadline moves it (D3)
        Transition("amend", "澄清或修改招标文件", (T.ISSUED,), T.ISSUED, can_manage_tender,
                   inputs=(Input("summary", "澄清修改内容"),
                           Input("affects_bid_prep", "影响投标文件编制", kind="bool", required=False),
                           Input("published_at", "发布时间", kind="datetime", required=False,
                                 help="留空为现在。")), optional=True),
        Transition("record_bid", "登记投标", (T.ISSUED,), T.ISSUED, can_manage_tender,
                   page="procurement_tender_record_bid",
                   inputs=(Input("lot", "合同包", kind="choice", options=_lot_options),
                           Input("bidder_uscc", "投标人统一社会信用代码", kind="line"),
                           Input("bidder_name", "投标人名称", kind="line"),
                           Input("submitted_at", "递交时间", kind="datetime"),
                           Input("price_figures", "投标报价（元）", kind="decimal")), optional=True),
        # note: fewer than 3 bids → the lot is not opened (MT 35.1); no lot opened → failed, re-tender
        Transition("open", "开标", (T.ISSUED,), (T.OPENED, T.FAILED), can_manage_tender,
                   inputs=(Input("opened_at", "开标时间", kind="datetime", required=False, help="留空为现在。"),)),
        Transition("start_evaluation", "开始评标", (T.OPENED,), T.EVALUATING, can_evaluate,
                   hidden=True),  # run by the first review of a bid
        Transition("evaluate", "计算评审结果并排名", (T.OPENED, T.EVALUATING), T.EVALUATING, can_manage_tender),
        Transition("submit_report", "收到评标报告", (T.EVALUATING,), (T.REPORT_SUBMITTED, T.FAILED), can_manage_tender,
                   limit=Limit(3, basis="示范文本第30条、若干规则第27条（D12：收到评标报告后3日内公示候选人）",
                               statutory=True, calendar=True,
                               parameter="procurement.CANDIDATE_PUBLICITY_START_DAYS"),
                   inputs=(Input("received_on", "收到评标报告日期", kind="date"),)),
        # note: the award within 15 days of the report (D14) — counted from the report, checked by ``award``
        Transition("publicize_candidates", "公示中标候选人", (T.REPORT_SUBMITTED,), T.CANDIDATES_PUBLICIZED,
                   can_manage_tender,
                   inputs=(Input("starts_on", "公示开始日期", kind="date"), Input("ends_on", "公示结束日期", kind="date"),
                           Input("content", "公示内容", required=False))),
        Transition("award", "确定中标人", (T.CANDIDATES_PUBLICIZED,), T.AWARD_DETERMINED, can_manage_tender,
                   limit=Limit(3, basis="示范文本第31条（D15：确定中标人后3日内公示中标结果）", statutory=True,
                               calendar=True, parameter="procurement.AWARD_PUBLICITY_START_DAYS"),
                   inputs=(Input("on", "确定中标人日期", kind="date", required=False, help="留空为今天。"),
                           Input("notice_issued_on", "中标通知书发出日期", kind="date", required=False),
                           Input("fallback_reason", "顺延理由（未确定排名第一者时必填）", required=False))),
        Transition("publicize_award", "公示中标结果", (T.AWARD_DETERMINED,), T.AWARD_PUBLICIZED, can_manage_tender,
                   inputs=(Input("starts_on", "公示开始日期", kind="date"), Input("ends_on", "公示结束日期", kind="date"),
                           Input("content", "公示内容", required=False))),
        # the tender is contracted when every lot is contracted or failed; until then it stays publicized
        Transition("sign_contract", "签订合同", (T.AWARD_PUBLICIZED,), (T.CONTRACTED, T.AWARD_PUBLICIZED),
                   can_manage_tender, page="procurement_tender_sign_contract",
                   limit=Limit(3, basis="示范文本第34.3条、若干规则第29条（D18：签订后3日内公示合同）", statutory=True,
                               calendar=True, parameter="procurement.CONTRACT_PUBLICITY_START_DAYS"),
                   inputs=(Input("lot", "合同包", kind="choice", options=_awarded_lot_options),
                           Input("contract_no", "合同编号", kind="line"),
                           Input("amount", "合同金额（元）", kind="decimal"),
                           Input("signed_on", "签订日期", kind="date"),
                           Input("performance_security_posted_on", "履约保证金提交日期", kind="date", required=False),
                           Input("has_ip_clause", "约定成果归建设单位所有", kind="bool", required=False))),
        # note: the written report within 15 days of the award (D19) is ``written_report_file`` (no state change)
        Transition("close", "结束招标项目", (T.CONTRACTED,), T.CLOSED, can_manage_tender),
        Transition("terminate", "终止招标", (T.DRAFT, T.ISSUED, T.BIDS_CLOSED, T.OPENED, T.EVALUATING), T.TERMINATED,
                   can_terminate_tender, inputs=(REASON,), optional=True),
    ],
)

# ------------------------------------------------------------------------------------------------ objections
# The tenderer decides within 2 days of receipt (R 31; silence = accepted) and answers within 3 days of receipt
# (R 32, MT 13.4); both clocks start at receipt (``objection_receive``).
OBJECTION_DECISION_LIMIT = Limit(2, basis="若干规则第31条（D7）", statutory=True, calendar=True,
                                 parameter="procurement.OBJECTION_DECISION_DAYS")
OBJECTION_REPLY_LIMIT = Limit(3, basis="若干规则第32条、示范文本第13.4条（D8）", statutory=True, calendar=True,
                              parameter="procurement.OBJECTION_REPLY_DAYS")

OBJECTION = Workflow(
    "procurement.objection", label="异议", model="procurement.Objection", states=ObjectionStatus,
    limits={OB.RECEIVED: OBJECTION_DECISION_LIMIT},
    due_fields={OB.RECEIVED: "decision_due_on", OB.ACCEPTED: "reply_due_on", OB.DEEMED_ACCEPTED: "reply_due_on"},
    transitions=[
        Transition("accept", "受理异议", (OB.RECEIVED,), (OB.ACCEPTED, OB.DEEMED_ACCEPTED), can_handle_objection,
                   inputs=(ON,)),
        Transition("reject", "不予受理", (OB.RECEIVED,), OB.NOT_ACCEPTED, can_handle_objection,
                   inputs=(Input("reason", "不予受理理由", kind="choice", choices=tuple(NonAcceptanceReason.choices)),
                           ON)),
        Transition("deem_accepted", "逾期未决定，视为受理", (OB.RECEIVED,), OB.DEEMED_ACCEPTED,
                   can_deem_objection_accepted, hidden=True),  # the daily schedule
        Transition("answer", "答复异议", (OB.RECEIVED, OB.ACCEPTED, OB.DEEMED_ACCEPTED), OB.ANSWERED, can_handle_objection,
                   inputs=(Input("reply", "答复内容"), ON, LATE_REASON)),
    ],
)

# ------------------------------------------------------------------------------------------------ complaints
# Review within 3 working days of filing (SM 10); the clock starts when the supervisor registers the complaint.
COMPLAINT_REVIEW_LIMIT = Limit(3, basis="行政监督管理办法第10条（D24）", statutory=True,
                               parameter="procurement.COMPLAINT_REVIEW_WORKDAYS")

COMPLAINT = Workflow(
    "procurement.complaint", label="投诉", model="procurement.Complaint", states=ComplaintStatus,
    limits={C.FILED: COMPLAINT_REVIEW_LIMIT}, due_fields={C.FILED: "review_due_on"},
    transitions=[
        Transition("accept", "受理投诉", (C.FILED,), C.ACCEPTED, can_supervise,
                   inputs=(Input("suspends_award", "责令暂停发出中标通知书/签订合同", kind="bool", required=False),
                           ON, LATE_REASON)),
        Transition("reject", "不予受理", (C.FILED,), C.NOT_ACCEPTED, can_supervise,
                   inputs=(Input("reason", "不予受理理由"), ON, LATE_REASON)),
        Transition("decide", "作出处理决定", (C.ACCEPTED,), C.DECIDED, can_supervise,
                   inputs=(Input("decision", "处理决定"), ON)),
    ],
)
