"""Procurement fixtures: units and users per role, an approved project, and a tender built through the services."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from portal.models import OrgKind
from portal.roles import Role
from portal.uscc import make_uscc
from procurement.services import projects as ps
from procurement.services import tenders as ts

TZ = ZoneInfo("Asia/Shanghai")
D = Decimal


def at(y, m, d, hh=9, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=TZ)


def uscc(n: int) -> str:
    return make_uscc(f"91350500MA2{n:06d}")


@pytest.fixture
def units(make_unit):
    return {"data": make_unit("QZ-DATA", "市数据管理局", kind=OrgKind.DATA_AUTHORITY),
            "gxj": make_unit("QZ-GXJ", "市工信局"), "scj": make_unit("QZ-SCJGJ", "市市场监管局"),
            "czj": make_unit("QZ-CZJ", "市财政局")}


@pytest.fixture
def people(make_user, units):
    return {
        "authority": make_user("authority", Role.CITY_AUTHORITY, units["data"]),
        "officer": make_user("officer", Role.PROCUREMENT_OFFICER, units["gxj"]),
        "officer_b": make_user("officer_b", Role.PROCUREMENT_OFFICER, units["scj"]),
        "supervisor": make_user("supervisor", Role.PROCUREMENT_SUPERVISOR, units["czj"]),
        "leader": make_user("leader", Role.UNIT_LEADER, units["gxj"]),
    }


@pytest.fixture
def plan(people):
    return ps.annual_plan_open(year=2025, acting_user=people["authority"])


@pytest.fixture
def approved_project(people, units, plan):
    """A project declared in June 2024, reviewed, in the approved 2025 plan, FSR and PD approved."""
    officer, authority = people["officer"], people["authority"]
    project = ps.project_declare(code="XM-2025-001", name="工业互联网监测平台", construction_unit=units["gxj"],
                                 declared_on=date(2024, 6, 12), total_investment=D("3000000"), plan=plan,
                                 data_resources=["企业用能监测数据"], has_sharing_analysis=True, acting_user=officer)
    ps.project_joint_review_start(project=project, on=date(2024, 7, 1), acting_user=authority)
    ps.project_include_in_plan(project=project, on=date(2024, 7, 5), opinions="同意", acting_user=authority)
    ps.annual_plan_draft(plan=plan, on=date(2024, 10, 20), acting_user=authority)
    ps.annual_plan_approve(plan=plan, on=date(2024, 12, 1), acting_user=authority)
    project.refresh_from_db()
    ps.project_approve_fsr(project=project, approval_no="泉发改〔2025〕1号", on=date(2025, 1, 10),
                           acting_user=authority)
    ps.project_submit_pd(project=project, on=date(2025, 1, 13), acting_user=officer)
    ps.project_approve_pd(project=project, approval_no="泉数据〔2025〕2号", on=date(2025, 2, 7),
                          budget_estimate=D("3000000"), acting_user=authority)
    project.refresh_from_db()
    return project


@pytest.fixture
def make_tender(people, approved_project):
    def make(no="ZB-2025-001", *, method="comprehensive", option="option1", control="1000000", issued=None,
             deadline=None, **options):
        tender = ts.tender_create(project=approved_project, tender_no=no, title="监测平台建设",
                                  bid_deadline=deadline or at(2025, 4, 10), evaluation_method=method,
                                  price_option=option, lots=[{"subject": "平台软件开发", "control_price": control,
                                                              "bid_bond_amount": "10000"}],
                                  acting_user=people["officer"], **options)
        ts.tender_issue(tender=tender, issued_at=issued or at(2025, 3, 10), acting_user=people["officer"])
        tender.refresh_from_db()
        return tender
    return make


EXAMPLE_BIDS = [("甲", "900000"), ("乙", "950000"), ("丙", "880000"), ("丁", "700000"), ("戊", "1050000")]


@pytest.fixture
def add_bid(people):
    def add(tender, n, name, price, *, bond=True, submitted=None, **extra):
        lot = tender.lots.get()
        bond_data = {"amount": D("10000"), "received_at": at(2025, 4, 1), "payer_account_no": "1408"} if bond else None
        return ts.bid_record(lot=lot, bidder_uscc=uscc(n), bidder_name=name, submitted_at=submitted or at(2025, 4, 1),
                             price_figures=D(price), bond=bond_data, acting_user=people["officer"], **extra)
    return add


EXAMPLE_SCORES = {  # bidder: (5 tech scores, 5 commercial scores) giving the averages of worked example A
    "甲": ([48, 50, 47, 49, 51], [12, 13, 12, 14, 13]),
    "乙": ([50, 51, 50, 51, 51], [13, 13, 13, 14, 13]),
    "丙": ([46, 47, 46, 46, 47], [11, 12, 12, 11, 12]),
    "丁": ([40, 41, 40, 40, 40], [10, 10, 10, 10, 10]),
}


@pytest.fixture
def opened_tender(make_tender, add_bid, people):
    """Worked example A's five bids, opened, C = 50 %, K = 93.25 %, five evaluators with portal accounts."""
    from procurement.services import tenders as tsv

    tender = make_tender()
    for n, (name, price) in enumerate(EXAMPLE_BIDS, start=1):
        add_bid(tender, n, name, price)
    tender = tsv.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    officer = people["officer"]
    tsv.random_draw_record(tender=tender, param="C", value=D("0.50"), drawn_by="招标人代表", drawn_at=at(2025, 4, 10, 9, 40),
                           acting_user=officer)
    tsv.random_draw_record(tender=tender, param="K", value=D("0.9325"), drawn_by="招标人代表",
                           drawn_at=at(2025, 4, 10, 9, 41), acting_user=officer)
    return tender


@pytest.fixture
def evaluators(opened_tender, make_user, people):
    from procurement.models import MemberKind
    from procurement.services import tenders as tsv

    members = []
    for i in range(5):
        user = make_user(f"expert{i}")
        kind = MemberKind.TENDERER_REP if i == 4 else MemberKind.EXPERT
        members.append(tsv.committee_member_add(tender=opened_tender, name=f"评委{i}", kind=kind, user=user,
                                                is_chair=i == 0, drawn_at=at(2025, 4, 10, 10, i),
                                                acting_user=people["officer"]))
    return members


@pytest.fixture
def evaluated_tender(opened_tender, evaluators, people):
    """Example A evaluated through the services: 乙, 甲, 丙 candidates; 戊 rejected (P2)."""
    from procurement.services import evaluation as ev
    from procurement.services import tenders as tsv  # noqa: F401

    officer = people["officer"]
    lot = opened_tender.lots.get()
    for bid in lot.bids.select_related("bidder"):
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=officer)
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=officer)
        ev.bid_correct_price(bid=bid, acting_user=officer)
        if bid.bidder.name in EXAMPLE_SCORES:
            tech, com = EXAMPLE_SCORES[bid.bidder.name]
            for member, t, c in zip(evaluators, tech, com, strict=True):
                ev.score_record(member=member, bid=bid, part="tech", points=D(t), acting_user=member.user)
                ev.score_record(member=member, bid=bid, part="commercial", points=D(c), acting_user=member.user)
    ev.lot_evaluate(lot=lot, acting_user=officer)
    ev.tender_submit_report(tender=opened_tender, received_on=date(2025, 4, 14), acting_user=officer)
    opened_tender.refresh_from_db()
    return opened_tender


@pytest.fixture
def evaluators_factory(make_tender, add_bid, make_user, people):
    """A lowest-price tender with the given bids, opened, evaluated and reported (bids at ``reject`` rejected)."""
    from procurement.services import evaluation as ev
    from procurement.services import tenders as tsv

    counter = {"n": 100}

    def build(prices, *, reject=(), no="ZB-F", control="1000000", same_bidders=False):
        tender = make_tender(no, method="lowest_price", control=control)
        for i, price in enumerate(prices):
            counter["n"] += 1
            number = 500 + i if same_bidders else counter["n"]  # same_bidders: one USCC per position
            add_bid(tender, number, f"公司{number}", price)
        tender = tsv.tender_open(tender=tender, opened_at=at(2025, 4, 10, 10), acting_user=people["officer"])
        lot = tender.lots.get()
        for i, bid in enumerate(lot.bids.order_by("price_figures")):
            if i in reject:
                ev.bid_qualification_record(bid=bid, passed=False, notes="社保缴纳证明不足6个月",
                                            acting_user=people["officer"])
                continue
            ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])
            ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=people["officer"])
            ev.bid_correct_price(bid=bid, acting_user=people["officer"])
        ev.lot_evaluate(lot=lot, acting_user=people["officer"])
        ev.tender_submit_report(tender=tender, received_on=date(2025, 4, 14), acting_user=people["officer"])
        tender.refresh_from_db()
        return tender
    return build


@pytest.fixture
def awarded_tender(evaluated_tender, people):
    """Example A after candidate publicity, award to 乙 (950 000) on 2025-04-21 and award publicity."""
    from procurement.services import award as aw

    officer = people["officer"]
    aw.candidates_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18),
                            acting_user=officer)
    aw.award_determine(tender=evaluated_tender, on=date(2025, 4, 21), acting_user=officer)
    aw.award_publicize(tender=evaluated_tender, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 2),
                       acting_user=officer)
    evaluated_tender.refresh_from_db()
    return evaluated_tender
