"""Kernel: API list query counts vs page size, streaming xlsx vs openpyxl's normal mode, working-day arithmetic."""

from __future__ import annotations

import io
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal

from benchmarks.run import timed


def _api_list(report) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from rest_framework.test import APIClient

    from portal.models import Organization, OrgKind, OrgLevel

    city = Organization.objects.create(code="B-QZ", name="市", kind=OrgKind.CITY_GOVERNMENT, level=OrgLevel.CITY,
                                       region_code="350500")
    for i in range(300):
        Organization.objects.create(code=f"B-{i}", name=f"单位{i}", kind=OrgKind.DEPARTMENT, level=OrgLevel.CITY,
                                    region_code="350500", parent=city)
    admin = get_user_model().objects.create_superuser("bench", password="x")
    client = APIClient()
    counts = {}
    for size in (10, 100):
        client.force_authenticate(get_user_model().objects.get(pk=admin.pk))  # fresh user: no cached scope
        with CaptureQueriesContext(connection) as ctx:
            client.get(f"/api/v1/organizations/?page_size={size}")
        counts[size] = len(ctx.captured_queries)
    report("API /organizations/ SQL queries: 100 rows vs 10 rows", counts[100], counts[10], "q")
    t100 = timed(lambda: client.get("/api/v1/organizations/?page_size=100"))
    t10 = timed(lambda: client.get("/api/v1/organizations/?page_size=10"))
    report("API /organizations/ time: 100 rows vs 10 rows", t100, t10, "ms")


def _xlsx(report) -> None:  # type: ignore[no-untyped-def]
    import openpyxl

    from portal.xlsx import Sheet, write_workbook

    rows = [[f"企业{i}", "91350582MA2XK0A10X", Decimal("12345.67"), date(2026, 1, 1)] for i in range(20000)]

    def streaming() -> None:
        write_workbook([Sheet("s", ["名称", "代码", "金额", "日期"], iter(rows))], io.BytesIO())

    def baseline() -> None:
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["名称", "代码", "金额", "日期"])
        for row in rows:
            ws.append(row)
        wb.save(io.BytesIO())

    def peak(func) -> float:  # type: ignore[no-untyped-def]
        tracemalloc.start()
        func()
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top / 1048576

    report("xlsx export 20k rows, time: write-only vs normal", timed(streaming, 3), timed(baseline, 3), "ms")
    report("xlsx export 20k rows, peak MB: write-only vs normal", peak(streaming), peak(baseline), "MB")


def _workdays(report) -> None:  # type: ignore[no-untyped-def]
    from portal.workdays import add_workdays, is_workday

    def ours() -> None:
        add_workdays(date(2026, 9, 25), 20)

    def naive() -> None:  # one override query per day, as a straightforward loop would do
        day, left = date(2026, 9, 25), 20
        while left:
            day += timedelta(days=1)
            left -= is_workday(day)

    report("add_workdays(+20 across National Day) vs per-day lookups", timed(ours, 20), timed(naive, 20), "ms")


def run(report) -> None:  # type: ignore[no-untyped-def]
    _api_list(report)
    _xlsx(report)
    _workdays(report)
