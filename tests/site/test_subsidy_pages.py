"""Applicant-site subsidy pages: policies, 试算, applications, evidence, 补正, decisions — and id tampering."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from subsidies.models import Application, ApplicationStatus, Evidence

from .conftest import PDF_BYTES


@pytest.fixture(autouse=True)
def _media(media_root):
    return media_root


def test_policy_list_groups_rules_by_family_with_open_calls(client, de09_call):
    html = client.get(reverse("subsidies_site:policy_list")).content.decode()
    for family in ("平台经济", "数字经济", "制造业数字化转型", "跨境电商"):
        assert family in html
    assert "算力资源租用补助" in html and "泉政办规〔2025〕18号 三(一)" in html
    assert reverse("subsidies_site:application_start", args=[de09_call.pk]) in html
    # PE-04 was superseded on 2026-02-01 (MDX-02): not listed as in force
    assert "工业互联网示范工程补助(2021)" not in html


def test_tryout_shows_amount_split_steps_and_citation(client, db):
    url = reverse("subsidies_site:rule_detail", args=["DE-09"])
    response = client.post(url, {"compute_service_invoiced": "800000", "on": "2026-06-01"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "240000.00" in html and "120000.00" in html
    assert "泉政办规〔2025〕18号 三(一)" in html and "计算过程" in html


def test_tryout_not_eligible_explains_why(client, db):
    response = client.post(reverse("subsidies_site:rule_detail", args=["PE-11"]),
                           {"newly_connected_enterprises": "29", "on": "2026-06-01"})
    html = response.content.decode()
    assert "不符合奖补条件" in html and "0.00" in html


def test_tryout_wrong_input_message_next_to_field_keeps_value(client, db):
    url = reverse("subsidies_site:rule_detail", args=["DE-09"])
    response = client.post(url, {"compute_service_invoiced": "-5", "on": "2026-06-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_compute_service_invoiced_error"' in html and "负数" in html
    assert 'value="-5"' in html
    response = client.post(url, {"compute_service_invoiced": "abc"})
    assert 'id="id_compute_service_invoiced_error"' in response.content.decode()


def test_tryout_form_is_generated_from_facts(client, db):
    html = client.get(reverse("subsidies_site:rule_detail", args=["DE-05"])).content.decode()
    assert 'name="award_levels"' in html and 'type="checkbox"' in html  # multi choice
    assert 'name="in_use_with_benefits"' in html and 'type="radio"' in html  # bool as 是/否
    assert client.get(reverse("subsidies_site:rule_detail", args=["XX-99"])).status_code == 404


def test_apply_upload_submit_and_see_timeline(client, applicant, de09_call):
    client.force_login(applicant)
    start = reverse("subsidies_site:application_start", args=[de09_call.pk])
    response = client.post(start, {"rule": "DE-09", "compute_service_invoiced": "800000"})
    assert response.status_code == 302
    app = Application.objects.get(enterprise__members__user=applicant)
    assert app.status == ApplicationStatus.DRAFT and app.facts == {"compute_service_invoiced": "800000"}
    detail = reverse("subsidies_site:application_detail", args=[app.pk])
    assert "算力服务发票" in client.get(detail).content.decode()  # missing required evidence is named
    upload = reverse("subsidies_site:evidence_upload", args=[app.pk])
    response = client.post(upload, {"kind": "invoice", "file": SimpleUploadedFile("发票.pdf", PDF_BYTES)})
    assert response.status_code == 302
    evidence = Evidence.objects.get(application=app)
    from django.conf import settings

    assert str(evidence.file.path).startswith(str(settings.MEDIA_ROOT))  # outside the web root, no MEDIA_URL
    assert settings.MEDIA_URL is None and evidence.original_name == "发票.pdf"
    assert client.post(reverse("subsidies_site:application_submit", args=[app.pk])).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED and app.ceiling == Decimal("240000.00")
    html = client.get(detail).content.decode()
    assert "已提交待受理" in html and "办理期限" in html and app.due_on.strftime("%Y-%m-%d") in html
    assert "待受理" in html


def test_application_form_errors_save_nothing(client, applicant, de09_call):
    client.force_login(applicant)
    start = reverse("subsidies_site:application_start", args=[de09_call.pk])
    response = client.post(start, {"rule": "DE-09", "compute_service_invoiced": "12.345"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_compute_service_invoiced_error"' in html and 'value="12.345"' in html
    assert not Application.objects.exists()


@pytest.mark.parametrize("name,content,message", [
    ("virus.exe", b"MZ\x90\x00", "不支持"),
    ("fake.pdf", b"not a pdf at all", "内容与扩展名"),
])
def test_evidence_wrong_type_is_refused_next_to_field(client, applicant, make_application, name, content, message):
    app = make_application(applicant, submit=False)
    client.force_login(applicant)
    response = client.post(reverse("subsidies_site:evidence_upload", args=[app.pk]),
                           {"kind": "invoice", "file": SimpleUploadedFile(name, content)})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_file_error"' in html and message in html
    assert Evidence.objects.filter(application=app).count() == 1


def test_evidence_too_large_is_refused(client, applicant, make_application, monkeypatch):
    from subsidies import site_forms

    monkeypatch.setattr(site_forms, "EVIDENCE_MAX_BYTES", 100)
    app = make_application(applicant, submit=False)
    client.force_login(applicant)
    response = client.post(reverse("subsidies_site:evidence_upload", args=[app.pk]),
                           {"kind": "invoice", "file": SimpleUploadedFile("big.pdf", PDF_BYTES + b"x" * 200)})
    assert response.status_code == 400 and "超过" in response.content.decode()


def test_owner_downloads_evidence_with_safe_headers(client, applicant, make_application):
    app = make_application(applicant)
    evidence = Evidence.objects.get(application=app)
    client.force_login(applicant)
    response = client.get(f"/files/subsidies/evidence/{evidence.pk}/file/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF_BYTES
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


# ----------------------------------------------------------------------------------- id tampering (denials)
def test_other_applicant_cannot_open_application_pages_by_id(client, applicant, other_applicant, make_application):
    app = make_application(applicant)
    client.force_login(other_applicant)
    for name in ("application_detail", "application_edit", "application_decision"):
        assert client.get(reverse(f"subsidies_site:{name}", args=[app.pk])).status_code == 404, name
    for name in ("application_submit", "application_resubmit", "application_withdraw", "evidence_upload"):
        response = client.post(reverse(f"subsidies_site:{name}", args=[app.pk]), {"reason": "x", "note": "x"})
        assert response.status_code == 404, name
    app.refresh_from_db()
    assert app.status == ApplicationStatus.SUBMITTED
    html = client.get(reverse("subsidies_site:my_applications")).content.decode()
    assert app.number not in html


def test_other_applicant_cannot_download_evidence_by_id(client, applicant, other_applicant, make_application):
    evidence = Evidence.objects.get(application=make_application(applicant))
    client.force_login(other_applicant)
    assert client.get(f"/files/subsidies/evidence/{evidence.pk}/file/").status_code == 404
    client.logout()
    response = client.get(f"/files/subsidies/evidence/{evidence.pk}/file/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_other_applicant_cannot_read_decision(client, applicant, other_applicant, make_application,
                                              program_officer):
    from subsidies.services import application_accept, application_approve, application_review_start

    app = make_application(applicant)
    application_accept(application=app, acting_user=program_officer)
    application_review_start(application=app, acting_user=program_officer)
    application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=program_officer)
    client.force_login(other_applicant)
    assert client.get(reverse("subsidies_site:application_decision", args=[app.pk])).status_code == 404
    client.force_login(applicant)
    html = client.get(reverse("subsidies_site:application_decision", args=[app.pk])).content.decode()
    assert "200000.00" in html and "100000.00" in html and "打印" in html


def test_staff_of_responsible_unit_may_download_but_applicant_pages_need_enterprise(client, applicant,
                                                                                    make_application,
                                                                                    program_officer):
    evidence = Evidence.objects.get(application=make_application(applicant))
    client.force_login(program_officer)
    assert client.get(f"/files/subsidies/evidence/{evidence.pk}/file/").status_code == 200
    response = client.get(reverse("subsidies_site:my_applications"))
    assert response.status_code == 403 and "申报主体" in response.content.decode()


# ----------------------------------------------------------------------------------- 补正, withdraw
def test_correction_cycle_pauses_and_resumes_the_clock(client, applicant, make_application, program_officer):
    from portal.models import Notification
    from subsidies.services import application_accept, application_return_for_correction

    app = make_application(applicant)
    application_accept(application=app, acting_user=program_officer)
    application_return_for_correction(application=app, acting_user=program_officer, reason="发票金额与合同不符")
    assert Notification.objects.filter(recipient=applicant, title__contains="补正").exists()
    client.force_login(applicant)
    detail = reverse("subsidies_site:application_detail", args=[app.pk])
    html = client.get(detail).content.decode()
    assert "发票金额与合同不符" in html and "审核计时已暂停" in html and "提交补正" in html
    edit = reverse("subsidies_site:application_edit", args=[app.pk])
    assert client.post(edit, {"compute_service_invoiced": "700000"}).status_code == 302
    response = client.post(reverse("subsidies_site:application_resubmit", args=[app.pk]), {"note": "已更正金额"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.ACCEPTED and app.ceiling == Decimal("210000.00")
    assert app.paused_remaining_workdays is None and app.due_on is not None


def test_withdraw_needs_reason_next_to_field(client, applicant, make_application):
    app = make_application(applicant)
    client.force_login(applicant)
    url = reverse("subsidies_site:application_withdraw", args=[app.pk])
    response = client.post(url, {"reason": ""})
    assert response.status_code == 400 and 'id="id_reason_error"' in response.content.decode()
    assert client.post(url, {"reason": "项目暂缓"}).status_code == 302
    app.refresh_from_db()
    assert app.status == ApplicationStatus.WITHDRAWN


def test_submitted_application_cannot_be_edited(client, applicant, make_application):
    app = make_application(applicant)
    client.force_login(applicant)
    response = client.post(reverse("subsidies_site:application_edit", args=[app.pk]),
                           {"compute_service_invoiced": "1"})
    assert response.status_code == 302
    app.refresh_from_db()
    assert app.facts == {"compute_service_invoiced": "800000"}


def test_my_applications_query_count_is_constant(client, applicant, make_application):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(applicant)
    url = reverse("subsidies_site:my_applications")
    for _ in range(3):
        make_application(applicant, submit=False)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    for _ in range(12):
        make_application(applicant, submit=False)
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(large) == len(small)
