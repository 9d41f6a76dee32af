"""工作台 at the sizes of the performance issue: 100k catalog entries, 200k applications, ≥50 units.

The demo is seeded, its SQL queries and render time per role measured (baseline), then the database grows by bulk
copies of demo rows (entries submitted for review by every unit, applications waiting at every step) and the same
pages are measured again: the query count must not move, the time stays bounded (each kind reads at most
``SCAN_LIMIT`` rows). Sizes: ``BENCH_ENTRIES`` / ``BENCH_APPLICATIONS`` (defaults 10000 / 20000 so that ``make bench``
stays short; the issue's sizes: ``BENCH_ENTRIES=100000 BENCH_APPLICATIONS=200000``, about 17 minutes to load). On
PostgreSQL: ``PORTAL_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/<empty db> python -m benchmarks.run
bench_workbench``.
"""

from __future__ import annotations

import os
from datetime import timedelta

from benchmarks.run import timed

ROLES = ("city_authority", "unit_admin", "program_officer", "finance_officer")
BATCH = 5000


def _measure(client, username: str) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(get_user_model().objects.get(username=username))
    client.get("/admin/")  # warm: templates, the calendar, the permission cache of the process
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/admin/")
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries), timed(lambda: client.get("/admin/"), repeat=3)


def _grow(entries: int, applications: int) -> dict[str, int]:
    from django.db import transaction
    from django.utils import timezone

    from catalogs.models import CatalogEntry, EntryStatus
    from portal.models import Organization
    from portal.workdays import add_workdays
    from subsidies.models import Application, ApplicationStatus

    today = timezone.localdate()
    units = list(Organization.objects.filter(pk__in=CatalogEntry.objects.values("source_unit")))
    template = CatalogEntry.objects.filter(status=EntryStatus.PUBLISHED).first()
    waiting = [ApplicationStatus.SUBMITTED, ApplicationStatus.UNDER_REVIEW, ApplicationStatus.ACCEPTED]
    finance = [s for s in ApplicationStatus.values if s == "publicized"]
    app_templates = list(Application.objects.exclude(number=None).exclude(status="draft")[:10])
    with transaction.atomic():
        made = 0
        while made < entries:
            rows = []
            for i in range(made, min(entries, made + BATCH)):
                e = CatalogEntry(**{f.attname: getattr(template, f.attname) for f in CatalogEntry._meta.concrete_fields
                                    if f.attname != "id"})
                e.code = f"BENCH-{i:07d}"
                e.title = f"压测目录 {i}"
                e.source_unit_id = units[i % len(units)].pk
                # one in five awaits review, due from 20 working days ago to 20 ahead (overdue and soon badges)
                if i % 5 == 0:
                    e.status = EntryStatus.SUBMITTED
                    e.review_due_on = add_workdays(today, (i // 5) % 40 - 20)
                rows.append(e)
            CatalogEntry.objects.bulk_create(rows)
            made += len(rows)
        made = 0
        while made < applications:
            rows = []
            for i in range(made, min(applications, made + BATCH)):
                t = app_templates[i % len(app_templates)]
                a = Application(**{f.attname: getattr(t, f.attname) for f in Application._meta.concrete_fields
                                   if f.attname != "id"})
                a.number = f"BENCH-{i:07d}"
                a.status = (waiting + finance)[i % (len(waiting) + len(finance))]
                a.due_on = today + timedelta(days=(i % 30) - 10)
                rows.append(a)
            Application.objects.bulk_create(rows)
            made += len(rows)
    from django.db import connection

    if connection.vendor == "postgresql":  # what autovacuum does after a bulk load: fresh planner statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"units": Organization.objects.count(), "entries": CatalogEntry.objects.count(),
            "applications": Application.objects.count()}


def run(report) -> None:  # type: ignore[no-untyped-def]
    import time

    from django.test import Client

    from portal.demo import seed_all

    os.environ.setdefault("PORTAL_DEMO_PASSWORD", "Bench-only-2026!")
    seed_all(log=lambda _m: None)
    client = Client()
    before = {u: _measure(client, u) for u in ROLES}
    start = time.perf_counter()
    sizes = _grow(int(os.environ.get("BENCH_ENTRIES", "10000")), int(os.environ.get("BENCH_APPLICATIONS", "20000")))
    grown = time.perf_counter() - start
    print(f"# grown in {grown:.0f} s to {sizes['entries']} entries, {sizes['applications']} applications, "
          f"{sizes['units']} units")
    for username in ROLES:
        q_big, t_big = _measure(client, username)
        q_small, t_small = before[username]
        report(f"工作台 {username} SQL queries: large vs demo", q_big, q_small, "q")
        report(f"工作台 {username} render time: large vs demo", t_big, t_small, "ms")
        if q_big != q_small:
            raise SystemExit(f"工作台 {username}: {q_small} queries on the demo, {q_big} at size — not constant")
