"""The requirement tables of docs/catalogs.md and docs/sharing.md (“## Requirements (obligation | source | status)”)
cannot rot: every row cites a seed clause and a known status, every cited file exists, every cited
``tests/…py::name`` is a test function of that file, and a row that says “holds” names the test that proves it.

Issue 13 acceptance: “A test for each point, citing the clause it enforces; the docs' requirement table (obligation |
source | status) updated in docs/catalogs.md and docs/sharing.md.” Rows of the issue-13 points cite their test file
by path only (the file is checked to exist).
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ("docs/catalogs.md", "docs/sharing.md")
HEADING = "## Requirements (obligation | source | status)"
# the longest prefix first: "holds after issue 13 point N" before "holds"
STATUSES = ("holds after issue 13 point", "holds", "partly holds", "enforced in code, no test", "not enforced",
            "out of scope")
CITATION = re.compile(r"`((?:tests|catalogs|sharing|portal|procurement|subsidies)/[\w/.-]+\.py)(?:::(\w+))?`")
SEED = re.compile(r"`00[0-4]`|ADR \d{4}")
ROW_ID = re.compile(r"^\*\*([A-Z]\d+)\*\* ")


def _rows(doc: str) -> list[tuple[str, str, str, str]]:
    """(id, obligation, source, status) of every row of the doc's requirement table."""
    text = (ROOT / doc).read_text(encoding="utf-8")
    assert text.count(HEADING) == 1, f"{doc}: exactly one “{HEADING}” section expected"
    section = text.split(HEADING, 1)[1].split("\n## ", 1)[0]
    lines = [line for line in section.splitlines() if line.startswith("|")]
    assert lines[0].replace(" ", "") == "|obligation|source|status|", f"{doc}: table header changed: {lines[0]}"
    rows = []
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        assert len(cells) == 3, f"{doc}: a row must have 3 cells (obligation | source | status): {line[:80]}"
        match = ROW_ID.match(cells[0])
        assert match, f"{doc}: a row starts with its bold id (**C1**, **S1** …): {line[:80]}"
        rows.append((match.group(1), *cells))
    return rows


@cache
def _test_functions(path: str) -> frozenset[str]:
    """Top-level test functions and ``Class::method`` of test classes in a test module."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name.startswith("test"):
            names.add(node.name)
        elif isinstance(node, ast.ClassDef) and node.name.startswith("Test"):
            names.update(f"{node.name}::{n.name}" for n in node.body
                         if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test"))
    return frozenset(names)


def _status(cell: str) -> str:
    return next((s for s in STATUSES if cell.startswith(s)), "")


@pytest.mark.parametrize("doc", DOCS)
def test_table_rows_have_ids_sources_and_a_known_status(doc):
    rows = _rows(doc)
    assert len(rows) >= 40, f"{doc}: the table lists the seeds' obligations (about 50 across both docs)"
    ids = [r[0] for r in rows]
    assert len(ids) == len(set(ids)), f"{doc}: duplicate row ids"
    for row_id, _, source, status in rows:
        assert SEED.search(source), f"{doc} {row_id}: the source names a seed (`000`, `001`, `004`) or an ADR"
        assert _status(status), f"{doc} {row_id}: status must start with one of {STATUSES}"


@pytest.mark.parametrize("doc", DOCS)
def test_cited_files_exist(doc):
    missing = sorted({f"{row_id}: {path}" for row_id, *cells in _rows(doc)
                      for path, _ in CITATION.findall(" ".join(cells)) if not (ROOT / path).is_file()})
    assert not missing, f"{doc}: cited files that do not exist: {missing}"


@pytest.mark.parametrize("doc", DOCS)
def test_cited_tests_are_test_functions_of_their_file(doc):
    wrong = []
    for row_id, *cells in _rows(doc):
        for path, name in CITATION.findall(" ".join(cells)):
            if name and (not path.startswith("tests/") or not (ROOT / path).is_file()
                         or name not in _test_functions(path)):
                wrong.append(f"{row_id}: {path}::{name}")
    assert not wrong, f"{doc}: cited tests that are not test functions of that file: {wrong}"


@pytest.mark.parametrize("doc", DOCS)
def test_holding_rows_name_their_proof(doc):
    """“holds” / “partly holds”: at least one ``tests/…::test``; “holds after issue 13 point N”: a test file and a
    point 1–12."""
    for row_id, _, _, status in _rows(doc):
        kind = _status(status)
        cited = CITATION.findall(status)
        if kind in ("holds", "partly holds"):
            assert any(p.startswith("tests/") and n for p, n in cited), f"{doc} {row_id}: cite the test that proves it"
        elif kind == "holds after issue 13 point":
            point = re.match(r"holds after issue 13 point (\d+)", status)
            assert point and 1 <= int(point.group(1)) <= 12, f"{doc} {row_id}: name the point (1–12)"
            assert any(p.startswith("tests/") for p, _ in cited), f"{doc} {row_id}: cite the point's test file"


def test_every_issue13_point_has_a_row():
    statuses = [status for doc in DOCS for *_, status in _rows(doc)]
    points = {int(m.group(1)) for s in statuses for m in [re.match(r"holds after issue 13 point (\d+)", s)] if m}
    assert points == set(range(1, 13))
