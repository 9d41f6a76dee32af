"""Each red-flag rule: one scenario that raises it and one that does not; dispositions; rule documentation."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from procurement.models import Disposition, RedFlag
from procurement.redflags.engine import run_red_flags
from procurement.redflags.rules import RULES, text_similarity
from procurement.services import award as aw
from procurement.services import remedies as rm
from procurement.services import tenders as ts
from tests.procurement.conftest import at


def codes(tender, current=True):
    return set(RedFlag.objects.filter(tender=tender, is_current=current).values_list("rule_code", flat=True))


def test_rules_are_documented():
    assert len(RULES) == 11 and len({r.code for r in RULES}) == 11
    for rule in RULES:
        assert rule.name and rule.description and rule.legal_basis and rule.events and rule.effective_from


def test_rf01_few_bids(make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    assert "RF01" not in codes(tender)  # before the deadline a low count means nothing
    ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 10), acting_user=people["officer"])
    flag = RedFlag.objects.get(tender=tender, rule_code="RF01")
    assert "单一投标" in flag.message


def test_rf01_not_raised_with_three_bids(opened_tender):
    assert "RF01" not in codes(opened_tender)


def test_rf03_identical_prices(make_tender, add_bid):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "900000")
    assert RedFlag.objects.filter(tender=tender, rule_code="RF03").count() == 2
    other = make_tender("ZB-2")
    add_bid(other, 3, "丙", "900000")
    add_bid(other, 4, "丁", "900001")
    assert "RF03" not in codes(other)


def _fp(mac, cpu, disk, phase="upload", on_site=False):
    return {"phase": phase, "mac": mac, "cpu_serial": cpu, "disk_serial": disk, "is_on_site": on_site}


def test_rf04_identical_hardware_s1_s2(make_tender, add_bid):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000", fingerprints=[_fp("AA", "C1", "D1")])
    add_bid(tender, 2, "乙", "910000", fingerprints=[_fp("AA", "C1", "D1")])
    assert "RF04" in codes(tender)
    compile_ = make_tender("ZB-3")
    add_bid(compile_, 3, "丙", "900000", fingerprints=[_fp("", "C9", "D9", phase="compile")])
    add_bid(compile_, 4, "丁", "910000", fingerprints=[_fp("BB", "C9", "D9", phase="compile")])
    assert "RF04" in codes(compile_)  # S2: MAC missing on one side, CPU and disk match


def test_rf04_not_raised_on_site_or_partial_match(make_tender, add_bid):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000", fingerprints=[_fp("AA", "C1", "D1", on_site=True)])
    add_bid(tender, 2, "乙", "910000", fingerprints=[_fp("AA", "C1", "D1", on_site=True)])
    add_bid(tender, 3, "丙", "920000", fingerprints=[_fp("AA", "C1", "D2")])
    assert "RF04" not in codes(tender)


TECH = "本项目采用微服务架构，基于国产化操作系统和数据库部署，建设数据采集、清洗、存储、共享交换和可视化分析五大模块，满足等保三级要求。"


def test_rf05_similar_tech_files(make_tender, add_bid):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000", tech_file_text=TECH)
    add_bid(tender, 2, "乙", "910000", tech_file_text=TECH + "。")
    assert "RF05" in codes(tender)
    assert text_similarity(TECH, TECH) == 1


def test_rf05_not_raised_for_different_files(make_tender, add_bid):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000", tech_file_text=TECH)
    add_bid(tender, 2, "乙", "910000", tech_file_text="采用单体架构，部署于政务云，提供报表查询功能，配备三名驻场运维工程师负责日常维护工作。")
    assert "RF05" not in codes(tender)


def test_rf10_short_bid_period(make_tender):
    short = make_tender(issued=at(2025, 3, 25))  # 16 days
    assert "RF10" in codes(short)
    normal = make_tender("ZB-9", issued=at(2025, 3, 10))  # 31 days
    assert "RF10" not in codes(normal)


def test_rf11_abnormally_low(make_tender, add_bid, people):
    tender = make_tender()
    for n, price in enumerate(["900000", "950000", "880000", "300000"], start=1):
        add_bid(tender, n, f"公司{n}", price)
    ts.tender_open(tender=tender, opened_at=at(2025, 4, 10, 10), acting_user=people["officer"])
    flags = RedFlag.objects.filter(tender=tender, rule_code="RF11")
    assert [f.bid.price_figures for f in flags] == [D("300000")]


def test_rf11_not_raised_for_example_a(opened_tender):
    assert "RF11" not in codes(opened_tender)  # 700,000 is above 428,750


def _award(tender, people, on=date(2025, 4, 21)):
    aw.candidates_publicize(tender=tender, starts_on=date(2025, 4, 15), ends_on=date(2025, 4, 18),
                            acting_user=people["officer"])
    return aw.award_determine(tender=tender, on=on, acting_user=people["officer"])


def test_award_flags_not_raised_for_example_a(evaluated_tender, people):
    tender = _award(evaluated_tender, people)
    # 乙 wins at 95 % of the control price; others valid; lowest bid 丁 not rejected; first win
    assert codes(tender) & {"RF02", "RF06", "RF07", "RF08"} == set()


def test_rf02_price_near_control(people, evaluators_factory):
    tender = evaluators_factory(["985000", "990000", "995000"])
    tender = _award(tender, people)
    assert "RF02" in codes(tender)


def test_rf06_and_rf07_all_but_winner_and_lowest_disqualified(people, evaluators_factory):
    tender = evaluators_factory(["800000", "850000", "900000"], reject=[0, 1])
    lot = tender.lots.get()
    assert "RF07" in codes(tender)  # lowest bid rejected, seen at evaluation time
    tender = _award(tender, people)
    assert lot.bids.get(price_figures=D("900000")).pk == tender.lots.get().awarded_bid_id
    assert {"RF06", "RF07"} <= codes(tender)


def test_rf08_repeat_winner(people, evaluators_factory):
    for i in range(3):
        tender = evaluators_factory(["900000", "950000", "960000"], no=f"ZB-R{i}", same_bidders=True)
        tender = _award(tender, people, on=date(2025, 4, 21))
    assert "RF08" in codes(tender)
    first = RedFlag.objects.filter(tender__tender_no="ZB-R0", rule_code="RF08")
    assert not first.exists()  # the first and second wins are below the threshold


def test_rf09_contract_splitting(people, evaluators_factory):
    contracts = []
    for i, price in enumerate(["2100000", "2200000"]):
        tender = evaluators_factory([price, str(int(price) + 100000), str(int(price) + 200000)], no=f"ZB-S{i}",
                                    control="3000000")
        tender = _award(tender, people)
        aw.award_publicize(tender=tender, starts_on=date(2025, 4, 22), ends_on=date(2025, 5, 2),
                           acting_user=people["officer"])
        lot = tender.lots.get()
        contracts.append(aw.contract_sign(lot=lot, contract_no=f"HT-{i}", amount=lot.awarded_bid.evaluated_price,
                                          signed_on=date(2025, 5, 12), acting_user=people["officer"]))
    assert "RF09" not in codes(contracts[0].lot.tender)  # alone: 2.1 M below the limit and nothing to add
    assert "RF09" in codes(contracts[1].lot.tender)  # 2.1 M + 2.2 M ≥ 4 M within 180 days, same project


def test_disposition_by_supervisor_only_and_kept_on_rerun(make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "900000")
    flag = RedFlag.objects.filter(tender=tender, rule_code="RF03").first()
    with pytest.raises(PermissionDenied):
        rm.red_flag_dispose(flag=flag, disposition=Disposition.FALSE_POSITIVE, reason="x", acting_user=people["officer"])
    with pytest.raises(ValidationError):
        rm.red_flag_dispose(flag=flag, disposition=Disposition.CONFIRMED, reason=" ", acting_user=people["supervisor"])
    rm.red_flag_dispose(flag=flag, disposition=Disposition.FALSE_POSITIVE, reason="框架协议统一定价",
                        acting_user=people["supervisor"])
    run_red_flags(tender, "bid")
    flag.refresh_from_db()
    assert flag.disposition == Disposition.FALSE_POSITIVE and flag.is_current
    assert RedFlag.objects.filter(tender=tender, rule_code="RF03").count() == 2
