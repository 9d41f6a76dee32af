"""Concurrent approvals with real threads (each with its own database connection).

On PostgreSQL the threads really race (a barrier releases them together) and row locks decide; on SQLite, which
cannot write concurrently, the same threads run one at a time. The outcome asserted is the same on both.
"""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from subsidies.models import Award, AwardStatus, BudgetPool
from subsidies.services import application_approve, application_create, application_submit, evidence_add

from .conftest import advance_to_review

N = 20


def _prepare(call, pairs, reviewer, pdf):
    apps = []
    for user, enterprise in pairs:
        app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                                 facts={"compute_service_invoiced": "100000"}, acting_user=user)  # ceiling 30,000
        evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
        application_submit(application=app, acting_user=user)
        apps.append(advance_to_review(app, reviewer))
    return apps


def _race(apps, reviewer):
    """Approve every application at 30,000 from its own thread; returns (approved, refused messages)."""
    concurrent = connection.vendor == "postgresql"
    barrier = threading.Barrier(len(apps)) if concurrent else None
    serial = threading.Lock()
    results: list[str] = []
    errors: list[BaseException] = []

    def work(app):
        try:
            if barrier:
                barrier.wait(timeout=30)
                application_approve(application=app, amount="30000", note="经审核，按实际核定", acting_user=reviewer)
            else:
                with serial:
                    application_approve(application=app, amount="30000", note="经审核，按实际核定", acting_user=reviewer)
            results.append("ok")
        except ValidationError as exc:
            results.append("; ".join(exc.messages))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(app,)) for app in apps]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(results) == len(apps)
    return [r for r in results if r == "ok"], [r for r in results if r != "ok"]


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_against_a_pool_that_fits_ten(make_call, make_applicant, reviewer, pdf):
    pairs = [make_applicant(f"race{n}") for n in range(N)]
    call = make_call(["DE-09"], city="150000.00", counties={"C-350582": "10000000"})  # city share 15,000 × 10
    apps = _prepare(call, pairs, reviewer, pdf)
    approved, refused = _race(apps, reviewer)
    assert len(approved) == 10 and len(refused) == 10
    assert all("余额不足" in r for r in refused)
    city = BudgetPool.objects.get(call=call, level="city")
    county = BudgetPool.objects.get(call=call, level="county")
    awards = Award.objects.filter(call=call, status=AwardStatus.RESERVED)
    assert awards.count() == 10
    assert city.reserved == Decimal("150000.00") == sum(a.city_amount for a in awards)
    assert city.available == Decimal("0.00")
    assert county.reserved == Decimal("150000.00") == sum(a.county_amount for a in awards)
    assert county.amount - county.reserved - county.committed == Decimal("9850000.00")


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_approvals_against_one_enterprises_annual_cap(make_call, make_applicant, reviewer, pdf):
    user, enterprise = make_applicant("capped")
    call = make_call(["DE-09"], city="10000000", counties={"C-350582": "10000000"})
    apps = _prepare(call, [(user, enterprise)] * N, reviewer, pdf)  # DE-09: 300,000 per enterprise per year
    approved, refused = _race(apps, reviewer)
    assert len(approved) == 10 and len(refused) == 10
    assert all("不符合条件" in r or "超过测算上限" in r for r in refused)
    awards = Award.objects.filter(enterprise=enterprise, rule__code="DE-09", status=AwardStatus.RESERVED)
    assert sum(a.amount for a in awards) == Decimal("300000.00")
    city = BudgetPool.objects.get(call=call, level="city")
    assert city.reserved == Decimal("150000.00") == sum(a.city_amount for a in awards)
