"""Price scoring inputs that were silently misread (issue 14 point 7): Q of reference option 2 and all-rejected lots.

procurement.md §4.5 (option 2: "Q_below and Q_above are left BLANK in the template (the tenderer sets them in the
tender doc)") and §7 item 4 ("Option 2 leaves Q blank and option 1 fixes Q at 0.5/1. Store Q per tender."; "never
score a rejected bid"); MT 17.4 (P2: a bid above the control price is rejected).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from procurement import scoring as sc
from procurement.models import BidStatus, LotStatus, MemberKind, Tender, TenderStatus
from procurement.ocds import _evaluation_criteria
from procurement.services import evaluation as ev
from procurement.services import tenders as ts

from .conftest import EXAMPLE_BIDS, EXAMPLE_SCORES, D, at

EXAMPLE = [sc.PriceBid(b, D(p)) for b, p in EXAMPLE_BIDS]
OPTION2_JSON = {"method": "option2", "control_price": "1000000", "C": "0.453", "price_max": "30",
                "bids": [{"bidder": b, "price": p} for b, p in EXAMPLE_BIDS]}
ABOVE = [sc.PriceBid("甲", D("1000001")), sc.PriceBid("乙", D("1200000"))]


# ------------------------------------------------------------------ option 2 needs the tender's Q
def test_option2_without_q_is_an_error():
    """§4.5 option 2: Q is blank in the model text; 0.5 / 1 were assumed silently before."""
    with pytest.raises(sc.ScoringError, match="参考方式二的Q值"):
        sc.price_scores(method="option2", control_price=D("1000000"), bids=EXAMPLE, c=D("0.453"), price_max=D("30"))
    with pytest.raises(sc.ScoringError, match="参考方式二的Q值"):
        sc.price_scores(method="option2", control_price=D("1000000"), bids=EXAMPLE, c=D("0.453"), price_max=D("30"),
                        q_below=D("0.5"))
    with pytest.raises(sc.ScoringError, match="参考方式二的Q值"):
        sc.price_scores_from_json(OPTION2_JSON)


def test_option2_with_the_tenders_q_gives_worked_example_b():
    """§4.8: with the tender's Q set to 0.5 / 1, benchmark 935,448 and 28.11 / 28.44 / 27.04 / 17.42."""
    result = sc.price_scores_from_json(dict(OPTION2_JSON, q_below="0.5", q_above="1"))
    assert result.as_json() == {"benchmark": "935448", "scores": {"甲": "28.11", "乙": "28.44", "丙": "27.04",
                                                                  "丁": "17.42"},
                                "rejected": {"戊": "P2: above control price"}, "abnormally_low": []}


def test_option2_uses_the_q_the_tender_sets():
    """§4.5 option 2 with other Q values (tender sets 0.8 / 1.2), benchmark 935,448 (§4.8): 甲 900,000 is
    35,448 / 935,448 = 3.78941% below → 30 − 3.78941 × 0.8 = 26.96847 → 26.97; 乙 950,000 is 14,552 / 935,448 =
    1.55562% above → 30 − 1.55562 × 1.2 = 28.13326 → 28.13."""
    result = sc.price_scores_from_json(dict(OPTION2_JSON, q_below="0.8", q_above="1.2"))
    assert result.scores["甲"] == D("26.97") and result.scores["乙"] == D("28.13")


def test_option1_blank_q_is_the_model_texts_half_and_one():
    """§4.5 option 1: Q = 0.5 if Ai ≤ benchmark, 1 if above — blank means exactly those (worked example A)."""
    result = sc.price_scores(method="option1", control_price=D("1000000"), bids=EXAMPLE, c=D("0.50"),
                             k=D("0.9325"), price_range=(D("850000"), D("1000000")), price_max=D("30"))
    assert {k: str(v) for k, v in result.scores.items()} == {"甲": "28.85", "乙": "26.88", "丙": "27.76", "丁": "17.99"}


@pytest.mark.parametrize(("method", "below", "above", "blank_ok", "errors"), [
    ("option2", None, None, False, 1), ("option2", None, None, True, 0), ("option2", "0.5", "1", False, 0),
    ("option1", None, None, False, 0), ("option1", "0.5", "1", False, 0), ("option1", "0.6", "1", False, 1),
    ("option2", "-0.1", "1", False, 1),
])
def test_q_errors(method, below, above, blank_ok, errors):
    """§7 item 4: option 1 fixes 0.5 / 1; option 2 must be set by the tender (a draft may still be blank)."""
    q = [None if v is None else D(v) for v in (below, above)]
    assert len(sc.q_errors(method, *q, blank_ok=blank_ok)) == errors


def test_price_scores_command_refuses_option2_without_q(tmp_path):
    """interfaces.md: bad input exits 2 with the message."""
    path = tmp_path / "in.json"
    path.write_text(json.dumps(OPTION2_JSON, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(CommandError, match="参考方式二的Q值") as info:
        call_command("price_scores", str(path))
    assert info.value.returncode == 2


# ------------------------------------------------------------------ every bid rejected: no benchmark
@pytest.mark.parametrize("method", ["option1", "option2"])
def test_all_bids_rejected_reports_no_benchmark(method):
    """MT 17.4 / §7 item 4: bids above the control price are rejected and never scored; with none left there is no
    A and no benchmark — the control price (option 2) or control × K (option 1) is not a benchmark."""
    result = sc.price_scores(method=method, control_price=D("1000000"), bids=ABOVE,
                             c=D("0.50") if method == "option1" else D("0.453"),
                             k=D("0.9325") if method == "option1" else None,
                             price_range=(D("850000"), D("1000000")), price_max=D("30"), q_below=D("0.5"),
                             q_above=D("1"))
    assert result.all_rejected and result.benchmark is None and result.c_used is None and result.scores == {}
    assert result.as_json() == {"benchmark": None, "scores": {}, "rejected": {"甲": sc.REJECT_P2, "乙": sc.REJECT_P2},
                                "abnormally_low": [], "all_rejected": True, "note": sc.ALL_REJECTED}


def test_price_scores_command_says_all_rejected(tmp_path, capsys):
    """interfaces.md price_scores: a valid input whose bids are all rejected exits 0 and says so."""
    data = dict(OPTION2_JSON, q_below="0.5", q_above="1", bids=[{"bidder": "甲", "price": "1000001"}])
    path = tmp_path / "in.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    call_command("price_scores", str(path))
    out = json.loads(capsys.readouterr().out)
    assert out["benchmark"] is None and out["all_rejected"] is True and "没有有效投标" in out["note"]


def test_benchmark_needs_a_qualified_bid():
    with pytest.raises(sc.ScoringError, match="没有有效投标"):
        sc.benchmark_price(method="option2", control_price=D("1000000"), qualified=[], c=D("0.453"))


def test_c_zero_fallback_still_applies_when_bids_are_qualified_but_outside_the_range():
    """§4.5 option 1: qualified bids all outside the inclusion range → C = 0, benchmark B × K = 932,500."""
    result = sc.price_scores(method="option1", control_price=D("1000000"), bids=[sc.PriceBid("甲", D("700000"))],
                             c=D("0.50"), k=D("0.9325"), price_range=(D("850000"), D("1000000")),
                             price_max=D("30"))
    assert result.benchmark == D("932500") and not result.all_rejected


# ------------------------------------------------------------------ the same rules through the tender services

def _draft(approved_project, people, no="ZB-Q-001", **options):
    return ts.tender_create(project=approved_project, tender_no=no, title="监测平台建设", bid_deadline=at(2025, 4, 10),
                            evaluation_method="comprehensive", lots=[{"subject": "平台软件开发",
                                                                      "control_price": "1000000",
                                                                      "bid_bond_amount": "10000"}],
                            acting_user=people["officer"], **options)


@pytest.mark.django_db
def test_option2_tender_cannot_be_issued_without_q(approved_project, people):
    """§7 item 4: the published tender document fills in the Q the model text leaves blank; a draft may wait."""
    tender = _draft(approved_project, people, price_option="option2")
    assert tender.q_below is None and tender.q_above is None
    with pytest.raises(ValidationError, match="参考方式二的Q值"):
        ts.tender_issue(tender=tender, issued_at=at(2025, 3, 10), acting_user=people["officer"])
    tender.refresh_from_db()
    assert tender.status == TenderStatus.DRAFT and tender.issued_at is None
    ts.tender_update(tender=tender, q_below=D("0.5"), q_above=D("1"), acting_user=people["officer"])
    ts.tender_issue(tender=tender, issued_at=at(2025, 3, 10), acting_user=people["officer"])
    tender.refresh_from_db()
    assert tender.status == TenderStatus.ISSUED


@pytest.mark.django_db
def test_option1_tender_q_is_fixed(approved_project, people):
    """§7 item 4: option 1 fixes Q at 0.5 / 1; another value is refused, blank is the fixed pair (OCDS shows it)."""
    with pytest.raises(ValidationError, match="参考方式一的Q值由示范文本固定"):
        _draft(approved_project, people, price_option="option1", q_below=D("0.6"), q_above=D("1"))
    tender = _draft(approved_project, people, price_option="option1")
    criteria = _evaluation_criteria(tender, [])
    assert criteria["q"] == {"belowBenchmark": D("0.5"), "aboveBenchmark": D("1")}


def _opened_option2(approved_project, people, add_bid, make_user, *, q=("0.5", "1")):
    tender = _draft(approved_project, people, price_option="option2", q_below=D(q[0]), q_above=D(q[1]))
    ts.tender_issue(tender=tender, issued_at=at(2025, 3, 10), acting_user=people["officer"])
    tender.refresh_from_db()
    for n, (name, price) in enumerate(EXAMPLE_BIDS, start=1):
        add_bid(tender, n, name, price)
    tender = ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    ts.random_draw_record(tender=tender, param="C", value=D("0.453"), drawn_by="招标人代表",
                          drawn_at=at(2025, 4, 10, 9, 40), acting_user=people["officer"])
    members = [ts.committee_member_add(tender=tender, name=f"评委{i}", user=make_user(f"q_expert{i}"),
                                       kind=MemberKind.TENDERER_REP if i == 4 else MemberKind.EXPERT,
                                       is_chair=i == 0, drawn_at=at(2025, 4, 10, 10, i),
                                       acting_user=people["officer"]) for i in range(5)]
    lot = tender.lots.get()
    for bid in lot.bids.select_related("bidder"):
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=people["officer"])
        ev.bid_correct_price(bid=bid, acting_user=people["officer"])
        if bid.bidder.name in EXAMPLE_SCORES:
            tech, com = EXAMPLE_SCORES[bid.bidder.name]
            for member, t, c in zip(members, tech, com, strict=True):
                ev.score_record(member=member, bid=bid, part="tech", points=D(t), acting_user=member.user)
                ev.score_record(member=member, bid=bid, part="commercial", points=D(c), acting_user=member.user)
    return tender, lot


@pytest.mark.django_db
def test_option2_evaluation_through_services_uses_the_tenders_q(approved_project, people, add_bid, make_user):
    """§4.8 worked example B through the services: benchmark 935,448; price scores 28.11 / 28.44 / 27.04 / 17.42."""
    tender, lot = _opened_option2(approved_project, people, add_bid, make_user)
    ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    lot.refresh_from_db()
    assert lot.benchmark_price == D("935448") and lot.c_used == D("0.453")
    scores = {b.bidder.name: b.price_score for b in lot.bids.select_related("bidder")}
    assert scores == {"甲": D("28.11"), "乙": D("28.44"), "丙": D("27.04"), "丁": D("17.42"), "戊": None}


@pytest.mark.django_db
def test_option2_evaluation_refuses_a_tender_without_q(approved_project, people, add_bid, make_user):
    """A tender stored before this rule (Q blank for option 2) is refused at evaluation, with nothing written."""
    tender, lot = _opened_option2(approved_project, people, add_bid, make_user)
    Tender.objects.filter(pk=tender.pk).update(q_below=None, q_above=None)  # as if issued before the rule existed
    with pytest.raises(ValidationError, match="参考方式二的Q值"):
        ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    lot.refresh_from_db()
    assert lot.benchmark_price is None and lot.status == LotStatus.OPEN
    assert not lot.bids.filter(price_score__isnull=False).exists()


@pytest.mark.django_db
def test_all_bids_above_control_price_fail_the_lot_without_benchmark(make_tender, add_bid, people, make_user):
    """MT 17.4 through the services: three bids above 1,000,000 are rejected (P2); the lot fails (重新招标) and no
    benchmark is stored or published."""
    tender = make_tender("ZB-Q-ALL")
    for n, price in enumerate(("1000001", "1050000", "1100000"), start=1):
        add_bid(tender, n, f"公司{n}", price)
    tender = ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 9, 30), acting_user=people["officer"])
    for i in range(5):
        ts.committee_member_add(tender=tender, name=f"评委{i}", user=make_user(f"all_expert{i}"),
                                kind=MemberKind.TENDERER_REP if i == 4 else MemberKind.EXPERT, is_chair=i == 0,
                                drawn_at=at(2025, 4, 10, 10, i), acting_user=people["officer"])
    lot = tender.lots.get()
    for bid in lot.bids.all():
        ev.bid_qualification_record(bid=bid, passed=True, acting_user=people["officer"])
        ev.bid_responsiveness_record(bid=bid, responsive=True, acting_user=people["officer"])
        ev.bid_correct_price(bid=bid, acting_user=people["officer"])
    ev.lot_evaluate(lot=lot, acting_user=people["officer"])
    lot.refresh_from_db()
    assert lot.status == LotStatus.FAILED and lot.benchmark_price is None
    assert set(lot.bids.values_list("status", flat=True)) == {BidStatus.REJECTED}
    ev.tender_submit_report(tender=tender, received_on=date(2025, 4, 14), acting_user=people["officer"])
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    assert _evaluation_criteria(tender, [lot])["benchmarkPrices"] == []
