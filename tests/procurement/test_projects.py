"""Project lifecycle: plan cycle, review and approval deadlines, gates G1–G3, adjustments, reports, funding."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from catalogs.models import CatalogEntry, EntryStatus
from portal.models import AuditLog
from procurement.models import AdjustmentOutcome, PlanStatus, ProjectStatus
from procurement.services import projects as ps


def test_plan_cycle_dates(plan):
    assert (plan.demand_opens_on, plan.demand_closes_on) == (date(2024, 6, 1), date(2024, 6, 30))
    assert plan.draft_due_on == date(2024, 10, 31)


def test_plan_drafted_after_31_october_needs_reason_and_is_flagged(plan, people):
    with pytest.raises(ValidationError, match="已超过期限"):
        ps.annual_plan_draft(plan=plan, on=date(2024, 11, 4), acting_user=people["authority"])
    plan = ps.annual_plan_draft(plan=plan, on=date(2024, 11, 4), late_reason="省级部署调整",
                                acting_user=people["authority"])
    assert plan.is_drafted_late and plan.status == PlanStatus.DRAFTED


def test_declaration_only_in_june_call(plan, people, units):
    with pytest.raises(ValidationError, match="不在征集期内"):
        ps.project_declare(code="X1", name="x", construction_unit=units["gxj"], declared_on=date(2024, 7, 2),
                           total_investment=D("1"), data_resources=["a"], plan=plan, acting_user=people["officer"])
    with pytest.raises(ValidationError, match="未纳入年度计划"):
        ps.project_declare(code="X2", name="x", construction_unit=units["gxj"], declared_on=date(2024, 6, 2),
                           total_investment=D("1"), data_resources=["a"], acting_user=people["officer"])


def test_declaration_denied_for_other_unit(plan, people, units):
    with pytest.raises(PermissionDenied):
        ps.project_declare(code="X3", name="x", construction_unit=units["scj"], declared_on=date(2024, 6, 2),
                           total_investment=D("1"), data_resources=["a"], plan=plan, acting_user=people["officer"])


def _declared(plan, people, units, **kw):
    args = {"code": "XM-9", "name": "测试项目", "construction_unit": units["gxj"], "declared_on": date(2024, 6, 3),
            "total_investment": D("1000000"), "data_resources": ["数据甲"], "plan": plan,
            "has_sharing_analysis": True, "acting_user": people["officer"]}
    args.update(kw)
    return ps.project_declare(**args)


def test_joint_review_five_working_days_across_national_day(plan, people, units):
    project = _declared(plan, people, units)
    project = ps.project_joint_review_start(project=project, on=date(2024, 9, 27), acting_user=people["authority"])
    # 2024-09-30, then the National Day holiday 10-01..10-07, then 10-08, 10-09, 10-10 (10-12 is a make-up day)
    assert project.joint_review_due_on == date(2024, 10, 10)
    with pytest.raises(ValidationError, match="联合审核"):
        ps.project_include_in_plan(project=project, on=date(2024, 10, 11), opinions="同意",
                                   acting_user=people["authority"])
    project = ps.project_include_in_plan(project=project, on=date(2024, 10, 10), opinions="同意",
                                         acting_user=people["authority"])
    assert project.status == ProjectStatus.IN_PLAN


def _to_plan(plan, people, units, **kw):
    project = _declared(plan, people, units, **kw)
    ps.project_joint_review_start(project=project, on=date(2024, 7, 1), acting_user=people["authority"])
    return ps.project_include_in_plan(project=project, on=date(2024, 7, 2), opinions="同意",
                                      acting_user=people["authority"])


def test_fsr_gate_plan_not_approved(plan, people, units):
    project = _to_plan(plan, people, units)
    with pytest.raises(ValidationError, match="年度建设计划"):
        ps.project_approve_fsr(project=project, approval_no="1", on=date(2025, 1, 5), acting_user=people["authority"])


def _approve_plan(plan, people):
    ps.annual_plan_draft(plan=plan, on=date(2024, 10, 1), acting_user=people["authority"])
    return ps.annual_plan_approve(plan=plan, on=date(2024, 12, 1), acting_user=people["authority"])


def test_fsr_gate_requires_data_resources_and_sharing_chapter(plan, people, units):
    project = _to_plan(plan, people, units, data_resources=[], has_sharing_analysis=False)
    ps.annual_plan_draft(plan=plan, on=date(2024, 10, 1), acting_user=people["authority"])
    ps.annual_plan_approve(plan=plan, on=date(2024, 12, 1), acting_user=people["authority"])
    project.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        ps.project_approve_fsr(project=project, approval_no="1", on=date(2025, 1, 5), acting_user=people["authority"])
    text = " ".join(exc.value.messages)
    assert "数据资源" in text and "共享分析篇" in text
    project.refresh_from_db()
    assert project.status == ProjectStatus.IN_PLAN


def test_sharing_failure_blocks_approval_until_resolved(plan, people, units):
    project = _to_plan(plan, people, units)
    ps.annual_plan_draft(plan=plan, on=date(2024, 10, 1), acting_user=people["authority"])
    ps.annual_plan_approve(plan=plan, on=date(2024, 12, 1), acting_user=people["authority"])
    finding = ps.sharing_failure_record(unit=units["gxj"], source="2024年度共享考核", found_on=date(2024, 12, 20),
                                        description="共享申请超期未答复", acting_user=people["supervisor"])
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="数据共享不达标"):
        ps.project_approve_fsr(project=project, approval_no="1", on=date(2025, 1, 5), acting_user=people["authority"])
    ps.sharing_failure_resolve(finding=finding, on=date(2025, 1, 6), acting_user=people["supervisor"])
    project = ps.project_approve_fsr(project=project, approval_no="1", on=date(2025, 1, 7),
                                     acting_user=people["authority"])
    assert project.status == ProjectStatus.FSR_APPROVED


def test_sharing_failure_record_denied_to_unit_officer(people, units):
    with pytest.raises(PermissionDenied):
        ps.sharing_failure_record(unit=units["gxj"], source="x", found_on=date(2025, 1, 1), description="x",
                                  acting_user=people["officer"])


def test_pd_review_twenty_working_days(approved_project):
    # submitted 2025-01-13; Spring Festival 01-28..02-04 off, 01-26 and 02-08 make-up days
    assert approved_project.pd_review_due_on == date(2025, 2, 14)
    assert approved_project.status == ProjectStatus.PD_APPROVED


def test_pd_approval_late_needs_reason(plan, people, units):
    project = _to_plan(plan, people, units, declared_on=date(2024, 6, 4))
    _approve_plan(plan, people)
    project.refresh_from_db()
    ps.project_approve_fsr(project=project, approval_no="1", on=date(2025, 1, 5), acting_user=people["authority"])
    ps.project_submit_pd(project=project, on=date(2025, 1, 13), acting_user=people["officer"])
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="20个工作日"):
        ps.project_approve_pd(project=project, approval_no="2", on=date(2025, 2, 17), budget_estimate=D("1000000"),
                              acting_user=people["authority"])


def test_merged_approval_needs_listed_reason(plan, people, units):
    project = _to_plan(plan, people, units)
    _approve_plan(plan, people)
    project.refresh_from_db()
    with pytest.raises(ValidationError, match="哪种情形"):
        ps.project_approve_pd(project=project, approval_no="2", on=date(2025, 1, 6), budget_estimate=D("900000"),
                              merged=True, acting_user=people["authority"])
    project = ps.project_approve_pd(project=project, approval_no="2", on=date(2025, 1, 6),
                                    budget_estimate=D("900000"), merged=True, merge_reason="simple_small",
                                    acting_user=people["authority"])
    assert project.status == ProjectStatus.PD_APPROVED and project.fsr_approval_no == "2"


def test_budget_adjustment_within_15_percent_is_filed(approved_project, people):
    adj = ps.budget_adjustment_file(project=approved_project, change_amount=D("450000"),
                                    new_total_investment=D("3000000"), reason="tech_optimization",
                                    on=date(2025, 3, 1), acting_user=people["officer"])
    assert adj.pct_of_estimate == D("15.00") and adj.outcome == AdjustmentOutcome.FILED
    approved_project.refresh_from_db()
    assert approved_project.status == ProjectStatus.PD_APPROVED


def test_budget_adjustment_beyond_15_percent_needs_reapproval(approved_project, people):
    adj = ps.budget_adjustment_file(project=approved_project, change_amount=D("450001"),
                                    new_total_investment=D("3000000"), reason="tech_optimization",
                                    on=date(2025, 3, 1), acting_user=people["officer"])
    assert adj.outcome == AdjustmentOutcome.REAPPROVAL
    approved_project.refresh_from_db()
    assert approved_project.status == ProjectStatus.FSR_APPROVED and approved_project.pd_approved_on is None


def test_budget_adjustment_beyond_estimate_needs_reapproval(approved_project, people):
    adj = ps.budget_adjustment_file(project=approved_project, change_amount=D("100000"),
                                    new_total_investment=D("3100000"), reason="business_need",
                                    on=date(2025, 3, 1), acting_user=people["officer"])
    assert adj.outcome == AdjustmentOutcome.REAPPROVAL


def _constructed(project, people):
    ps.project_start_construction(project=project, on=date(2025, 3, 1), acting_user=people["officer"])
    project.refresh_from_db()
    return project


def test_performance_report_due_by_year_end(approved_project, people):
    project = _constructed(approved_project, people)
    with pytest.raises(ValidationError, match="2025年度绩效评价报告"):
        ps.performance_report_submit(project=project, year=2025, submitted_on=date(2026, 1, 5),
                                     acting_user=people["officer"])
    report = ps.performance_report_submit(project=project, year=2025, submitted_on=date(2025, 12, 20),
                                          acting_user=people["officer"])
    assert not report.is_late


@pytest.fixture
def completed(approved_project, people):
    project = _constructed(approved_project, people)
    return ps.project_complete(project=project, on=date(2025, 8, 31), acting_user=people["officer"])


def test_acceptance_within_six_months_or_extension(completed, people):
    assert completed.acceptance_due_on == date(2026, 2, 28)
    with pytest.raises(ValidationError, match="延期验收"):
        ps.project_apply_acceptance(project=completed, on=date(2026, 3, 2), acting_user=people["officer"])
    ext = ps.acceptance_extension_request(project=completed, requested_on=date(2026, 2, 10), reason="设备到货延迟",
                                          new_due_on=date(2026, 4, 30), acting_user=people["officer"])
    with pytest.raises(PermissionDenied):
        ps.acceptance_extension_decide(extension=ext, approve=True, acting_user=people["officer"])
    ps.acceptance_extension_decide(extension=ext, approve=True, acting_user=people["authority"])
    completed.refresh_from_db()
    project = ps.project_apply_acceptance(project=completed, on=date(2026, 3, 2), acting_user=people["officer"])
    assert project.status == ProjectStatus.ACCEPTANCE_APPLIED


def _entry(unit, status, code="ML-1"):
    return CatalogEntry.objects.create(code=code, title="企业用能监测数据", source_unit=unit, status=status)


def test_acceptance_refused_while_resource_unregistered(completed, people, units):
    project = ps.project_apply_acceptance(project=completed, on=date(2025, 12, 1), acting_user=people["officer"])
    ps.project_record_acceptance_checks(project=project, archive_acceptance_passed=True,
                                        crypto_assessment_report="密评-2025-08", security_check_passed=True,
                                        acting_user=people["officer"])
    project.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        ps.project_accept(project=project, on=date(2025, 12, 15), acting_user=people["authority"])
    assert any("企业用能监测数据" in m and "尚未" in m for m in exc.value.messages)
    resource = project.data_resources.get()
    draft = _entry(units["gxj"], EntryStatus.DRAFT)
    ps.project_data_resource_link(resource=resource, catalog_entry=draft, acting_user=people["officer"])
    with pytest.raises(ValidationError):  # linked but only a draft: still not registered
        ps.project_accept(project=project, on=date(2025, 12, 15), acting_user=people["authority"])
    CatalogEntry.objects.filter(pk=draft.pk).update(status=EntryStatus.PUBLISHED)
    project = ps.project_accept(project=project, on=date(2025, 12, 15), acting_user=people["authority"])
    assert project.status == ProjectStatus.ACCEPTED
    assert AuditLog.objects.filter(action="procurement.project.accept", object_id=str(project.pk)).exists()


def test_acceptance_refused_without_security_crypto_archive(completed, people, units):
    project = ps.project_apply_acceptance(project=completed, on=date(2025, 12, 1), acting_user=people["officer"])
    entry = _entry(units["gxj"], EntryStatus.PUBLISHED)
    ps.project_data_resource_link(resource=project.data_resources.get(), catalog_entry=entry,
                                  acting_user=people["officer"])
    with pytest.raises(ValidationError) as exc:
        ps.project_accept(project=project, on=date(2025, 12, 15), acting_user=people["authority"])
    text = " ".join(exc.value.messages)
    assert "档案验收" in text and "密码应用" in text and "网络安全" in text


def test_link_refuses_other_units_catalog_entry(completed, people, units):
    entry = _entry(units["scj"], EntryStatus.PUBLISHED, code="ML-X")
    with pytest.raises(ValidationError, match="数源单位"):
        ps.project_data_resource_link(resource=completed.data_resources.get(), catalog_entry=entry,
                                      acting_user=people["officer"])


@pytest.fixture
def accepted(completed, people, units):
    project = ps.project_apply_acceptance(project=completed, on=date(2025, 12, 1), acting_user=people["officer"])
    ps.project_record_acceptance_checks(project=project, archive_acceptance_passed=True,
                                        crypto_assessment_report="密评", security_check_passed=True,
                                        acting_user=people["officer"])
    ps.project_data_resource_link(resource=project.data_resources.get(),
                                  catalog_entry=_entry(units["gxj"], EntryStatus.PUBLISHED),
                                  acting_user=people["officer"])
    project.refresh_from_db()
    project = ps.project_accept(project=project, on=date(2025, 12, 15), acting_user=people["authority"])
    return ps.project_start_operation(project=project, on=date(2026, 1, 1), acting_user=people["officer"])


def test_om_funding_blocked_by_sharing_failure(accepted, people, units):
    ps.sharing_failure_record(unit=units["gxj"], source="共享考核", found_on=date(2026, 1, 2), description="x",
                              acting_user=people["authority"])
    with pytest.raises(ValidationError, match="运行维护经费"):
        ps.project_om_funding_approve(project=accepted, amount=D("200000"), on=date(2026, 1, 5),
                                      acting_user=people["authority"])
    accepted.refresh_from_db()
    assert accepted.om_funding_approved is None


def test_om_funding_granted_without_failures(accepted, people):
    project = ps.project_om_funding_approve(project=accepted, amount=D("200000"), on=date(2026, 1, 5),
                                            acting_user=people["authority"])
    assert project.om_funding_approved == D("200000")


def test_self_evaluation_window_6_to_12_months(accepted, people):
    with pytest.raises(ValidationError, match="6个月后"):
        ps.project_self_evaluate(project=accepted, on=date(2026, 6, 30), acting_user=people["officer"])
    with pytest.raises(ValidationError, match="12个月内"):
        ps.project_self_evaluate(project=accepted, on=date(2027, 1, 2), acting_user=people["officer"])
    project = ps.project_self_evaluate(project=accepted, on=date(2026, 7, 1), acting_user=people["officer"])
    assert project.status == ProjectStatus.SELF_EVALUATED


def test_state_machine_refuses_skipping(plan, people, units):
    project = _declared(plan, people, units)
    with pytest.raises(ValidationError, match="不能执行“建设完成”"):
        ps.project_complete(project=project, on=date(2025, 1, 1), acting_user=people["officer"])
