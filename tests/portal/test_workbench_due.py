"""工作台 due dates per state and its cost at scale (issue 12 §1).

Records that keep one due field per step (QZ §七(二): 5 个工作日内核实决定, 决定更正后 10 个工作日内更正; procurement
objections and complaints; IT projects) declare ``due_fields={state: field}``: the 工作台 and the record header show
the due date of the *current* step. Each kind stays one query whatever the number of records awaiting.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalogs.models import CatalogEntry, CorrectionStatus, DataCorrection
from catalogs.workflow import CORRECTION
from portal.models import Organization
from portal.workbench import SCAN_LIMIT, awaiting
from portal.workdays import add_workdays
from portal.workflow import all_workflows
from tests.portal.test_chinese_staff_pages import login, page, shows

pytestmark = pytest.mark.django_db


def _request(username: str):
    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username=username)
    return request


def test_every_declared_due_field_is_a_date_of_the_model_for_a_real_state():
    for wf in all_workflows().values():
        states = {str(s) for s in wf.states.values}
        for state, name in wf.due_fields.items():
            assert state in states, (wf.name, state)
            assert isinstance(wf.model._meta.get_field(name), models.DateField), (wf.name, name)
        if wf.due_field:
            assert isinstance(wf.model._meta.get_field(wf.due_field), models.DateField), wf.name


def _corrections(unit: Organization, n: int, today: dt.date) -> list[DataCorrection]:
    """``n`` corrections dispatched to ``unit`` awaiting its decision: the analysis was due long ago, the decision
    (5 working days, QZ §七(二)) yesterday, so the list must show the decision date and 已逾期."""
    entry = CatalogEntry.objects.filter(source_unit=unit).first()
    reporter = get_user_model().objects.get(username="unit_admin_b")
    return DataCorrection.objects.bulk_create([
        DataCorrection(entry=entry, source_unit=unit, reporter_unit=reporter.memberships.first().organization,
                       reported_by=reporter, description=f"批量纠错 {i}", status=CorrectionStatus.DISPATCHED,
                       reported_on=today - dt.timedelta(days=30), analysis_due_on=today - dt.timedelta(days=25),
                       dispatched_on=today - dt.timedelta(days=8), decide_due_on=today - dt.timedelta(days=1))
        for i in range(n)])


def test_correction_shows_the_due_date_of_its_current_step(client, demo):
    """QZ §七(二): after dispatch the source unit has 5 working days to decide; the 工作台 shows that date (not the
    analysis date of the previous step, and not nothing)."""
    today = timezone.localdate()
    unit = Organization.objects.get(code="QZ-GXJ")
    made = _corrections(unit, 1, today)[0]
    tasks = [t for k in awaiting(_request("unit_admin"), admin.site) for t in k.tasks if t.title == str(made)]
    assert len(tasks) == 1
    assert tasks[0].due_on == made.decide_due_on and tasks[0].badge == "overdue"
    assert tasks[0].steps == ("核实决定",)
    # the record header reads the same field
    login(client, "unit_admin")
    _, text = page(client, f"/admin/catalogs/datacorrection/{made.pk}/change/")
    assert shows(text, f"期限 {made.decide_due_on:%Y-%m-%d} 已逾期")
    # once decided to correct, the date is the 10-working-day correction limit
    CORRECTION.apply("decide", made, user=get_user_model().objects.get(username="unit_admin"), on=today,
                     will_correct=True, reason="核实属实")
    made.refresh_from_db()
    assert made.status == CorrectionStatus.CORRECTING and made.correct_due_on == add_workdays(today, 10)
    task = next(t for k in awaiting(_request("unit_admin"), admin.site) for t in k.tasks if t.title == str(made))
    assert task.due_on == made.correct_due_on and task.badge == ""
    _, text = page(client, f"/admin/catalogs/datacorrection/{made.pk}/change/")
    assert shows(text, f"期限 {made.correct_due_on:%Y-%m-%d}")


def test_the_list_is_ordered_by_the_per_state_due_date(demo):
    today = timezone.localdate()
    unit = Organization.objects.get(code="QZ-GXJ")
    _corrections(unit, 3, today)
    kind = next(k for k in awaiting(_request("unit_admin"), admin.site) if k.label == "数据纠错")
    dates = [t.due_on for t in kind.tasks]
    assert dates == sorted(dates, key=lambda d: (d is None, d or today))


def _queries(username: str) -> int:
    request = _request(username)
    awaiting(request, admin.site)  # warm the user scope and the calendar cache
    with CaptureQueriesContext(connection) as ctx:
        awaiting(_request(username), admin.site)
    return len(ctx)


def test_query_count_is_the_same_for_20_and_2000_records_awaiting(client, demo):
    """Constant cost: 2,000 corrections awaiting one unit cost the same queries as 20 (one per kind); the page shows
    at most ``SCAN_LIMIT`` read per kind and says there are more ("100+")."""
    today = timezone.localdate()
    unit = Organization.objects.get(code="QZ-GXJ")
    _corrections(unit, 20, today)
    few = _queries("unit_admin")
    login(client, "unit_admin")
    with CaptureQueriesContext(connection) as page_few:
        assert client.get("/admin/").status_code == 200
    _corrections(unit, 1980, today)
    many = _queries("unit_admin")
    with CaptureQueriesContext(connection) as page_many:
        response = client.get("/admin/")
    assert many == few, (few, many)
    assert len(page_many) == len(page_few), (len(page_few), len(page_many))
    kind = next(k for k in awaiting(_request("unit_admin"), admin.site) if k.label == "数据纠错")
    assert kind.truncated and kind.count.endswith("+") and len(kind.tasks) <= SCAN_LIMIT
    assert shows(response.content.decode(), f"{kind.count} 件")
