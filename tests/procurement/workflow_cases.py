"""Cases for the generated workflow tests of the procurement app (``tests/portal/test_workflows.py -k procurement``).

Each provider puts a record of the seeded demo into a source state of the transition (through the services where
that is short, by a direct test-setup update otherwise) and names an allowed user, a refused one and valid inputs.
Demo roles: ``procurement_officer`` (QZ-DATA, the procuring unit of every demo project and tender), ``city_authority``,
``procurement_supervisor``; ``unit_admin`` (QZ-GXJ) is a user of another unit.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from portal.uscc import make_uscc
from procurement.models import (
    BidBond,
    BondStatus,
    Complaint,
    ItProject,
    Lot,
    Objection,
    ProjectStatus,
    Tender,
    TenderStatus,
)
from procurement.services import award as aw
from procurement.services import remedies as rm
from tests.workflow_cases import Case, provides


def _user(username: str) -> Any:
    return get_user_model().objects.get(username=username)


def _set(obj: Any, **fields: Any) -> Any:
    """Test set-up only: put the record into the wanted state without running the machine."""
    type(obj).objects.filter(pk=obj.pk).update(**fields)
    obj.refresh_from_db()
    return obj


# ------------------------------------------------------------------------------------------------ projects
def _accept_ready_project() -> ItProject:
    """A project whose data resources are all registered in the catalog (gate G3) and whose checks are recorded."""
    from catalogs.models import CatalogEntry, EntryStatus

    project = ItProject.objects.get(code="QZXM-2025-05")
    entry = CatalogEntry.objects.filter(source_unit=project.construction_unit,
                                        status=EntryStatus.PUBLISHED).first()
    assert entry is not None, "the catalogs demo registers a published entry of QZ-DATA"
    project.data_resources.update(catalog_entry=entry)
    return _set(project, archive_acceptance_passed=True, crypto_assessment_report="闽密评〔2025〕18号",
                security_check_passed=True)


@provides("procurement.project")
def project_case(name: str, demo: Any) -> Case:
    officer, authority = _user("procurement_officer"), _user("city_authority")
    project = ItProject.objects.get(code="QZXM-2025-04")  # declared, still at the demand stage
    unit_step = Case(project, allowed=officer, denied=_user("unit_admin"))
    authority_step = Case(project, allowed=authority, denied=officer)
    today = timezone.localdate()
    if name == "start_joint_review":
        return authority_step
    if name == "include_in_plan":
        _set(project, status=ProjectStatus.JOINT_REVIEW, joint_review_due_on=None, is_emergency_inclusion=True)
        return Case(project, authority, officer, {"opinions": "集约化建设和数据共享：同意；网络安全：同意；密码应用：同意。"})
    if name == "approve_fsr":
        _set(project, status=ProjectStatus.IN_PLAN)
        return Case(project, authority, officer, {"approval_no": "泉发改审〔2026〕9号"})
    if name == "submit_pd":
        _set(project, status=ProjectStatus.FSR_APPROVED)
        return unit_step
    if name == "approve_pd":
        _set(project, status=ProjectStatus.FSR_APPROVED, pd_submitted_on=today, pd_review_due_on=None)
        return Case(project, authority, officer, {"approval_no": "泉数据〔2026〕9号",
                                                  "budget_estimate": Decimal("1200000")})
    if name in ("start_procurement", "require_reapproval"):
        _set(project, status=ProjectStatus.PD_APPROVED, budget_estimate=Decimal("1200000"))
        inputs = {"reason": "概算调整超过15%。"} if name == "require_reapproval" else {}
        return Case(project, officer, _user("unit_admin"), inputs)
    if name == "start_construction":
        _set(project, status=ProjectStatus.PROCURING)
        return unit_step
    if name in ("suspend", "terminate", "complete"):
        _set(project, status=ProjectStatus.UNDER_CONSTRUCTION)
        if name == "complete":
            return unit_step
        return Case(project, authority, officer, {"reason": "工期严重滞后，责令整改。"})
    if name == "resume":
        _set(project, status=ProjectStatus.SUSPENDED)
        return Case(project, authority, officer, {"reason": "整改完成，恢复建设。"})
    if name == "apply_acceptance":
        _set(project, status=ProjectStatus.COMPLETED, completed_on=today, acceptance_due_on=today + timedelta(days=90))
        return unit_step
    if name == "accept":
        ready = _set(_accept_ready_project(), status=ProjectStatus.ACCEPTANCE_APPLIED)
        return Case(ready, authority, officer)
    if name == "start_operation":
        _set(project, status=ProjectStatus.ACCEPTED, accepted_on=today)
        return unit_step
    if name == "self_evaluate":
        started = today - timedelta(days=240)
        _set(project, status=ProjectStatus.IN_OPERATION, accepted_on=started, in_operation_on=started)
        return unit_step
    raise KeyError(name)


# ------------------------------------------------------------------------------------------------ tenders
def _issued(tender: Tender, *, deadline_in: timedelta) -> Tender:
    return _set(tender, status=TenderStatus.ISSUED, bid_deadline=timezone.now() + deadline_in)


@provides("procurement.tender")
def tender_case(name: str, demo: Any) -> Case:
    officer, other = _user("procurement_officer"), _user("unit_admin")
    failed = Tender.objects.get(tender_no="QZ-ZB-2025-003")  # two bids, not opened
    reported = Tender.objects.get(tender_no="QZ-ZB-2025-002")  # lowest price, report received 2025-05-22
    contracted = Tender.objects.get(tender_no="QZ-ZB-2025-001")
    if name == "issue":
        return Case(_set(failed, status=TenderStatus.DRAFT, bid_deadline=timezone.now() + timedelta(days=30)),
                    officer, other)
    if name == "amend":
        return Case(_issued(failed, deadline_in=timedelta(days=30)), officer, other,
                    {"summary": "澄清：接口规范以附件3为准。", "affects_bid_prep": True})
    if name == "record_bid":
        tender = _issued(failed, deadline_in=timedelta(days=30))
        return Case(tender, officer, other, {
            "lot": tender.lots.get().pk, "bidder_uscc": make_uscc("91350500MA2WF0001"), "bidder_name": "泉州测试科技有限公司",
            "submitted_at": timezone.now(), "price_figures": Decimal("780000")})
    if name == "open":
        return Case(_issued(failed, deadline_in=-timedelta(hours=1)), officer, other)
    if name == "terminate":
        return Case(_issued(failed, deadline_in=timedelta(days=30)), officer, other, {"reason": "项目需求发生重大变化。"})
    if name == "start_evaluation":
        return Case(_set(reported, status=TenderStatus.OPENED), officer, other)
    if name == "evaluate":
        return Case(_set(reported, status=TenderStatus.EVALUATING), officer, other)
    if name == "submit_report":
        return Case(_set(reported, status=TenderStatus.EVALUATING), officer, other,
                    {"received_on": date(2025, 5, 22)}, on=date(2025, 5, 22))
    if name == "publicize_candidates":
        return Case(reported, officer, other, {"starts_on": date(2025, 5, 23), "ends_on": date(2025, 5, 26)},
                    on=date(2025, 5, 23))
    aw.candidates_publicize(tender=reported, starts_on=date(2025, 5, 23), ends_on=date(2025, 5, 26),
                            acting_user=officer)
    reported.refresh_from_db()
    if name == "award":
        return Case(reported, officer, other, on=date(2025, 5, 27))
    aw.award_determine(tender=reported, on=date(2025, 5, 27), acting_user=officer)
    reported.refresh_from_db()
    if name == "publicize_award":
        return Case(reported, officer, other, {"starts_on": date(2025, 5, 28), "ends_on": date(2025, 6, 7)},
                    on=date(2025, 5, 28))
    aw.award_publicize(tender=reported, starts_on=date(2025, 5, 28), ends_on=date(2025, 6, 7), acting_user=officer)
    reported.refresh_from_db()
    if name == "sign_contract":
        lot = Lot.objects.select_related("awarded_bid").get(tender=reported)
        return Case(reported, officer, other, {
            "lot": lot.pk, "contract_no": "HT-QZ-2025-002", "amount": lot.awarded_bid.evaluated_price,
            "signed_on": date(2025, 6, 10), "has_ip_clause": True}, on=date(2025, 6, 10))
    if name == "close":
        BidBond.objects.filter(bid__lot__tender=contracted).update(status=BondStatus.REFUNDED)
        return Case(contracted, officer, other)
    raise KeyError(name)


# ------------------------------------------------------------------------------------------------ remedies
RECEIVED_ON = date(2025, 4, 7)


@provides("procurement.objection")
def objection_case(name: str, demo: Any) -> Case:
    officer = _user("procurement_officer")
    tender = Tender.objects.get(tender_no="QZ-ZB-2025-001")
    objection: Objection = rm.objection_receive(tender=tender, stage="award", objector_name="晋江云联软件有限公司",
                                                facts="认为中标人业绩不符合要求。", received_on=RECEIVED_ON,
                                                acting_user=officer)
    inputs = {"reject": {"reason": "vague"}, "answer": {"reply": "经核查，中标人业绩符合招标文件要求。"}}.get(name, {})
    on = RECEIVED_ON + timedelta(days=10) if name == "deem_accepted" else RECEIVED_ON
    return Case(objection, officer, _user("unit_admin"), inputs, on=on)


@provides("procurement.complaint")
def complaint_case(name: str, demo: Any) -> Case:
    supervisor = _user("procurement_supervisor")
    tender = Tender.objects.get(tender_no="QZ-ZB-2025-001")
    bidder = tender.lots.get().bids.order_by("pk").last().bidder
    filed = date(2025, 5, 6)
    complaint: Complaint = rm.complaint_file(tender=tender, complainant=bidder, matter="award", content="中标结果不公。",
                                             knew_on=date(2025, 5, 2), filed_on=filed, acting_user=supervisor)
    inputs: dict[str, Any] = {"reject": {"reason": "投诉事项不属于本机关管辖。"}}.get(name, {})
    if name == "decide":
        rm.complaint_review(complaint=complaint, accept=True, on=filed, acting_user=supervisor)
        complaint.refresh_from_db()
        inputs = {"decision": "经调查，投诉缺乏事实依据，驳回投诉。"}
    return Case(complaint, supervisor, _user("procurement_officer"), inputs, on=filed)
