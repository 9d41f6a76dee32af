"""The architecture, enforced (docs/architecture.md): state machines only in ``<app>/workflow.py``; scope facts
(``user_scope(``) only in permissions and selectors; no writes in the doors (admin, API, views, serializers, forms,
tasks): they call services; row locks only in ``portal/locks.py``. (That a declared record's state changes only
through ``Workflow.apply`` is enforced at run time by the kernel's guard: ``tests/portal/test_workflows.py``.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = ("portal", "catalogs", "sharing", "subsidies", "procurement")
WRITES = {"save", "update", "delete", "create", "get_or_create", "update_or_create", "bulk_create", "bulk_update"}
DOOR = re.compile(r"/(admin|api)(/|\.py$)|views\.py$|serializers\.py$|forms\.py$|tasks\.py$")
SCOPE_PLACES = {"permissions.py", "selectors.py", "policies.py"}
TABLE_NAME = re.compile(r"[A-Z_]*TRANSITIONS|[A-Z_]*_FLOW|[A-Z_]*STEPS")
# Write-looking calls in door modules that are not writes of records (a dict, a stateless bookkeeping table).
NOT_RECORD_WRITES = {
    ("subsidies/site_views.py", "ctx.update(extra)"),  # a template context dict
    ("procurement/admin/entry.py", "obj.__dict__.update({k: v for k, v in result.__dict__.items() if k != '_state'})"),
}


def _modules() -> list[tuple[str, ast.AST]]:
    out = []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                out.append((path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(encoding="utf-8"))))
    return out


MODULES = _modules()


def _calls(tree: ast.AST) -> list[ast.Call]:
    return [n for n in ast.walk(tree) if isinstance(n, ast.Call)]


def test_state_machines_are_declared_only_in_workflow_modules() -> None:
    found = []
    for name, tree in MODULES:
        if name.endswith("/workflow.py"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and node.name == "Transition":
                found.append(f"{name}:{node.lineno} class Transition")
            targets = node.targets if isinstance(node, ast.Assign) else (
                [node.target] if isinstance(node, ast.AnnAssign) else [])
            found += [f"{name}:{node.lineno} {t.id}" for t in targets
                      if isinstance(t, ast.Name) and TABLE_NAME.fullmatch(t.id)]
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Workflow":
                found.append(f"{name}:{node.lineno} Workflow(…)")
    assert not found, "state tables outside <app>/workflow.py:\n" + "\n".join(found)


def test_user_scope_only_in_permissions_and_selectors() -> None:
    found = [f"{name}:{call.lineno}" for name, tree in MODULES if name.rsplit("/", 1)[-1] not in SCOPE_PLACES
             for call in _calls(tree) if getattr(call.func, "id", "") == "user_scope"]
    assert not found, "user_scope( outside permissions.py/selectors.py:\n" + "\n".join(found)


def test_doors_do_not_write() -> None:
    found = []
    for name, tree in MODULES:
        if not DOOR.search("/" + name):
            continue
        for call in _calls(tree):
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr in WRITES):
                continue
            if any(k.arg == "commit" for k in call.keywords):  # form.save(commit=False): builds, does not write
                continue
            if (name, ast.unparse(call)) not in NOT_RECORD_WRITES:
                found.append(f"{name}:{call.lineno} {ast.unparse(call)[:100]}")
    assert not found, "writes in admin/API/views/serializers/forms/tasks (call a service):\n" + "\n".join(found)


def test_row_locks_only_through_portal_locks() -> None:
    found = [f"{name}:{call.lineno}" for name, tree in MODULES if name != "portal/locks.py"
             for call in _calls(tree) if getattr(call.func, "attr", "") == "select_for_update"]
    assert not found, found
