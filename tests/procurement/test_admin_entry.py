"""Admin data entry: every add/edit form goes through the services; refusals come back as Chinese form errors and
nothing is written."""

from datetime import date
from decimal import Decimal

import pytest

from portal.models import AuditLog
from procurement.models import Bid, BidBond, CommitteeMember, Contract, ItProject, Lot, Objection, Score, Tender
from tests.procurement.conftest import uscc

pytestmark = pytest.mark.django_db


def _dt(prefix, day, time="09:00:00"):
    return {f"{prefix}_0": day, f"{prefix}_1": time}


def test_project_declared_through_admin(client, people, units, plan):
    client.force_login(people["officer"])
    assert client.get("/admin/procurement/itproject/add/").status_code == 200
    response = client.post("/admin/procurement/itproject/add/", {
        "code": "XM-ADM-1", "name": "后台申报项目", "construction_unit": units["gxj"].pk, "annual_plan": plan.pk,
        "declared_on": "2024-06-10", "total_investment": "1200000.00", "data_resources_text": "企业名录\n用能数据",
        "has_sharing_analysis": "on"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    project = ItProject.objects.get(code="XM-ADM-1")
    assert project.construction_unit == units["gxj"] and project.total_investment == Decimal("1200000.00")
    assert sorted(project.data_resources.values_list("name", flat=True)) == ["企业名录", "用能数据"]
    assert AuditLog.objects.filter(action="procurement.project.declare").count() == 1
    # edit while still a declaration → project_update (audited)
    response = client.post(f"/admin/procurement/itproject/{project.pk}/change/", {
        "name": "后台申报项目（修订）", "content_and_scale": "", "responsible_person": "张三",
        "has_sharing_analysis": "on", "total_investment": "1300000.00"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.name == "后台申报项目（修订）" and project.total_investment == Decimal("1300000.00")
    assert AuditLog.objects.filter(action="procurement.project.update").count() == 1


def test_project_declaration_refused_outside_demand_call(client, people, units, plan):
    client.force_login(people["officer"])
    response = client.post("/admin/procurement/itproject/add/", {
        "code": "XM-ADM-2", "name": "逾期申报", "construction_unit": units["gxj"].pk, "annual_plan": plan.pk,
        "declared_on": "2024-08-10", "total_investment": "100000", "data_resources_text": "x"})
    assert response.status_code == 200
    assert "不在征集期内申报" in response.content.decode()
    assert not ItProject.objects.filter(code="XM-ADM-2").exists()
    assert not AuditLog.objects.filter(action="procurement.project.declare").exists()


def test_other_unit_cannot_declare_for_gxj(client, people, units, plan):
    client.force_login(people["officer_b"])
    response = client.post("/admin/procurement/itproject/add/", {
        "code": "XM-ADM-3", "name": "越权申报", "construction_unit": units["gxj"].pk, "annual_plan": plan.pk,
        "declared_on": "2024-06-10", "total_investment": "100000", "data_resources_text": "x"})
    assert response.status_code == 200 and not ItProject.objects.filter(code="XM-ADM-3").exists()
    assert "construction_unit" in response.context["adminform"].form.errors  # not among the choices


def test_tender_lot_and_bid_created_through_admin(client, people, approved_project):
    client.force_login(people["officer"])
    response = client.post("/admin/procurement/tender/add/", {
        "project": approved_project.pk, "tender_no": "ZB-ADM-1", "title": "后台招标", **_dt("bid_deadline", "2025-04-10"),
        "evaluation_method": "comprehensive", "price_option": "option1", "tech_weight": "55",
        "commercial_weight": "15", "price_weight": "30", "candidate_count": "3", "agent_name": "",
        "contract_sign_days": "30", "lot_subject": "平台开发", "lot_control_price": "1000000.00",
        "lot_bid_bond_amount": "10000"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    tender = Tender.objects.get(tender_no="ZB-ADM-1")
    assert tender.lots.get().control_price == Decimal("1000000.00")
    response = client.post("/admin/procurement/lot/add/", {"tender": tender.pk, "subject": "运维服务",
                                                            "control_price": "200000", "bid_bond_amount": "0"})
    assert response.status_code == 302
    assert list(tender.lots.values_list("lot_no", flat=True)) == [1, 2]
    # weights must sum to 100: refused by tender_update, nothing changed
    response = client.post(f"/admin/procurement/tender/{tender.pk}/change/", {
        "title": "后台招标", **_dt("bid_deadline", "2025-04-10"), "agent_name": "", "tech_weight": "60",
        "commercial_weight": "15", "price_weight": "30", "price_option": "option1", "candidate_count": "3",
        "contract_sign_days": "30", "bid_validity_days": "90"})
    assert response.status_code == 200 and "权重之和应为100" in response.content.decode()
    tender.refresh_from_db()
    assert tender.tech_weight == Decimal("55")
    from procurement.services import tenders as ts
    from tests.procurement.conftest import at
    ts.tender_issue(tender=tender, issued_at=at(2025, 3, 10), acting_user=people["officer"])
    lot = tender.lots.get(lot_no=1)
    response = client.post("/admin/procurement/bid/add/", {
        "lot": lot.pk, "bidder_uscc": uscc(7), "bidder_name": "后台投标公司", **_dt("submitted_at", "2025-04-01"),
        "price_figures": "900000.00", "bond_amount": "10000", **_dt("bond_received_at", "2025-04-01"),
        "bond_is_from_basic_account": "on", "bond_payer_account_no": "1408"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    bid = Bid.objects.get(lot=lot)
    assert bid.bidder.uscc == uscc(7) and bid.price_figures == Decimal("900000.00")
    assert BidBond.objects.get(bid=bid).status == "held"
    # after the deadline: refused with the Chinese reason, no bid written
    response = client.post("/admin/procurement/bid/add/", {
        "lot": lot.pk, "bidder_uscc": uscc(8), "bidder_name": "迟到公司", **_dt("submitted_at", "2025-04-11"),
        "price_figures": "800000.00"})
    assert response.status_code == 200 and "投标截止时间后送达" in response.content.decode()
    assert Bid.objects.filter(lot=lot).count() == 1
    assert not Bid.objects.filter(bidder__uscc=uscc(8)).exists()


def test_evaluator_enters_own_scores_in_admin_only_after_opening(client, opened_tender, evaluators, people):
    member = evaluators[0]
    member.user.is_staff = True
    member.user.save()
    bid = Bid.objects.filter(lot__tender=opened_tender).order_by("pk").first()
    client.force_login(member.user)
    assert client.get("/admin/procurement/score/add/").status_code == 200
    response = client.post("/admin/procurement/score/add/", {"bid": bid.pk, "part": "tech", "points": "48"})
    assert response.status_code == 302, response.context["adminform"].form.errors
    score = Score.objects.get(member=member, bid=bid, part="tech")
    assert score.points == Decimal("48")
    # above the weight: refused, unchanged
    response = client.post(f"/admin/procurement/score/{score.pk}/change/", {"points": "56"})
    assert response.status_code == 200 and "得分应在0至55" in response.content.decode()
    score.refresh_from_db()
    assert score.points == Decimal("48")
    response = client.post(f"/admin/procurement/score/{score.pk}/change/", {"points": "50"})
    assert response.status_code == 302
    score.refresh_from_db()
    assert score.points == Decimal("50")
    # another evaluator sees neither this score nor may change it
    other = evaluators[1]
    other.user.is_staff = True
    other.user.save()
    client.force_login(other.user)
    assert str(score.points) not in client.get("/admin/procurement/score/").content.decode().split("result_list")[-1]
    assert client.get(f"/admin/procurement/score/{score.pk}/change/").status_code in (302, 403, 404)


def test_score_admin_denied_before_opening_and_to_outsiders(client, make_tender, make_user, people):
    tender = make_tender()
    outsider = make_user("outsider", is_staff=True)
    client.force_login(outsider)
    assert client.get("/admin/procurement/score/add/").status_code == 403
    # the procuring officer is not an evaluator: may read scores but not enter them
    client.force_login(people["officer"])
    assert client.get("/admin/procurement/score/add/").status_code == 403
    assert tender.status == "issued" and not CommitteeMember.objects.exists()


def test_committee_member_objection_and_contract_through_admin(client, opened_tender, people, make_user):
    client.force_login(people["officer"])
    make_user("expert_x")
    response = client.post("/admin/procurement/committeemember/add/", {
        "tender": opened_tender.pk, "name": "专家X", "kind": "expert", "evaluator_username": "expert_x",
        **_dt("drawn_at", "2025-04-10", "10:30:00")})
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert CommitteeMember.objects.get(name="专家X").user.username == "expert_x"
    response = client.post("/admin/procurement/committeemember/add/", {
        "tender": opened_tender.pk, "name": "专家Y", "kind": "expert", **_dt("drawn_at", "2025-04-09", "10:30:00")})
    assert response.status_code == 200 and "不得早于开标" in response.content.decode()
    response = client.post("/admin/procurement/objection/add/", {
        "tender": opened_tender.pk, "stage": "opening", "objector_name": "甲公司", "facts": "开标记录有误",
        "received_on": "2025-04-10"})
    assert response.status_code == 302
    assert Objection.objects.get(tender=opened_tender).reply_due_on >= date(2025, 4, 13)


def test_contract_through_admin_refuses_wrong_amount(client, awarded_tender, people):
    tender = awarded_tender
    lot = tender.lots.get()
    client.force_login(people["officer"])
    data = {"lot": lot.pk, "contract_no": "HT-ADM-1", "amount": "1.00", "signed_on": "2025-05-12",
            "has_ip_clause": "on"}
    response = client.post("/admin/procurement/contract/add/", data)
    assert response.status_code == 200 and "合同金额应与中标价一致" in response.content.decode()
    assert not Contract.objects.exists()
    data["amount"] = str(lot.awarded_bid.evaluated_price)
    response = client.post("/admin/procurement/contract/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert Contract.objects.get().lot == lot and Lot.objects.get(pk=lot.pk).status == "contracted"
