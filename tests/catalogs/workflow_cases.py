"""Cases for the generated workflow tests (tests/portal/test_workflows.py) of the catalogs machines, over the demo:
an entry of 市工信局 (unit_admin) reviewed by the city authority; corrections and interface requests on it; collection
tasks of a monthly item of 市工信局."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import count
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from catalogs.models import CatalogEntry, CollectionItem, DeadlineRule, EntryStatus, InterfaceKind
from catalogs.services import (
    correction_decide,
    correction_dispatch,
    correction_report,
    entry_create,
    entry_transition,
    interface_request_create,
    interface_request_deliver,
    interface_request_extension_request,
)
from catalogs.services.collection import RULE_CADENCE, last_closed_period, period_containing, task_for
from tests.workflow_cases import Case, provides

_SEQ = count(1)
DESC = "本目录登记本单位依法履职过程中产生的业务数据，按月更新，供各单位共享使用，包含必要的字段说明。"


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _entry(status: str = EntryStatus.DRAFT) -> CatalogEntry:
    """An entry of 市工信局 (unit_admin's unit, a city entry reviewed by the city authority) in ``status``."""
    admin = _user("unit_admin")
    entry = entry_create(source_unit=admin.memberships.get().organization, code=f"WF-CASE-{next(_SEQ):04d}",
                         title="工作流测试资源", acting_user=admin, description=DESC,
                         items=[{"name": "企业名称", "description": "企业登记名称"}])
    if status in (EntryStatus.SUBMITTED, EntryStatus.PUBLISHED):
        entry = entry_transition(entry=entry, action="submit", acting_user=admin)
    if status == EntryStatus.PUBLISHED:
        entry = entry_transition(entry=entry, action="publish", acting_user=_user("city_authority"))
    return entry


@provides("catalogs.entry")
def entry_case(transition: str, demo: Any) -> Case:
    unit_admin, other_unit, authority = _user("unit_admin"), _user("unit_admin_b"), _user("city_authority")
    if transition == "submit":
        return Case(_entry(), unit_admin, other_unit)
    if transition in ("publish", "return"):
        return Case(_entry(EntryStatus.SUBMITTED), authority, unit_admin, {"reason": "目录信息完整，同意发布。"})
    if transition in ("revise", "request_retire"):
        return Case(_entry(EntryStatus.PUBLISHED), unit_admin, other_unit, {"reason": "业务已调整，需更新目录。"})
    if transition == "retire":
        return Case(_entry(EntryStatus.PUBLISHED), authority, unit_admin, {"reason": "同意停用。"})
    raise KeyError(transition)


@provides("catalogs.correction")
def correction_case(transition: str, demo: Any) -> Case:
    reporter, source, tech = _user("unit_admin_b"), _user("unit_admin"), _user("tech_operator")
    correction = correction_report(entry=_entry(EntryStatus.PUBLISHED), acting_user=reporter,
                                   description="部分企业名称与营业执照登记名称不一致，需核实。")
    if transition == "dispatch_to_source":
        return Case(correction, tech, source, {"analysis": "经比对属数源数据问题，分派数源单位核实。"})
    correction = correction_dispatch(correction=correction, analysis="分派数源单位核实。", acting_user=tech)
    if transition == "decide":
        return Case(correction, source, reporter, {"will_correct": True, "reason": "核实属实，将在源头更正。"})
    correction = correction_decide(correction=correction, will_correct=True, reason="核实属实。", acting_user=source)
    if transition == "complete":
        return Case(correction, source, reporter, {"note": "已在源头系统更正并重新汇聚。"})
    raise KeyError(transition)


@provides("catalogs.interface_request")
def interface_request_case(transition: str, demo: Any) -> Case:
    producer, other_unit, authority = _user("unit_admin"), _user("unit_admin_b"), _user("city_authority")
    entry = _entry(EntryStatus.PUBLISHED)
    if transition == "overdue":
        long_ago = timezone.localdate() - timedelta(days=60)
        req = interface_request_create(entry=entry, description="需要企业名称核验接口。", acting_user=authority,
                                       on=long_ago)
        return Case(req, _user("admin"), producer)
    req = interface_request_create(entry=entry, description="需要企业名称核验接口。", acting_user=authority)
    if transition == "request_extension":
        return Case(req, producer, other_unit, {"reason": "需协调省级系统改造。", "workdays": "3"})
    if transition == "deliver":
        return Case(req, producer, other_unit, {
            "name": "企业名称核验", "kind": InterfaceKind.VERIFY, "endpoint": "https://api.example/verify",
            "spec": "OpenAPI 3 文档", "call_instructions": "以令牌调用，POST JSON。"})
    if transition == "rewrap":  # delivered by the producer, re-wrapped by the technical service unit
        req = interface_request_deliver(request=req, name="企业名称核验", endpoint="https://api.example/verify",
                                        spec="OpenAPI 3 文档", call_instructions="以令牌调用，POST JSON。",
                                        kind=InterfaceKind.VERIFY, acting_user=producer)
        return Case(req, _user("tech_operator"), producer,
                    {"platform_endpoint": "https://platform.example/gw/verify", "note": "已统一鉴权"})
    req = interface_request_extension_request(request=req, reason="需协调省级系统改造。", workdays=3,
                                              acting_user=producer)
    if transition == "decide_extension":
        return Case(req, authority, producer, {"approve": True, "note": "同意延期。"})
    raise KeyError(transition)




@provides("catalogs.collection_task")
def collection_task_case(transition: str, demo: Any) -> Case:
    unit_admin, other_unit, system_admin = _user("unit_admin"), _user("unit_admin_b"), _user("admin")
    item = CollectionItem.objects.create(
        unit=unit_admin.memberships.get().organization, code=f"WF-COL-{next(_SEQ):04d}", name="工作流测试采集事项",
        fields=["统计时间", "金额"], frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    cadence = RULE_CADENCE[item.deadline_rule]
    if transition == "submit":  # the last closed month: pending, due the 15th of this month
        task = task_for(item, last_closed_period(cadence, timezone.localdate()))
        return Case(task, unit_admin, other_unit, {"columns": ["统计时间", "金额"], "rows": [["2026-11", "100.00"]]})
    if transition == "overdue":  # a month long past, still pending: the daily job (no user, or the superuser)
        task = task_for(item, period_containing(cadence, date(2026, 1, 1)))
        return Case(task, system_admin, unit_admin, on=task.due_on + timedelta(days=1))
    raise KeyError(transition)
