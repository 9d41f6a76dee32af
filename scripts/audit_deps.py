"""Audit the pinned dependencies of pyproject.toml for known vulnerabilities, offline-safe (ADR 0014).

    python scripts/audit_deps.py            # online (OSV) when reachable, else the committed snapshot; exit 1 on a hit
    python scripts/audit_deps.py --offline  # the committed snapshot only
    python scripts/audit_deps.py --refresh  # online only: rewrite scripts/advisories.json for the current pins

Online it asks the OSV database (the source pip-audit's ``--vulnerability-service osv`` uses) in one batch request
with a short timeout. Without network it checks the pins against ``scripts/advisories.json``: advisories in OSV's
shape (package, introduced/fixed versions), committed with the date they were taken. No network never fails the run;
an affected pin always does.
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOT = ROOT / "scripts" / "advisories.json"
OSV_BATCH = "https://api.osv.dev/v1/querybatch"
OSV_VULN = "https://api.osv.dev/v1/vulns/"
TIMEOUT = 5


def pinned(pyproject: Path = ROOT / "pyproject.toml") -> dict[str, str]:
    """Every ``name==version`` of the project's dependencies and optional dependencies (canonical names)."""
    data = tomllib.loads(pyproject.read_text())
    project = data["project"]
    lines = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        lines += extra
    pins: dict[str, str] = {}
    for line in lines:
        req = Requirement(line)
        exact = [s.version for s in req.specifier if s.operator == "=="]
        if exact:
            pins[canonicalize_name(req.name)] = exact[0]
    return pins


def _affected(version: str, ranges: list[dict[str, Any]], versions: list[str]) -> bool:
    """OSV semantics for ECOSYSTEM ranges: affected from an ``introduced`` event up to a ``fixed`` one (or
    ``last_affected`` inclusive); an explicit ``versions`` list counts too."""
    if version in versions:
        return True
    try:
        v = Version(version)
    except InvalidVersion:
        return False
    for rng in ranges:
        if rng.get("type", "ECOSYSTEM") != "ECOSYSTEM":
            continue
        introduced: Version | None = None
        for event in rng.get("events", []):
            if "introduced" in event:
                introduced = Version("0") if event["introduced"] == "0" else Version(event["introduced"])
            elif "fixed" in event and introduced is not None:
                if introduced <= v < Version(event["fixed"]):
                    return True
                introduced = None
            elif "last_affected" in event and introduced is not None:
                if introduced <= v <= Version(event["last_affected"]):
                    return True
                introduced = None
        if introduced is not None and v >= introduced:
            return True
    return False


def hits(pins: dict[str, str], advisories: list[dict[str, Any]]) -> list[str]:
    """One line per (pin, advisory) where the pinned version is affected."""
    found = []
    for adv in advisories:
        for aff in adv.get("affected", []):
            name = canonicalize_name(aff.get("package", {}).get("name", ""))
            if name in pins and _affected(pins[name], aff.get("ranges", []), aff.get("versions", [])):
                fixed = [e["fixed"] for r in aff.get("ranges", []) for e in r.get("events", []) if "fixed" in e]
                found.append(f"{name}=={pins[name]}: {adv['id']} {adv.get('summary', '')}".rstrip()
                             + (f" (fixed in {', '.join(fixed)})" if fixed else ""))
    return found


def _post(url: str, payload: Any) -> Any:
    request = urllib.request.Request(url, data=json.dumps(payload).encode(),  # noqa: S310 (fixed https URL)
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
        return json.load(response)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:  # noqa: S310 (fixed https URL)
        return json.load(response)


def online_advisories(pins: dict[str, str], *, every_version: bool = False) -> list[dict[str, Any]]:
    """The advisories OSV knows for these pins, or (``every_version``) for any version of these packages, so that
    a snapshot also catches a later downgrade. Raises OSError/URLError without network."""
    names = sorted(pins)
    batch = _post(OSV_BATCH, {"queries": [
        {"package": {"name": n, "ecosystem": "PyPI"}, **({} if every_version else {"version": pins[n]})}
        for n in names]})
    ids = sorted({v["id"] for result in batch.get("results", []) for v in result.get("vulns", []) or []})
    return [_get(OSV_VULN + vid) for vid in ids]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--offline", action="store_true", help="use the committed snapshot only")
    parser.add_argument("--refresh", action="store_true", help="rewrite the snapshot from OSV (needs network)")
    parser.add_argument("--pyproject", type=Path, default=ROOT / "pyproject.toml")
    parser.add_argument("--snapshot", type=Path, default=SNAPSHOT)
    args = parser.parse_args(argv)
    pins = pinned(args.pyproject)

    source = ""
    advisories: list[dict[str, Any]] = []
    if not args.offline:
        try:
            advisories = online_advisories(pins, every_version=args.refresh)
            source = "OSV (online)"
        except (OSError, urllib.error.URLError, ValueError) as exc:
            if args.refresh:
                print(f"audit: OSV unreachable, snapshot not refreshed: {exc}", file=sys.stderr)
                return 2
            print(f"audit: OSV unreachable ({type(exc).__name__}); using the committed snapshot")
    if args.refresh:
        kept = json.loads(args.snapshot.read_text()) if args.snapshot.exists() else {}
        manual = [a for a in kept.get("advisories", []) if a.get("origin") == "manual"]
        args.snapshot.write_text(json.dumps({
            "taken_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ"), "source": OSV_BATCH,
            "advisories": manual + advisories}, ensure_ascii=False, indent=1) + "\n")
        print(f"audit: snapshot rewritten with {len(advisories)} OSV advisories for {len(pins)} pins")
    if not source:
        snapshot = json.loads(args.snapshot.read_text())
        advisories = snapshot.get("advisories", [])
        source = f"snapshot {args.snapshot.name} taken {snapshot.get('taken_at', '?')}"

    found = hits(pins, advisories)
    for line in found:
        print(f"audit: VULNERABLE {line}")
    print(f"audit: {len(pins)} pinned packages checked against {source}: {len(found)} affected")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
