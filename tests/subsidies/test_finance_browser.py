"""Issue 12 §5 in Chromium at 1366 px: finance confirms 财政拨付 on its step page (支付凭证号, 支付日期), sees no
reviewer actions, and the award list offers 导出 Excel（当前筛选）. Screenshots under test-artifacts/admin/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from subsidies.models import Application, Award
from subsidies.models import ApplicationStatus as S
from subsidies.services import application_approve, application_publicity_close, application_publicity_start

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db(transaction=True)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "admin"


@pytest.fixture
def admin_page(browser):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def test_finance_confirms_disbursement_in_the_browser(admin_page, live_server, submitted, reviewer, finance,
                                                     media_root=None):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=reviewer)
    application_publicity_start(application=app, acting_user=reviewer)
    Application.objects.filter(pk=app.pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=1))
    application_publicity_close(application=app, acting_user=reviewer)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page = admin_page
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "fin")
    page.fill("#id_password", "Pw-for-tests-123")
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{live_server.url}/admin/subsidies/application/")
    assert page.locator("select[name=action]").count() == 0  # no 受理/开始审核/拨付 bulk actions for finance
    assert page.get_by_role("link", name="导出 Excel（当前筛选）").is_visible()
    page.screenshot(path=str(ARTIFACTS / "i12-finance-applications.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/subsidies/application/{app.pk}/step/disburse/")
    page.get_by_label("支付凭证号").fill("GK2026-004711")
    page.get_by_label("支付日期").fill((timezone.localdate() + dt.timedelta(days=3)).isoformat())
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    assert "不能晚于今天" in page.content()
    page.screenshot(path=str(ARTIFACTS / "i12-disburse-refused.png"), full_page=True)
    page.get_by_label("支付日期").fill(timezone.localdate().isoformat())
    page.locator("input[type=submit]").click()
    page.wait_for_load_state()
    app.refresh_from_db()
    assert app.status == S.DISBURSED and Award.objects.get(application=app).payment_reference == "GK2026-004711"
    assert "GK2026-004711" in page.content()
    page.screenshot(path=str(ARTIFACTS / "i12-disbursed-record.png"), full_page=True)
    page.goto(f"{live_server.url}/admin/subsidies/award/?status__exact=committed")
    link = page.get_by_role("link", name="导出 Excel（当前筛选）")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename.endswith(".xlsx")
    page.screenshot(path=str(ARTIFACTS / "i12-finance-awards.png"), full_page=True)
