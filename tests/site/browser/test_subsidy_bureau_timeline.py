"""Issue 12 §7 in Chromium: the applicant sees which bureau handles each policy (list and detail) before applying,
and after a real 补正 the timeline lists 受理 once with no due date on 退回补正."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from subsidies.models import Rule
from subsidies.services import application_accept, application_resubmit, application_return_for_correction

from ..conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def test_policy_pages_name_the_handling_bureau(page, shot, live_server, de09_call):
    page.goto(live_server.url + reverse("subsidies_site:policy_list"))
    article = page.locator("article.policy").filter(has_text="DE-09")
    assert "受理单位：市数据管理局" in article.inner_text()
    other = Rule.objects.in_force(timezone.localdate()).exclude(code="DE-09").select_related("responsible_unit").first()
    if other is not None:  # rules without a 经办单位 name the 责任单位 of the policy document
        text = page.locator("article.policy").filter(has_text=other.code).first.inner_text()
        assert f"受理单位：{other.handling_unit}" in text
    shot(page, "i12-policies-bureau")
    article.get_by_role("link", name="试算").click()
    page.wait_for_load_state()
    detail = page.locator("dl.kv").inner_text()
    assert "受理单位" in detail and "市数据管理局" in detail
    shot(page, "i12-rule-bureau")


def test_timeline_after_correction_in_the_browser(page, shot, live_server, applicant, make_application,
                                                  program_officer, media_root):
    app = make_application(applicant)
    application_accept(application=app, acting_user=program_officer)
    application_return_for_correction(application=app, acting_user=program_officer, reason="请补充合同")
    application_resubmit(application=app, acting_user=applicant, note="已补充合同")
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", applicant.username)
    page.fill("#id_password", PASSWORD)
    page.locator("form [type=submit]").first.click()
    page.wait_for_load_state()
    page.goto(live_server.url + reverse("subsidies_site:application_detail", args=[app.pk]))
    items = page.locator("ol.timeline > li")
    labels = [items.nth(i).locator("strong").inner_text() for i in range(items.count())]
    assert labels.count("受理") == 1 and "待受理" not in labels, labels
    assert labels[:4] == ["提交申报", "受理", "退回补正", "补正后重新提交"], labels
    assert "办理期限" not in items.nth(2).inner_text()
    shot(page, "i12-timeline-after-correction")
