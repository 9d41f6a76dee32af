"""The batch calculator (``CalculationBatch``, issue 16): rule state read once per batch (two queries, none per
evaluation) and exactly the single evaluation's JSON — amount, funding, reasons and trace — for every rule, on
dates inside and outside the windows, with history, and with rule data staff changed in the database."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subsidies.calculator import CalculationBatch, calculate, rule_states
from subsidies.models import Rule, RuleParameter
from subsidies.rules import RULES, CalculationError
from subsidies.rules.facts import BOOL, CHOICE, INT, MULTI, TEXT
from tests.subsidies.test_rules import BOUNDARIES, EACH_RULE, ON, SPLITS

pytestmark = pytest.mark.django_db

DAYS = ["2021-06-08", "2025-06-01", "2026-01-31", "2026-02-01", "2026-06-01", "2026-12-31", "2027-01-01",
        "2027-04-01", "2030-01-01"]


def _value(fact, rng: random.Random):
    if fact.type == BOOL:
        return rng.random() < 0.9
    if fact.type == CHOICE:
        return fact.choices[rng.randrange(len(fact.choices))][0]
    if fact.type == MULTI:
        return [v for v, _ in fact.choices if rng.random() < 0.5] or [fact.choices[0][0]]
    if fact.type == TEXT:
        return f"K-{rng.randrange(3)}"
    if fact.type == INT:
        lo = fact.min_value if fact.min_value is not None else 0
        hi = fact.max_value if fact.max_value is not None else 400
        return rng.randint(lo, hi)
    return f"{rng.randrange(0, 30_000_000)}.{rng.randrange(100):02d}"


def cases(per_rule: int = 6, seed: int = 16):
    """(code, facts, history, on) for every rule: random facts, some with history of the rule (keyed or not)."""
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    out = []
    for rdef in RULES:
        for i in range(per_rule):
            facts = {f.name: _value(f, rng) for f in rdef.facts if f.required or rng.random() < 0.5}
            on = DAYS[(i + len(out)) % len(DAYS)]
            history = [{"rule": rdef.code, "amount": f"{rng.randrange(1, 400_000)}.00",
                        "date": f"{on[:4]}-01-0{d}", **({"key": "K-1"} if rdef.keyed else {})}
                       for d in range(1, 1 + rng.randrange(3))]
            out.append((rdef.code, facts, history, on))
    out += [(code, facts, None, "2025-06-01" if code == "PE-04" else ON) for code, facts, _ in EACH_RULE]
    out += [(code, facts, None, ON) for code, facts, *_ in BOUNDARIES + SPLITS]
    return out


def single_and_batch(batch, code, facts, history, on):
    try:
        single = calculate(code, facts, history=history, on=on)
    except CalculationError as exc:
        single = {"error": exc.errors}
    try:
        batched = calculate(code, facts, history=history, on=on, batch=batch)
        assert batch.calculate(code, facts, history=history, on=on) == batched
    except CalculationError as exc:
        batched = {"error": exc.errors}
    return single, batched


def test_every_rule_batch_equals_single_evaluation_including_the_trace():
    batch = CalculationBatch()
    every = cases()
    assert {code for code, *_ in every} == {r.code for r in RULES}
    differ = [(case, single, batched) for case in every
              for single, batched in [single_and_batch(batch, *case)] if single != batched]
    assert differ == []
    results = [single_and_batch(batch, *case)[1] for case in every]
    assert sum(1 for r in results if r.get("eligible")) > 50  # the cases reach the amount steps, not only refusals
    assert sum(1 for r in results if r.get("eligible") is False) > 20


def test_batch_reads_the_rule_data_staff_changed():
    de09 = Rule.objects.get(code="DE-09")
    RuleParameter.objects.create(rule=de09, name="annual_cap", value="250000", valid_from=dt.date(2027, 1, 1))
    RuleParameter.objects.create(rule=de09, name="rate", value="0.25", valid_from=dt.date(2026, 7, 1))
    Rule.objects.filter(code="PE-05").update(valid_to=dt.date(2027, 12, 31))
    Rule.objects.filter(code="DE-11").update(funding="split_1_1")
    batch = CalculationBatch()
    every = [*cases(per_rule=3, seed=7),
             *(("DE-09", {"compute_service_invoiced": fee}, None, on) for fee in ("1000000", "600000")
               for on in ("2026-06-30", "2026-07-01", "2026-12-31", "2027-01-01")),
             ("PE-05", {"it_investment": "1000000"}, None, "2028-01-01"), ("DE-11", {"newly_selected": True}, None, ON)]
    differ = [(case, single, batched) for case in every
              for single, batched in [single_and_batch(batch, *case)] if single != batched]
    assert differ == []
    assert batch.calculate("DE-09", {"compute_service_invoiced": "600000"}, on="2026-07-01")["amount"] == "150000.00"
    assert batch.calculate("DE-09", {"compute_service_invoiced": "1000000"}, on="2027-01-01")["amount"] == "250000.00"
    assert batch.calculate("DE-11", {"newly_selected": True}, on=ON)["funding"]["county"] == "50000.00"
    assert batch.calculate("PE-05", {"it_investment": "1000000"}, on="2028-01-01")["eligible"] is False


def test_a_batch_reads_the_rules_once_and_nothing_per_evaluation():
    every = cases(per_rule=2, seed=3)
    with CaptureQueriesContext(connection) as made:
        batch = CalculationBatch()
    with CaptureQueriesContext(connection) as used:
        for case in every:
            try:
                batch.calculate(case[0], case[1], history=case[2], on=case[3])
            except CalculationError:
                pass
    assert (len(made.captured_queries), len(used.captured_queries), batch.queries) == (2, 0, 2)
    with CaptureQueriesContext(connection) as single:
        calculate("DE-09", {"compute_service_invoiced": "800000"}, on=ON)
    assert len(single.captured_queries) == 2  # the single evaluation's API and cost are unchanged


def test_a_narrow_batch_reads_a_rule_it_was_not_made_for_and_is_still_right():
    batch = rule_states(["DE-09"])
    assert batch.queries == 2
    facts = {"iit_paid": "450000", "taxable_income": "1000000"}
    assert batch.calculate("CB-01", facts, on=ON) == calculate("CB-01", facts, on=ON)
    assert batch.queries == 4
    batch.calculate("CB-01", facts, on="2026-07-01")
    assert batch.queries == 4


def test_a_new_batch_sees_a_change_an_old_one_was_made_before():
    """No hidden cache across requests: a batch is the caller's, made per request or job."""
    facts = {"compute_service_invoiced": "1000000"}
    before = CalculationBatch()
    RuleParameter.objects.create(rule=Rule.objects.get(code="DE-09"), name="annual_cap", value="200000",
                                 valid_from=dt.date(2026, 5, 1))
    assert before.calculate("DE-09", facts, on=ON)["amount"] == "300000.00"  # the state it was made with
    assert CalculationBatch().calculate("DE-09", facts, on=ON)["amount"] == "200000.00"
    assert calculate("DE-09", facts, on=ON)["amount"] == "200000.00"
