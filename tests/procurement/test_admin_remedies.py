"""Admin forms for remedies and sanctions: objection decision/answer, complaint review/decision, penalties and
bad-conduct records. Each step runs its service; each refusal comes back as a Chinese form error, nothing written."""

from datetime import date
from decimal import Decimal as D

import pytest

from portal.models import AuditLog, Enterprise
from procurement.models import BadConductRecord, Complaint, Objection, PenaltyDecision
from procurement.services import remedies as rm
from tests.procurement.conftest import uscc

pytestmark = pytest.mark.django_db


def _objection(tender, people):
    return rm.objection_receive(tender=tender, stage="opening", objector_name="甲公司", facts="开标记录有误",
                                received_on=date(2025, 4, 10), acting_user=people["officer"])


def _step(kind, pk, name):
    return f"/admin/procurement/{kind}/{pk}/step/{name}/"


def test_objection_decided_and_answered_in_admin(client, opened_tender, people):
    objection = _objection(opened_tender, people)
    client.force_login(people["officer"])
    page = client.get(f"/admin/procurement/objection/{objection.pk}/change/").content.decode()
    for name in ("accept", "reject", "answer"):  # the step buttons come from the declaration
        assert _step("objection", objection.pk, name) in page
    assert _step("objection", objection.pk, "deem_accepted") not in page  # run by the schedule only
    # refusal: not accepted without a ground
    response = client.post(_step("objection", objection.pk, "reject"), {"reason": "", "on": "2025-04-11"})
    assert response.status_code == 200 and "不予受理理由" in response.content.decode()
    objection.refresh_from_db()
    assert objection.status == "received"
    response = client.post(_step("objection", objection.pk, "accept"), {"on": "2025-04-11"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "accepted"
    # refusal: an answer needs its text
    response = client.post(_step("objection", objection.pk, "answer"), {"on": "2025-04-12", "reply": " "})
    assert response.status_code == 200 and "答复内容" in response.content.decode()
    response = client.post(_step("objection", objection.pk, "answer"),
                           {"on": "2025-04-12", "reply": "经核实，开标记录无误。"})
    assert response.status_code == 302
    objection.refresh_from_db()
    assert objection.status == "answered" and objection.replied_on == date(2025, 4, 12)
    assert objection.reply == "经核实，开标记录无误。" and not objection.is_reply_late
    assert set(AuditLog.objects.filter(action__startswith="procurement.objection.").values_list(
        "action", flat=True)) == {"procurement.objection.receive", "procurement.objection.accept",
                                  "procurement.objection.answer"}


def test_objection_step_refused_to_other_unit(client, opened_tender, people):
    objection = _objection(opened_tender, people)
    client.force_login(people["officer_b"])
    response = client.post(_step("objection", objection.pk, "accept"), {"on": "2025-04-11"})
    assert response.status_code in (302, 403, 404)
    objection.refresh_from_db()
    assert objection.status == "received"


def _complaint(tender, people):
    complainant = Enterprise.objects.create(uscc=uscc(41), name="投诉公司")
    return rm.complaint_file(tender=tender, complainant=complainant, matter="award", content="中标结果不公",
                             knew_on=date(2025, 4, 25), filed_on=date(2025, 4, 30), acting_user=people["supervisor"])


def test_complaint_reviewed_and_decided_in_admin(client, opened_tender, people):
    complaint = _complaint(opened_tender, people)  # review due 2025-05-08 (May Day holiday)
    client.force_login(people["supervisor"])
    assert client.get(f"/admin/procurement/complaint/{complaint.pk}/change/").status_code == 200
    # refusals: not accepted without written reasons; late without an explanation
    response = client.post(_step("complaint", complaint.pk, "reject"), {"on": "2025-05-06", "reason": ""})
    assert response.status_code == 200 and "不予受理理由" in response.content.decode()
    response = client.post(_step("complaint", complaint.pk, "accept"), {"on": "2025-05-09"})
    assert response.status_code == 200 and "3个工作日" in response.content.decode()
    complaint.refresh_from_db()
    assert complaint.status == "filed" and complaint.reviewed_on is None
    response = client.post(_step("complaint", complaint.pk, "accept"), {"on": "2025-05-07", "suspends_award": "on"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "accepted" and complaint.suspends_award and not complaint.is_review_late
    response = client.post(_step("complaint", complaint.pk, "decide"), {"on": "2025-05-20", "decision": ""})
    assert response.status_code == 200 and "处理决定" in response.content.decode()
    response = client.post(_step("complaint", complaint.pk, "decide"),
                           {"on": "2025-05-20", "decision": "投诉缺乏事实根据，驳回。"})
    assert response.status_code == 302
    complaint.refresh_from_db()
    assert complaint.decision == "投诉缺乏事实根据，驳回。" and complaint.decided_on == date(2025, 5, 20)
    assert not complaint.suspends_award


def test_complaint_review_refused_to_procuring_officer(client, opened_tender, people):
    complaint = _complaint(opened_tender, people)
    client.force_login(people["officer"])
    response = client.post(_step("complaint", complaint.pk, "accept"), {"on": "2025-05-06"})
    assert response.status_code in (200, 302, 403)
    assert "只有采购监管人员" in response.content.decode() or response.status_code != 200
    assert Complaint.objects.get(pk=complaint.pk).status == "filed"


PENALTY = {"decision_no": "泉数据罚〔2025〕9号", "issuing_authority": "泉州市数据管理局",
           "act_description": "弄虚作假", "legal_basis": "招标投标法第54条", "fine_amount": "10000.00",
           "decided_on": "2025-04-30", "document_text": "行政处罚决定书全文……"}


def test_penalty_and_bad_conduct_through_admin(client, opened_tender, people):
    party = Enterprise.objects.get(name="甲")
    client.force_login(people["supervisor"])
    assert client.get("/admin/procurement/penaltydecision/add/").status_code == 200
    # refusals: unknown party, negative fine
    response = client.post("/admin/procurement/penaltydecision/add/", {**PENALTY, "party_uscc": uscc(99)})
    assert response.status_code == 200 and "未找到该统一社会信用代码的企业" in response.content.decode()
    response = client.post("/admin/procurement/penaltydecision/add/",
                           {**PENALTY, "party_uscc": party.uscc, "fine_amount": "-1"})
    assert response.status_code == 200 and "罚款金额不能为负数" in response.content.decode()
    assert not PenaltyDecision.objects.exists()
    response = client.post("/admin/procurement/penaltydecision/add/",
                           {**PENALTY, "party_uscc": party.uscc, "tender": opened_tender.pk})
    assert response.status_code == 302, response.context["adminform"].form.errors
    penalty = PenaltyDecision.objects.get()
    assert penalty.party == party and penalty.fine_amount == D("10000.00")
    assert penalty.credit_register_due_on == date(2025, 5, 14)
    url = f"/admin/procurement/penaltydecision/{penalty.pk}/change/"
    response = client.post(url, {"step": "served", "step_on": "2025-04-29"})
    assert response.status_code == 200 and "送达日期不得早于决定日期" in response.content.decode()
    response = client.post(url, {"step": "served", "step_on": "2025-05-06"})
    assert response.status_code == 302
    penalty.refresh_from_db()
    assert penalty.received_on == date(2025, 5, 6) and penalty.pay_by_on == date(2025, 5, 21)
    response = client.post(url, {"step": "credit_register", "step_on": "2025-05-15"})  # late, no explanation
    assert response.status_code == 200 and "7个工作日" in response.content.decode()
    response = client.post(url, {"step": "credit_register", "step_on": "2025-05-14"})
    assert response.status_code == 302
    penalty.refresh_from_db()
    assert penalty.credit_registered_on == date(2025, 5, 14)
    # bad-conduct record citing the decision
    record_data = {"subject_uscc": party.uscc, "ground": "fraud", "decision_document_no": penalty.decision_no,
                   "description": "弄虚作假", "registered_on": "2025-05-06", "penalty": penalty.pk}
    response = client.post("/admin/procurement/badconductrecord/add/", {**record_data, "subject_uscc": uscc(98)})
    assert response.status_code == 200 and "未找到该统一社会信用代码的企业" in response.content.decode()
    assert not BadConductRecord.objects.exists()
    response = client.post("/admin/procurement/badconductrecord/add/", record_data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    record = BadConductRecord.objects.get()
    assert record.subject == party and record.expires_on == date(2026, 5, 6) and record.penalty == penalty
    assert AuditLog.objects.filter(action="procurement.bad_conduct.register").count() == 1


def test_penalty_and_bad_conduct_refused_to_procuring_officer(client, opened_tender, people):
    party = Enterprise.objects.get(name="甲")
    client.force_login(people["officer"])
    assert client.get("/admin/procurement/penaltydecision/add/").status_code == 403
    response = client.post("/admin/procurement/penaltydecision/add/", {**PENALTY, "party_uscc": party.uscc})
    assert response.status_code == 403 and not PenaltyDecision.objects.exists()
    response = client.post("/admin/procurement/badconductrecord/add/", {
        "subject_uscc": party.uscc, "ground": "fraud", "decision_document_no": "X", "description": "x",
        "registered_on": "2025-05-06"})
    assert response.status_code == 403 and not BadConductRecord.objects.exists()
    assert not Objection.objects.exists()
