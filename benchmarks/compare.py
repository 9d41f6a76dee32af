"""Two `make bench` runs side by side, in Markdown for docs/performance.md:
``python -m benchmarks.compare bench/results-before.json bench/results.json``.

Prints the targets met per group, the pages of issue 16's table, every figure of the second run that misses its target
(slowest first), what those misses miss (the absolute target, or only the ratio, with the cost beyond the SQL) and,
for each timed page or job present in both runs, the figure before and after.
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


def _quantile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def causes(after: dict[str, Any]) -> list[str]:
    """The timed pages that miss, split by what they miss: p95 over its target, or only the ratio to their own SQL;
    for the latter, what the request costs beyond the SQL (median − raw SQL) — the fixed cost of a request."""
    pages = [r for r in after["figures"] if r.get("median_ms") is not None and r.get("target")
             and r.get("baseline") is not None]
    over = [r for r in pages if (r.get("p95_ms") or r["median_ms"]) > r["target"]]
    ratio_only = [r for r in pages if r["met"] is False and r not in over]
    lines = ["| pages | count | their own SQL, median (max) | beyond the SQL: median / p90 / max |",
             "|---|---|---|---|"]
    for label, rows in (("timed pages with a target", pages), ("p95 over the target", over),
                        ("only the ratio missed", ratio_only)):
        if not rows:
            lines.append(f"| {label} | 0 | — | — |")
            continue
        sql = [r["baseline"] for r in rows]
        extra = [r["median_ms"] - r["baseline"] for r in rows]
        lines.append(f"| {label} | {len(rows)} | {_quantile(sql, 0.5):,.1f} ms ({max(sql):,.1f} ms) | "
                     f"{_quantile(extra, 0.5):,.1f} / {_quantile(extra, 0.9):,.1f} / {max(extra):,.1f} ms |")
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


# The pages of issue 16's table: (label, a part of the figure's name).
HEADLINE = [("admin catalog entries", "（catalogs.CatalogEntry）"), ("admin share applications", "（sharing.ShareApplication）"),
            ("admin authorizations", "（sharing.Authorization）"), ("admin usage records", "（sharing.DataUseRecord）"),
            ("admin subsidy applications", "（subsidies.Application）"), ("API catalog entries", "/api/v1/catalogs/entries/"),
            ("API share applications", "/api/v1/sharing/applications/"),
            ("API usage records", "/api/v1/sharing/usage-records/"),
            ("API subsidy applications", "/api/v1/subsidies/applications/"), ("工作台", "工作台 /admin/")]
ROLES = ("city_authority", "county_authority", "unit_admin")


def _find(run: dict[str, Any], part: str, role: str, variant: str) -> dict[str, Any] | None:
    return next((r for r in run["figures"] if part in r["name"] and r["role"] == role
                 and r["variant"].startswith(variant) and r.get("median_ms") is not None), None)


def headline(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    def times(r: dict[str, Any] | None) -> str:
        return "—" if r is None else f"{r['median_ms']:,.0f} / {r['p95_ms']:,.0f}"

    lines = ["| page | role | variant | before: median / p95 ms | after: median / p95 ms | raw SQL ms | ratio |",
             "|---|---|---|---|---|---|---|"]
    for label, part in HEADLINE:
        variants = ("plain", "filter", "search") if label.startswith("admin") else \
            ("first", "deep", "cursor") if label.startswith("API") else ("index",)
        for role in ROLES:
            for variant in variants:
                old, new = _find(before, part, role, variant), _find(after, part, role, variant)
                if old is None and new is None:
                    continue
                raw = "—" if new is None or new.get("baseline") is None else f"{new['baseline']:,.0f}"
                ratio = "—" if new is None or not new.get("ratio") else f"{new['ratio']:.1f}×"
                lines.append(f"| {label} | {role} | {variant} | {times(old)} | {times(new)} | {raw} | {ratio} |")
    return lines


def main(argv: list[str]) -> int:
    before = json.loads(Path(argv[0]).read_text())
    after = json.loads(Path(argv[1]).read_text())
    for title, lines in (("Targets met", summary(after)), ("The pages of the issue", headline(before, after)),
                         ("Misses", misses(after)),
                         ("What the misses miss", causes(after)),
                         ("Before and after", side_by_side(before, after))):
        print(f"### {title}\n")
        print("\n".join(lines) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
