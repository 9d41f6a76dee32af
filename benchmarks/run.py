"""`make bench`: the city-scale benchmark (issue 16) on PostgreSQL, each figure beside a baseline of the same run.

The database of ``PORTAL_BENCH_DATABASE_URL`` (default ``postgres://postgres@127.0.0.1:5432/portal_bench``) is
dropped and created fresh (through the server's ``postgres`` database), filled by ``benchmarks.scale`` (sizes:
``BENCH_SCALE``, ``BENCH_ENTRIES``, …), then every ``benchmarks/bench_*.py`` module runs (``python -m benchmarks.run
bench_pages bench_matching`` selects some). A module exposes ``run(report)``; ``report(name, value, baseline, unit)``
records a figure (optional keywords: ``target=``, ``group=``, ``role=``, ``variant=``, ``extra=`` …). Every figure
goes to ``bench/results.json`` and ``bench/results.md`` (``BENCH_OUT`` names another directory), printed at the end.
``PORTAL_BENCH_DATABASE_URL=sqlite`` runs on a throw-away SQLite file without the city-scale load (the old mode).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import math
import os
import pkgutil
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/portal_bench"
# Modules that read the loaded database run first: others add rows (matching: 5,000 enterprises and their facts).
FIRST = ("bench_pages",)

RESULTS: list[dict[str, Any]] = []
STATE: dict[str, Any] = {}  # the load's facts (``STATE["load"]``) and sub-phase timings for the modules
_CURRENT: dict[str, str] = {"module": ""}


def timed(func: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``func`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


def _num(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else round(value, 3)
    return value


def report(name: str, value: float | None, baseline: float | None, unit: str, *, target: float | None = None,
           group: str | None = None, role: str = "", variant: str = "", status: int | None = None,
           queries: int | None = None, p95: float | None = None, met: bool | None = None,
           lower_is_better: bool = True, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """Record one figure; ``value`` is the median when ``unit`` is ms. ``met`` defaults to value vs ``target``
    (``p95`` when given, lower is better unless said otherwise)."""
    ratio = value / baseline if value is not None and baseline else None
    if met is None and target is not None and value is not None:
        measured = p95 if p95 is not None else value
        met = measured <= target if lower_is_better else measured >= target
    row = {"name": name, "group": group or _CURRENT["module"], "role": role, "variant": variant, "status": status,
           "queries": queries, "value": _num(value), "unit": unit,
           "median_ms": _num(value) if unit == "ms" else None, "p95_ms": _num(p95),
           "baseline": _num(baseline), "baseline_ms": _num(baseline) if unit == "ms" else None,
           "ratio": _num(ratio), "target": target, "met": met, **({"extra": extra} if extra else {})}
    RESULTS.append(row)
    flag = "" if met is None else ("  ok" if met else "  MISS")
    v = "—" if value is None else f"{value:.2f}"
    b = "—" if baseline is None else f"{baseline:.2f}"
    r = "—" if ratio is None else f"{ratio:.2f}x"
    label = f"{name} [{role} {variant}]" if role or variant else name
    print(f"{label:<70} {v:>10}{unit:<2} {b:>10}{unit:<2} {r:>8}{flag}", flush=True)
    return row


def _admin_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def fresh_database(url: str) -> None:
    """DROP and CREATE the benchmark database (connected to the server's ``postgres`` database)."""
    import psycopg

    admin, name = _admin_url(url)
    assert name and name != "postgres", url
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def machine() -> dict[str, Any]:
    from django.db import connection

    facts: dict[str, Any] = {"python": platform.python_version(), "platform": platform.platform(),
                             "cpus": os.cpu_count(), "database": connection.vendor,
                             "loadavg_at_start": [round(x, 2) for x in os.getloadavg()]}
    try:
        with open("/proc/meminfo") as fh:
            facts["memory_gb"] = round(int(fh.readline().split()[1]) / 1048576, 1)
        with open("/proc/cpuinfo") as fh:
            facts["cpu"] = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            facts["server"] = cursor.fetchone()[0].split(" on ")[0]
            for setting in ("shared_buffers", "work_mem", "jit", "random_page_cost"):
                cursor.execute(f"SHOW {setting}")
                facts[setting] = cursor.fetchone()[0]
    return facts


def _fmt(value: Any, digits: int = 1) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def write_results(meta: dict[str, Any], *, quiet: bool = False) -> Path:
    out = Path(os.environ.get("BENCH_OUT") or ROOT / "bench")
    out.mkdir(parents=True, exist_ok=True)
    misses = [r for r in RESULTS if r["met"] is False]
    doc = {**meta, "figures": RESULTS, "misses": len(misses)}
    (out / "results.json").write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str) + "\n")
    lines = [f"# make bench — {meta['date']}", "",
             f"Machine: {meta['machine'].get('cpus')} CPUs, {meta['machine'].get('memory_gb')} GB, "
             f"{meta['machine'].get('server', meta['machine'].get('database'))}, load average "
             f"{meta['machine'].get('loadavg_at_start', ['—'])[0]} → {meta['machine'].get('loadavg_at_end', ['—'])[0]}; "
             f"load {meta.get('load', {}).get('load_s', '—')} s; total {meta.get('total_s')} s.", ""]
    if meta.get("load"):
        lines += ["Sizes: " + ", ".join(f"{k} {v:,}" for k, v in meta["load"]["counts"].items()),
                  "", "Load phases (s): " + ", ".join(f"{k} {v}" for k, v in meta["load"]["timings_s"].items()), ""]
    if meta.get("phases_s"):
        lines += ["Benchmark phases (s): " + ", ".join(f"{k} {v}" for k, v in meta["phases_s"].items()), ""]
    lines += [f"**{len(misses)} figure(s) miss their target** (marked ✗).", ""]
    groups: dict[str, list[dict[str, Any]]] = {}
    for row in RESULTS:
        groups.setdefault(row["group"], []).append(row)
    for group, rows in groups.items():
        lines += [f"## {group}", "", "| figure | role | variant | HTTP | queries | median | p95 | baseline | ratio | "
                  "target | met |", "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            unit = r["unit"]
            med = _fmt(r["value"]) + (f" {unit}" if r["value"] is not None else "")
            p95 = _fmt(r["p95_ms"]) + (" ms" if r["p95_ms"] is not None else "")
            base = _fmt(r["baseline"]) + (f" {unit}" if r["baseline"] is not None else "")
            ratio = f"{r['ratio']:.2f}×" if r["ratio"] is not None else ""
            met = "" if r["met"] is None else ("✓" if r["met"] else "✗")
            lines.append(f"| {r['name']} | {r['role']} | {r['variant']} | {_fmt(r['status'])} | "
                         f"{_fmt(r['queries'])} | {med} | {p95} | {base} | {ratio} | {_fmt(r['target'], 0)} | {met} |")
        lines.append("")
    text = "\n".join(lines)
    (out / "results.md").write_text(text)
    if not quiet:
        print("\n" + text)
    return out


def main() -> int:
    started = time.perf_counter()
    url = os.environ.get("PORTAL_BENCH_DATABASE_URL") or DEFAULT_URL
    os.environ.setdefault("PORTAL_TESTING", "1")
    scale = url.startswith("postgres")
    if scale:
        fresh_database(url)
        os.environ["DATABASE_URL"] = url
    else:  # the old throw-away SQLite mode (no city-scale load)
        os.environ["DATABASE_URL"] = f"sqlite:///{tempfile.mkdtemp(prefix='portal-bench-')}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # test client host, locmem mail
    settings.DEBUG = False
    meta: dict[str, Any] = {"date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                            "database_url": url if scale else "sqlite"}
    if scale:
        from benchmarks import scale as scale_mod

        print("# load (benchmarks.scale)", flush=True)
        meta["load"] = STATE["load"] = scale_mod.load()
    else:
        call_command("migrate", verbosity=0)
    meta["machine"] = machine()
    import portal.wsgi  # noqa: F401 - a web worker's start-up, its gc.freeze() of what is loaded included
    print(f"{'benchmark':<70} {'value':>12} {'baseline':>12} {'ratio':>8}")
    print("-" * 106)
    only = set(sys.argv[1:])
    names = [i.name for i in pkgutil.iter_modules([str(Path(__file__).parent)])
             if i.name.startswith("bench_") and (not only or i.name in only)]
    names.sort(key=lambda n: (n not in FIRST, n))
    phases: dict[str, float] = {}
    meta["phases_s"] = phases
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        print(f"# {name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}", flush=True)
        _CURRENT["module"] = name.removeprefix("bench_")
        t0 = time.perf_counter()
        try:
            module.run(report)
        except KeyboardInterrupt:  # stopped by hand (or SIGINT): keep what was measured
            report(f"{name} interrupted", None, None, "", met=False)
            phases[name] = round(time.perf_counter() - t0, 1)
            break
        except Exception as exc:  # noqa: BLE001 - one failing module must not lose the others' figures
            import traceback

            traceback.print_exc()
            report(f"{name} failed: {type(exc).__name__}: {exc}", None, None, "", met=False)
        phases[name] = round(time.perf_counter() - t0, 1)
        print(f"# {name}: {phases[name]} s", flush=True)
        phases.update(STATE.get("phases_s", {}))
        meta["total_s"] = round(time.perf_counter() - started, 1)
        write_results(meta, quiet=True)  # after every module: a stopped run keeps its figures
    phases.update(STATE.get("phases_s", {}))
    meta["machine"]["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]  # other work on the machine
    meta["total_s"] = round(time.perf_counter() - started, 1)
    write_results(meta)
    return 0


if __name__ == "__main__":
    from benchmarks import run as _module  # one module object: the bench modules import RESULTS/STATE from it

    raise SystemExit(_module.main())
