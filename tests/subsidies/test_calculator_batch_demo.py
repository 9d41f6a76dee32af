"""The batch calculator over the seeded demo's applications: ``compute_all`` (rule state and award histories read once)
gives each application exactly what ``compute`` gives it alone — amount, funding, reasons and trace — in three
queries whatever the number of applications."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subsidies.models import Application
from subsidies.rules import CalculationError
from subsidies.services.common import compute, compute_all

pytestmark = pytest.mark.django_db


def _single(app: Application) -> dict:
    try:
        return compute(app)
    except CalculationError as exc:
        return {"error": exc.errors}


def test_demo_applications_batch_equals_single(demo):
    apps = list(Application.objects.select_related("rule").order_by("pk"))
    assert len(apps) >= 10 and len({a.rule_id for a in apps}) >= 5
    computable = [a for a in apps if "error" not in _single(a)]
    assert len(computable) >= 10
    with CaptureQueriesContext(connection) as queries:
        batched = compute_all(computable)
    assert len(queries.captured_queries) == 3  # rules, their parameters, the award histories
    differ = [(a.pk, a.rule.code, _single(a), batched[a.pk]) for a in computable if _single(a) != batched[a.pk]]
    assert differ == []
    assert any(r["eligible"] for r in batched.values()) and any(r["trace"] for r in batched.values())
    with_history = [a for a in computable if any(s["step"].startswith(("annual cap", "difference", "cumulative"))
                                                 and "history 0.00" not in s["step"]
                                                 for s in batched[a.pk]["trace"])]
    assert with_history  # some demo applications count earlier awards (caps, 差额): the histories match as well
