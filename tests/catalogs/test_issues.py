"""Data corrections (QZ §七) and interface requests (QZ §二(三)): roles, working-day deadlines across the 2026
National Day holiday (1–7 Oct off, Sat 10 Oct a make-up working day), overdue flags and counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import CorrectionStatus, DataCorrection, EntryStatus, InterfaceRequestStatus
from catalogs.selectors import correction_overdue_counts, correction_overdue_q, task_overdue_board
from catalogs.services import (
    correction_complete,
    correction_decide,
    correction_dispatch,
    correction_report,
    interface_request_create,
    interface_request_deliver,
    interface_request_extension_decide,
    interface_request_extension_request,
)


@pytest.fixture
def entry(make_entry, unit_a, user_a, city_authority):
    return make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)


def test_correction_full_flow_across_national_day(entry, user_a, user_b, tech_operator):
    c = correction_report(entry=entry, description="2026年9月数据中金额字段单位有误，应为元", acting_user=user_b,
                          on=date(2026, 9, 28))
    assert c.analysis_due_on == date(2026, 10, 8)  # Tue 29, Wed 30, (1–7 Oct holiday), Thu 8
    c = correction_dispatch(correction=c, analysis="经核查属数源数据问题", acting_user=tech_operator,
                            on=date(2026, 9, 29))
    assert c.decide_due_on == date(2026, 10, 12)  # 30 Sep, 8 Oct, 9 Oct, Sat 10 Oct (调休), Mon 12 Oct
    c = correction_decide(correction=c, will_correct=True, reason="确有错误", acting_user=user_a,
                          on=date(2026, 9, 30))
    assert c.correct_due_on == date(2026, 10, 20)  # 8, 9, Sat 10, 12–16, 19, 20 Oct
    assert not c.is_decision_late
    c = correction_complete(correction=c, note="已在源头更正并重新汇聚", acting_user=user_a, on=date(2026, 10, 21))
    assert c.status == CorrectionStatus.CORRECTED and c.is_correction_late
    assert correction_overdue_counts() == [(entry.source_unit_id, "单位甲", 1)]


def test_correction_roles_refused(entry, user_a, user_b, tech_operator):
    with pytest.raises(ValidationError, match="简明准确"):
        correction_report(entry=entry, description="错", acting_user=user_b)
    c = correction_report(entry=entry, description="联系电话字段存在大量空值", acting_user=user_b)
    with pytest.raises(PermissionDenied, match="技术服务单位"):
        correction_dispatch(correction=c, analysis="x", acting_user=user_a)
    with pytest.raises(ValidationError, match="不能执行"):
        correction_decide(correction=c, will_correct=False, reason="x", acting_user=user_a)  # not yet dispatched
    c = correction_dispatch(correction=c, analysis="分派", acting_user=tech_operator)
    with pytest.raises(PermissionDenied, match="数源单位"):
        correction_decide(correction=c, will_correct=False, reason="x", acting_user=user_b)  # reporter ≠ source
    c = correction_decide(correction=c, will_correct=False, reason="数据无误", acting_user=user_a)
    assert c.status == CorrectionStatus.NOT_CORRECTED


def test_overdue_steps_flagged(entry, user_b, tech_operator):
    c = correction_report(entry=entry, description="企业名称与登记信息不一致", acting_user=user_b,
                          on=date(2026, 9, 28))
    assert DataCorrection.objects.filter(correction_overdue_q(date(2026, 10, 8))).count() == 0
    assert DataCorrection.objects.filter(correction_overdue_q(date(2026, 10, 9))).count() == 1
    assert correction_overdue_counts(date(2026, 10, 9)) == []  # overdue analysis is not the source unit's
    correction_dispatch(correction=c, analysis="分派", acting_user=tech_operator, on=date(2026, 10, 9))
    c.refresh_from_db()
    assert c.is_analysis_late
    # the late analysis is the tech unit's; the source unit's own step is not overdue on 10 Oct, but is on 17 Oct
    assert correction_overdue_counts(date(2026, 10, 10)) == []
    assert correction_overdue_counts(date(2026, 10, 17)) == [(c.source_unit_id, "单位甲", 1)]
    assert task_overdue_board()[0]["corrections_overdue"] == 1  # today (after Oct 2026) it is overdue


def test_interface_request_due_and_single_extension(entry, user_a, user_b, city_authority):
    with pytest.raises(PermissionDenied, match="数据管理机构"):
        interface_request_create(entry=entry, description="需要核验接口", acting_user=user_a)
    req = interface_request_create(entry=entry, description="需要企业资金核验接口", acting_user=city_authority,
                                   on=date(2026, 9, 25))
    # Mon 28, Tue 29, Wed 30 Sep, Thu 8, Fri 9, Sat 10 (调休), Mon 12 .. Thu 15 Oct
    assert req.due_on == date(2026, 10, 15)
    with pytest.raises(PermissionDenied):
        interface_request_extension_request(request=req, reason="x", workdays=3, acting_user=user_b)
    with pytest.raises(ValidationError, match="申请延期工作日"):  # 1–5 working days only
        interface_request_extension_request(request=req, reason="系统改造", workdays=6, acting_user=user_a)
    req = interface_request_extension_request(request=req, reason="系统改造中", workdays=5, acting_user=user_a,
                                              on=date(2026, 10, 9))
    with pytest.raises(PermissionDenied):
        interface_request_extension_decide(request=req, approve=True, acting_user=user_a)
    req = interface_request_extension_decide(request=req, approve=True, note="同意", acting_user=city_authority)
    assert req.due_on == date(2026, 10, 22) and req.status == InterfaceRequestStatus.OPEN
    with pytest.raises(PermissionDenied, match="只能书面申请一次"):
        interface_request_extension_request(request=req, reason="再延", workdays=1, acting_user=user_a)
    with pytest.raises(ValidationError, match="接口规范"):
        interface_request_deliver(request=req, name="核验", endpoint="/api/verify", spec="", call_instructions="x",
                                  acting_user=user_a)
    req = interface_request_deliver(request=req, name="资金核验", endpoint="/api/verify", spec="OpenAPI 3 文档",
                                    call_instructions="POST JSON", acting_user=user_a, on=date(2026, 10, 20))
    assert req.status == InterfaceRequestStatus.DELIVERED and not req.is_late
    assert req.delivered_name == "资金核验"  # on the entry only after the tech unit's re-wrap (test_interface_delivery)
