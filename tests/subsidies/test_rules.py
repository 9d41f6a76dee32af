"""The calculator against subsidy_rules.md: public examples, every rule's boundaries, caps, windows, history."""

from __future__ import annotations

import datetime as dt

import pytest

from subsidies.calculator import calculate
from subsidies.models import Rule, RuleParameter
from subsidies.rules import CalculationError, rule_facts_schema
from subsidies.rules.catalog import RULES
from subsidies.selectors import rules_by_family

pytestmark = pytest.mark.django_db
ON = "2026-06-01"


def calc(code, facts, history=None, on=ON):
    return calculate(code, facts, history=history, on=on)


def amount(code, facts, history=None, on=ON):
    result = calc(code, facts, history, on)
    return result["amount"] if result["eligible"] else None


def h(rule, value, date="2026-03-01", key=None):
    item = {"rule": rule, "amount": value, "date": date}
    if key:
        item["key"] = key
    return item


# ------------------------------------------------------------------ public examples (exact JSON fields)
def test_public_example_de09_exact():
    result = calc("DE-09", {"compute_service_invoiced": 800000}, on="2026-06-01")
    assert {k: result[k] for k in ("rule", "eligible", "amount", "funding", "reasons", "citation")} == {
        "rule": "DE-09", "eligible": True, "amount": "240000.00",
        "funding": {"city": "120000.00", "county": "120000.00"}, "reasons": [],
        "citation": "泉政办规〔2025〕18号 三(一)"}
    assert list(result) == ["rule", "eligible", "amount", "funding", "reasons", "citation", "trace"]
    rate_step = next(s for s in result["trace"] if s["step"] == "rate × base")
    assert rate_step == {"step": "rate × base", "value": "240000.00", "citation": "泉政办规〔2025〕18号 三(一)"}
    assert all(set(s) == {"step", "value", "citation"} and s["citation"] for s in result["trace"])


def test_public_example_de03_difference():
    assert amount("DE-03", {"dcmm_level": 4, "first_pass_at_level": True}, [h("DE-03", "50000.00")]) == "50000.00"


def test_public_example_pe11():
    result = calc("PE-11", {"newly_connected_enterprises": 29})
    assert result["eligible"] is False and result["amount"] == "0.00" and result["reasons"]
    assert amount("PE-11", {"newly_connected_enterprises": 30}) == "1200000.00"


def test_public_example_mdx01_window():
    facts = {"investment_ex_tax": 800000, "digital_level_after": 3, "newly_listed_pilot": True}
    assert amount("MDX-01", facts, on="2026-05-01") == "300000.00"
    late = calc("MDX-01", facts, on="2027-04-01")
    assert late["eligible"] is False and "2027-03-31" in late["reasons"][0]
    assert amount("MDX-01", facts, on="2027-03-31") == "300000.00"  # last day included


# ------------------------------------------------------------------ windows and supersession
def test_windows():
    assert amount("DE-23", {"actual_investment": 1000000, "applicant_is_park_committee": True},
                  on="2026-12-31") == "200000.00"
    assert amount("DE-23", {"actual_investment": 1000000, "applicant_is_park_committee": True},
                  on="2027-01-01") is None
    assert amount("DE-09", {"compute_service_invoiced": 100000}, on="2026-01-31") is None
    assert amount("DE-09", {"compute_service_invoiced": 100000}, on="2026-02-01") == "30000.00"
    assert amount("DE-09", {"compute_service_invoiced": 100000}, on="2029-12-31") == "30000.00"
    assert amount("DE-09", {"compute_service_invoiced": 100000}, on="2030-01-01") is None
    pe04 = {"it_investment": 2000000, "provider_is_local": True}
    assert amount("PE-04", pe04, on="2026-01-31") == "200000.00"
    late = calc("PE-04", pe04, on="2026-02-01")
    assert late["eligible"] is False and "MDX-02" in late["reasons"][0]
    assert amount("PE-04", pe04, on="2021-06-07") is None
    assert amount("PE-05", {"it_investment": 100}, on="2035-01-01") == "10.00"  # no end date
    assert amount("CB-01", {"iit_paid": 100, "taxable_income": 100}, on="2020-12-31") is None


def test_window_is_data_an_administrator_can_end():
    Rule.objects.filter(code="PE-05").update(valid_to=dt.date(2027, 12, 31))
    assert amount("PE-05", {"it_investment": 100}, on="2027-12-31") == "10.00"
    assert amount("PE-05", {"it_investment": 100}, on="2028-01-01") is None


def test_new_parameter_year_is_data_and_old_dates_keep_old_values():
    rule = Rule.objects.get(code="DE-09")
    RuleParameter.objects.create(rule=rule, name="annual_cap", value="250000", valid_from=dt.date(2027, 1, 1))
    facts = {"compute_service_invoiced": 1000000}
    assert amount("DE-09", facts, on="2026-12-31") == "300000.00"
    assert amount("DE-09", facts, on="2027-01-01") == "250000.00"


# ------------------------------------------------------------------ boundaries (超过 vs 以上)
BOUNDARIES = [
    ("DE-09", {"compute_service_invoiced": "50000"}, None),  # 超过5万: 50,000 excluded
    ("DE-09", {"compute_service_invoiced": "50000.01"}, "15000.00"),
    ("DE-09", {"compute_service_invoiced": "1000000"}, "300000.00"),  # cap
    ("PE-09", {"annual_cloud_service_fee": "50000"}, None),
    ("PE-09", {"annual_cloud_service_fee": "50001"}, "15000.30"),
    ("PE-09", {"annual_cloud_service_fee": "400000"}, "100000.00"),
    ("PE-11", {"newly_connected_enterprises": 50}, "2000000.00"),
    ("PE-11", {"newly_connected_enterprises": 60}, "2000000.00"),
    ("DE-21", {"licensing_revenue": "2999999.99"}, None),  # 300万元及以上: inclusive
    ("DE-21", {"licensing_revenue": "3000000"}, "450000.00"),
    ("DE-21", {"licensing_revenue": "5000000"}, "500000.00"),
    ("PE-03", {"industrial_enterprise": True, "new_entity_registered": True, "independent_accounting": True,
               "online_retail_sales": "49999999.99"}, None),
    ("PE-03", {"industrial_enterprise": True, "new_entity_registered": True, "independent_accounting": True,
               "online_retail_sales": "50000000"}, "150000.00"),
    ("PE-03", {"industrial_enterprise": True, "new_entity_registered": True, "independent_accounting": True,
               "online_retail_sales": "100000000"}, "300000.00"),
    ("PE-08", {"declarations_prev_year": 100, "declarations_this_year": 150, "new_investment": "1000000"},
     "300000.00"),  # 50% reached (以上)
    ("PE-08", {"declarations_prev_year": 100, "declarations_this_year": 149, "new_investment": "1000000"}, None),
    ("PE-08", {"declarations_prev_year": 0, "declarations_this_year": 149, "new_investment": "1000000"}, None),
    ("PE-08", {"declarations_prev_year": 10, "declarations_this_year": 30, "new_investment": "5000000"},
     "1000000.00"),
    ("PE-01", {"local_retained_stamp_duty": "12345.67", "reward_year": 10}, "12345.67"),
    ("PE-01", {"local_retained_stamp_duty": "12345.67", "reward_year": 11}, None),
    ("DE-06", {"revenue": "10000000", "highest_prior_revenue": "9999999"}, "100000.00"),  # 含本数
    ("DE-06", {"revenue": "9999999.99", "highest_prior_revenue": "0"}, None),
    ("DE-06", {"revenue": "120000000", "highest_prior_revenue": "8000000"}, "500000.00"),  # highest tier only
    ("DE-06", {"revenue": "60000000", "highest_prior_revenue": "10000000"}, "300000.00"),
    ("DE-06", {"revenue": "60000000", "highest_prior_revenue": "50000000"}, None),  # not a first crossing
    ("MDX-01", {"investment_ex_tax": "800000", "digital_level_after": 1, "newly_listed_pilot": True}, None),
    ("MDX-01", {"investment_ex_tax": "800000", "digital_level_after": 2, "newly_listed_pilot": True}, "200000.00"),
    ("MDX-01", {"investment_ex_tax": "800000", "digital_level_after": 5, "newly_listed_pilot": True}, "400000.00"),
    ("MDX-01", {"investment_ex_tax": "2000000", "digital_level_after": 4, "newly_listed_pilot": True}, "500000.00"),
    ("MDX-01", {"investment_ex_tax": "800000", "digital_level_after": 3, "newly_listed_pilot": False}, None),
]


def test_boundaries():
    wrong = [(c, f, amount(c, f), e) for c, f, e in BOUNDARIES if amount(c, f) != e]
    assert wrong == []


# ------------------------------------------------------------------ every rule: a typical case and its cap
EACH_RULE = [
    ("PE-02", {"top_ranked": True, "hq_registered_locally": True, "independent_accounting": True}, "200000.00"),
    ("PE-02", {"top_ranked": True, "hq_registered_locally": False, "independent_accounting": True}, None),
    ("PE-04", {"it_investment": "20000000", "provider_is_local": True}, "1000000.00"),
    ("PE-04", {"it_investment": "200000", "provider_is_local": False}, None),
    ("PE-05", {"it_investment": "30000000"}, "2000000.00"),
    ("PE-06", {"new_construction_investment": "1000000"}, "300000.00"),
    ("PE-06", {"new_construction_investment": "5000000"}, "1000000.00"),
    ("PE-07", {"designation": "national_base", "newly_approved_this_year": True}, "1000000.00"),
    ("PE-07", {"designation": "national_enterprise", "newly_approved_this_year": True}, "500000.00"),
    ("PE-07", {"designation": "national_enterprise", "newly_approved_this_year": False}, None),
    ("PE-10", {"it_investment": "10000000"}, "4000000.00"),
    ("PE-10", {"it_investment": "20000000"}, "7000000.00"),
    ("DE-01", {"project_investment": "5000000", "selected": True}, "500000.00"),
    ("DE-01", {"project_investment": "50000000", "selected": True}, "1000000.00"),
    ("DE-01", {"project_investment": "5000000", "selected": False}, None),
    ("DE-02", {"project_investment": "12000000", "selected": True}, "1000000.00"),
    ("DE-03", {"dcmm_level": 3, "first_pass_at_level": True}, "50000.00"),
    ("DE-03", {"dcmm_level": 5, "first_pass_at_level": True}, "200000.00"),
    ("DE-03", {"dcmm_level": 2, "first_pass_at_level": True}, None),
    ("DE-04", {"project_investment": "500000", "selected": True}, "150000.00"),
    ("DE-04", {"project_investment": "1000000", "selected": True}, "200000.00"),
    ("DE-05", {"award_levels": ["municipal", "national", "provincial"], "in_use_with_benefits": True}, "500000.00"),
    ("DE-05", {"award_levels": ["municipal"], "in_use_with_benefits": True}, "30000.00"),
    ("DE-05", {"award_levels": ["provincial"], "in_use_with_benefits": False}, None),
    ("DE-07", {"it_investment": "400000", "selected": True}, "120000.00"),
    ("DE-07", {"it_investment": "4000000", "selected": True}, "200000.00"),
    ("DE-08", {"national_pilot_shortlisted": True}, "300000.00"),
    ("DE-08", {"national_pilot_shortlisted": False}, None),
    ("DE-10", {"approved_project_funding": "1500000"}, "1500000.00"),
    ("DE-10", {"approved_project_funding": "3000000"}, "2000000.00"),
    ("DE-11", {"newly_selected": True}, "100000.00"),
    ("DE-12", {"mpw_direct_cost": "1000000", "engineering_tapeout_fee": "1000000"}, "1300000.00"),
    ("DE-12", {"mpw_direct_cost": "2000000", "engineering_tapeout_fee": "1000000"}, "2000000.00"),
    ("DE-13", {"layout_design_purchase_cost": "1000000"}, "500000.00"),
    ("DE-13", {"layout_design_purchase_cost": "5000000"}, "2000000.00"),
    ("DE-14", {"ic_platform_service_fee": "1000000"}, "550000.00"),
    ("DE-14", {"ic_platform_service_fee": "3000000"}, "1500000.00"),
    ("DE-15", {"cs_level": "CS3", "newly_obtained": True}, "200000.00"),
    ("DE-15", {"cs_level": "CS4", "newly_obtained": True}, "1000000.00"),
    ("DE-15", {"cs_level": "CS5", "newly_obtained": True}, "1000000.00"),
    ("DE-16", {"certification_fee": "100000"}, "50000.00"),
    ("DE-16", {"certification_fee": "1000000"}, "200000.00"),
    ("DE-17", {"selected": True}, "500000.00"),
    ("DE-18", {"minutes": 100, "channel": "national"}, "250000.00"),
    ("DE-18", {"minutes": 100, "channel": "provincial"}, "150000.00"),
    ("DE-18", {"minutes": 500, "channel": "national"}, "1000000.00"),
    ("DE-19", {"minutes": 90, "chain": "national"}, "225000.00"),
    ("DE-19", {"minutes": 90, "chain": "regional"}, "135000.00"),
    ("DE-19", {"minutes": 300, "chain": "national"}, "500000.00"),
    ("DE-20", {"eligible_expenditure": "800000", "city_government_approved": True}, "800000.00"),
    ("DE-20", {"eligible_expenditure": "1800000", "city_government_approved": True}, "1000000.00"),
    ("DE-20", {"eligible_expenditure": "800000", "city_government_approved": False}, None),
    ("DE-22", {"it_investment": "1000000"}, "300000.00"),
    ("DE-22", {"it_investment": "3000000"}, "500000.00"),
    ("DE-23", {"actual_investment": "8000000", "applicant_is_park_committee": True}, "1000000.00"),
    ("DE-23", {"actual_investment": "800000", "applicant_is_park_committee": False}, None),
    ("MDX-02", {"it_investment": "3000000"}, "300000.00"),
    ("MDX-02", {"it_investment": "30000000"}, "1000000.00"),
    ("MDX-03", {"prev_year_service_expenditure": "200000"}, "60000.00"),
    ("MDX-03", {"prev_year_service_expenditure": "500000"}, "100000.00"),
    ("CB-01", {"iit_paid": "450000", "taxable_income": "1000000"}, "300000.00"),
    ("CB-01", {"iit_paid": "150000", "taxable_income": "1000000"}, None),
]


def test_each_rule():
    wrong = []
    for code, facts, expected in EACH_RULE:
        got = amount(code, facts, on="2025-06-01" if code == "PE-04" else ON)
        if got != expected:
            wrong.append((code, facts, got, expected))
    assert wrong == []


def test_every_rule_covered_by_tests():
    import inspect
    import sys

    source = inspect.getsource(sys.modules[__name__])
    missing = [r.code for r in RULES if f'"{r.code}"' not in source]
    assert missing == []


# ------------------------------------------------------------------ history: difference, highest-not-repeated, caps
def test_difference_rules():
    # DE-03 L3 → L5: 200,000 − 50,000
    assert amount("DE-03", {"dcmm_level": 5, "first_pass_at_level": True}, [h("DE-03", "50000")]) == "150000.00"
    # same level again: nothing left
    result = calc("DE-03", {"dcmm_level": 3, "first_pass_at_level": True}, [h("DE-03", "50000")])
    assert result["eligible"] is False and "差额" in result["reasons"][0]
    # history of other rules does not count
    assert amount("DE-03", {"dcmm_level": 4, "first_pass_at_level": True}, [h("DE-15", "50000")]) == "100000.00"
    # PE-03 tier 1 then tier 2
    pe03 = {"industrial_enterprise": True, "new_entity_registered": True, "independent_accounting": True,
            "online_retail_sales": "120000000"}
    assert amount("PE-03", pe03, [h("PE-03", "150000", "2022-01-01")]) == "150000.00"
    # DE-15 CS3 then CS4
    assert amount("DE-15", {"cs_level": "CS4", "newly_obtained": True}, [h("DE-15", "200000")]) == "800000.00"
    # DE-06 difference: 10M crossed in 2026 (100,000 paid), 50M in 2027 → 200,000
    assert amount("DE-06", {"revenue": "55000000", "highest_prior_revenue": "12000000"},
                  [h("DE-06", "100000", "2026-03-01")], on="2027-04-01") == "200000.00"


def test_tv_animation_provincial_then_national_pays_1000_per_minute_per_licence():
    hist = [h("DE-18", "150000", key="LIC-001"), h("DE-18", "90000", key="LIC-OTHER")]
    assert amount("DE-18", {"minutes": 100, "channel": "national", "key": "LIC-001"}, hist) == "100000.00"
    # another licence is unaffected by LIC-001's history
    assert amount("DE-18", {"minutes": 100, "channel": "national", "key": "LIC-002"}, hist) == "250000.00"
    # without a key all history of the rule counts
    assert amount("DE-18", {"minutes": 100, "channel": "national"}, hist) == "10000.00"
    # capped per work: 1,000,000 − already paid
    assert amount("DE-18", {"minutes": 600, "channel": "national", "key": "LIC-001"}, hist) == "850000.00"


def test_highest_not_repeated_with_history_per_project():
    hist = [h("DE-05", "30000", key="P1")]
    assert amount("DE-05", {"award_levels": ["national", "municipal"], "in_use_with_benefits": True, "key": "P1"},
                  hist) == "470000.00"
    assert amount("DE-05", {"award_levels": ["municipal"], "in_use_with_benefits": True, "key": "P1"}, hist) is None
    assert amount("DE-05", {"award_levels": ["provincial"], "in_use_with_benefits": True, "key": "P2"},
                  hist) == "100000.00"


def test_year_caps_only_count_the_same_year():
    fee = {"compute_service_invoiced": "800000"}
    assert amount("DE-09", fee, [h("DE-09", "200000", "2026-03-01")]) == "100000.00"
    assert amount("DE-09", fee, [h("DE-09", "200000", "2025-12-31")]) == "240000.00"
    full = calc("DE-09", fee, [h("DE-09", "300000", "2026-01-05")])
    assert full["eligible"] is False and "上限" in full["reasons"][0]
    assert amount("PE-11", {"newly_connected_enterprises": 40}, [h("PE-11", "1500000")]) == "500000.00"
    assert amount("DE-12", {"mpw_direct_cost": "1000000", "engineering_tapeout_fee": "0"},
                  [h("DE-12", "1500000")]) == "500000.00"
    assert amount("DE-13", {"layout_design_purchase_cost": "1000000"}, [h("DE-12", "2000000")]) == "500000.00"
    assert amount("DE-14", {"ic_platform_service_fee": "1000000"}, [h("DE-14", "1400000")]) == "100000.00"
    assert amount("PE-09", {"annual_cloud_service_fee": "100000"}, [h("PE-09", "90000")]) == "10000.00"


def test_cumulative_cap_counts_all_years():
    assert amount("DE-16", {"certification_fee": "300000"}, [h("DE-16", "150000", "2022-05-05")]) == "50000.00"
    assert amount("DE-16", {"certification_fee": "300000"},
                  [h("DE-16", "150000", "2022-05-05"), h("DE-16", "50000", "2026-01-01")]) is None


def test_once_per_year():
    result = calc("DE-21", {"licensing_revenue": "4000000"}, [h("DE-21", "500000", "2026-02-10")])
    assert result["eligible"] is False
    assert amount("DE-21", {"licensing_revenue": "4000000"}, [h("DE-21", "500000", "2025-02-10")]) == "500000.00"


# ------------------------------------------------------------------ funding split and rounding
SPLITS = [
    ("DE-09", {"compute_service_invoiced": "50000.03"}, "7500.01", "7500.00"),  # 15000.009 → 15000.01
    ("DE-16", {"certification_fee": "0.02"}, "0.01", "0.00"),
    ("DE-16", {"certification_fee": "0.06"}, "0.02", "0.01"),
    ("DE-10", {"approved_project_funding": "1000000.01"}, "1000000.01", "0.00"),  # city only
    ("DE-17", {"selected": True}, "500000.00", "0.00"),
    ("PE-05", {"it_investment": "1000000"}, "100000.00", "0.00"),  # PE: no split named
    ("CB-01", {"iit_paid": "1000", "taxable_income": "1000"}, "850.00", "0.00"),
]


def test_funding_split():
    from decimal import Decimal

    for code, facts, city, county in SPLITS:
        result = calc(code, facts)
        assert result["funding"] == {"city": city, "county": county}, code
        assert Decimal(city) + Decimal(county) == Decimal(result["amount"])


def test_rate_rounding_half_up():
    assert amount("DE-09", {"compute_service_invoiced": "50000.05"}) == "15000.02"  # 15000.015 → .02


# ------------------------------------------------------------------ errors
ERRORS = [
    ("XX-99", {}, "rule"),
    ("DE-09", {}, "compute_service_invoiced"),
    ("DE-09", {"compute_service_invoiced": -1}, "compute_service_invoiced"),
    ("DE-09", {"compute_service_invoiced": "abc"}, "compute_service_invoiced"),
    ("DE-09", {"compute_service_invoiced": True}, "compute_service_invoiced"),
    ("DE-09", {"compute_service_invoiced": "1.001"}, "compute_service_invoiced"),
    ("DE-09", {"compute_service_invoiced": 1, "colour": "red"}, "colour"),
    ("PE-11", {"newly_connected_enterprises": 30.5}, "newly_connected_enterprises"),
    ("PE-11", {"newly_connected_enterprises": "thirty"}, "newly_connected_enterprises"),
    ("DE-03", {"dcmm_level": 6, "first_pass_at_level": True}, "dcmm_level"),
    ("DE-03", {"dcmm_level": 3, "first_pass_at_level": "maybe"}, "first_pass_at_level"),
    ("DE-15", {"cs_level": "CS9", "newly_obtained": True}, "cs_level"),
    ("DE-05", {"award_levels": [], "in_use_with_benefits": True}, "award_levels"),
    ("DE-05", {"award_levels": ["world"], "in_use_with_benefits": True}, "award_levels"),
]


def test_errors():
    from django.core.exceptions import ValidationError

    for code, facts, field in ERRORS:
        with pytest.raises(CalculationError) as info:
            calc(code, facts)
        assert field in info.value.errors, (code, facts, info.value.errors)
        assert isinstance(info.value, ValueError) and isinstance(info.value, ValidationError)
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_history_and_date_errors():
    with pytest.raises(CalculationError) as info:
        calc("DE-09", {"compute_service_invoiced": 1}, history=[{"rule": "DE-09", "amount": "-5", "date": "2026-1-1"}])
    assert "history[0]" in info.value.errors
    with pytest.raises(CalculationError):
        calc("DE-09", {"compute_service_invoiced": 1}, history=[{"rule": "DE-09", "amount": "5"}])
    with pytest.raises(CalculationError):
        calc("DE-09", {"compute_service_invoiced": 1}, history="nope")
    with pytest.raises(CalculationError) as info:
        calc("DE-09", {"compute_service_invoiced": 1}, on="2026-13-01")
    assert "on" in info.value.errors


# ------------------------------------------------------------------ schema and listing
def test_facts_schema_and_families():
    schema = rule_facts_schema("DE-05")
    names = [f["name"] for f in schema]
    assert names == ["award_levels", "in_use_with_benefits", "key"]
    assert schema[0]["type"] == "multi_choice" and schema[0]["choices"][0] == {"value": "national", "label": "国家级"}
    assert schema[2]["required"] is False
    assert all(f["label"] and f["type"] for r in RULES for f in rule_facts_schema(r.code))
    groups = {g["family"]: [r.code for r in g["rules"]] for g in rules_by_family(dt.date(2026, 6, 1))}
    assert "PE-04" not in groups["platform"] and "MDX-02" in groups["manufacturing"]
    assert len(groups["digital"]) == 23 and groups["cross_border"] == ["CB-01"]
    assert Rule.objects.count() == 38
