"""Interface provision requests past their due date (10 wd, or the approved extension): daily job flag, notification
to the producer's data administrators, overdue board, admin and API filters — across the 2026 National Day holiday."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from catalogs.models import EntryStatus, InterfaceRequest
from catalogs.selectors import interface_request_overdue_counts, task_overdue_board
from catalogs.services import (
    interface_request_create,
    interface_request_deliver,
    interface_request_extension_decide,
    interface_request_extension_request,
    interface_requests_mark_overdue,
)
from portal.models import AuditLog, Notification


@pytest.fixture
def entry(make_entry, unit_a, user_a, city_authority):
    return make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)


@pytest.fixture
def entry_b(make_entry, unit_b, user_b, city_authority):
    return make_entry(unit_b, user_b, status=EntryStatus.PUBLISHED, authority=city_authority)


def _overdue_notes(user):
    return Notification.objects.filter(recipient=user, title__startswith="接口提供要求已逾期").count()


def test_daily_job_flags_after_national_day_due_date_and_notifies_once(entry, user_a, user_b, city_authority):
    req = interface_request_create(entry=entry, description="需要企业资金核验接口", acting_user=city_authority,
                                   on=date(2026, 9, 25))
    assert req.due_on == date(2026, 10, 15)  # 1–7 Oct holiday, 10 Oct make-up working day
    # during the holiday and on the due date itself: not overdue
    assert interface_requests_mark_overdue(on=date(2026, 10, 5)) == 0
    assert interface_requests_mark_overdue(on=date(2026, 10, 15)) == 0
    req.refresh_from_db()
    assert not req.is_overdue
    assert interface_requests_mark_overdue(on=date(2026, 10, 16)) == 1
    req.refresh_from_db()
    assert req.is_overdue and req.overdue_flagged_on == date(2026, 10, 16)
    assert _overdue_notes(user_a) == 1 and _overdue_notes(user_b) == 0
    assert AuditLog.objects.filter(action="catalogs.interface_request.overdue", object_id=str(req.pk)).count() == 1
    # idempotent: a second run neither flags nor notifies again
    assert interface_requests_mark_overdue(on=date(2026, 10, 19)) == 0
    assert _overdue_notes(user_a) == 1
    # a late delivery clears the outstanding flag and records lateness
    req = interface_request_deliver(request=req, name="资金核验", endpoint="/api/verify", spec="OpenAPI 3 文档",
                                    call_instructions="POST JSON", acting_user=user_a, on=date(2026, 10, 20))
    assert req.is_late and not req.is_overdue
    assert interface_request_overdue_counts() == []


def test_approved_extension_moves_the_overdue_date(entry, user_a, city_authority):
    req = interface_request_create(entry=entry, description="需要企业资金核验接口", acting_user=city_authority,
                                   on=date(2026, 9, 25))
    req = interface_request_extension_request(request=req, reason="系统改造中", workdays=5, acting_user=user_a,
                                              on=date(2026, 10, 9))
    req = interface_request_extension_decide(request=req, approve=True, note="同意", acting_user=city_authority,
                                             on=date(2026, 10, 12))
    assert req.due_on == date(2026, 10, 22)
    assert interface_requests_mark_overdue(on=date(2026, 10, 16)) == 0
    assert interface_requests_mark_overdue(on=date(2026, 10, 22)) == 0
    assert interface_requests_mark_overdue(on=date(2026, 10, 23)) == 1


def test_pending_extension_decision_flagged_then_cleared_by_approval(entry, user_a, city_authority):
    req = interface_request_create(entry=entry, description="需要企业资金核验接口", acting_user=city_authority,
                                   on=date(2026, 9, 25))
    req = interface_request_extension_request(request=req, reason="系统改造中", workdays=5, acting_user=user_a,
                                              on=date(2026, 10, 15))
    # the authority has not decided yet: the original due date counts
    assert interface_requests_mark_overdue(on=date(2026, 10, 16)) == 1
    req = interface_request_extension_decide(request=req, approve=True, note="同意", acting_user=city_authority,
                                             on=date(2026, 10, 19))
    assert req.due_on == date(2026, 10, 22) and not req.is_overdue
    assert interface_requests_mark_overdue(on=date(2026, 10, 23)) == 1


def test_refused_extension_stays_overdue(entry, user_a, city_authority):
    req = interface_request_create(entry=entry, description="需要企业资金核验接口", acting_user=city_authority,
                                   on=date(2026, 9, 25))
    req = interface_request_extension_request(request=req, reason="系统改造中", workdays=5, acting_user=user_a,
                                              on=date(2026, 10, 15))
    interface_requests_mark_overdue(on=date(2026, 10, 16))
    req = interface_request_extension_decide(request=req, approve=False, note="不同意", acting_user=city_authority,
                                             on=date(2026, 10, 19))
    assert req.due_on == date(2026, 10, 15) and req.is_overdue


def test_daily_job_runs_it(entry, city_authority):
    from django.utils import timezone

    from catalogs.tasks import daily_collection

    interface_request_create(entry=entry, description="需要企业资金核验接口", acting_user=city_authority,
                             on=date(2026, 1, 5))
    result = daily_collection()
    if timezone.localdate() > date(2026, 1, 19):
        assert result["interface_requests_overdue"] == 1
    assert InterfaceRequest.objects.filter(is_overdue=True).count() == result["interface_requests_overdue"]


def _two_overdue(entry, entry_b, city_authority):
    for e in (entry, entry_b):
        interface_request_create(entry=e, description="需要核验接口", acting_user=city_authority, on=date(2026, 9, 25))
    interface_request_create(entry=entry, description="另一个接口需求", acting_user=city_authority, on=date(2026, 10, 12))
    assert interface_requests_mark_overdue(on=date(2026, 10, 16)) == 2


def test_board_counts_per_unit_and_is_scoped(client, entry, entry_b, unit_a, unit_b, user_a, city_authority):
    _two_overdue(entry, entry_b, city_authority)
    rows = {r["unit_id"]: r for r in task_overdue_board()}
    assert rows[unit_a.pk]["interface_requests_overdue"] == 1 and rows[unit_b.pk]["interface_requests_overdue"] == 1
    client.force_login(user_a)
    html = client.get(reverse("admin:catalogs_collectiontask_board")).content.decode()
    assert "接口提供逾期" in html and unit_a.name in html and unit_b.name not in html
    client.force_login(city_authority)
    html = client.get(reverse("admin:catalogs_collectiontask_board")).content.decode()
    assert unit_a.name in html and unit_b.name in html


def test_admin_and_api_filter_overdue(client, api_client, entry, entry_b, user_a, city_authority):
    _two_overdue(entry, entry_b, city_authority)
    client.force_login(city_authority)
    url = reverse("admin:catalogs_interfacerequest_changelist")
    assert client.get(url, {"is_overdue__exact": "1"}).context["cl"].result_count == 2
    assert client.get(url, {"is_overdue__exact": "0"}).context["cl"].result_count == 1
    client.force_login(user_a)
    assert client.get(url, {"is_overdue__exact": "1"}).context["cl"].result_count == 1  # own unit only

    api_client.force_authenticate(city_authority)
    data = api_client.get("/api/v1/catalogs/interface-requests/", {"is_overdue": "true"}).json()
    assert data["count"] == 2 and all(r["is_overdue"] for r in data["results"])
    data = api_client.get("/api/v1/catalogs/interface-requests/", {"is_overdue": "false"}).json()
    assert data["count"] == 1
    api_client.force_authenticate(user_a)
    data = api_client.get("/api/v1/catalogs/interface-requests/", {"is_overdue": "true"}).json()
    assert data["count"] == 1 and data["results"][0]["entry"] == entry.pk
