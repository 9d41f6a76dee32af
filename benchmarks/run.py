"""`make bench`: timings with ratios against a baseline measured in the same run, on a throw-away SQLite database
(or ``PORTAL_BENCH_DATABASE_URL``).

Each `benchmarks/bench_*.py` module exposes `run(report)`; `report(name, value, baseline, unit)` prints the ratio.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(func: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``func`` in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return samples[len(samples) // 2]


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="portal-bench-")
    os.environ.setdefault("PORTAL_TESTING", "1")
    # a throw-away SQLite file, or the (empty, throw-away) database of PORTAL_BENCH_DATABASE_URL, e.g. PostgreSQL
    os.environ["DATABASE_URL"] = os.environ.get("PORTAL_BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()  # test client host, locmem mail

    call_command("migrate", verbosity=0)
    print(f"{'benchmark':<58} {'value':>12} {'baseline':>12} {'ratio':>8}")
    print("-" * 94)

    def report(name: str, value: float, baseline: float, unit: str) -> None:
        ratio = value / baseline if baseline else float("nan")
        print(f"{name:<58} {value:>10.2f}{unit:<2} {baseline:>10.2f}{unit:<2} {ratio:>7.2f}x")

    only = set(sys.argv[1:])
    for info in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if info.name.startswith("bench_") and (not only or info.name in only):
            module = importlib.import_module(f"benchmarks.{info.name}")
            print(f"# {info.name}: {module.__doc__.strip().splitlines()[0] if module.__doc__ else ''}")
            module.run(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
