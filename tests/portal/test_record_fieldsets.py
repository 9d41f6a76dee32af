"""Record pages: fields grouped in fieldsets, empty optional groups collapsed (issue 12 §3).

A titled group (not the first) whose fields are all empty on the record and none required is a closed ``<details>``
(``portal.admin_base.CollapseEmptyGroupsMixin``); groups with content, the add page and posted forms stay open. The
steps of a 数据纠错 (QZ §七(一)(二): 分析分派 → 5 个工作日内核实决定 → 10 个工作日内更正) and of a 奖补申报 show
only the groups already reached.
"""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import RequestFactory

from catalogs.models import CorrectionStatus, DataCorrection
from procurement.models import Tender
from sharing.models import Authorization, ShareApplication
from subsidies.models import Application, ApplicationStatus, Award
from tests.portal.test_chinese_staff_pages import login, page

pytestmark = pytest.mark.django_db


def _groups(raw: str) -> dict[str, bool]:
    """Fieldset heading → collapsed (a closed ``<details>``)?"""
    out = {}
    for chunk in raw.split('<fieldset class="module aligned')[1:]:
        classes, body = chunk.split('"', 1)
        body = body.split("</fieldset>", 1)[0]
        m = re.search(r"<h2[^>]*>(.*?)</h2>", body, re.S)
        if m:
            heading = re.sub(r"<[^>]+>", "", m.group(1)).strip()
            out[heading] = "collapse" in classes.split() and "<details>" in body[:m.start()]
    return out


def test_correction_groups_follow_its_steps(client, demo):
    reported = DataCorrection.objects.filter(status=CorrectionStatus.REPORTED).first()
    assert reported is not None
    login(client, "city_authority")
    raw, _ = page(client, f"/admin/catalogs/datacorrection/{reported.pk}/change/")
    groups = _groups(raw)
    assert groups["分析分派（技术服务单位）"] is False  # its due date is set: open
    assert groups["核实决定（数源单位，5个工作日）"] is True and groups["更正（决定更正后10个工作日）"] is True
    assert '<details open' not in raw


def test_subsidy_application_hides_steps_not_reached(client, demo):
    app = Application.objects.filter(status=ApplicationStatus.SUBMITTED, correction_request="",
                                     approved_amount__isnull=True, is_duplicate=False).first()
    assert app is not None
    login(client, "program_officer")
    raw, text = page(client, f"/admin/subsidies/application/{app.pk}/change/")
    groups = _groups(raw)
    assert groups["补正"] and groups["审核决定与公示"] and groups["重复申报核查"]
    assert groups["申报事实与测算"] is False and groups["财政拨付"] is False  # computed columns always show
    assert "record-header" in raw and raw.index("record-header") < raw.index("申报事实与测算")


def test_filled_groups_stay_open_and_add_pages_never_collapse(demo):
    from portal.admin_base import CollapseEmptyGroupsMixin

    model_admin = admin.site._registry[DataCorrection]
    assert isinstance(model_admin, CollapseEmptyGroupsMixin)
    request = RequestFactory().get("/")
    request.user = demo["users"]["city_authority"]
    done = DataCorrection.objects.exclude(decided_on=None).first()
    if done is not None:
        sets = dict(model_admin.get_fieldsets(request, done))
        assert "collapse" not in sets["核实决定（数源单位，5个工作日）"].get("classes", ())
    assert all("collapse" not in opts.get("classes", ()) for _, opts in model_admin.get_fieldsets(request, None))
    post = RequestFactory().post("/")
    post.user = request.user
    reported = DataCorrection.objects.filter(status=CorrectionStatus.REPORTED).first()
    assert all("collapse" not in opts.get("classes", ()) for _, opts in model_admin.get_fieldsets(post, reported))



@pytest.mark.parametrize("model, filters, username, open_group, collapsed_group", [
    (ShareApplication, {"status": "assessing", "rejection_reason": "", "adjustment_note": "", "agreement_reference": "",
                        "filed_with_city_at__isnull": True, "forwarded_at__isnull": True,
                        "previous_application__isnull": True}, "city_authority", "共享方式与使用期限", "审核结果"),
    (Authorization, {"status": "active"}, "city_authority", "授权范围与期限", None),
    (Tender, {"terminated_reason": ""}, "procurement_officer", "评标办法与权重", "终止"),
    (Award, {"disbursed_on__isnull": True, "payment_reference": "", "released_on__isnull": True}, "finance_officer",
     "分担与资金池", "拨付"),
])
def test_governed_records_group_their_steps(client, demo, model, filters, username, open_group, collapsed_group):
    """Issue 12 §3 on the main records of sharing, procurement and subsidies: the groups a record has reached are
    open, the later steps' groups are closed ``<details>`` (``GovernedAdmin.field_groups``)."""
    obj = model.objects.filter(**filters).first()
    assert obj is not None, model
    login(client, username)
    raw, _ = page(client, f"/admin/{model._meta.app_label}/{model._meta.model_name}/{obj.pk}/change/")
    groups = _groups(raw)
    assert groups[open_group] is False
    if collapsed_group:
        assert groups[collapsed_group] is True
