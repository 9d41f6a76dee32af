"""Playwright (system Chromium from Debian packages, never `playwright install`) against pytest-django's live_server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls from the test body are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("PORTAL_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "site"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"找不到系统 Chromium：{CHROMIUM}。请运行 scripts/install-browser.sh（make test 会自动运行）。")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    """A phone-sized page (390 px wide, like an iPhone 12-15) in a fresh context; Chinese locale."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot():
    """Save a full-page screenshot under test-artifacts/site/ and assert the page has no horizontal scroll."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> None:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        width = page.evaluate("document.documentElement.scrollWidth")
        viewport = page.viewport_size["width"]
        assert width <= viewport, f"{name}: 页面宽 {width}px，超出 {viewport}px 视口（出现横向滚动）"
    return take


@pytest.fixture(scope="session")
def live_server(request):
    """pytest-django's live server, except that it never serves MEDIA_ROOT.

    The portal sets ``MEDIA_URL = None`` (evidence is only served by permission-checked views); Django's live server
    wraps every request in a media handler that cannot parse ``None``. Giving that handler a URL on another host makes
    it decline every request, so uploaded files stay reachable only through the views, as in production.
    """
    from django.test import testcases
    from pytest_django.live_server_helper import LiveServer

    original = testcases._MediaFilesHandler.get_base_url
    testcases._MediaFilesHandler.get_base_url = lambda self: "http://media.invalid/"
    try:
        server = LiveServer(request.config.getvalue("liveserver") or os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS")
                            or "localhost")
    finally:
        testcases._MediaFilesHandler.get_base_url = original
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _audit_flushable(transactional_db):
    """Transactional tests end with a flush; on SQLite the kernel's append-only trigger refuses DELETE on the audit
    table (PostgreSQL flushes with TRUNCATE, which row triggers ignore). After the test, clear this test database's
    audit rows with the trigger briefly dropped, then recreate it from the kernel migration's own SQL."""
    yield
    from importlib import import_module

    from django.db import connection

    if connection.vendor == "sqlite":
        sql = import_module("portal.migrations.0002_audit_append_only").SQLITE
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS portal_auditlog_no_delete")
            cursor.execute("DELETE FROM portal_auditlog")
            cursor.execute(sql[1])
