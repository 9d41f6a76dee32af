"""The sharing API lists read through their selectors with a constant number of queries: the same count for 5 rows
as for 50 (applications, authorizations, open-data applications, usage records)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sharing.models import (
    AcquisitionMethod,
    Authorization,
    AuthorizationEvent,
    DataUseRecord,
    MediaType,
    OpenDataApplication,
    ServiceMode,
    ShareApplication,
    ShareType,
)
from sharing.visibility import sync_authorization, sync_open_application, sync_share_application
from sharing.workflow import Status
from tests.sharing.conftest import make_application

D = dt.date


@pytest.fixture
def rows(world, clock, enterprises):
    """Builders adding rows (test setup, straight into the tables) until a list has ``n`` of them."""
    entry = world.entry("Q1", world.unit_b, ShareType.CONDITIONAL)
    item = entry.items.first()
    template = make_application(world.unit_a, world.user_a, [entry])
    ent, ent_user = enterprises.domestic

    def applications(n: int) -> None:
        while ShareApplication.objects.count() < n:
            i = ShareApplication.objects.count()
            app = ShareApplication.objects.create(
                number=f"GXQ{i}", applicant_unit=world.unit_a, applicant_user=world.user_a, business_matter="事项",
                application_scenario="场景", information_system="系统", purpose="用途", service_mode=ServiceMode.API,
                requested_from_on=D(2026, 9, 1), requested_until_on=D(2027, 9, 30), status=Status.ASSESSING)
            app.entries.set([entry])
            sync_share_application(app)  # made past the services: keep the audience rows (docs/adr/0015)
            app.data_items.set([item])

    def authorizations(n: int) -> None:
        while Authorization.objects.count() < n:
            i = Authorization.objects.count()
            auth = Authorization.objects.create(
                number=f"SQQ{i}", application=template, consumer_unit=world.unit_a, service_mode=ServiceMode.API,
                share_type=ShareType.CONDITIONAL, valid_from_on=D(2026, 9, 30), valid_until_on=D(2027, 9, 30))
            auth.entries.set([entry])
            sync_authorization(auth)
            auth.data_items.set([item])
            AuthorizationEvent.objects.create(authorization=auth, event="suspend", to_status="suspended", reason="r")

    def usage_records(n: int) -> None:
        authorizations(1)
        auth = Authorization.objects.order_by("pk").first()
        while DataUseRecord.objects.count() < n:
            i = DataUseRecord.objects.count()
            DataUseRecord.objects.create(
                authorization=auth, unit=world.unit_a, purpose="用途", user_name="经办人", approver_name="负责人",
                data_content="名称", acquired_at=dt.datetime(2026, 10, 8, 9, tzinfo=dt.UTC),
                acquisition_method=AcquisitionMethod.API_CALL, media_type=MediaType.ONLINE, external_id=f"Q{i}",
                recorded_by=world.user_a, retain_until_on=D(2029, 10, 8))

    def open_applications(n: int) -> None:
        while OpenDataApplication.objects.count() < n:
            i = OpenDataApplication.objects.count()
            app = OpenDataApplication.objects.create(number=f"KFQ{i}", enterprise=ent, applicant_user=ent_user,
                                                     purpose="p", scenario="s", status="assessing")
            app.entries.set([entry])
            sync_open_application(app)

    return {"applications": applications, "authorizations": authorizations, "usage-records": usage_records,
            "open-applications": open_applications}


@pytest.mark.parametrize("path", ["applications", "authorizations", "usage-records", "open-applications"])
def test_sharing_api_lists_use_constant_queries(world, rows, api_client, token_for, path: str,
                                                django_assert_max_num_queries: Any) -> None:
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(world.authority)}")
    url = f"/api/v1/sharing/{path}/?page_size=100"
    api_client.get(url)  # warm-up: token bookkeeping
    counts = []
    for n in (5, 50):
        rows[path](n)
        with CaptureQueriesContext(connection) as ctx:
            response = api_client.get(url)
        assert response.status_code == 200
        assert response.json()["count"] >= n
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    with django_assert_max_num_queries(counts[0]):
        api_client.get(url)
