"""The city-scale loader of ``make bench`` (benchmarks/scale.py) at a tiny size over the seeded demo, and the API list
discovery of benchmarks/bench_pages.py. The loader is set-based SQL for PostgreSQL: on SQLite it refuses to start."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F

from benchmarks.bench_pages import api_list_urls
from benchmarks.scale import _fill_all, _units, sizes

pytestmark = pytest.mark.django_db


def test_every_router_list_is_found():
    urls = api_list_urls()
    assert "/api/v1/catalogs/entries/" in urls and "/api/v1/sharing/usage-records/" in urls
    assert "/api/v1/organizations/" in urls and len(urls) == len(set(urls)) >= 20
    assert all(u.startswith("/api/v1/") and u.endswith("/") for u in urls)


def test_sizes_scale_and_single_overrides(monkeypatch):
    monkeypatch.setenv("BENCH_SCALE", "0.01")
    monkeypatch.setenv("BENCH_USAGE", "123")
    got = sizes()
    assert got["entries"] == 1000 and got["usage"] == 123 and got["units"] == 50


def test_bulk_fill_copies_demo_rows_consistently(demo):
    if connection.vendor != "postgresql":  # generate_series, arrays, intervals: the load says so before writing
        from benchmarks.scale import load

        with pytest.raises(AssertionError, match="PostgreSQL"):
            load(log=lambda _m: None)
        return
    from catalogs.models import CatalogEntry
    from portal.models import AccessLog, Organization
    from sharing.models import Authorization, DataUseRecord, ShareApplication, WorkflowStep
    from subsidies.models import Application

    want = {"entries": 200, "share_applications": 500, "authorizations": 250, "usage": 1000,
            "subsidy_applications": 300, "enterprises": 40, "access_log": 100, "units": 50}
    unit_ids, county, named = _units(50)
    assert len(unit_ids) == 50 == len(set(unit_ids))
    assert Organization.objects.get(code="QZ-GXJ").pk in unit_ids  # the demo's unit user holds 1/50 of the rows
    assert any(county)  # a few units under Jinjiang: the county authority sees rows
    template = ShareApplication.objects.filter(kind="ordinary").exclude(status="draft").order_by("pk").first()
    _fill_all(want, unit_ids, county, named, lambda _name, _t: 0)

    apps = ShareApplication.objects.filter(number__startswith="BENCH-S")
    assert apps.count() == 500 and CatalogEntry.objects.filter(code__startswith="BENCH-E").count() == 200
    assert set(apps.values_list("purpose", flat=True)) == {template.purpose}  # copied from the template row
    assert not apps.filter(entries=None).exists()
    steps = WorkflowStep.objects.filter(share_application__in=apps)
    assert steps.filter(finished_on=None).count() == 500
    assert not steps.exclude(responsible_unit_id__in=unit_ids).exists()
    auths = Authorization.objects.filter(number__startswith="BENCH-A")
    assert auths.count() == 250 and not auths.filter(entries=None).exists()
    for auth in auths[:20]:
        assert auth.consumer_unit_id == auth.application.applicant_unit_id
    usage = DataUseRecord.objects.filter(authorization__in=auths)
    assert usage.count() == 1000
    assert not usage.exclude(unit_id=F("authorization__consumer_unit_id")).exists()
    gxj = Organization.objects.get(code="QZ-GXJ").pk
    assert apps.filter(applicant_unit_id=gxj).count() == 10  # 2%
    subsidy = Application.objects.filter(number__startswith="BENCH-B")
    assert subsidy.count() == 300 and subsidy.values("status").distinct().count() >= 8
    log = AccessLog.objects.filter(query="/admin/sharing/datauserecord/", user_name="city_authority")
    assert log.count() == 101 and log.values("at").distinct().count() == 101  # the template and 100 copies

