"""免申即享 matching at the issue's size: 5,000 enterprises with every rule fact known × one open call with all 38 rules.

The facts are written directly (one collection item, one accepted submission, one fact source per fact name); the
timed part is ``matching_run`` — first run (every enterprise evaluated by one ``CalculationBatch``, candidates written
with COPY on PostgreSQL and their history rows with one INSERT … SELECT) and a re-run (nothing changed: no write).
Target (issue 16): the first run under 60 s on PostgreSQL, the re-run much less (reported against the first run).
Size: ``BENCH_MATCH_ENTERPRISES`` (default 5000). On PostgreSQL (an empty database the runner migrates):
``PORTAL_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_calc python -m benchmarks.run bench_matching``.
Besides wall time it prints the CPU seconds of this process and, on PostgreSQL, of the database backend: on a
shared machine the wall time also counts the waits for a CPU.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from typing import Any

TARGET_SECONDS = 60.0


def _value(fact: Any, rng: random.Random) -> str:
    from subsidies.rules.facts import BOOL, CHOICE, INT, MULTI, TEXT

    if fact.type == BOOL:
        return "是"
    if fact.type in (CHOICE, MULTI):
        return fact.choices[rng.randrange(len(fact.choices))][0]
    if fact.type == TEXT:
        return f"K-{rng.randrange(3)}"
    if fact.type == INT:
        lo = fact.min_value if fact.min_value is not None else 0
        hi = fact.max_value if fact.max_value is not None else 200
        return str(rng.randint(max(lo, 1), hi))
    return str(rng.randrange(10_000, 3_000_000))


def _setup(n: int) -> Any:
    from django.utils import timezone

    from catalogs.models import CatalogEntry, CollectionItem, CollectionSubmission, CollectionTask, DataItem
    from portal.demo import seed_organizations
    from portal.models import Enterprise
    from portal.uscc import make_uscc
    from subsidies.models import Call, Rule
    from subsidies.models.matching import EnterpriseFact, FactSource
    from subsidies.rules import RULES

    orgs = seed_organizations()
    unit = orgs["QZ-DATA"]
    today = timezone.localdate()
    names: dict[str, Any] = {}
    for rdef in RULES:
        for fact in rdef.facts:
            names.setdefault(fact.name, fact)
    entry = CatalogEntry.objects.create(code="BENCH-FACTS", title="奖补事实汇总（基准测试）", source_unit=unit)
    items = DataItem.objects.bulk_create([DataItem(entry=entry, name=name, sort_order=i)
                                          for i, name in enumerate(names)])
    columns = ["统一社会信用代码", *names]
    item = CollectionItem.objects.create(unit=unit, entry=entry, code="BENCH-FACTS", name="奖补事实汇总",
                                         fields=columns, frequency="yearly",
                                         deadline_rule="YEARLY_BY_MAR_END_PREV_YEAR")
    task = CollectionTask.objects.create(item=item, unit=unit, period=str(today.year - 1),
                                         period_start_on=dt.date(today.year - 1, 1, 1),
                                         period_end_on=dt.date(today.year - 1, 12, 31), due_on=today,
                                         status="submitted", submitted_at=timezone.now())
    submission = CollectionSubmission.objects.create(task=task, channel="api", file_name="bench.csv", row_count=n,
                                                     columns=columns, is_accepted=True, submitted_at=timezone.now())
    sources = {}
    for data_item in items:
        sources[data_item.name] = FactSource.objects.create(
            fact=data_item.name, data_item=data_item, collection_item=item, value_column=data_item.name,
            vouching_unit=unit)
    Enterprise.objects.bulk_create([Enterprise(uscc=make_uscc(f"91350500MA{i:07d}"), name=f"基准企业{i}",
                                               region=orgs["C-350582"]) for i in range(n)], batch_size=2000)
    rng = random.Random(14)  # noqa: S311 - reproducible test data, not security
    now = timezone.now()
    batch: list[EnterpriseFact] = []
    for ent_id in Enterprise.objects.filter(name__startswith="基准企业").values_list("pk", flat=True):
        for number, (name, fact) in enumerate(names.items()):
            batch.append(EnterpriseFact(enterprise_id=ent_id, source=sources[name], fact=name, period=today.year - 1,
                                        value=_value(fact, rng), submission=submission, row_number=number + 2,
                                        read_at=now))
        if len(batch) >= 20000:
            EnterpriseFact.objects.bulk_create(batch, batch_size=5000)
            batch = []
    EnterpriseFact.objects.bulk_create(batch, batch_size=5000)
    call = Call.objects.create(code="BENCH-ALL", name="全部规则（基准测试）", year=today.year,
                               opens_on=today - dt.timedelta(days=1), closes_on=today + dt.timedelta(days=30))
    call.rules.set(Rule.objects.all())
    return call


def _backend_cpu() -> float | None:
    """CPU seconds of this connection's PostgreSQL backend (None elsewhere, or when /proc cannot tell)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _timed_run(call: Any) -> tuple[Any, float, str]:
    from subsidies.services.matching import matching_run

    backend, cpu, started = _backend_cpu(), time.process_time(), time.perf_counter()
    summary = matching_run(call=call)
    wall = time.perf_counter() - started
    used = f"{time.process_time() - cpu:.1f} s CPU here"
    after = _backend_cpu()
    if backend is not None and after is not None:
        used += f", {after - backend:.1f} s CPU in the PostgreSQL backend"
    return summary, wall, used


def run(report: Any) -> dict[str, float]:
    from subsidies.models.matching import EnterpriseFact, MatchCandidate

    n = int(os.environ.get("BENCH_MATCH_ENTERPRISES", "5000"))
    started = time.perf_counter()
    call = _setup(n)
    load = time.perf_counter() - started
    print(f"  loaded {n} enterprises, {EnterpriseFact.objects.count()} facts in {load:.1f} s")
    first, first_s, first_cpu = _timed_run(call)
    again, again_s, again_cpu = _timed_run(call)
    candidates = MatchCandidate.objects.filter(call=call).count()  # the demo has candidates of its own calls
    created = MatchCandidate.history.filter(history_type="+", call_id=call.pk).count()
    print(f"  first run: {first.evaluated} evaluations, {first.proposed} candidates ({created} history rows), "
          f"{first.excluded} excluded, {first_s:.1f} s ({first_cpu}); re-run: {again.unchanged} unchanged, "
          f"{again.proposed + again.updated + again.expired} written, {again_s:.1f} s ({again_cpu})")
    report(f"matching first run, {n} enterprises × {call.rules.count()} rules (s)", first_s, TARGET_SECONDS, "s",
           target=TARGET_SECONDS)
    report("matching re-run, nothing changed (s)", again_s, first_s, "s")
    assert again.proposed == again.updated == again.expired == 0 and candidates == first.proposed == created
    return {"enterprises": n, "first_seconds": round(first_s, 1), "rerun_seconds": round(again_s, 1),
            "candidates": candidates, "evaluations": first.evaluated}
