"""Tenders: amendments, deadlines, opening, draws, committee, and both evaluation methods through the services."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement.models import BidStatus, BondStatus, LotStatus, RejectionCode, TenderStatus
from procurement.services import evaluation as ev
from procurement.services import tenders as ts
from tests.procurement.conftest import EXAMPLE_BIDS, at, uscc


def test_tender_needs_approved_project(people, plan, units):
    from procurement.services import projects as ps

    project = ps.project_declare(code="P0", name="x", construction_unit=units["gxj"], declared_on=date(2024, 6, 3),
                                 total_investment=D("1"), data_resources=["a"], plan=plan,
                                 acting_user=people["officer"])
    with pytest.raises(ValidationError, match="批复后才能招标"):
        ts.tender_create(project=project, tender_no="Z0", title="x", bid_deadline=at(2025, 4, 1),
                         lots=[{"subject": "x", "control_price": "1"}], acting_user=people["officer"])


def test_weights_and_candidates_validated(approved_project, people):
    with pytest.raises(ValidationError) as exc:
        ts.tender_create(project=approved_project, tender_no="Z1", title="x", bid_deadline=at(2025, 4, 1),
                         lots=[{"subject": "x", "control_price": "1"}], tech_weight=D("45"),
                         commercial_weight=D("25"), price_weight=D("30"), candidate_count=4,
                         acting_user=people["officer"])
    text = " ".join(exc.value.messages)
    assert "技术分权重" in text and "候选人数量" in text


def test_tender_denied_to_other_unit(approved_project, people):
    with pytest.raises(PermissionDenied):
        ts.tender_create(project=approved_project, tender_no="Z2", title="x", bid_deadline=at(2025, 4, 1),
                         lots=[{"subject": "x", "control_price": "1"}], acting_user=people["officer_b"])


def test_amendment_10_days_before_deadline_moves_it_5_days(make_tender, people):
    tender = make_tender()  # deadline 2025-04-10 09:00
    amendment = ts.tender_amend(tender=tender, published_at=at(2025, 3, 31, 15), summary="修改技术参数",
                                acting_user=people["officer"])
    assert amendment.deadline_after == at(2025, 4, 15)
    tender.refresh_from_db()
    assert tender.bid_deadline == at(2025, 4, 15)


def test_amendment_15_days_before_or_not_affecting_keeps_deadline(make_tender, people):
    tender = make_tender()
    ts.tender_amend(tender=tender, published_at=at(2025, 3, 26), summary="澄清", acting_user=people["officer"])
    ts.tender_amend(tender=tender, published_at=at(2025, 4, 8), summary="更正联系电话", affects_bid_prep=False,
                    acting_user=people["officer"])
    tender.refresh_from_db()
    assert tender.bid_deadline == at(2025, 4, 10)


def test_late_bid_refused_and_bad_uscc_refused(make_tender, add_bid):
    tender = make_tender()
    with pytest.raises(ValidationError, match="截止时间后送达"):
        add_bid(tender, 1, "迟到公司", "900000", submitted=at(2025, 4, 10, 9, 1))
    with pytest.raises(ValidationError):
        ts.bid_record(lot=tender.lots.get(), bidder_uscc="91350500MA2000001X", bidder_name="x",
                      submitted_at=at(2025, 4, 1), price_figures=D("1"), acting_user=tender.tenderer.memberships.first().user)


def test_bond_not_from_basic_account_fails_qualification(make_tender, people):
    tender = make_tender()
    bid = ts.bid_record(lot=tender.lots.get(), bidder_uscc=uscc(9), bidder_name="某公司", submitted_at=at(2025, 4, 1),
                        price_figures=D("900000"), acting_user=people["officer"],
                        bond={"amount": D("10000"), "received_at": at(2025, 4, 1), "is_from_basic_account": False})
    assert bid.bond.status == BondStatus.INVALID
    for n in (10, 11):
        ts.bid_record(lot=tender.lots.get(), bidder_uscc=uscc(n), bidder_name=f"公司{n}", submitted_at=at(2025, 4, 1),
                      price_figures=D("900000"), acting_user=people["officer"],
                      bond={"amount": D("10000"), "received_at": at(2025, 4, 1)})
    ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    with pytest.raises(ValidationError, match="基本存款账户"):
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])


def test_fewer_than_three_bids_no_opening_retender(make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "950000")
    tender = ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    assert tender.status == TenderStatus.FAILED and "少于3家" in tender.terminated_reason
    assert tender.lots.get().status == LotStatus.FAILED


def test_opening_not_before_deadline(make_tender, add_bid, people):
    tender = make_tender()
    for n in range(3):
        add_bid(tender, n + 1, f"公司{n}", "900000")
    with pytest.raises(ValidationError, match="不得早于投标截止"):
        ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 8), acting_user=people["officer"])


def test_withdraw_only_before_deadline(make_tender, add_bid, people):
    tender = make_tender()
    bid = add_bid(tender, 1, "甲", "900000")
    with pytest.raises(ValidationError, match="不得撤回"):
        ts.bid_withdraw(bid=bid, at=at(2025, 4, 11), acting_user=people["officer"])
    assert ts.bid_withdraw(bid=bid, at=at(2025, 4, 5), acting_user=people["officer"]).status == BidStatus.WITHDRAWN


def test_draw_domain_and_void_redraw(opened_tender, people):
    with pytest.raises(ValidationError, match="已抽取"):
        ts.random_draw_record(tender=opened_tender, param="C", value=D("0.55"), drawn_by="x",
                              drawn_at=at(2025, 4, 10, 10), acting_user=people["officer"])
    draw = opened_tender.draws.get(param="C")
    ts.random_draw_void(draw=draw, reason="摇号设备故障", acting_user=people["officer"])
    with pytest.raises(ValidationError, match="C值"):
        ts.random_draw_record(tender=opened_tender, param="C", value=D("0.47"), drawn_by="x",
                              drawn_at=at(2025, 4, 10, 10), acting_user=people["officer"])
    ts.random_draw_record(tender=opened_tender, param="C", value=D("0.55"), drawn_by="x",
                          drawn_at=at(2025, 4, 10, 10), acting_user=people["officer"])
    assert ts.current_draw(opened_tender, "C") == D("0.55")


def test_committee_rules(opened_tender, people):
    with pytest.raises(ValidationError, match="抽取时间"):
        ts.committee_member_add(tender=opened_tender, name="早", drawn_at=at(2025, 4, 10, 9),
                                acting_user=people["officer"])
    members = [ts.committee_member_add(tender=opened_tender, name=f"专家{i}", drawn_at=at(2025, 4, 10, 10),
                                       acting_user=people["officer"]) for i in range(3)]
    ts.committee_member_add(tender=opened_tender, name="代表1", kind="tenderer_rep", acting_user=people["officer"])
    ts.committee_member_add(tender=opened_tender, name="代表2", kind="tenderer_rep", acting_user=people["officer"])
    with pytest.raises(ValidationError, match="三分之二"):  # 5 members, 3 experts
        ts.committee_validate(opened_tender)
    ts.committee_member_add(tender=opened_tender, name="专家3", drawn_at=at(2025, 4, 10, 10),
                            acting_user=people["officer"])
    with pytest.raises(ValidationError, match="单数"):  # 6 members
        ts.committee_validate(opened_tender)
    ts.committee_member_recuse(member=members[0], reason="与投标人存在利害关系", acting_user=people["officer"])
    with pytest.raises(ValidationError, match="三分之二"):  # 5 members left, 3 experts
        ts.committee_validate(opened_tender)
    ts.committee_member_add(tender=opened_tender, name="专家4", drawn_at=at(2025, 4, 10, 11),
                            acting_user=people["officer"])
    ts.committee_member_add(tender=opened_tender, name="专家5", drawn_at=at(2025, 4, 10, 11),
                            acting_user=people["officer"])
    ts.committee_validate(opened_tender)  # 7 members, 5 experts


def test_example_a_through_services(evaluated_tender):
    lot = evaluated_tender.lots.get()
    assert lot.benchmark_price == D("921250") and lot.status == LotStatus.EVALUATED
    bids = {b.bidder.name: b for b in lot.bids.select_related("bidder")}
    assert bids["戊"].status == BidStatus.REJECTED and bids["戊"].rejection_code == RejectionCode.P2
    assert bids["戊"].price_score is None
    expected = {"乙": ("50.60", "13.20", "26.88", "90.68", 1), "甲": ("49.00", "12.80", "28.85", "90.65", 2),
                "丙": ("46.40", "11.60", "27.76", "85.76", 3), "丁": ("40.20", "10.00", "17.99", "68.19", 4)}
    for name, (tech, com, price, total, rank) in expected.items():
        b = bids[name]
        assert (b.tech_score, b.commercial_score, b.price_score, b.total_score, b.rank) == (
            D(tech), D(com), D(price), D(total), rank), name
    assert [n for n in ("乙", "甲", "丙", "丁") if bids[n].status == BidStatus.CANDIDATE] == ["乙", "甲", "丙"]
    assert evaluated_tender.status == TenderStatus.REPORT_SUBMITTED


def test_scoring_denials(opened_tender, evaluators, people, make_user):
    bid = opened_tender.lots.get().bids.first()
    outsider = make_user("outsider")
    with pytest.raises(PermissionDenied):
        ev.score_record(member=evaluators[0], bid=bid, part="tech", points=D("40"), acting_user=outsider)
    with pytest.raises(PermissionDenied, match="本人"):
        ev.score_record(member=evaluators[0], bid=bid, part="tech", points=D("40"), acting_user=evaluators[1].user)
    with pytest.raises(ValidationError, match="0至55"):
        ev.score_record(member=evaluators[0], bid=bid, part="tech", points=D("56"), acting_user=evaluators[0].user)
    ts.committee_member_recuse(member=evaluators[0], reason="近亲属", acting_user=people["officer"])
    with pytest.raises(PermissionDenied):
        ev.score_record(member=evaluators[0], bid=bid, part="tech", points=D("40"), acting_user=evaluators[0].user)


def test_evaluation_needs_every_score_and_explanation(opened_tender, evaluators, people):
    lot = opened_tender.lots.get()
    officer = people["officer"]
    for bid in lot.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=officer)
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=officer)
        ev.bid_correct_price(bid=bid, acting_user=officer)
    with pytest.raises(ValidationError, match="评委打分"):
        ev.lot_evaluate(lot=lot, acting_user=officer)


def test_abnormally_low_bid_requires_explanation_then_p3(make_tender, add_bid, people):
    tender = make_tender(method="lowest_price")
    prices = ["900000", "950000", "880000", "300000"]
    for n, price in enumerate(prices, start=1):
        add_bid(tender, n, f"公司{n}", price)
    ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    lot = tender.lots.get()
    for bid in lot.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=people["officer"])
        ev.bid_correct_price(bid=bid, acting_user=people["officer"])
    with pytest.raises(ValidationError, match="50%"):
        ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    low = lot.bids.get(price_figures=D("300000"))
    assert ev.abnormally_low_bids(lot) == [low]
    with pytest.raises(ValidationError, match="无需低价说明"):
        ev.bid_low_price_explanation(bid=lot.bids.get(price_figures=D("900000")), accepted=True,
                                     acting_user=people["officer"])
    ev.bid_low_price_explanation(bid=low, accepted=False, acting_user=people["officer"])
    ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    low.refresh_from_db()
    assert low.status == BidStatus.REJECTED and low.rejection_code == RejectionCode.P3
    ranked = list(lot.bids.exclude(rank=None).order_by("rank").values_list("price_figures", flat=True))
    assert ranked == [D("880000"), D("900000"), D("950000")]


def test_lowest_price_example_c_and_tie_draw(make_tender, people):
    tender = make_tender(method="lowest_price")
    lot = tender.lots.get()
    specs = [("R", "950000", [dict(item_no="1", unit_price=D("400000"), amount=D("400000"), is_energy_eco=True),
                              dict(item_no="2", unit_price=D("550000"), amount=D("550000"))]),
             ("P", "960000", [dict(item_no="1", unit_price=D("300000"), amount=D("300000"), is_small_micro_goods=True),
                              dict(item_no="2", unit_price=D("80000"), amount=D("80000"), is_energy_eco=True),
                              dict(item_no="3", unit_price=D("580000"), amount=D("580000"))]),
             ("Q", "945000", [dict(item_no="1", unit_price=D("945000"), amount=D("945000"))]),
             ("S", "945000", [dict(item_no="1", unit_price=D("945000"), amount=D("945000"))])]
    for n, (name, price, lines) in enumerate(specs, start=1):
        ts.bid_record(lot=lot, bidder_uscc=uscc(n), bidder_name=name, submitted_at=at(2025, 4, 1),
                      price_figures=D(price), line_items=lines, acting_user=people["officer"],
                      bond={"amount": D("10000"), "received_at": at(2025, 4, 1)})
    ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    for bid in lot.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=people["officer"])
        ev.bid_correct_price(bid=bid, acting_user=people["officer"])
    with pytest.raises(ValidationError, match="随机抽签"):  # Q and S tie at 945,000
        ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    s_bid = lot.bids.get(bidder__name="S")
    q_bid = lot.bids.get(bidder__name="Q")
    ts.random_draw_record(tender=tender, param="tie", value=D(1), bid=s_bid, drawn_by="代表",
                          drawn_at=at(2025, 4, 10, 11), acting_user=people["officer"])
    ts.random_draw_record(tender=tender, param="tie", value=D(2), bid=q_bid, drawn_by="代表",
                          drawn_at=at(2025, 4, 10, 11), acting_user=people["officer"])
    ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    order = [(b.bidder.name, b.price_after_deduction) for b in lot.bids.select_related("bidder").order_by("rank")]
    assert order == [("R", D("918000.00")), ("P", D("939600.00")), ("S", D("945000.00")), ("Q", D("945000.00"))]
    assert [b.status for b in lot.bids.order_by("rank")][:3] == [BidStatus.CANDIDATE] * 3


def test_example_bid_list_is_complete():
    assert len(EXAMPLE_BIDS) == 5
