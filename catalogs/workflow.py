"""The catalogs workflows, declared once with the kernel (``portal.workflow``): catalog entries (编目、审核发布、修订、
停用), data corrections (数据纠错, QZ §七), additional-interface requests (接口提供要求, QZ §二(三)) and periodic
collection tasks (数据采集任务, 晋江 附件1/2).

Who acts is a ``can_*`` predicate of ``catalogs.permissions``; what a step does besides changing the state is its
effect in ``catalogs.services`` (``@ENTRY.effect("publish")`` …); the working-day limits are declared here and only
here (spec: catalog_sharing.md §3.7–§3.8). Records are created by their services (``entry_create``,
``correction_report``, ``interface_request_create``, collection tasks by the scheduled ``collection_tasks_generate``);
every later change of state goes through ``WORKFLOW.apply``.
"""

from __future__ import annotations

from catalogs.models import CorrectionStatus, EntryStatus, InterfaceKind, InterfaceRequestStatus, TaskStatus
from catalogs.permissions import (
    EDITABLE_STATES,
    can_complete_correction,
    can_decide_correction,
    can_decide_extension,
    can_deliver_interface,
    can_dispatch_correction,
    can_mark_collection_overdue,
    can_mark_interface_overdue,
    can_request_extension,
    can_request_retire,
    can_review_entry,
    can_revise_entry,
    can_rewrap_interface,
    can_submit_collection,
    can_submit_entry,
)
from portal.workflow import Input, Limit, Transition, Workflow

# --------------------------------------------------------------------------------------------- catalog entries
# GD art.11: the authority approves (审定) within 5 working days; QZ is silent (docs/adr/0101).
REVIEW_LIMIT = Limit(5, basis="GD第十一条：数据管理机构5个工作日内审定（泉州未规定，docs/adr/0101）")

ENTRY = Workflow(
    "catalogs.entry", label="数据资源目录", model="catalogs.CatalogEntry", states=EntryStatus,
    state_field="status", due_field="review_due_on", limits={EntryStatus.SUBMITTED: REVIEW_LIMIT},
    lock_related=("source_unit",),
    transitions=[
        Transition("submit", "提交审核", EDITABLE_STATES, EntryStatus.SUBMITTED, actor=can_submit_entry),
        Transition("publish", "审核发布", (EntryStatus.SUBMITTED,), EntryStatus.PUBLISHED, actor=can_review_entry,
                   inputs=(Input("reason", "审核意见", required=False),)),
        Transition("return", "退回修改", (EntryStatus.SUBMITTED,), EntryStatus.RETURNED, actor=can_review_entry,
                   inputs=(Input("reason", "退回理由"),)),
        Transition("revise", "发起修订", (EntryStatus.PUBLISHED,), EntryStatus.REVISING, actor=can_revise_entry, optional=True),
        Transition("request_retire", "申请停用", (EntryStatus.PUBLISHED,), EntryStatus.PUBLISHED,
                   actor=can_request_retire, inputs=(Input("reason", "停用理由"),), optional=True),
        Transition("retire", "批准停用", (EntryStatus.PUBLISHED,), EntryStatus.RETIRED, actor=can_review_entry,
                   inputs=(Input("reason", "停用意见"),), optional=lambda entry: entry.retire_requested_at is None),
    ],
)

# --------------------------------------------------------------------------------------------- data corrections
ANALYSIS_LIMIT = Limit(3, basis="QZ §七(一)“及时”（期限为服务目标，docs/adr/0103）")
DECIDE_LIMIT = Limit(5, basis="QZ §七(二)：5个工作日内核实并决定是否更正", statutory=True)
CORRECT_LIMIT = Limit(10, basis="QZ §七(二)：决定更正后10个工作日内在源头更正并重新汇聚", statutory=True)

CORRECTION = Workflow(
    "catalogs.correction", label="数据纠错", model="catalogs.DataCorrection", states=CorrectionStatus,
    state_field="status", due_field="",  # one due field per step (analysis/decide/correct_due_on), set by effects
    limits={CorrectionStatus.REPORTED: ANALYSIS_LIMIT, CorrectionStatus.DISPATCHED: DECIDE_LIMIT,
            CorrectionStatus.CORRECTING: CORRECT_LIMIT},
    due_fields={CorrectionStatus.REPORTED: "analysis_due_on", CorrectionStatus.DISPATCHED: "decide_due_on",
                CorrectionStatus.CORRECTING: "correct_due_on"},
    lock_related=("entry", "source_unit"),
    transitions=[
        Transition("dispatch_to_source", "分析并分派", (CorrectionStatus.REPORTED,), CorrectionStatus.DISPATCHED,
                   actor=can_dispatch_correction, inputs=(Input("analysis", "分析意见"),)),
        Transition("decide", "核实决定", (CorrectionStatus.DISPATCHED,),
                   (CorrectionStatus.CORRECTING, CorrectionStatus.NOT_CORRECTED), actor=can_decide_correction,
                   inputs=(Input("will_correct", "决定更正", kind="bool", required=False,
                                 help="勾选表示决定更正（10个工作日内在源头更正并重新汇聚）；不勾选表示不予更正。"),
                           Input("reason", "核实结论和理由"))),
        Transition("complete", "更正完成", (CorrectionStatus.CORRECTING,), CorrectionStatus.CORRECTED,
                   actor=can_complete_correction, inputs=(Input("note", "更正内容及重新汇聚情况"),)),
    ],
)

# --------------------------------------------------------------------------------------------- interface requests
REQUEST_LIMIT = Limit(10, basis="QZ §二(三)：10个工作日内提供接口", statutory=True)
MAX_EXTENSION = Limit(5, basis="QZ §二(三)：书面申请延期经同意，最多延长5个工作日", statutory=True)
OUTSTANDING_STATES = (InterfaceRequestStatus.OPEN, InterfaceRequestStatus.EXTENSION_REQUESTED)

INTERFACE_REQUEST = Workflow(
    "catalogs.interface_request", label="接口提供要求", model="catalogs.InterfaceRequest",
    states=InterfaceRequestStatus, state_field="status",
    # the due date (10 wd from the request, moved by an approved extension) is kept by the effects: a step does not
    # open a new limit of its own
    due_field="", due_fields={s: "due_on" for s in OUTSTANDING_STATES},
    lock_related=("producer_unit", "entry"),
    transitions=[
        Transition("request_extension", "书面申请延期", (InterfaceRequestStatus.OPEN,),
                   InterfaceRequestStatus.EXTENSION_REQUESTED, actor=can_request_extension,
                   inputs=(Input("reason", "书面延期理由"),
                           Input("workdays", "申请延期工作日", kind="choice",
                                 choices=tuple((str(n), f"{n} 个工作日") for n in range(1, MAX_EXTENSION.days + 1)),
                                 help=f"不超过 {MAX_EXTENSION.days} 个工作日，自原定期限起算。")), optional=True),
        Transition("decide_extension", "审批延期申请", (InterfaceRequestStatus.EXTENSION_REQUESTED,),
                   InterfaceRequestStatus.OPEN, actor=can_decide_extension,
                   inputs=(Input("approve", "批准延期", kind="bool", help="勾选表示批准，不勾选表示不予批准。"),
                           Input("note", "审批意见", required=False))),
        Transition("deliver", "提供接口", OUTSTANDING_STATES, InterfaceRequestStatus.DELIVERED,
                   actor=can_deliver_interface,
                   inputs=(Input("name", "接口名称", kind="line"),
                           Input("kind", "接口类型", kind="choice", required=False,
                                 choices=tuple((str(v), str(label)) for v, label in InterfaceKind.choices)),
                           Input("endpoint", "接口地址", kind="line"),
                           Input("spec", "接口规范", help="提供接口必须同时提供接口规范。"),
                           Input("call_instructions", "调用说明", help="提供接口必须同时提供调用说明。"))),
        # QZ §二(三): the technical service unit re-wraps the producer's interface and publishes it on the platform;
        # the entry gets a new published version that contains it (docs/adr/0205)
        Transition("rewrap", "再封装并统一发布", (InterfaceRequestStatus.DELIVERED,), InterfaceRequestStatus.PUBLISHED,
                   actor=can_rewrap_interface,
                   inputs=(Input("platform_endpoint", "平台统一发布地址", kind="line",
                                 help="再封装后在市汇聚共享平台统一发布的地址（数据应用单位调用此地址）。"),
                           Input("spec", "再封装后的接口规范", required=False, help="留空则沿用生产单位提供的接口规范。"),
                           Input("note", "再封装说明", required=False))),
        # the daily job flags requests still undelivered after their due date (state unchanged, flag + notice)
        Transition("overdue", "标记逾期未提供", OUTSTANDING_STATES, OUTSTANDING_STATES,
                   actor=can_mark_interface_overdue, hidden=True),
    ],
)

# --------------------------------------------------------------------------------------------- collection tasks
# A task's due date is the calendar date of the JJ annex-1 rule of its item (monthly by the 15th, quarterly 30 days
# after the quarter, yearly by 31 Jan / 31 Mar; the first collection 20 working days after generation, docs/adr/0104),
# computed once by ``collection_tasks_generate``: no transition opens a new limit, so the kernel keeps its hands off
# ``due_on`` (due_field="").
OPEN_TASK_STATES = (TaskStatus.PENDING, TaskStatus.OVERDUE)
DONE_TASK_STATES = (TaskStatus.SUBMITTED, TaskStatus.LATE_SUBMITTED)

COLLECTION_TASK = Workflow(
    "catalogs.collection_task", label="数据采集任务", model="catalogs.CollectionTask", states=TaskStatus,
    state_field="status", due_field="", lock_related=("item", "unit"),
    due_fields={s: "due_on" for s in OPEN_TASK_STATES},
    transitions=[
        # Every file (upload, or columns+rows pushed through the API) is recorded as a submission with the result of
        # the column check. An accepted file of an open task submits it: on or before the due date → 按时报送, after
        # it → 逾期报送 (the effect chooses). A refused file, or a further file for a task already submitted, is
        # recorded too and leaves the state as it was: hence every state is a source and a possible target.
        Transition("submit", "报送数据", (*OPEN_TASK_STATES, *DONE_TASK_STATES),
                   (*DONE_TASK_STATES, *OPEN_TASK_STATES), actor=can_submit_collection, page="catalogs_collectiontask_submit", optional=lambda task: task.status in DONE_TASK_STATES),
        # the daily job: a pending task past its due date becomes overdue (the unit's data administrators are told)
        Transition("overdue", "标记逾期未报送", (TaskStatus.PENDING,), TaskStatus.OVERDUE,
                   actor=can_mark_collection_overdue, hidden=True),
    ],
)
