"""The seeded demo as a test database: ``seed_all`` once per test process, each module inside a savepoint of it.

Crawl, fuzz and permission-matrix tests walk the data that ``make run`` shows a new user, not hand-made fixtures.
Use the ``demo`` fixture (module scope); tests using it must not commit (each test runs inside the module's
savepoint, like ``db``).

Seeding takes tens of seconds, so a process seeds once (``_demo_seeded``, inside a transaction that is rolled back when
the session ends) and each module rolls back to a savepoint taken before it ran: every module sees the demo exactly
as seeded. For that, modules using the demo run after every other module of the process (``demo_modules_last`` in
tests/conftest.py orders them; xdist hands files out in that order), so no other test ever sees the demo's rows.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import models, transaction

DEMO_PASSWORD = "Demo-crawl-2026!"
_seeded_in_this_process = False
DEMO_MODULES: set[str] = set()  # modules with a test using the demo (tests/conftest.py fills it at collection)


@pytest.fixture(autouse=True)
def _no_test_after_the_demo_without_it(request) -> None:
    """Fail clearly (instead of with locked tables or duplicate keys) if a module that does not use the demo runs after
    it was seeded in this process: the order of tests/conftest.py was lost (e.g. xdist reordering its work units)."""
    if _seeded_in_this_process and request.node.module.__name__ not in DEMO_MODULES:
        pytest.fail("此测试未使用演示数据，却在本进程播种演示数据之后运行：测试顺序被打乱（需 --no-loadscope-reorder，"
                    "见 tests/demo_db.py）。", pytrace=False)


@pytest.fixture(scope="session")
def _demo_seeded(django_db_setup, django_db_blocker, tmp_path_factory) -> Any:
    from django.test import override_settings

    from portal.demo import seed_all

    global _seeded_in_this_process
    os.environ["PORTAL_DEMO_PASSWORD"] = DEMO_PASSWORD
    _seeded_in_this_process = True
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("demo-media")))
    with django_db_blocker.unblock():
        media.enable()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield seed_all(log=lambda _m: None)
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            media.disable()


def _fresh(value: Any) -> Any:
    """The context with every model instance read again (a module may have changed the objects it was handed)."""
    if isinstance(value, models.Model):
        return type(value)._base_manager.get(pk=value.pk)
    if isinstance(value, dict):
        return {k: _fresh(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return type(value)(_fresh(v) for v in value)
    return value


@pytest.fixture(scope="module")
def demo(_demo_seeded, django_db_blocker) -> Any:
    with django_db_blocker.unblock():
        savepoint = transaction.savepoint()
        try:
            yield _fresh(_demo_seeded)
        finally:
            transaction.savepoint_rollback(savepoint)
