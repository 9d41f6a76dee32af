"""Playwright (system Chromium from Debian packages, never `playwright install`) against pytest-django's live_server."""

from __future__ import annotations

from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "site"


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
