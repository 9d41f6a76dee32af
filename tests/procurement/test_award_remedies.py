"""Publicity, award, contract, written report, bonds; objections, complaints, penalties, bad conduct."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement.models import BidStatus, BondStatus, ComplaintStatus, ObjectionStatus, TenderStatus
from procurement.services import award as aw
from procurement.services import remedies as rm
from procurement.services import tenders as ts

# Report received Monday 2025-04-14.


def test_candidate_publicity_start_and_duration(evaluated_tender, people):
    officer = people["officer"]
    with pytest.raises(ValidationError, match="3日内"):
        aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 18), ends_on=date(2025, 4, 21),
                                acting_user=officer)
    with pytest.raises(ValidationError, match="不得少于3日"):
        aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 17),
                                acting_user=officer)
    aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18),
                            acting_user=officer)
    evaluated_tender.refresh_from_db()
    assert evaluated_tender.status == TenderStatus.CANDIDATES_PUBLICIZED


@pytest.fixture
def publicized(evaluated_tender, people):
    aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18),
                            acting_user=people["officer"])
    evaluated_tender.refresh_from_db()
    return evaluated_tender


def test_award_within_15_days_after_publicity(publicized, people):
    with pytest.raises(ValidationError, match="公示期满"):
        aw.award_determine(tender=publicized, on=date(2025, 4, 17), acting_user=people["officer"])
    with pytest.raises(ValidationError, match="15日内"):
        aw.award_determine(tender=publicized, on=date(2025, 4, 30), acting_user=people["officer"])
    tender = aw.award_determine(tender=publicized, on=date(2025, 4, 21), acting_user=people["officer"])
    lot = tender.lots.get()
    assert lot.awarded_bid.bidder.name == "乙" and lot.awarded_bid.status == BidStatus.AWARDED


def test_award_to_rank_two_needs_fallback_reason(publicized, people):
    lot = publicized.lots.get()
    second = lot.bids.get(rank=2)
    with pytest.raises(ValidationError, match="顺延"):
        aw.award_determine(tender=publicized, on=date(2025, 4, 21), winners={lot.pk: second},
                           acting_user=people["officer"])
    aw.award_determine(tender=publicized, on=date(2025, 4, 21), winners={lot.pk: second},
                       fallback_reason="排名第一的中标候选人书面放弃中标", acting_user=people["officer"])


def test_objection_pauses_award_until_answered(publicized, people):
    objection = rm.objection_receive(tender=publicized, stage="evaluation_result", objector_name="甲公司",
                                     facts="对评分有异议", received_on=date(2025, 4, 16), acting_user=people["officer"])
    assert objection.decision_due_on == date(2025, 4, 18) and objection.reply_due_on == date(2025, 4, 21)
    with pytest.raises(ValidationError, match="暂停"):
        aw.award_determine(tender=publicized, on=date(2025, 4, 21), acting_user=people["officer"])
    rm.objection_decide(objection=objection, accept=True, on=date(2025, 4, 17), acting_user=people["officer"])
    rm.objection_answer(objection=objection, reply="经复核，评分无误。", on=date(2025, 4, 18),
                        acting_user=people["officer"])
    aw.award_determine(tender=publicized, on=date(2025, 4, 21), acting_user=people["officer"])


def test_objection_decision_deadline_and_deemed_acceptance(make_tender, people):
    tender = make_tender()
    # received Friday 2025-04-04 (Qingming holiday): +2 days = Sunday 04-06, moved to Monday 04-07
    objection = rm.objection_receive(tender=tender, stage="tender_doc", objector_name="潜在投标人",
                                     facts="资格条件过高", received_on=date(2025, 4, 4), acting_user=people["officer"])
    assert objection.decision_due_on == date(2025, 4, 7)
    with pytest.raises(ValidationError, match="视为受理"):
        rm.objection_decide(objection=objection, accept=False, on=date(2025, 4, 8), reason="vague",
                            acting_user=people["officer"])
    assert rm.objections_deem_accepted(on=date(2025, 4, 8)) == 1
    objection.refresh_from_db()
    assert objection.status == ObjectionStatus.DEEMED_ACCEPTED
    with pytest.raises(ValidationError, match="答复"):  # reply due 04-07 (+3 = 04-07, a Monday)
        rm.objection_answer(objection=objection, reply="x", on=date(2025, 4, 9), acting_user=people["officer"])
    answered = rm.objection_answer(objection=objection, reply="x", on=date(2025, 4, 9), late_reason="补录",
                                   acting_user=people["officer"])
    assert answered.is_reply_late


def test_bids_paused_by_tender_doc_objection(make_tender, add_bid, people):
    tender = make_tender()
    rm.objection_receive(tender=tender, stage="tender_doc", objector_name="x", facts="y", received_on=date(2025, 3, 20),
                         acting_user=people["officer"])
    with pytest.raises(ValidationError, match="暂停"):
        add_bid(tender, 1, "甲", "900000")


def test_complaint_deadlines(publicized, people):
    objection = rm.objection_receive(tender=publicized, stage="evaluation_result", objector_name="甲公司",
                                     facts="x", received_on=date(2025, 4, 16), acting_user=people["officer"])
    complainant = publicized.lots.get().bids.get(rank=2).bidder
    sup = people["supervisor"]
    with pytest.raises(ValidationError, match="先向招标人提出异议"):
        rm.complaint_file(tender=publicized, complainant=complainant, matter="evaluation_result", content="x",
                          knew_on=date(2025, 4, 15), filed_on=date(2025, 4, 17), acting_user=sup)
    with pytest.raises(ValidationError, match="答复期限内"):
        rm.complaint_file(tender=publicized, complainant=complainant, matter="evaluation_result", content="x",
                          knew_on=date(2025, 4, 15), filed_on=date(2025, 4, 17), prior_objection=objection,
                          acting_user=sup)
    rm.objection_answer(objection=objection, reply="维持", on=date(2025, 4, 18), acting_user=people["officer"])
    with pytest.raises(ValidationError, match="10日内"):
        rm.complaint_file(tender=publicized, complainant=complainant, matter="evaluation_result", content="x",
                          knew_on=date(2025, 4, 15), filed_on=date(2025, 4, 26), prior_objection=objection,
                          acting_user=sup)
    with pytest.raises(PermissionDenied):
        rm.complaint_file(tender=publicized, complainant=complainant, matter="evaluation_result", content="x",
                          knew_on=date(2025, 4, 15), filed_on=date(2025, 4, 25), prior_objection=objection,
                          acting_user=people["officer"])
    # filed Wednesday 04-30: May Day holiday 05-01..05-05 → 3 working days = 05-06, 05-07, 05-08
    complaint = rm.complaint_file(tender=publicized, complainant=complainant, matter="award", content="x",
                                  knew_on=date(2025, 4, 25), filed_on=date(2025, 4, 30), acting_user=sup)
    assert complaint.review_due_on == date(2025, 5, 8)
    with pytest.raises(ValidationError, match="3个工作日"):
        rm.complaint_review(complaint=complaint, accept=True, on=date(2025, 5, 9), acting_user=sup)
    rm.complaint_review(complaint=complaint, accept=True, on=date(2025, 5, 8), suspends_award=True, acting_user=sup)
    with pytest.raises(ValidationError, match="暂停发出中标通知书"):
        aw.award_determine(tender=publicized, on=date(2025, 4, 21), acting_user=people["officer"])
    complaint = rm.complaint_decide(complaint=complaint, decision="驳回投诉", on=date(2025, 5, 20), acting_user=sup)
    assert complaint.status == ComplaintStatus.DECIDED


@pytest.fixture
def awarded(publicized, people):
    return aw.award_determine(tender=publicized, on=date(2025, 4, 21), acting_user=people["officer"])


def test_award_publicity_and_bond_refunds(awarded, people):
    officer = people["officer"]
    with pytest.raises(ValidationError, match="不得少于10日"):
        aw.award_publicize(tender=awarded, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 1), acting_user=officer)
    with pytest.raises(ValidationError, match="3日内"):
        aw.award_publicize(tender=awarded, starts_on=date(2025, 4, 25), ends_on=date(2025, 5, 9), acting_user=officer)
    aw.award_publicize(tender=awarded, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 2), acting_user=officer)
    lot = awarded.lots.get()
    non_candidate = lot.bids.get(rank=4).bond
    assert non_candidate.refund_due_on == date(2025, 5, 7)  # 05-02 + 5 = 05-07 (a working day)
    assert lot.bids.get(rank=2).bond.refund_due_on is None  # candidates wait for the contract
    with pytest.raises(ValidationError, match="合同金额"):
        aw.contract_sign(lot=lot, contract_no="HT-1", amount=D("900000"), signed_on=date(2025, 5, 10),
                         acting_user=officer)
    with pytest.raises(ValidationError, match="30日内"):
        aw.contract_sign(lot=lot, contract_no="HT-1", amount=D("950000"), signed_on=date(2025, 5, 22),
                         acting_user=officer)
    contract = aw.contract_sign(lot=lot, contract_no="HT-1", amount=D("950000"), signed_on=date(2025, 5, 12),
                                performance_security_posted_on=date(2025, 5, 14), acting_user=officer)
    assert lot.bids.get(rank=1).bond.refund_due_on == date(2025, 5, 19)  # 05-14 + 5 = Monday 05-19
    with pytest.raises(ValidationError, match="3日内"):
        aw.contract_publicize(contract=contract, starts_on=date(2025, 5, 16), ends_on=date(2025, 5, 20),
                              acting_user=officer)
    aw.contract_publicize(contract=contract, starts_on=date(2025, 5, 13), ends_on=date(2025, 5, 16),
                          acting_user=officer)
    with pytest.raises(ValidationError, match="15日内"):
        aw.written_report_file(tender=awarded, on=date(2025, 5, 7), acting_user=officer)
    aw.written_report_file(tender=awarded, on=date(2025, 5, 6), acting_user=officer)
    with pytest.raises(ValidationError, match="5日内"):
        aw.bond_refund(bond=non_candidate, on=date(2025, 5, 8), acting_user=officer)
    aw.bond_refund(bond=non_candidate, on=date(2025, 5, 7), acting_user=officer)
    with pytest.raises(ValidationError, match="未退还"):
        aw.tender_close(tender=awarded, acting_user=officer)
    for bid in lot.bids.exclude(pk=non_candidate.bid_id):
        bond = bid.bond
        if bond.status == BondStatus.HELD and bid.status == BidStatus.REJECTED:
            aw.bond_forfeit(bond=bond, reason="报价超过控制价不属没收情形；此处演示不予退还流程", acting_user=officer)
        elif bond.status == BondStatus.HELD:
            aw.bond_refund(bond=bond, on=date(2025, 5, 15), acting_user=officer)
    assert aw.tender_close(tender=awarded, acting_user=officer).status == TenderStatus.CLOSED


def test_penalty_and_bad_conduct(awarded, people):
    party = awarded.lots.get().bids.get(rank=3).bidder
    sup = people["supervisor"]
    with pytest.raises(PermissionDenied):
        rm.penalty_decide(decision_no="罚1", party=party, issuing_authority="x", act_description="x", legal_basis="x",
                          decided_on=date(2025, 4, 30), document_text="全文", acting_user=people["officer"])
    penalty = rm.penalty_decide(decision_no="泉数据罚〔2025〕1号", party=party, issuing_authority="泉州市数据管理局",
                                act_description="弄虚作假", legal_basis="招标投标法第54条", fine_amount=D("10000"),
                                decided_on=date(2025, 4, 30), document_text="行政处罚决定书全文……", acting_user=sup)
    assert penalty.credit_register_due_on == date(2025, 5, 14)  # 05-06..05-09, 05-12..05-14
    penalty = rm.penalty_served(penalty=penalty, received_on=date(2025, 5, 6), acting_user=sup)
    assert penalty.pay_by_on == date(2025, 5, 21)
    assert rm.late_payment_surcharge(penalty, date(2025, 5, 23)) == D("600.00")
    assert rm.late_payment_surcharge(penalty, date(2025, 5, 21)) == D("0.00")
    with pytest.raises(ValidationError, match="认定文书"):
        rm.bad_conduct_register(subject=party, ground="fraud", decision_document_no="", description="x",
                                registered_on=date(2025, 5, 6), acting_user=sup)
    record = rm.bad_conduct_register(subject=party, ground="fraud", decision_document_no=penalty.decision_no,
                                     description="弄虚作假", registered_on=date(2025, 5, 6), penalty=penalty,
                                     acting_user=sup)
    assert record.expires_on == date(2026, 5, 6)
    assert rm.bad_conduct_effective(party, date(2026, 5, 5)) == [record]
    assert rm.bad_conduct_effective(party, date(2026, 5, 6)) == []  # expires automatically after one year


def test_terminate_requires_reason(make_tender, people):
    tender = make_tender()
    with pytest.raises(ValidationError):
        ts.tender_terminate(tender=tender, reason=" ", acting_user=people["officer"])
    assert ts.tender_terminate(tender=tender, reason="项目取消", acting_user=people["officer"]).status == "terminated"
