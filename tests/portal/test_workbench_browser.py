"""The 工作台 of four roles in Chromium at 1366×768 over the seeded demo (issue 12 §1, §4, §8).

Each test logs in through the real login page and checks what the person works with: their name and unit in the
header, "待我办理" grouped by kind with counts and due-date badges (已逾期 / 即将到期, working days from
``portal.workdays``), the boards and exports of the role, a figure (inline SVG), no horizontal scroll, and a click
through from one task to its record page, whose header shows state, handler and due date and the primary step button.
Full-page screenshots: ``var/screenshots/workbench-<role>.png`` (copied to ``docs/screenshots/``). The main
changelists of the four apps are opened at 1366 px by the roles that use them: none may scroll sideways.

The demo is seeded once for the module and committed (the live server reads it over its own connection on
PostgreSQL), then the database is flushed as after any transactional test.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory, override_settings

from portal.demo import DEMO_PERSONS, DEMO_USERS
from tests.demo_db import DEMO_PASSWORD

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "screenshots"
DOCS = ROOT / "docs" / "screenshots"
WIDTH, HEIGHT = 1366, 768

# role → the boards/exports/open-data links the 工作台 must offer (the others of LINKS must be absent)
ROLE_LINKS = {
    "unit_admin": {"采集报送看板", "目录质量评估", "目录导出（Excel）", "共享办理逾期看板", "开放目录（DCAT JSON-LD）"},
    "city_authority": {"采集报送看板", "目录质量评估", "目录导出（Excel）", "共享办理逾期看板", "共享工作考核",
                       "资金使用情况", "招投标数据（OCDS）"},
    "program_officer": {"资金使用情况", "目录质量评估"},
    "finance_officer": {"资金使用情况", "目录质量评估"},
}
ROLE_FORBIDDEN_LINKS = {
    "unit_admin": {"共享工作考核", "资金使用情况", "招投标数据（OCDS）"},  # 考核: authorities and auditors only
    "city_authority": set(),
    "program_officer": {"采集报送看板", "共享办理逾期看板", "共享工作考核", "招投标数据（OCDS）"},
    "finance_officer": {"采集报送看板", "共享办理逾期看板", "共享工作考核", "招投标数据（OCDS）"},
}


@pytest.fixture(scope="module")
def demo_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded and committed once, served by a live server of this module; flushed at the end."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    from portal.demo import seed_all

    os.environ["PORTAL_DEMO_PASSWORD"] = DEMO_PASSWORD
    media = tmp_path_factory.mktemp("workbench-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        seed_all(log=lambda _m: None)
        _finance_payment_due_soon()
        server = LiveServer("localhost")
        try:
            yield server
        finally:
            _join_request_threads()
            server.stop()
            _flush(call_command)


def _join_request_threads() -> None:
    """Let the server's request threads (keep-alive connections of closed browser contexts) finish before the
    server stops sharing the SQLite connection with them."""
    import threading

    for thread in threading.enumerate():
        if "process_request_thread" in thread.name:
            thread.join(timeout=10)


def _finance_payment_due_soon() -> None:
    """Arrange: the demo's one payment awaiting finance falls due in 2 working days (即将到期); the other roles'
    badges come from the demo as seeded."""
    from django.utils import timezone

    from portal.workdays import add_workdays
    from subsidies.models import Application

    tasks = [t for k in _expected("finance_officer") for t in k.tasks]
    pks = [int(t.url.rstrip("/").split("/")[-2]) for t in tasks]
    Application.objects.filter(pk__in=pks[:1]).update(due_on=add_workdays(timezone.localdate(), 2))


def _flush(call_command) -> None:
    """As a transactional test ends: every table emptied (the SQLite audit trigger dropped for it, then recreated)."""
    from importlib import import_module

    from django.db import connection

    if connection.vendor == "sqlite":
        sql = import_module("portal.migrations.0002_audit_append_only").SQLITE
        with connection.cursor() as cursor:
            cursor.execute("DROP TRIGGER IF EXISTS portal_auditlog_no_delete")
            cursor.execute("DELETE FROM portal_auditlog")
        call_command("flush", interactive=False, verbosity=0)
        with connection.cursor() as cursor:
            cursor.execute(sql[1])
    else:
        call_command("flush", interactive=False, verbosity=0)


@pytest.fixture
def laptop(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    page = context.new_page()
    yield page
    context.close()


def _login(page, server, username: str) -> None:
    page.goto(f"{server.url}/admin/login/")
    assert page.locator("#id_username").is_visible()
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    assert page.url.rstrip("/").endswith("/admin"), page.url


def _no_sideways_scroll(page, what: str) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= WIDTH, f"{what}：页面宽 {width}px，超出 {WIDTH}px（出现横向滚动）"


def _shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _publish(path: Path) -> None:
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS / path.name)


def _expected(username: str):
    from portal.workbench import awaiting

    request = RequestFactory().get("/admin/")
    request.user = get_user_model().objects.get(username=username)
    return awaiting(request, admin.site)


@pytest.mark.parametrize("username", list(ROLE_LINKS))
def test_workbench_of_the_role_in_chromium(laptop, demo_site, username):
    """Issue 12 §1/§8; due dates in working days (QZ §二(三)/§七(二) limits, subsidies 受理/审核时限)."""
    page = laptop
    _login(page, demo_site, username)

    # the header: the person and their unit, never the username
    role, unit_code, _ = DEMO_USERS[username]
    from portal.models import Organization

    unit = Organization.objects.get(code=unit_code)
    person = page.locator("#user-tools .person").inner_text()
    assert DEMO_PERSONS[username] in person and (unit.short_name or unit.name) in person, person
    assert username not in page.locator("#user-tools").inner_text().lower()

    # 待我办理: grouped by kind with counts and badges, as the declarations say
    kinds = _expected(username)
    assert kinds, f"{username} 的演示数据中没有待办事项"
    total = sum(len(k.tasks) for k in kinds)
    heading = page.locator("#todo-title").inner_text()
    assert re.sub(r"\s+", "", heading).startswith(f"待我办理{total}件"), heading
    groups = page.locator(".todo-kind")
    assert groups.count() == len(kinds)
    for i, kind in enumerate(kinds):
        title = groups.nth(i).locator("h3").inner_text()
        assert kind.label in title and f"{kind.count} 件" in title, title
        if kind.overdue:
            assert f"已逾期 {kind.overdue}" in title, title
        if kind.soon:
            assert f"即将到期 {kind.soon}" in title, title
    overdue = sum(k.overdue for k in kinds)
    soon = sum(k.soon for k in kinds)
    assert overdue + soon > 0, f"{username}：演示数据应有逾期或即将到期的事项"
    shown = [t for k in kinds for t in k.tasks[:10]]
    assert page.locator(".todo-table .badge-overdue").count() == sum(t.badge == "overdue" for t in shown)
    assert page.locator(".todo-table .badge-soon").count() == sum(t.badge == "soon" for t in shown)
    for task in shown:
        if task.due_on is not None:
            row = page.locator(".todo-table tr").filter(has=page.locator(f'a[href="{task.url}"]')).first
            assert task.due_on.isoformat() in row.inner_text()

    # the boards, assessments and exports of the role, and nothing the role may not open
    links = set(page.locator(".workbench-links li a").all_inner_texts())
    assert ROLE_LINKS[username] <= links, links
    assert not (ROLE_FORBIDDEN_LINKS[username] & links), links
    for href in page.locator(".workbench-links li a").evaluate_all("els => els.map(e => e.getAttribute('href'))"):
        assert page.request.get(demo_site.url + href).status == 200, href

    # a figure drawn on the server (inline SVG with a Chinese name and a text alternative)
    figure = page.locator("section.figures svg.chart-svg").first
    assert figure.is_visible()
    assert re.search(r"[\u4e00-\u9fff]", figure.get_attribute("aria-label") or "")
    assert figure.locator("desc").count() == 1

    # no English left on the page a person reads, no sideways scrolling on a 1366-px laptop
    body = page.locator("#content").inner_text()
    assert not re.search(r"\b(Recent actions|My actions|None available|Add|Change|View)\b", body), body[:400]
    _no_sideways_scroll(page, f"{username} 工作台")
    _publish(_shot(page, f"workbench-{username}"))

    # click through from a task with a due date to its record page
    task = next((t for k in kinds for t in k.tasks[:10] if t.due_on is not None), kinds[0].tasks[0])
    page.locator(f'.todo-table a[href="{task.url}"]').first.click()
    page.wait_for_load_state()
    header = page.locator(".record-header")
    assert header.is_visible()
    assert task.state in header.locator(".record-state").inner_text()
    assert "待办理：" in header.locator(".record-handler").inner_text()
    for step in task.steps:
        assert step in header.locator(".record-handler").inner_text()
    if task.due_on is not None:
        due = header.locator(".record-due").inner_text()
        assert task.due_on.isoformat() in due and (not task.badge_label or task.badge_label in due), due
    primary = page.locator(".object-tools a.workflow-step.primary")
    assert primary.count() >= 1
    assert set(primary.all_inner_texts()) & set(task.steps), (primary.all_inner_texts(), task.steps)
    box = primary.first.bounding_box()
    assert box is not None and box["y"] < HEIGHT, "主要办理按钮应在首屏"
    _no_sideways_scroll(page, f"{username} 记录页 {task.title}")
    _publish(_shot(page, f"workbench-{username}-record"))


# the main lists of the four apps, by the roles that use them all day
CHANGELISTS = [
    ("unit_admin", "/admin/catalogs/catalogentry/"),
    ("unit_admin", "/admin/catalogs/datacorrection/"),
    ("unit_admin", "/admin/sharing/shareapplication/"),
    ("unit_admin", "/admin/sharing/authorization/"),
    ("jj_finance_admin", "/admin/catalogs/collectiontask/"),  # a county unit that reports collection data
    ("city_authority", "/admin/catalogs/catalogentry/"),
    ("city_authority", "/admin/catalogs/collectiontask/"),
    ("city_authority", "/admin/catalogs/interfacerequest/"),
    ("city_authority", "/admin/sharing/shareapplication/"),
    ("city_authority", "/admin/sharing/opendataapplication/"),
    ("program_officer", "/admin/subsidies/application/"),
    ("program_officer", "/admin/subsidies/award/"),
    ("program_officer", "/admin/subsidies/budgetpool/"),
    ("finance_officer", "/admin/subsidies/application/"),
    ("finance_officer", "/admin/subsidies/award/"),
    ("finance_officer", "/admin/subsidies/budgetpool/"),
    ("procurement_officer", "/admin/procurement/itproject/"),
    ("procurement_officer", "/admin/procurement/tender/"),
    ("procurement_officer", "/admin/procurement/bid/"),
    ("procurement_supervisor", "/admin/procurement/redflag/"),
]


def test_main_changelists_fit_1366(laptop, demo_site):
    """Issue 12 §4: the main lists fit a 1366-px laptop for the roles that use them (no horizontal scroll)."""
    page = laptop
    failures = []
    current = None
    for username, url in CHANGELISTS:
        if username != current:
            page.context.clear_cookies()
            _login(page, demo_site, username)
            current = username
        response = page.goto(demo_site.url + url)
        assert response is not None and response.status == 200, (username, url)
        if page.locator("#result_list tbody tr").count() == 0:
            failures.append(f"{username} {url}: 演示数据中没有记录，无法检查列宽")
        width = page.evaluate("document.scrollingElement.scrollWidth")
        # the admin scrolls a too-wide table inside its own box: the last columns hidden behind a scroll bar count too
        hidden = page.evaluate("Math.max(0, ...[...document.querySelectorAll('#changelist .results')]"
                               ".map(e => e.scrollWidth - e.clientWidth))")
        name = "list-{}-{}".format(username, url.strip("/").split("/", 1)[1].replace("/", "-"))
        _shot(page, name)
        if width > WIDTH or hidden > 0:
            failures.append(f"{username} {url}: 页面 {width}px，表格超出 {hidden}px")
        if url == "/admin/subsidies/award/":
            _publish(_shot(page, f"awards-{username}"))
    assert not failures, failures
