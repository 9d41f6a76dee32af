"""Shared fixtures: demo-like units and users built with the kernel's own services."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from portal.models import Organization, OrgKind, OrgLevel
from portal.roles import Role
from portal.services import membership_grant


@pytest.fixture
def city(db) -> Organization:
    return Organization.objects.create(code="QZ", name="泉州市人民政府", kind=OrgKind.CITY_GOVERNMENT,
                                       level=OrgLevel.CITY, region_code="350500")


@pytest.fixture
def make_unit(city):
    def make(code: str, name: str | None = None, *, parent: Organization | None = None,
             kind: str = OrgKind.DEPARTMENT, level: str = OrgLevel.CITY, region: str = "350500") -> Organization:
        return Organization.objects.create(code=code, name=name or code, kind=kind, level=level,
                                           region_code=region, parent=parent or city)
    return make


@pytest.fixture
def make_user(db):
    def make(username: str, role: str | None = None, unit: Organization | None = None, **extra):
        user = get_user_model().objects.create_user(username=username, password="Pw-for-tests-123", **extra)
        if role and unit is not None:
            membership_grant(user=user, organization=unit, role=role)
        return user
    return make


@pytest.fixture
def unit_a(make_unit):
    return make_unit("QZ-A", "单位甲")


@pytest.fixture
def unit_b(make_unit):
    return make_unit("QZ-B", "单位乙")


@pytest.fixture
def user_a(make_user, unit_a):
    return make_user("admin_a", Role.UNIT_DATA_ADMIN, unit_a)


@pytest.fixture
def user_b(make_user, unit_b):
    return make_user("admin_b", Role.UNIT_DATA_ADMIN, unit_b)


@pytest.fixture
def city_authority(make_user, make_unit):
    return make_user("city_auth", Role.CITY_AUTHORITY, make_unit("QZ-DATA", "市数据管理局", kind=OrgKind.DATA_AUTHORITY))


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_for(db):
    from django.db import transaction

    from portal.services import api_token_issue

    def issue(user, days=None):
        with transaction.atomic():
            return api_token_issue(user=user, days=days)
    return issue


def _is_transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames))


@pytest.fixture(autouse=True)
def _audit_flushable(request):
    """Transactional tests end with a flush. On SQLite the append-only triggers refuse the DELETE of audit rows and
    of access-log rows younger than three years (PostgreSQL flushes with TRUNCATE, which row triggers do not see).
    After such a test, clear this test database's audit and access rows with the delete triggers briefly dropped,
    then recreate them from the kernel migrations' own SQL."""
    if not _is_transactional(request):
        yield
        return
    request.getfixturevalue("transactional_db")  # set up first, so it is torn down (flushed) after this fixture
    yield
    from importlib import import_module

    from django.db import connection

    if connection.vendor == "sqlite":
        sql = import_module("portal.migrations.0002_audit_append_only").SQLITE
        access_sql = import_module("portal.migrations.0005_access_log_append_only").SQLITE
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS portal_auditlog_no_delete")
            cursor.execute("DELETE FROM portal_auditlog")
            cursor.execute(sql[1])
            cursor.execute("DROP TRIGGER IF EXISTS portal_accesslog_no_delete")
            cursor.execute("DELETE FROM portal_accesslog")
            cursor.execute(access_sql[1])


@pytest.fixture(scope="session", autouse=True)
def _live_server_never_serves_media():
    """The portal never serves MEDIA_ROOT (MEDIA_URL = None; evidence goes through permission-checked views), but
    Django's live server wraps every request in a media handler that cannot parse None. Point that handler at a
    foreign host so it declines every request, as production does."""
    from django.test import testcases

    testcases._MediaFilesHandler.get_base_url = lambda self: "http://media.invalid/"


from tests.browser import browser  # noqa: E402,F401  (the session's one headless Chromium)
from tests.demo_db import _demo_seeded, _no_test_after_the_demo_without_it, demo  # noqa: E402,F401  (the seeded demo: once per process, module savepoints)


@pytest.hookimpl(trylast=True)  # after pytest-django's own reordering (by kind of database use), which splits modules
def pytest_collection_modifyitems(config, items):
    """Modules that use the seeded demo run after all others, in their collected order (tests/demo_db.py: the demo
    is seeded once per process and must not be seen by other tests). Whole modules move, so xdist's ``loadfile``
    hands each worker its demo files last."""
    from tests.demo_db import DEMO_MODULES

    uses_demo = {item.module.__name__ for item in items if "demo" in getattr(item, "fixturenames", ())}
    DEMO_MODULES.update(uses_demo)
    items.sort(key=lambda item: item.module.__name__ in uses_demo)


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """The crawl's figures (tests/crawl), from each test's ``crawl`` property — also under xdist and without -s."""
    import json

    rows = [json.loads(value) for reports in terminalreporter.stats.values() for report in reports
            if getattr(report, "when", None) == "call"
            for name, value in getattr(report, "user_properties", ()) if name == "crawl"]
    if not rows:
        return
    write = terminalreporter.write_line
    terminalreporter.section("crawl")
    english = {s for row in rows for s in row["english_strings"]}
    write(f"roles: {len({r['role'] for r in rows})}  pages: {sum(r['pages'] for r in rows)}  "
          f"errors (5xx): {sum(r['errors'] for r in rows)}  leaks: {sum(r['leaks'] for r in rows)}  "
          f"writes on GET: {sum(r['writes'] for r in rows)}  untranslated strings: {len(english)}  "
          f"seconds: {sum(r['seconds'] for r in rows):.0f}")
    for row in sorted(rows, key=lambda r: (r["area"], r["role"])):
        write(f"  {row['area']:<6} {row['role']:<24} pages {row['pages']:>5}  errors {row['errors']:>3}  "
              f"leaks {row['leaks']:>3}  writes {row['writes']:>3}  english {row['english']:>4}  "
              f"{row['seconds']:>6.1f}s")
