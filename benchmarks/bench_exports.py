"""xlsx exports (catalog entries, usage records, disbursements) against plain openpyxl write-only.

Each export runs as staff run it (the catalog changelist's 导出 Excel view and the authorization's usage download as
the city authority; ``export_disbursements`` as the command line does). Its time is measured at ``BENCH_EXPORT_ROWS``
rows (default 100,000), its peak memory under ``tracemalloc`` at ``BENCH_EXPORT_MEMORY_ROWS`` (default 10,000; the
catalog: the entries of one source unit), because tracing makes openpyxl 3–5× slower (the three exports and their
baselines took 14 minutes under it at 100k rows). The baseline reads the same rows (the same columns, one
``values_list`` query through the same server-side cursor) and appends them to a plain openpyxl write-only sheet.
Missing rows are copied from a record already there (the demo is seeded when there is none), inside a transaction
rolled back at the end. Target (issue 16): each export within 1.5× of its baseline, memory flat (of the order of the
plain write's). On PostgreSQL: ``PORTAL_BENCH_DATABASE_URL=postgres://… python -m benchmarks.run bench_exports``.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.bench_sweeps import _analyze, _clone, _Rollback, _template

TARGET_RATIO = 1.5


def _plain(rows: Iterable[Iterable[Any]], headers: list[str]) -> None:
    """The baseline: plain openpyxl write-only, values appended as they come, saved to a temporary file."""
    import openpyxl

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("s")
    ws.append(headers)
    for row in rows:
        ws.append([v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in row])
    with tempfile.TemporaryFile() as out:
        wb.save(out)


def _drain(response: Any) -> int:
    size = 0
    for chunk in response.streaming_content:
        size += len(chunk)
    response.file_to_stream.close()  # not response.close(): request_finished would close the benchmark's connection
    return size


def _seconds(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _peak_mb(fn: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def _compare(report: Any, name: str, export: Callable[[], Any], plain: Callable[[], Any], *,
             measure: Callable[[Callable[[], Any]], float], unit: str, slack: float = 0.0) -> None:
    """``measure`` of the export beside that of its baseline; met within 1.5× (+ ``slack``)."""
    value, base = measure(export), measure(plain)
    report(f"{name}: {'seconds' if unit == 's' else 'peak memory'}", value, base, unit,
           met=bool(base) and value <= TARGET_RATIO * base + slack)
    sys.stdout.flush()


def run(report: Callable[[str, float, float, str], None]) -> None:
    from django.contrib.admin import site
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.test import RequestFactory

    from catalogs.models import CatalogEntry
    from sharing.models import Authorization, DataUseRecord
    from subsidies.exports import awards_of_year, export_disbursements
    from subsidies.models import Application, Award

    n = int(os.environ.get("BENCH_EXPORT_ROWS", "100000"))
    m = min(n, int(os.environ.get("BENCH_EXPORT_MEMORY_ROWS", "10000")))
    tag = f"X{int(time.time()) % 100000}-"
    vendor = connection.vendor
    entry = _template(CatalogEntry)
    usage = _template(DataUseRecord)
    award = _template(Award)
    authority = get_user_model().objects.get(username="city_authority")
    factory = RequestFactory()
    entries_admin, auth_admin = site._registry[CatalogEntry], site._registry[Authorization]

    def request(path: str) -> Any:
        req = factory.get(path)
        req.user = authority
        req.session = {}  # type: ignore[assignment]
        return req

    def fill(size: int) -> None:
        """Catalog entries, the usage records of one authorization and the awards of one year up to ``size``."""
        missing = size - CatalogEntry.objects.count()
        if missing > 0:
            _clone(CatalogEntry, entry, missing, f"{tag}{size}-")
        missing = size - DataUseRecord.objects.filter(authorization_id=usage.authorization_id).count()
        if missing > 0:
            _clone(DataUseRecord, usage, missing, tag, external_id=lambda i: f"{tag}{size}-{i}")
        missing = size - awards_of_year(award.year, Award.objects.all()).count()
        if missing > 0:
            apps = _clone(Application, Application.objects.get(pk=award.application_id), missing, f"{tag}{size}-")
            _clone(Award, award, missing, f"{tag}{size}-", application_id=lambda i: apps[i], status="committed")
        _analyze(CatalogEntry, DataUseRecord, Application, Award)

    def cases(unit_filter: bool) -> list[tuple[str, Callable[[], Any], Callable[[], Any]]]:
        """(figure name, the export, its baseline) for each export; the catalog of one source unit when asked."""
        query = f"?source_unit__id__exact={entry.source_unit_id}" if unit_filter else ""
        entries = entries_admin.get_queryset(request("/")).select_related("source_unit").order_by("-pk")
        if unit_filter:
            entries = entries.filter(source_unit_id=entry.source_unit_id)
        records = DataUseRecord.objects.filter(authorization_id=usage.authorization_id).order_by("acquired_at", "pk")
        detail = awards_of_year(award.year, Award.objects.all())

        def disbursements() -> None:
            with tempfile.TemporaryFile() as out:
                export_disbursements(year=award.year, out=out)

        def plain_disbursements() -> Iterable[list[Any]]:
            for row in detail.values_list(
                    "enterprise__name", "payee_name", "payee_account", "city_pool__budget_unit__name",
                    "city_amount", "city_pool__budget_doc_number", "city_pool__budget_summary", "rule__code",
                    "rule__title", "city_pool__parent_budget_doc_number", "county__name", "application__number",
                    "payee_bank", "approved_on", "disbursed_on", "payment_reference", "status",
                    "county_amount").iterator(chunk_size=2000):
                yield list(row[:17])
                if row[17]:
                    yield list(row[:17])

        which = " of one source unit" if unit_filter else ""
        return [
            (f"export catalog entries{which}, {entries.count():,} rows ({vendor})",
             lambda: _drain(entries_admin.export_view(request(f"/admin/catalogs/catalogentry/export/{query}"))),
             lambda: _plain(entries.values_list(
                 "code", "title", "source_unit__name", "status", "share_type", "legal_basis", "open_type",
                 "update_frequency", "quality_score", "version").iterator(chunk_size=2000), ["h"] * 10)),
            (f"export usage records, {records.count():,} rows ({vendor})",
             lambda: _drain(auth_admin.usage_export_view(request("/"), usage.authorization_id)),
             lambda: _plain(records.values_list(
                 "authorization__number", "unit__name", "acquired_at", "purpose", "user_name", "approver_name",
                 "data_content", "acquisition_method", "media_type", "external_id", "batch_id",
                 "recorded_by__username", "recorded_at", "retain_until_on").iterator(chunk_size=2000), ["h"] * 14)),
            (f"export disbursements, {detail.count():,} awards ({vendor})", disbursements,
             lambda: _plain(plain_disbursements(), ["h"] * 17)),
        ]

    try:
        with transaction.atomic():
            fill(m)
            for name, export, plain in cases(unit_filter=True):  # flat: of the order of the plain write's
                _compare(report, name, export, plain, measure=_peak_mb, unit="MB", slack=1.0)
            fill(n)
            for name, export, plain in cases(unit_filter=False):
                _compare(report, name, export, plain, measure=_seconds, unit="s")
            raise _Rollback
    except _Rollback:
        pass
