"""Calculator precision and input that was silently misread (issue 14 point 6).

subsidy_rules.md "Conventions": money is Decimal, results quantized to 0.01 ROUND_HALF_UP — once, on the result; the
intermediate parts of a rule (the two rates of DE-12, the 15% burden of CB-01) are never rounded on their own.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from subsidies.calculator import calculate as calculate_db
from subsidies.models import Rule
from subsidies.rules import CalculationError, HistoryItem, calculate
from subsidies.rules.facts import normalize_key
from subsidies.trace import trace_caption

ON = "2026-06-01"


def step(result, prefix):
    return next(s for s in result["trace"] if s["step"].startswith(prefix))


# ------------------------------------------------------------------ one rounding, on the result
def test_de12_sum_of_two_rates_is_rounded_once():
    """泉政办规〔2025〕18号 五(一): 流片补助 = 80% × MPW 直接费用 + 50% × 工程流片费用 (cap 200万/年).

    By hand, MPW 100,000.01 and engineering 100,000.01:
      80% × 100,000.01 = 80,000.008      50% × 100,000.01 = 50,000.005
      exact sum 130,000.013 → 130,000.01 (ROUND_HALF_UP, once).
    Before (each part rounded): 80,000.01 + 50,000.01 = 130,000.02 — one cent too much.
    Split 1:1 (九(二)): city = round_half_up(130,000.01 / 2 = 65,000.005) = 65,000.01, county 65,000.00.
    """
    result = calculate("DE-12", {"mpw_direct_cost": "100000.01", "engineering_tapeout_fee": "100000.01"}, on=ON)
    assert result["amount"] == "130000.01"
    assert result["funding"] == {"city": "65000.01", "county": "65000.00"}
    assert step(result, "rate × base")["value"] == "80000.008"
    assert step(result, "+ rate × base")["value"] == "130000.013"
    assert step(result, "result rounded")["value"] == "130000.01"


def test_cb01_difference_is_rounded_once():
    """粤办函〔2021〕328号 九: 补贴 = 已缴个人所得税 − 应纳税所得额 × 15%.

    By hand, tax paid 20,000.00 and taxable income 100,000.10:
      15% × 100,000.10 = 15,000.015;  20,000.00 − 15,000.015 = 4,999.985 → 4,999.99 (ROUND_HALF_UP, once).
    Before (burden rounded first to 15,000.02): 20,000.00 − 15,000.02 = 4,999.98 — one cent too little.
    """
    result = calculate("CB-01", {"iit_paid": "20000.00", "taxable_income": "100000.10"}, on=ON)
    assert result["amount"] == "4999.99"
    assert result["funding"] == {"city": "4999.99", "county": "0.00"}
    assert step(result, "rate × base")["value"] == "15000.015"
    assert step(result, "difference")["value"] == "4999.985"


def test_exact_results_have_no_rounding_step_and_keep_the_public_example():
    """subsidy_rules.md public example: DE-09, 800,000 → 240,000.00; nothing to round, no extra trace line."""
    result = calculate("DE-09", {"compute_service_invoiced": 800000}, on=ON)
    assert result["amount"] == "240000.00"
    assert not any(s["step"].startswith("result rounded") for s in result["trace"])
    assert step(result, "rate × base")["value"] == "240000.00"


def test_half_cent_of_a_single_rate_still_rounds_half_up():
    """泉政办规〔2025〕18号 三(一): 30% × 50,000.05 = 15,000.015 → 15,000.02 (half-up on the result)."""
    result = calculate("DE-09", {"compute_service_invoiced": "50000.05"}, on=ON)
    assert result["amount"] == "15000.02"
    assert step(result, "rate × base")["value"] == "15000.015"


def test_rounding_step_has_a_chinese_caption():
    """The site shows the new trace line in Chinese, never the English step."""
    assert trace_caption("result rounded half-up to 0.01", {}) == "结果四舍五入到分（中间各项不取整）"


def test_result_below_half_a_cent_is_not_eligible():
    """泉政办规〔2025〕18号 八(一): 30% × 0.01 = 0.003 → 0.00: a zero result is not eligible (ADR 0301 §1)."""
    result = calculate("DE-22", {"it_investment": "0.01"}, on=ON)
    assert result["eligible"] is False and result["amount"] == "0.00"
    assert result["reasons"] == ["计算结果为0元，不予奖补"]


# ------------------------------------------------------------------ history under an unknown rule code
@pytest.mark.parametrize("code", ["DE-99", "XX", "", "DE09"])
def test_history_under_an_unknown_rule_code_is_an_error(code):
    """subsidy_rules.md "History": items name a rule of this contract; an unknown code used to be ignored quietly."""
    with pytest.raises(CalculationError) as info:
        calculate("DE-09", {"compute_service_invoiced": 800000},
                  [{"rule": code, "amount": "200000", "date": "2026-03-01"}], on=ON)
    assert "未知的奖补规则编号" in info.value.errors["history[0]"]


def test_history_rule_code_case_and_spaces_are_normalised():
    """A known code in another case still counts (300,000 annual cap − 200,000 → 100,000, 泉政办规〔2025〕18号 三(一))."""
    result = calculate("DE-09", {"compute_service_invoiced": 800000},
                       [{"rule": " de-09 ", "amount": "200000", "date": "2026-03-01"}], on=ON)
    assert result["amount"] == "100000.00"


# ------------------------------------------------------------------ history dated after the calculation date
def test_history_dated_after_the_calculation_date_is_an_error():
    """subsidy_rules.md "History"/"Year caps": history is what was awarded before `on`; a later date was counted as
    if already paid (DE-09 would drop from 240,000 to 100,000)."""
    with pytest.raises(CalculationError) as info:
        calculate("DE-09", {"compute_service_invoiced": 800000},
                  [{"rule": "DE-09", "amount": "200000", "date": "2026-06-02"}], on=ON)
    message = info.value.errors["history[0]"]
    assert "2026-06-02" in message and "晚于计算日期 2026-06-01" in message


def test_history_on_the_calculation_date_is_accepted():
    """An award dated on `on` itself is not after it."""
    result = calculate("DE-09", {"compute_service_invoiced": 800000},
                       [{"rule": "DE-09", "amount": "200000", "date": ON}], on=ON)
    assert result["amount"] == "100000.00"


def test_award_register_history_after_the_event_date_still_counts():
    """ADR 0300: an application is computed on its event date, but an award approved meanwhile for a later event of
    the same enterprise is real money: the 300,000 annual cap (三(一)) is a total, so it counts (no error)."""
    later = HistoryItem(rule="DE-09", amount=Decimal("200000"), date=dt.date(2026, 7, 1))
    result = calculate("DE-09", {"compute_service_invoiced": 800000}, [later], on=ON)
    assert result["amount"] == "100000.00"


@pytest.mark.django_db
def test_api_and_command_refuse_misread_history(api_client, capsys):
    """interfaces.md: the API answers 400 {"detail", "errors"}; calculate_award exits 2 with the message on stderr."""
    late = [{"rule": "DE-09", "amount": "200000", "date": "2026-07-01"}]
    response = api_client.post("/api/v1/subsidies/rules/DE-09/calculate/",
                               {"facts": {"compute_service_invoiced": 800000}, "history": late, "on": ON},
                               format="json")
    assert response.status_code == 400 and "晚于计算日期" in response.json()["errors"]["history[0]"]
    unknown = [{"rule": "DE-99", "amount": "1", "date": "2026-01-01"}]
    response = api_client.post("/api/v1/subsidies/rules/DE-09/calculate/",
                               {"facts": {"compute_service_invoiced": 800000}, "history": unknown, "on": ON},
                               format="json")
    assert response.status_code == 400 and "未知的奖补规则编号" in response.json()["errors"]["history[0]"]
    with pytest.raises(SystemExit) as info:
        call_command("calculate_award", "DE-09", "--facts", '{"compute_service_invoiced": 800000}',
                     "--history", json.dumps(late), "--on", ON, stdout=StringIO())
    assert info.value.code == 2 and "晚于计算日期 2026-06-01" in capsys.readouterr().err


# ------------------------------------------------------------------ keys that differ only in case
def test_keys_that_differ_only_in_case_are_the_same_work():
    """泉政办规〔2025〕18号 七(一) and subsidy_rules.md "Key": history counts per licence key. "LIC-001" paid 150,000
    (100 min provincial); the same licence typed "lic-001" broadcast nationally gets 250,000 − 150,000 = 100,000,
    not 250,000 again."""
    hist = [{"rule": "DE-18", "amount": "150000", "date": "2026-03-01", "key": "LIC-001"}]
    for key in ("lic-001", " Lic-001 ", "LIC-001"):
        assert calculate("DE-18", {"minutes": 100, "channel": "national", "key": key}, hist,
                         on=ON)["amount"] == "100000.00", key
    assert calculate("DE-18", {"minutes": 100, "channel": "national", "key": "LIC-002"}, hist,
                     on=ON)["amount"] == "250000.00"


def test_key_normalisation():
    assert normalize_key("  Work  A ") == normalize_key("work a") == "work a"
    assert normalize_key("《泉州故事》") == "《泉州故事》"
    assert normalize_key(None) == ""


# ------------------------------------------------------------------ the "in force" step cites the window's clause
@pytest.mark.parametrize(("code", "facts", "on", "citation"), [
    ("DE-09", {"compute_service_invoiced": 800000}, ON, "泉政办规〔2025〕18号 九(一)"),
    ("MDX-02", {"it_investment": 100000}, ON, "泉政办规〔2025〕18号 九(一)"),
    ("DE-23", {"actual_investment": 100000, "applicant_is_park_committee": True}, ON,
     "泉政办规〔2025〕18号 九(一)、八(二)"),
    ("MDX-01", {"investment_ex_tax": 800000, "digital_level_after": 3, "newly_listed_pilot": True}, ON,
     "泉政办规〔2025〕18号 九(一)、四(一)"),
    ("PE-05", {"it_investment": 100000}, ON, "泉政办〔2021〕21号（2021年6月8日印发，奖补条款未规定截止日期）"),
    ("PE-04", {"it_investment": 100000, "provider_is_local": True}, ON,
     "泉政办〔2021〕21号（2021年6月8日印发）；泉政办规〔2025〕18号 九(一)（自2026年2月1日不一致处按新措施执行）"),
    ("CB-01", {"iit_paid": 1000, "taxable_income": 1000}, ON,
     "粤办函〔2021〕328号（原文未注明施行日期，自2021年1月1日起算）"),
])
def test_in_force_step_cites_the_clause_that_sets_the_window(code, facts, on, citation):
    """泉政办规〔2025〕18号 九(一): "本措施自2026年2月1日施行，有效期至2029年12月31日止" sets the DE/MDX window; DE-23
    (八(二)) and MDX-01 (四(一)) end earlier by their own clause. The rule's own clause stays the result's citation."""
    result = calculate(code, facts, on=on)
    assert step(result, "in force")["citation"] == citation
    assert result["citation"] != citation


@pytest.mark.django_db
def test_window_changed_by_an_administrator_says_so():
    """ADR 0300: windows are data; when an administrator ends PE-05, the clause alone no longer explains the window."""
    Rule.objects.filter(code="PE-05").update(valid_to=dt.date(2027, 12, 31))
    result = calculate_db("PE-05", {"it_investment": 100}, on="2028-01-01")
    assert result["eligible"] is False
    assert step(result, "in force")["citation"].endswith("适用期已由管理部门调整，以奖补规则配置为准")


# ------------------------------------------------------------------ zero results never say "已享受0.00元"
@pytest.mark.parametrize(("code", "facts"), [
    ("DE-18", {"minutes": 0, "channel": "national"}),  # difference rule, nothing enjoyed
    ("DE-12", {"mpw_direct_cost": "0", "engineering_tapeout_fee": "0"}),  # annual cap, nothing used
    ("DE-16", {"certification_fee": "0"}),  # cumulative cap, nothing used
])
def test_zero_result_without_history_gives_the_zero_reason(code, facts):
    """泉政办规〔2025〕18号 七(一), 五(一), 六(一) with no earlier award: the reason is the zero result itself, not
    "已享受本项奖补0.00元" (差额) nor "已达上限" (annual / cumulative caps)."""
    result = calculate(code, facts, on=ON)
    assert result["eligible"] is False
    assert result["reasons"] == ["计算结果为0元，不予奖补"]


def test_difference_and_caps_with_history_name_what_was_enjoyed():
    """泉政办规〔2025〕18号 一(三) 差额: DCMM level 3 again after 50,000 → nothing more, and the reason says why;
    三(一) annual cap 300,000 reached; 六(一) cumulative cap 200,000 reached."""
    same = calculate("DE-03", {"dcmm_level": 3, "first_pass_at_level": True},
                     [{"rule": "DE-03", "amount": "50000", "date": "2026-03-01"}], on=ON)
    assert same["reasons"] == ["已享受本项奖补50000.00元，不低于本次应享受的50000.00元，按差额规则无可补差额"]
    full = calculate("DE-09", {"compute_service_invoiced": 800000},
                     [{"rule": "DE-09", "amount": "300000", "date": "2026-03-01"}], on=ON)
    assert full["reasons"] == ["2026年度本项奖补已享受300000.00元，已达上限300000.00元"]
    cumulative = calculate("DE-16", {"certification_fee": "1000"},
                           [{"rule": "DE-16", "amount": "200000", "date": "2024-03-01"}], on=ON)
    assert cumulative["reasons"] == ["本项奖补累计已享受200000.00元，已达上限200000.00元"]


@pytest.mark.django_db
def test_submission_flags_a_duplicate_whose_key_differs_only_in_case(make_call, applicant, pdf):
    """泉政办规〔2025〕18号 七(一) "同一部作品…只补贴1次": "LIC-001" and "lic-001" are one licence, so the second
    application of the same enterprise, rule and year is flagged as a suspected duplicate."""
    from subsidies.services import application_create, application_submit, evidence_add

    user, enterprise = applicant
    call = make_call(["DE-18"])
    apps = []
    for key in ("LIC-001", "lic-001"):
        app = application_create(call=call, enterprise=enterprise, rule_code="DE-18",
                                 facts={"minutes": 100, "channel": "national", "key": key}, acting_user=user)
        evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
        application_submit(application=app, acting_user=user)
        app.refresh_from_db()
        apps.append(app)
    assert not apps[0].is_duplicate
    assert apps[1].is_duplicate and apps[1].duplicate_of_id == apps[0].pk
