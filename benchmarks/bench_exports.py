"""xlsx exports of 100k rows (catalog entries, usage records, disbursements) against plain openpyxl write-only.

Each export runs as staff run it (the catalog changelist's 导出 Excel view and the authorization's usage download as
the city authority; ``export_disbursements`` as the command line does), once: its time and the peak growth of the
process's resident memory meanwhile (sampled on a thread). The baseline reads the same rows (the same columns, one
``values_list`` query through the same server-side cursor) and appends them to a plain openpyxl write-only sheet.
Rows missing up to ``BENCH_EXPORT_ROWS`` (default 100,000) are copied from a record already there (the demo is seeded
when there is none), inside a transaction rolled back at the end. Target (issue 16): each export within 1.5× of its
baseline, memory flat (of the order of the plain write's, not growing with the rows). On PostgreSQL:
``PORTAL_BENCH_DATABASE_URL=postgres://… python -m benchmarks.run bench_exports``.
"""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import gc
import os
import sys
import tempfile
import threading
import time
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


class _PeakRss:
    """The process's resident memory sampled every 5 ms on a thread while a block runs: its growth over the block's
    start is the peak memory the block needed (MB). Freed memory goes back to the system first (``gc`` and glibc's
    ``malloc_trim``), so a block that follows another starts from what is really in use. Unlike ``tracemalloc`` it
    costs the block nothing measurable (``tracemalloc`` made the 100k exports 3–5× slower, 15 minutes per run)."""

    def __init__(self) -> None:
        self.peak = self.start = 0
        self._stop = threading.Event()
        self._page = os.sysconf("SC_PAGE_SIZE")

    def _rss(self) -> int:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * self._page

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __enter__(self) -> _PeakRss:
        gc.collect()
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)
        self.peak = self.start = self._rss()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 1e6


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """Seconds of ``fn`` and the peak growth of resident memory while it ran (MB), from one run."""
    with _PeakRss() as memory:
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
    return seconds, memory.growth_mb


def _compare(report: Any, name: str, export: Callable[[], Any],
             plain: Callable[[], Any]) -> None:
    seconds, peak = _timed(export)
    base_seconds, base_peak = _timed(plain)
    report(f"{name}: seconds", seconds, base_seconds, "s",
           met=bool(base_seconds) and seconds <= TARGET_RATIO * base_seconds)
    report(f"{name}: peak memory", peak, base_peak, "MB",
           met=peak <= TARGET_RATIO * base_peak + 5)  # flat: of the order of the plain write's, not of the rows
    sys.stdout.flush()
    if base_seconds and seconds / base_seconds > TARGET_RATIO:
        print(f"  ! over {TARGET_RATIO}× plain openpyxl")


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
    tag = f"X{int(time.time()) % 100000}-"
    vendor = connection.vendor
    entry = _template(CatalogEntry)
    usage = _template(DataUseRecord)
    award = _template(Award)
    authority = get_user_model().objects.get(username="city_authority")
    factory = RequestFactory()

    def request(path: str) -> Any:
        req = factory.get(path)
        req.user = authority
        req.session = {}  # type: ignore[assignment]
        return req

    try:
        with transaction.atomic():
            missing = n - CatalogEntry.objects.count()
            if missing > 0:
                _clone(CatalogEntry, entry, missing, tag)
            auth = Authorization.objects.get(pk=usage.authorization_id)
            missing = n - DataUseRecord.objects.filter(authorization=auth).count()
            if missing > 0:
                _clone(DataUseRecord, usage, missing, tag, external_id=lambda i: f"{tag}{i}")
            year = award.year
            missing = n - awards_of_year(year, Award.objects.all()).count()
            if missing > 0:
                application = Application.objects.get(pk=award.application_id)
                apps = _clone(Application, application, missing, tag)
                _clone(Award, award, missing, tag, application_id=lambda i: apps[i], status="committed")
            _analyze(CatalogEntry, DataUseRecord, Application, Award)

            entries_admin = site._registry[CatalogEntry]
            entries = entries_admin.get_queryset(request("/")).select_related("source_unit").order_by("-pk")
            _compare(report, f"export catalog entries, {entries.count():,} rows ({vendor})",
                     lambda: _drain(entries_admin.export_view(request("/admin/catalogs/catalogentry/export/"))),
                     lambda: _plain(entries.values_list(
                         "code", "title", "source_unit__name", "status", "share_type", "legal_basis", "open_type",
                         "update_frequency", "quality_score", "version").iterator(chunk_size=2000), ["h"] * 10))

            auth_admin = site._registry[Authorization]
            records = DataUseRecord.objects.filter(authorization=auth).order_by("acquired_at", "pk")
            _compare(report, f"export usage records, {records.count():,} rows ({vendor})",
                     lambda: _drain(auth_admin.usage_export_view(request("/"), auth.pk)),
                     lambda: _plain(records.values_list(
                         "authorization__number", "unit__name", "acquired_at", "purpose", "user_name",
                         "approver_name", "data_content", "acquisition_method", "media_type", "external_id",
                         "batch_id", "recorded_by__username", "recorded_at", "retain_until_on",
                     ).iterator(chunk_size=2000), ["h"] * 14))

            detail = awards_of_year(year, Award.objects.all())

            def disbursements() -> None:
                with tempfile.TemporaryFile() as out:
                    export_disbursements(year=year, out=out)

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

            _compare(report, f"export disbursements, {detail.count():,} awards ({vendor})", disbursements,
                     lambda: _plain(plain_disbursements(), ["h"] * 17))
            raise _Rollback
    except _Rollback:
        pass
