"""Issue 14 §4 in Chromium over the seeded demo: push → the applicant confirms → the officer approves.

The officer's push is made through the service ``candidate_push`` (the city authority, reviewer of DEMO-DE-DATA's
DE-09) while the module's demo is seeded and committed: the admin page of the candidates is built by the matching
work (another change) and is not used here. Everything after it happens in the browser: ``applicant_b`` logs in on
the site (phone width), sees 「您可能符合…预计可获…元」 under 政策精准推送, opens it, reads the calculation and the
data sources and confirms; the city authority accepts, starts the review and approves in the admin (laptop width),
reading the 交叉核查 on the record and the approval page; the applicant then sees 已核定.
Screenshots: ``var/screenshots/push-*.png``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.test import override_settings

from tests.demo_db import DEMO_PASSWORD
from tests.portal.test_workbench_browser import _flush, _join_request_threads

pytestmark = pytest.mark.django_db
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
SOURCES = [{"fact": "compute_service_invoiced", "fact_label": "算力租用年度服务费", "value": "300000",
            "entry": "企业算力服务开票信息", "version": "V2", "unit": "国家税务总局泉州市税务局",
            "submitted_on": "2026-03-02", "vouching_unit": "泉州市数据管理局"}]


@pytest.fixture(scope="module")
def pushed_site(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded and committed, one DE-09 candidate of applicant_b's enterprise pushed by the city authority
    (service), served by a live server of this module; flushed at the end."""
    from django.core.management import call_command
    from pytest_django.live_server_helper import LiveServer

    from portal.demo import seed_all
    from subsidies.models import CandidateStatus, MatchCandidate
    from tests.subsidies.workflow_cases import candidate_in

    os.environ["PORTAL_DEMO_PASSWORD"] = DEMO_PASSWORD
    media = tmp_path_factory.mktemp("push-media")
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=str(media)):
        seed_all(log=lambda _m: None)
        candidate = candidate_in(CandidateStatus.PUSHED)  # the officer pushes (service: candidate_push)
        MatchCandidate.objects.filter(pk=candidate.pk).update(sources=SOURCES)
        server = LiveServer("localhost")
        try:
            yield server, candidate.pk
        finally:
            _join_request_threads()
            server.stop()
            _flush(call_command)


def _context(browser, width: int, height: int):
    context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                  timezone_id="Asia/Shanghai")
    context.set_default_timeout(20_000)
    return context


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{name}：页面宽 {width}px，出现横向滚动"


def _admin_step(admin, url: str, action: str) -> None:
    admin.goto(url)
    admin.get_by_role("link", name=action, exact=True).click()
    admin.wait_for_load_state()


def test_push_confirm_approve(browser, pushed_site):
    from subsidies.models import Application, ApplicationOrigin, ApplicationStatus, MatchCandidate

    server, candidate_pk = pushed_site
    candidate = MatchCandidate.objects.select_related("rule").get(pk=candidate_pk)
    site = _context(browser, 390, 844)
    page = site.new_page()

    # --- the applicant logs in on the site and finds the push
    page.goto(f"{server.url}/accounts/login/")
    page.fill("#id_username", "applicant_b")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(f"{server.url}/applications/")
    pushes = page.locator("#pushes")
    assert pushes.get_by_role("heading", name="政策精准推送").is_visible()
    link = pushes.get_by_test_id("candidate-link")
    assert link.count() == 1
    text = link.inner_text()
    assert text.startswith("您可能符合《") and f"第{candidate.rule.clause}条" in text
    assert f"预计可获 {candidate.amount} 元" in text and str(candidate.amount) == "90000.00"
    _shot(page, "push-1-list")

    # --- the push: calculation and sources, then confirm
    link.click()
    page.wait_for_load_state()
    assert page.get_by_test_id("candidate-amount").inner_text() == "¥90000.00"
    steps = page.get_by_test_id("trace-steps").locator("li")
    assert steps.count() >= 2
    sources = page.get_by_test_id("candidate-sources").inner_text()
    for part in ("目录：企业算力服务开票信息", "版本：V2", "报送单位：国家税务总局泉州市税务局", "报送日期：2026-03-02"):
        assert part in sources, sources
    _shot(page, "push-2-detail")
    page.get_by_role("button", name="确认并提交申报").click()
    page.wait_for_load_state()
    assert "已确认" in page.locator(".messages").inner_text()
    assert page.get_by_test_id("app-status").inner_text() == "已提交待受理"
    assert page.get_by_test_id("app-origin").inner_text() == "免申即享"
    _shot(page, "push-3-submitted")
    app = Application.objects.get(match_candidate__pk=candidate_pk)
    assert app.origin == ApplicationOrigin.PROACTIVE and app.facts == candidate.facts

    # --- the city authority (reviewer of DE-09) accepts, reviews and approves in the admin
    staff = _context(browser, 1366, 900)
    admin = staff.new_page()
    admin.goto(f"{server.url}/admin/login/")
    admin.fill("#id_username", "city_authority")
    admin.fill("#id_password", DEMO_PASSWORD)
    admin.locator("input[type=submit]").click()
    admin.wait_for_load_state()
    admin.goto(f"{server.url}/admin/subsidies/application/?origin__exact=proactive")
    assert app.number in admin.locator("#result_list").inner_text()
    change = f"{server.url}/admin/subsidies/application/{app.pk}/change/"
    admin.goto(change)
    record = admin.locator("#content").inner_text()
    assert "免申即享" in record and "国家税务总局泉州市税务局" in record and "交叉核查" in record
    _shot(admin, "push-4-admin-record")
    for action in ("受理", "开始审核（含专家评审）"):
        _admin_step(admin, change, action)
        admin.locator("input[type=submit]").click()
        admin.wait_for_load_state()
        assert admin.locator(".errorlist, .messagelist .error").count() == 0, admin.content()[:2000]
    _admin_step(admin, change, "核定奖补金额")
    assert "交叉核查" in admin.locator("#content").inner_text()
    assert admin.get_by_label("核定金额（元）").input_value() == str(app.ceiling)
    _shot(admin, "push-5-approve-step")
    admin.locator("input[type=submit]").click()
    admin.wait_for_load_state()
    assert admin.locator(".errorlist, .messagelist .error").count() == 0, admin.content()[:2000]
    app.refresh_from_db()
    assert app.status == ApplicationStatus.APPROVED and app.approved_amount == app.ceiling

    # --- the applicant sees the decision
    page.reload()
    assert page.get_by_test_id("app-status").inner_text() == "已核定"
    assert page.get_by_test_id("approved-amount").inner_text() == f"¥{app.approved_amount}"
    _shot(page, "push-6-approved")
    staff.close()
    site.close()
