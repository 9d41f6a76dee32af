"""Partial drafts (facts checked as far as they are filled, completeness at submit) and the Chinese trace captions."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from subsidies.calculator import calculate
from subsidies.models import Application, ApplicationStatus
from subsidies.trace import trace_caption, trace_rows

from .conftest import PDF_BYTES


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def _visible(html: str) -> str:
    """The page without attribute values (title="…" is not visible text)."""
    return re.sub(r'\s[\w-]+="[^"]*"', "", html)


def test_draft_saves_with_missing_facts_and_submit_reports_them_next_to_fields(client, applicant, de09_call):
    client.force_login(applicant)
    start = reverse("subsidies_site:application_start", args=[de09_call.pk])
    response = client.post(start, {"rule": "DE-09", "compute_service_invoiced": ""})
    assert response.status_code == 302
    app = Application.objects.get(enterprise__members__user=applicant)
    assert app.status == ApplicationStatus.DRAFT and app.facts == {}
    upload = reverse("subsidies_site:evidence_upload", args=[app.pk])
    assert client.post(upload, {"kind": "invoice", "file": SimpleUploadedFile("发票.pdf", PDF_BYTES)}).status_code == 302

    response = client.post(reverse("subsidies_site:application_submit", args=[app.pk]))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_compute_service_invoiced_error"' in html and "请填写：算力租用年度服务费" in html
    assert "尚未提交" in html
    assert f'action="{reverse("subsidies_site:application_edit", args=[app.pk])}"' in html
    app.refresh_from_db()
    assert app.status == ApplicationStatus.DRAFT and app.submitted_at is None and app.ceiling is None

    edit = reverse("subsidies_site:application_edit", args=[app.pk])
    response = client.post(edit, {"compute_service_invoiced": "800000"})
    assert response.status_code == 302
    assert client.post(reverse("subsidies_site:application_submit", args=[app.pk])).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.ceiling == Decimal("240000.00")


def test_draft_still_refuses_malformed_or_negative_facts(client, applicant, de09_call):
    client.force_login(applicant)
    start = reverse("subsidies_site:application_start", args=[de09_call.pk])
    for value in ("-5", "abc"):
        response = client.post(start, {"rule": "DE-09", "compute_service_invoiced": value})
        assert response.status_code == 400
        html = response.content.decode()
        assert 'id="id_compute_service_invoiced_error"' in html and f'value="{value}"' in html
    assert "负数" in client.post(start, {"rule": "DE-09", "compute_service_invoiced": "-5"}).content.decode()
    assert not Application.objects.exists()


def test_saving_a_partial_draft_names_what_is_still_missing(client, applicant, make_application):
    app = make_application(applicant, submit=False)
    client.force_login(applicant)
    response = client.post(reverse("subsidies_site:application_edit", args=[app.pk]),
                           {"compute_service_invoiced": ""}, follow=True)
    app.refresh_from_db()
    assert app.facts == {} and "尚未填写：算力租用年度服务费" in response.content.decode()


def test_tryout_trace_has_chinese_captions_and_no_raw_steps(client, db):
    response = client.post(reverse("subsidies_site:rule_detail", args=["DE-09"]),
                           {"compute_service_invoiced": "800000", "on": "2026-06-01"})
    html = response.content.decode()
    result = calculate("DE-09", {"compute_service_invoiced": "800000"}, on=dt.date(2026, 6, 1))
    steps = [t["step"] for t in result["trace"]]
    steps_list = html.split('data-testid="trace-steps"', 1)[1].split("</ol>", 1)[0]
    assert steps and steps_list.count("<li>") == len(steps)
    for step in steps:
        assert step not in unescape(html)
    visible = unescape(_visible(html))
    assert "政策适用期核对" in visible and "计算步骤" not in visible
    assert "<code>" not in html


def test_decision_page_shows_captioned_trace(client, applicant, make_application):
    app = make_application(applicant)
    client.force_login(applicant)
    html = client.get(reverse("subsidies_site:application_decision", args=[app.pk])).content.decode()
    visible = unescape(_visible(html))
    assert "测算过程" in visible and "政策适用期核对" in visible
    for item in app.calculation["trace"]:
        assert item["step"] not in visible


def test_calculator_json_keeps_english_steps(db):
    result = calculate("DE-09", {"compute_service_invoiced": "800000"})
    rows = trace_rows(result)
    assert [r["step"] for r in rows] == [t["step"] for t in result["trace"]]
    assert all(set(t) == {"step", "value", "citation"} for t in result["trace"])


@pytest.mark.parametrize("step,caption", [
    ("in force 2026-02-01 .. 2029-12-31 on 2026-06-01", "政策适用期核对"),
    ("threshold: compute_service_invoiced ≥ 100", "门槛：算力租用年度服务费（以发票金额为准，元）"),
    ("rate × base: 30% × compute_service_invoiced", "按比例计算：算力租用年度服务费（以发票金额为准，元）"),
    ("tier cap: x ≥ 10 → 100", "分档上限：相关数据"),
    ("annual cap 500000 − 2026 history 0", "年度上限（扣除当年已获奖补）"),
    ("cumulative cap 1000000 − history 0", "累计上限（扣除已获奖补）"),
    ("difference: − history 100", "扣除已获同类奖补"),
    ("funding split city:county = 1:1 → city", "资金分担（市级承担部分）"),
    ("base: compute_service_invoiced", "计算基数：算力租用年度服务费（以发票金额为准，元）"),
    ("something new", "计算步骤"),
])
def test_trace_caption(step, caption):
    labels = {"compute_service_invoiced": "算力租用年度服务费（以发票金额为准，元）"}
    assert trace_caption(step, labels) == caption
