"""The seeded demo as a test database: ``seed_all`` once per test module, rolled back when the module ends.

Crawl, fuzz and permission-matrix tests walk the data that ``make run`` shows a new user, not hand-made fixtures.
Use the ``demo`` fixture (module scope); tests using it must not commit (each test runs inside the module's
transaction, like ``db``).
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import transaction

DEMO_PASSWORD = "Demo-crawl-2026!"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory) -> Any:
    from django.test import override_settings

    from portal.demo import seed_all

    os.environ["PORTAL_DEMO_PASSWORD"] = DEMO_PASSWORD
    media = tmp_path_factory.mktemp("demo-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            ctx = seed_all(log=lambda _m: None)
            yield ctx
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
