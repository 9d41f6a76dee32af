"""One door per step: the admin step page and the API endpoint of a transition run the same declaration
(``procurement.workflow``) and the same service; ``tender_evaluate`` evaluates the lots still in competition
whichever door is used; ``red_flags_rerun`` is checked and audited."""

from datetime import date
from decimal import Decimal as D

import pytest

from portal.models import AuditLog
from procurement.models import AnnualPlan, ItProject, LotStatus, ProjectStatus, TenderStatus
from procurement.services import evaluation as ev
from procurement.services import tenders as ts
from procurement.workflow import TENDER
from tests.procurement.conftest import at, uscc

pytestmark = pytest.mark.django_db
API = "/api/v1/procurement"


@pytest.fixture
def two_lot_tender(approved_project, people):
    """A lowest-price tender with two lots: lot 1 has three bids, lot 2 only one (not opened, MT 35.1)."""
    officer = people["officer"]
    tender = ts.tender_create(project=approved_project, tender_no="ZB-2LOT", title="两个合同包",
                              bid_deadline=at(2025, 4, 10), evaluation_method="lowest_price", acting_user=officer,
                              lots=[{"subject": "软件", "control_price": "1000000"},
                                    {"subject": "硬件", "control_price": "500000"}])
    ts.tender_issue(tender=tender, issued_at=at(2025, 3, 10), acting_user=officer)
    first, second = tender.lots.order_by("lot_no")
    for n, price in enumerate(("900000", "950000", "880000"), start=1):
        ts.bid_record(lot=first, bidder_uscc=uscc(n), bidder_name=f"投标人{n}", submitted_at=at(2025, 4, 1),
                      price_figures=D(price), acting_user=officer)
    ts.bid_record(lot=second, bidder_uscc=uscc(9), bidder_name="投标人9", submitted_at=at(2025, 4, 1),
                  price_figures=D("400000"), acting_user=officer)
    tender = ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=officer)
    for bid in first.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=officer)
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=officer)
        ev.bid_correct_price(bid=bid, acting_user=officer)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.EVALUATING
    assert second.__class__.objects.get(pk=second.pk).status == LotStatus.FAILED
    return tender


def _lot_statuses(tender):
    return list(tender.lots.order_by("lot_no").values_list("status", flat=True))


def test_admin_step_evaluates_only_lots_still_in_competition(client, two_lot_tender, people):
    client.force_login(people["officer"])
    response = client.post(f"/admin/procurement/tender/{two_lot_tender.pk}/step/evaluate/", {"_": "1"})
    assert response.status_code == 302
    assert _lot_statuses(two_lot_tender) == [LotStatus.EVALUATED, LotStatus.FAILED]
    assert AuditLog.objects.filter(action="procurement.tender.evaluate", object_id=str(two_lot_tender.pk)).count() == 1


def test_api_step_evaluates_the_same_lots(api_client, two_lot_tender, people):
    api_client.force_authenticate(people["officer"])
    steps = api_client.get(f"{API}/tenders/{two_lot_tender.pk}/steps/").json()
    assert "evaluate" in [s["name"] for s in steps["steps"]]
    assert "start_evaluation" not in [s["name"] for s in steps["steps"]]  # hidden: run by the first review
    response = api_client.post(f"{API}/tenders/{two_lot_tender.pk}/evaluate/", format="json")
    assert response.status_code == 200, response.content
    assert _lot_statuses(two_lot_tender) == [LotStatus.EVALUATED, LotStatus.FAILED]
    api_client.force_authenticate(people["supervisor"])  # sees the tender, is not its actor
    refused = api_client.post(f"{API}/tenders/{two_lot_tender.pk}/evaluate/", format="json")
    assert refused.status_code == 403 and "招标人" in refused.content.decode()


def test_a_failed_lot_named_explicitly_is_refused(two_lot_tender, people):
    failed = two_lot_tender.lots.get(lot_no=2)
    with pytest.raises(Exception, match="已流标或已定标"):
        ev.lot_evaluate(lot=failed, acting_user=people["officer"])


def test_red_flags_rerun_api(api_client, make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "900000")
    url = f"{API}/red-flags/rerun/"
    api_client.force_authenticate(people["officer_b"])  # another unit: the tender is not visible
    assert api_client.post(url, {"tender": tender.pk}, format="json").status_code == 404
    api_client.force_authenticate(people["leader"])  # sees it, may not re-run
    assert api_client.post(url, {"tender": tender.pk}, format="json").status_code == 403
    api_client.force_authenticate(people["officer"])
    response = api_client.post(url, {"tender": tender.pk}, format="json")
    assert response.status_code == 200 and response.json()["current"] >= 1
    response = api_client.post(url, {"project": tender.project_id}, format="json")
    assert response.status_code == 200
    assert AuditLog.objects.filter(action="procurement.red_flag.rerun", object_id=str(tender.pk)).count() == 2


def test_project_step_through_the_api(api_client, people, units):
    from procurement.services import projects as ps

    plan = AnnualPlan.objects.create(year=2026, demand_opens_on=date(2025, 6, 1), demand_closes_on=date(2025, 6, 30),
                                     draft_due_on=date(2025, 10, 31))
    project = ps.project_declare(code="XM-API-1", name="接口项目", construction_unit=units["gxj"],
                                 declared_on=date(2025, 6, 10), total_investment=D("100000"), plan=plan,
                                 data_resources=["数据"], acting_user=people["officer"])
    url = f"{API}/projects/{project.pk}/start_joint_review/"
    api_client.force_authenticate(people["officer"])
    assert api_client.post(url, {}, format="json").status_code == 403  # the authority starts the review
    api_client.force_authenticate(people["authority"])
    response = api_client.post(url, {"on": "2025-07-01"}, format="json")
    assert response.status_code == 200, response.content
    project = ItProject.objects.get(pk=project.pk)
    assert project.status == ProjectStatus.JOINT_REVIEW and project.joint_review_due_on == date(2025, 7, 8)


def test_declared_limits_use_natural_days_where_the_text_says_日():
    assert TENDER.transitions["submit_report"].limit.calendar  # 3日 (publicity of the candidates)
    assert TENDER.transitions["award"].limit.calendar
    from procurement.workflow import COMPLAINT_REVIEW_LIMIT, OBJECTION_DECISION_LIMIT, PROJECT

    assert not PROJECT.transitions["start_joint_review"].limit.calendar  # 5个工作日
    assert not COMPLAINT_REVIEW_LIMIT.calendar and OBJECTION_DECISION_LIMIT.calendar
