"""Issue 12 §7: the applicant's timeline after a real 补正 (return for correction → resubmit) lists 受理 once, and the
退回补正 step shows no due date (the review clock is paused; its due date is not the step's deadline)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from subsidies.models import ApplicationStatus
from subsidies.selectors import application_timeline
from subsidies.services import application_accept, application_resubmit, application_return_for_correction


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def _timeline_items(html: str) -> list[str]:
    block = html.split('<ol class="timeline">', 1)[1].split("</ol>", 1)[0]
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", li.split(">", 1)[1])).strip() for li in block.split("<li")[1:]]


def _acceptance_steps(items: list[str]) -> list[str]:
    return [i for i in items if i.split(" ")[0] in ("受理", "待受理")]


@pytest.mark.parametrize("accepted_first", [False, True], ids=["returned-before-acceptance", "returned-after"])
def test_timeline_after_correction(applicant_client, applicant, make_application, program_officer, accepted_first):
    app = make_application(applicant)
    if accepted_first:
        application_accept(application=app, acting_user=program_officer)
    review_due = type(app).objects.get(pk=app.pk).due_on
    application_return_for_correction(application=app, acting_user=program_officer, reason="发票金额与合同不符")
    url = reverse("subsidies_site:application_detail", args=[app.pk])

    # while waiting for the correction
    steps = application_timeline(type(app).objects.get(pk=app.pk))
    returned = next(s for s in steps if s["action"] == "return_for_correction")
    assert returned["due_on"] is None and not returned["is_overdue"]
    items = _timeline_items(applicant_client.get(url).content.decode())
    assert len(_acceptance_steps(items)) == 1, items
    back = next(i for i in items if i.startswith("退回补正"))
    assert "办理期限" not in back and str(review_due) not in back, back

    # after the applicant resubmits
    app = application_resubmit(application=app, acting_user=applicant, note="已更正金额")
    assert app.status == (ApplicationStatus.ACCEPTED if accepted_first else ApplicationStatus.SUBMITTED)
    items = _timeline_items(applicant_client.get(url).content.decode())
    assert len(_acceptance_steps(items)) == 1, items
    assert [i.split(" ")[0] for i in items][:4] == (
        ["提交申报", "受理", "退回补正", "补正后重新提交"] if accepted_first
        else ["提交申报", "退回补正", "补正后重新提交", "待受理"])
    back = next(i for i in items if i.startswith("退回补正"))
    assert "办理期限" not in back
    again = next(i for i in items if i.startswith("补正后重新提交"))
    assert "办理期限" in again  # the correction had its own deadline (10 working days)
