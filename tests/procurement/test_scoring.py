"""Scoring arithmetic: worked examples A and B exactly, rounding, floors, draws, weights, committee, deductions."""

from decimal import Decimal as D

import pytest

from procurement import scoring as sc

EXAMPLE = [sc.PriceBid(b, D(p)) for b, p in
           [("甲", "900000"), ("乙", "950000"), ("丙", "880000"), ("丁", "700000"), ("戊", "1050000")]]


def option1(bids=EXAMPLE, **kw):
    args = {"method": "option1", "control_price": D("1000000"), "bids": bids, "c": D("0.50"), "k": D("0.9325"),
            "price_range": (D("850000"), D("1000000")), "price_max": D("30"), "q_below": D("0.5"),
            "q_above": D("1")}
    args.update(kw)
    return sc.price_scores(**args)


def test_example_a_option1_exact():
    result = option1()
    assert result.benchmark == D("921250")
    assert result.a_value == D("910000")
    assert {k: str(v) for k, v in result.scores.items()} == {"甲": "28.85", "乙": "26.88", "丙": "27.76", "丁": "17.99"}
    assert result.rejected == {"戊": "P2: above control price"}  # above the control price: rejected, never scored
    assert "戊" not in result.scores
    assert result.abnormally_low == []


def test_example_b_option2_exact():
    result = sc.price_scores(method="option2", control_price=D("1000000"), bids=EXAMPLE, c=D("0.453"),
                             price_max=D("30"), q_below=D("0.5"), q_above=D("1"))
    assert result.benchmark == D("935448")  # 935,447.5 rounds up
    assert {k: str(v) for k, v in result.scores.items()} == {"甲": "28.11", "乙": "28.44", "丙": "27.04", "丁": "17.42"}
    assert result.a_value == D("857500")


def test_all_outside_range_means_c_zero():
    bids = [sc.PriceBid("甲", D("700000")), sc.PriceBid("乙", D("800000"))]
    result = option1(bids=bids)
    assert result.benchmark == D("932500") and result.c_used == 0


def test_score_floor_at_zero():
    # Pmax 15, Q 0.5, price at 65 % of the benchmark: 15 − 35 × 0.5 = −2.5 → 0
    assert sc.price_score(D("650000"), D("1000000"), price_max=D("15"), q_below=D("0.5"), q_above=D("1")) == D("0.00")


def test_rounding_helpers_follow_section_4_6():
    assert sc.round_yuan(D("935447.5")) == D("935448")
    assert sc.round_yuan(D("935447.49")) == D("935447")  # 2nd decimal ignored
    assert sc.round_yuan(D("100.45")) == D("100")  # cut to 100.4 first, then half-up
    assert sc.round_score(D("28.846676")) == D("28.85")
    assert sc.round_score(D("28.8449")) == D("28.84")
    assert sc.round_score(D("1.0049")) == D("1.00")  # 4th decimal ignored


@pytest.mark.parametrize("c,ok", [("0.40", True), ("0.60", True), ("0.50", True), ("0.65", False), ("0.42", False)])
def test_option1_c_domain(c, ok):
    assert (sc.c_errors("option1", D(c)) == []) is ok


@pytest.mark.parametrize("k,ok", [("0.9200", True), ("0.9399", True), ("0.9400", False), ("0.9199", False),
                                  ("0.93255", False)])
def test_k_domain(k, ok):
    assert (sc.k_errors(D(k)) == []) is ok


@pytest.mark.parametrize("c,ok", [("0.300", True), ("0.699", True), ("0.700", False), ("0.299", False),
                                  ("0.4535", False)])
def test_option2_c_domain(c, ok):
    assert (sc.c_errors("option2", D(c)) == []) is ok


def test_out_of_domain_draw_is_refused():
    with pytest.raises(sc.ScoringError):
        option1(c=D("0.47"))


@pytest.mark.parametrize("weights,ok", [((55, 15, 30), True), ((60, 25, 15), True), ((45, 25, 30), False),
                                        ((60, 25, 20), False), ((50, 35, 15), False)])
def test_weights_validator(weights, ok):
    assert (sc.weights_errors(*(D(w) for w in weights)) == []) is ok


@pytest.mark.parametrize("size,experts,ok", [(5, 4, True), (5, 3, False), (7, 5, True), (7, 4, False),
                                             (9, 6, True), (9, 5, False), (6, 6, False), (3, 3, False)])
def test_committee_validator(size, experts, ok):
    assert (sc.committee_errors(size, experts) == []) is ok


def test_abnormally_low_threshold_example():
    prices = {"a": D("900000"), "b": D("950000"), "c": D("880000"), "d": D("700000")}
    threshold, low = sc.abnormally_low(prices)
    assert threshold == D("428750") and low == []
    assert D("428749") < threshold  # the §8 illustration: 428,749 would be below the line
    base = {"a": D("1000"), "b": D("1000"), "c": D("1000")}  # d < (3000 + d) / 8  ⇔  d < 428.57
    assert sc.abnormally_low({**base, "d": D("428")})[1] == ["d"]
    assert sc.abnormally_low({**base, "d": D("429")})[1] == []


def test_ranking_example_a_and_tie_chain():
    entries = [sc.RankEntry("乙", D("90.68"), D("26.88"), D("50.60"), D("13.20")),
               sc.RankEntry("甲", D("90.65"), D("28.85"), D("49.00"), D("12.80")),
               sc.RankEntry("丙", D("85.76"), D("27.76"), D("46.40"), D("11.60")),
               sc.RankEntry("丁", D("68.19"), D("17.99"), D("40.20"), D("10.00"))]
    assert sc.rank_comprehensive(entries).order == ["乙", "甲", "丙", "丁"]
    x = sc.RankEntry("X", D("88.40"), D("27.10"), D("47.30"), D("14.00"))
    y = sc.RankEntry("Y", D("88.40"), D("27.10"), D("46.90"), D("14.40"))
    assert sc.rank_comprehensive([y, x]).order == ["X", "Y"]
    y_same = sc.RankEntry("Y", D("88.40"), D("27.10"), D("47.30"), D("13.00"))
    assert sc.rank_comprehensive([y_same, x]).order == ["X", "Y"]  # commercial decides
    tie = [sc.RankEntry("X", D("88"), D("27"), D("47"), D("14")), sc.RankEntry("Y", D("88"), D("27"), D("47"), D("14"))]
    assert sc.rank_comprehensive(tie).unresolved_ties == [["X", "Y"]]
    drawn = [sc.RankEntry("X", D("88"), D("27"), D("47"), D("14"), draw=2),
             sc.RankEntry("Y", D("88"), D("27"), D("47"), D("14"), draw=1)]
    ranking = sc.rank_comprehensive(drawn)
    assert ranking.order == ["Y", "X"] and ranking.unresolved_ties == []


def test_averages_round_per_component():
    tech, raw = sc.average([D(48), D(50), D(47), D(49), D(51)])
    assert tech == D("49.00") and raw == D("49")
    com, _ = sc.average([D(12), D(13), D(12), D(14), D(13)])
    assert com == D("12.80")
    assert sc.average([D("10"), D("10"), D("10.01")])[0] == D("10.00")


def test_example_c_lowest_price():
    r = sc.price_deduction(D("950000"), [sc.DeductionLine(D("400000"), is_energy_eco=True),
                                         sc.DeductionLine(D("550000"))])
    assert r.eco_share_pct == D("42.11") and r.eco_rate == D("0.08") and r.total == D("32000.00")
    p = sc.price_deduction(D("960000"), [sc.DeductionLine(D("300000"), is_small_micro_goods=True),
                                         sc.DeductionLine(D("80000"), is_energy_eco=True),
                                         sc.DeductionLine(D("580000"))])
    assert p.small_micro == D("18000.00") and p.eco_share_pct == D("8.33") and p.eco == D("2400.00")
    after = {"R": D("950000") - r.total, "P": D("960000") - p.total, "Q": D("945000")}
    assert after == {"R": D("918000.00"), "P": D("939600.00"), "Q": D("945000")}
    ranking = sc.rank_lowest_price([sc.RankEntry(k, v) for k, v in after.items()])
    assert ranking.order == ["R", "P", "Q"]


@pytest.mark.parametrize("share,rate", [("10.00", "0.03"), ("10.01", "0.06"), ("30.00", "0.06"), ("30.01", "0.08"),
                                        ("50.00", "0.08"), ("50.01", "0.10")])
def test_eco_band_edges(share, rate):
    assert sc.eco_rate(D(share)) == D(rate)


def test_mandatory_and_component_items_get_no_deduction():
    r = sc.price_deduction(D("1000000"), [sc.DeductionLine(D("200000"), is_energy_eco=True, is_mandatory_energy=True),
                                          sc.DeductionLine(D("100000"), is_energy_eco=True, is_component_only=True)])
    assert r.total == 0


def test_arithmetic_correction_order():
    words = sc.arithmetic_correction(letter_figures=D("900000"), letter_words=D("990000"), summary_total=None)
    assert words.evaluated_price == D("990000") and "大写" in words.notes[0]
    lines = [sc.QuoteLine("1", D("100"), D("10"), D("1000")), sc.QuoteLine("2", D("50"), D("4"), D("300"))]
    unit = sc.arithmetic_correction(letter_figures=D("1300"), letter_words=None, summary_total=D("1300"), lines=lines)
    assert unit.evaluated_price == D("1200")  # unit prices prevail: 50 × 4 = 200
    slip = [sc.QuoteLine("1", D("1000"), D("10"), D("1000"))]  # obvious decimal slip: the line total prevails
    fixed = sc.arithmetic_correction(letter_figures=D("1000"), letter_words=None, summary_total=D("1000"), lines=slip)
    assert fixed.evaluated_price == D("1000") and fixed.lines[0].unit_price == D("100.00")


def test_json_input_rejects_floats_and_bad_fields():
    with pytest.raises(sc.ScoringError):
        sc.to_decimal(0.5)
    with pytest.raises(sc.ScoringError):
        sc.price_scores_from_json({"method": "option1", "control_price": "1000000", "C": "0.5", "price_max": "30",
                                   "bids": [{"bidder": "甲", "price": "1"}]})  # no range
