"""docs/permissions.md against the running code, cell by cell, over the seeded demo (issue 15 point 1).

Every role × model × path of ``tests/portal/permission_matrix.py`` is measured and compared with the document; a
record outside a role's rows that opens is a failure whatever the document says. ``PORTAL_WRITE_MATRIX=1`` rewrites the
document instead (after a deliberate change of permissions; the diff is what reviewers read)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings

from tests.portal.permission_matrix import ROLES, TABLES, cell_count, measure, parse, render

DOC = Path(settings.BASE_DIR) / "docs" / "permissions.md"


@pytest.mark.django_db
def test_every_cell_of_the_permission_matrix_holds(demo, record_property):
    tables, leaks = measure()
    assert not leaks, "\n".join(leaks)
    if os.environ.get("PORTAL_WRITE_MATRIX"):
        DOC.write_text(render(tables), encoding="utf-8")
    stated = parse(DOC.read_text(encoding="utf-8"))
    wrong = []
    for key, title, _legend in TABLES:
        measured = tables[key].rows
        for row in sorted(set(measured) | set(stated.get(key, {}))):
            for role, _label in ROLES:
                want = stated.get(key, {}).get(row, {}).get(role, "（缺）")
                got = measured.get(row, {}).get(role, "（无此项）")
                if want != got:
                    wrong.append(f"{title} · {row} · {role}: 文档 {want!r}，实际 {got!r}")
    cells = cell_count(tables)
    record_property("permission_matrix_cells", cells)
    assert not wrong, f"{len(wrong)} / {cells} 格与 docs/permissions.md 不符：\n" + "\n".join(wrong[:80])
    # the matrix is not vacuous: every role is refused somewhere and allowed somewhere (denials are cells too)
    for role, _label in ROLES:
        column = [c[role] for t in tables.values() for c in t.rows.values() if role in c]
        assert "×" in column, role
        assert any(v in ("✓", "全部", "部分", "修改", "查看") for v in column), role
    assert cells > 3000
