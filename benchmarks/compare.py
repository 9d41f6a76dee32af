"""Two `make bench` runs side by side, in Markdown for docs/performance.md:
``python -m benchmarks.compare bench/results-before.json bench/results.json``.

Prints the targets met per group, every figure of the second run that misses its target (slowest first) and, for each
timed page or job present in both runs, the figure before and after.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any


def _key(row: dict[str, Any]) -> tuple[str, str, str]:
    variant = row["variant"].split(" ")[0]  # "deep page 5004" and "deep page 201" are the same figure
    return row["name"], row["role"], variant


def _ms(row: dict[str, Any] | None, field: str = "p95_ms") -> str:
    if row is None:
        return "—"
    value = row.get(field) if row.get(field) is not None else row.get("value")
    return "—" if value is None else f"{value:,.1f} {row['unit'] if field == 'value' else 'ms'}"


def summary(after: dict[str, Any]) -> list[str]:
    groups: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in after["figures"]:
        if row["met"] is not None:
            groups[row["group"]][0] += 1
            groups[row["group"]][1] += bool(row["met"])
    lines = ["| group | figures with a target | met |", "|---|---|---|"]
    lines += [f"| {g} | {n} | {m} |" for g, (n, m) in groups.items()]
    return lines


def misses(after: dict[str, Any]) -> list[str]:
    rows = [r for r in after["figures"] if r["met"] is False]
    rows.sort(key=lambda r: -(r.get("p95_ms") or r.get("value") or 0))
    lines = ["| figure | role | variant | p95 / value | baseline | ratio | missed |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        value = _ms(r) if r.get("p95_ms") is not None else _ms(r, "value")
        base = "—" if r.get("baseline") is None else f"{r['baseline']:,.1f} {r['unit']}"
        ratio = "—" if r.get("ratio") is None else f"{r['ratio']:.2f}×"
        missed = ", ".join((r.get("extra") or {}).get("miss", [])) or "target"
        lines.append(f"| {r['name']} | {r['role']} | {r['variant']} | {value} | {base} | {ratio} | {missed} |")
    return lines


def side_by_side(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    old = {_key(r): r for r in before["figures"] if r.get("median_ms") is not None}
    lines = ["| page | role | variant | p95 before | p95 after | queries before → after |", "|---|---|---|---|---|---|"]
    for r in after["figures"]:
        if r.get("median_ms") is None:
            continue
        b = old.get(_key(r))
        if b is None:
            continue
        lines.append(f"| {r['name']} | {r['role']} | {r['variant']} | {_ms(b)} | {_ms(r)} | "
                     f"{b.get('queries') or '—'} → {r.get('queries') or '—'} |")
    return lines


def main(argv: list[str]) -> int:
    before = json.loads(Path(argv[0]).read_text())
    after = json.loads(Path(argv[1]).read_text())
    for title, lines in (("Targets met", summary(after)), ("Misses", misses(after)),
                         ("Before and after", side_by_side(before, after))):
        print(f"### {title}\n")
        print("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
