"""scripts/audit_deps.py (ADR 0014): pins read from pyproject.toml, checked offline against the committed advisory
snapshot; the current pins pass, a known-vulnerable pin fails the run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("audit_deps", ROOT / "scripts" / "audit_deps.py")
audit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(audit)


def _pyproject(tmp_path: Path, *pins: str) -> Path:
    path = tmp_path / "pyproject.toml"
    lines = ", ".join(f'"{p}"' for p in pins)
    path.write_text(f'[project]\nname = "x"\nversion = "0"\ndependencies = [{lines}]\n'
                    f'[project.optional-dependencies]\ndev = ["pytest==9.2.0"]\n')
    return path


def test_every_pin_of_the_project_is_read():
    pins = audit.pinned()
    assert pins["django"] == "5.2.19"
    assert "pytest" in pins and "psycopg" in pins  # dev extras and extras-with-brackets too


def test_the_current_pins_pass_against_the_committed_snapshot(capsys):
    assert audit.main(["--offline"]) == 0
    assert "0 affected" in capsys.readouterr().out


def test_a_known_vulnerable_pin_fails_the_run(tmp_path, capsys):
    project = _pyproject(tmp_path, "Django==5.2.7", "openpyxl==3.1.5")
    assert audit.main(["--offline", "--pyproject", str(project)]) == 1
    out = capsys.readouterr().out
    assert "VULNERABLE django==5.2.7: CVE-2025-64459" in out and "fixed in" in out


def test_osv_ranges():
    ranges = [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}, {"fixed": "4.2.26"}, {"introduced": "5.2"},
                                               {"fixed": "5.2.8"}]}]
    assert audit._affected("4.2.25", ranges, [])
    assert not audit._affected("4.2.26", ranges, [])
    assert not audit._affected("5.1.0", ranges, [])  # between the ranges
    assert audit._affected("5.2.0", ranges, [])
    assert not audit._affected("5.2.8", ranges, [])
    assert audit._affected("1.0", [{"events": [{"introduced": "0.9"}]}], [])  # no fix yet
    assert audit._affected("2.0", [{"events": [{"introduced": "1.0"}, {"last_affected": "2.0"}]}], [])
    assert audit._affected("3.3.3", [], ["3.3.3"])


def test_a_snapshot_advisory_for_a_dev_pin_counts_too(tmp_path):
    snapshot = tmp_path / "advisories.json"
    snapshot.write_text(json.dumps({"taken_at": "test", "advisories": [{
        "id": "TEST-1", "affected": [{"package": {"name": "pytest", "ecosystem": "PyPI"},
                                      "ranges": [{"events": [{"introduced": "0"}, {"fixed": "9.2.1"}]}]}]}]}))
    project = _pyproject(tmp_path, "Django==5.2.19")
    assert audit.main(["--offline", "--pyproject", str(project), "--snapshot", str(snapshot)]) == 1
