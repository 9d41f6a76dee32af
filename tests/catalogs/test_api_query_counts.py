"""The API lists of corrections, interface requests and collection tasks read through the selectors with a
constant number of queries (the same count for 5 and 50 rows)."""

from __future__ import annotations

from datetime import date

import pytest

from catalogs.models import CorrectionStatus, DataCorrection, EntryStatus, InterfaceRequest


@pytest.fixture
def published(make_entry, unit_a, user_a, city_authority):
    return make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)


def _corrections(entry, reporter_unit, user, n):
    DataCorrection.objects.bulk_create([  # read-only measurement: rows written in bulk
        DataCorrection(entry=entry, source_unit=entry.source_unit, reporter_unit=reporter_unit, reported_by=user,
                       description=f"问题描述第{i}条，金额字段有误。", status=CorrectionStatus.REPORTED,
                       reported_on=date(2026, 11, 2), analysis_due_on=date(2026, 11, 5)) for i in range(n)])


def _requests(entry, user, n):
    InterfaceRequest.objects.bulk_create([
        InterfaceRequest(producer_unit=entry.source_unit, entry=entry, requested_by=user,
                         description=f"接口需求第{i}条", requested_on=date(2026, 11, 2),
                         original_due_on=date(2026, 11, 16), due_on=date(2026, 11, 16)) for i in range(n)])


def _get(api_client, user, url):
    user.__dict__.pop("_portal_scope", None)  # as on a fresh request: the scope is computed once per request
    response = api_client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.mark.parametrize("rows", [5, 50])
def test_correction_list_queries(api_client, published, unit_b, user_a, user_b, rows,
                                 django_assert_max_num_queries):
    _corrections(published, unit_b, user_b, rows)
    api_client.force_authenticate(user_a)
    with django_assert_max_num_queries(12):
        data = _get(api_client, user_a, "/api/v1/catalogs/corrections/?page_size=100")
    assert data["count"] == rows


@pytest.mark.parametrize("rows", [5, 50])
def test_interface_request_list_queries(api_client, published, user_a, city_authority, rows,
                                        django_assert_max_num_queries):
    _requests(published, city_authority, rows)
    api_client.force_authenticate(user_a)
    with django_assert_max_num_queries(12):
        data = _get(api_client, user_a, "/api/v1/catalogs/interface-requests/?page_size=100")
    assert data["count"] == rows


def test_list_query_count_does_not_grow(api_client, published, unit_b, user_a, user_b, city_authority):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api_client.force_authenticate(user_a)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            _get(api_client, user_a, url)
        return len(ctx.captured_queries)

    urls = ["/api/v1/catalogs/corrections/?page_size=100", "/api/v1/catalogs/interface-requests/?page_size=100"]
    _corrections(published, unit_b, user_b, 5)
    _requests(published, city_authority, 5)
    small = [count(u) for u in urls]
    _corrections(published, unit_b, user_b, 45)
    _requests(published, city_authority, 45)
    assert [count(u) for u in urls] == small
