"""免申即享 push and confirm (issue 14 §4) over the seeded demo: the push reaches the enterprise, confirming creates a
submitted application marked 免申即享 from the candidate's facts (corrections only with evidence), declining is
recorded, other enterprises cannot see or answer, a failure leaves nothing behind; the 交叉核查 at approval
(bad-conduct records in force, the same project funded under another rule) on the record page and in the step."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import AuditLog, Notification
from subsidies.models import (
    Application,
    ApplicationEvent,
    ApplicationOrigin,
    Award,
    BudgetPool,
    Call,
    Evidence,
    Rule,
)
from subsidies.models import ApplicationStatus as S
from subsidies.models import CandidateStatus as C
from subsidies.services import application_accept, application_approve, application_review_start
from subsidies.services.candidates import candidate_confirm, candidate_decline
from tests.portal.test_chinese_staff_pages import login
from tests.subsidies.workflow_cases import candidate_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def user(name: str):
    return get_user_model().objects.get(username=name)


def pdf(name: str = "审计报告.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def sourced(candidate):
    """The candidate with the sources the matching job records (目录、版本、报送单位、报送日期)."""
    type(candidate).objects.filter(pk=candidate.pk).update(sources=[{
        "fact": "compute_service_invoiced", "fact_label": "算力租用年度服务费", "value": "300000",
        "entry": "企业算力服务开票信息", "version": "V2", "unit": "泉州市税务局", "submitted_on": "2026-03-02",
        "vouching_unit": "泉州市数据管理局"}])
    candidate.refresh_from_db()
    return candidate


# ----------------------------------------------------------------------------------------------- push
def test_push_sends_the_enterprise_an_in_site_message(demo):
    candidate = candidate_in(C.PUSHED)
    assert candidate.pushed_by == user("city_authority") and candidate.pushed_at is not None
    note = Notification.objects.filter(recipient=user("applicant_b"), title__contains="政策精准推送").get()
    assert "您可能符合《" in note.body and f"预计可获 {candidate.amount} 元" in note.body
    assert not Notification.objects.filter(recipient=user("applicant"), title__contains="政策精准推送").exists()


# ----------------------------------------------------------------------------------------------- confirm
def test_confirm_creates_a_submitted_proactive_application_with_the_candidates_facts(demo):
    candidate = sourced(candidate_in(C.PUSHED))
    done = candidate_confirm(candidate=candidate, acting_user=user("applicant_b"))
    app = done.application
    assert done.status == C.CONFIRMED and done.responded_by == user("applicant_b") and done.responded_at
    assert app.origin == ApplicationOrigin.PROACTIVE and app.status == S.SUBMITTED
    assert app.facts == candidate.facts and app.enterprise_id == candidate.enterprise_id
    assert app.call_id == candidate.call_id and app.rule_id == candidate.rule_id
    assert app.ceiling == candidate.amount == Decimal("90000.00")  # 30% of 300000, by the calculator at submission
    assert not app.evidence.exists()  # the call's materials are waived for 免申即享 (docs/adr/0305)
    submit = ApplicationEvent.objects.get(application=app, action="submit")
    assert "免申即享" in submit.note and "泉州市税务局" in submit.note and "企业算力服务开票信息" in submit.note
    assert AuditLog.objects.filter(action="subsidies.match_candidate.confirm", object_id=str(candidate.pk)).exists()


def test_correction_without_evidence_is_refused_and_nothing_is_created(demo):
    candidate = candidate_in(C.PUSHED)
    with pytest.raises(ValidationError) as exc:
        candidate_confirm(candidate=candidate, acting_user=user("applicant_b"),
                          corrections={"compute_service_invoiced": "250000"})
    assert "更正依据" in str(exc.value.message_dict["evidence"])
    candidate.refresh_from_db()
    assert candidate.status == C.PUSHED and candidate.application is None
    assert not Application.objects.filter(match_candidate=candidate).exists()


def test_correction_of_a_fact_the_candidate_does_not_hold_is_refused(demo):
    candidate = candidate_in(C.PUSHED)
    with pytest.raises(ValidationError) as exc:
        candidate_confirm(candidate=candidate, acting_user=user("applicant_b"), corrections={"headcount": "3"},
                          evidence=pdf())
    assert "只能更正推送中列出的事实" in str(exc.value)


def test_correction_with_evidence_is_stored_and_the_application_is_computed_from_it(demo):
    candidate = candidate_in(C.PUSHED)
    done = candidate_confirm(candidate=candidate, acting_user=user("applicant_b"),
                             corrections={"compute_service_invoiced": "250000"}, evidence=pdf())
    app = done.application
    assert done.corrections == {"compute_service_invoiced": "250000"}
    assert app.facts == {"compute_service_invoiced": "250000"} and app.ceiling == Decimal("75000.00")
    evidence = Evidence.objects.get(application=app)
    assert evidence.kind == "correction" and evidence.kind_label == "更正依据（免申即享）"
    assert evidence.original_name == "审计报告.pdf" and evidence.file.read() == PDF
    assert done.correction_evidence.name and done.correction_evidence.read() == PDF
    note = app.events.get(action="submit").note
    assert "企业更正：算力租用年度服务费" in note and "由 300000 更正为 250000" in note


def test_a_fake_evidence_file_is_refused_and_leaves_the_candidate_pushed(demo):
    candidate = candidate_in(C.PUSHED)
    fake = SimpleUploadedFile("审计报告.pdf", b"not a pdf at all", content_type="application/pdf")
    with pytest.raises(ValidationError):
        candidate_confirm(candidate=candidate, acting_user=user("applicant_b"),
                          corrections={"compute_service_invoiced": "250000"}, evidence=fake)
    candidate.refresh_from_db()
    assert candidate.status == C.PUSHED and not candidate.correction_evidence
    assert not Application.objects.filter(origin=ApplicationOrigin.PROACTIVE, enterprise=candidate.enterprise).exists()


def test_confirm_twice_is_refused(demo):
    candidate = candidate_in(C.PUSHED)
    candidate_confirm(candidate=candidate, acting_user=user("applicant_b"))
    with pytest.raises(ValidationError, match="不能执行"):
        candidate_confirm(candidate=candidate, acting_user=user("applicant_b"))
    assert Application.objects.filter(origin=ApplicationOrigin.PROACTIVE, enterprise=candidate.enterprise).count() == 1


def test_a_closed_call_leaves_the_candidate_pushed_and_no_application(demo):
    candidate = candidate_in(C.PUSHED)
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    Call.objects.filter(pk=candidate.call_id).update(closes_on=yesterday)  # the call closed after the push
    with pytest.raises(ValidationError, match="不在申报期内"):
        candidate_confirm(candidate=candidate, acting_user=user("applicant_b"))
    candidate.refresh_from_db()
    assert candidate.status == C.PUSHED and candidate.application is None and candidate.responded_at is None
    assert not Application.objects.filter(origin=ApplicationOrigin.PROACTIVE).exists()
    assert not AuditLog.objects.filter(action="subsidies.match_candidate.confirm").exists()


def test_another_enterprise_cannot_confirm_or_decline(demo):
    candidate = candidate_in(C.PUSHED)
    with pytest.raises(PermissionDenied):
        candidate_confirm(candidate=candidate, acting_user=user("applicant"))
    with pytest.raises(PermissionDenied):
        candidate_decline(candidate=candidate, acting_user=user("applicant"), reason="不需要")
    with pytest.raises(PermissionDenied):
        candidate_confirm(candidate=candidate, acting_user=user("city_authority"))
    candidate.refresh_from_db()
    assert candidate.status == C.PUSHED


def test_decline_is_recorded_with_reason_who_and_when(demo):
    candidate = candidate_in(C.PUSHED)
    done = candidate_decline(candidate=candidate, acting_user=user("applicant_b"), reason="本年度不再申报。")
    assert done.status == C.DECLINED and done.reason == "本年度不再申报。"
    assert done.responded_by == user("applicant_b") and done.responded_at is not None and done.application is None
    assert AuditLog.objects.filter(action="subsidies.match_candidate.decline", object_id=str(candidate.pk)).exists()


# ----------------------------------------------------------------------------------------------- site pages
def test_site_lists_the_push_and_shows_trace_and_sources(client, demo):
    candidate = sourced(candidate_in(C.PUSHED))
    login(client, "applicant_b")
    listing = client.get("/applications/").content.decode()
    assert "政策精准推送" in listing and "您可能符合《" in listing and f"预计可获 {candidate.amount} 元" in listing
    page = client.get(f"/pushes/{candidate.pk}/").content.decode()
    assert 'data-testid="trace-steps"' in page and "泉州市税务局" in page and "企业算力服务开票信息" in page
    assert "版本：V2" in page and "报送日期：2026-03-02" in page


def test_site_pages_of_another_enterprise_are_404(client, demo):
    candidate = candidate_in(C.PUSHED)
    login(client, "applicant")
    assert "您可能符合" not in client.get("/applications/").content.decode()
    assert client.get(f"/pushes/{candidate.pk}/").status_code == 404
    assert client.post(f"/pushes/{candidate.pk}/confirm/").status_code == 404
    assert client.post(f"/pushes/{candidate.pk}/decline/", {"reason": "x"}).status_code == 404
    candidate.refresh_from_db()
    assert candidate.status == C.PUSHED


def test_a_proposed_candidate_is_not_shown_on_the_site(client, demo):
    candidate = candidate_in(C.PROPOSED)
    login(client, "applicant_b")
    assert client.get(f"/pushes/{candidate.pk}/").status_code == 404


def test_site_confirm_redirects_to_the_new_application(client, demo):
    candidate = candidate_in(C.PUSHED)
    login(client, "applicant_b")
    response = client.post(f"/pushes/{candidate.pk}/confirm/", {"compute_service_invoiced": "300000"}, follow=True)
    candidate.refresh_from_db()
    assert candidate.status == C.CONFIRMED
    assert response.redirect_chain[-1][0] == f"/applications/{candidate.application_id}/"
    text = response.content.decode()
    assert "免申即享" in text and "已提交待受理" in text and "还缺少必需的材料" not in text


def test_site_correction_without_file_shows_the_error_next_to_the_field(client, demo):
    candidate = candidate_in(C.PUSHED)
    login(client, "applicant_b")
    response = client.post(f"/pushes/{candidate.pk}/confirm/", {"compute_service_invoiced": "250000"})
    assert response.status_code == 400 and "更正依据" in response.content.decode()
    candidate.refresh_from_db()
    assert candidate.status == C.PUSHED


def test_site_correction_with_file_and_decline(client, demo):
    first = candidate_in(C.PUSHED)
    login(client, "applicant_b")
    client.post(f"/pushes/{first.pk}/confirm/", {"compute_service_invoiced": "250000", "evidence": pdf()})
    first.refresh_from_db()
    assert first.status == C.CONFIRMED and first.application.facts["compute_service_invoiced"] == "250000"
    first.application.evidence.get(kind="correction")
    # another push (the first one moved to another period, so the match is new) declined through the site
    type(first).objects.filter(pk=first.pk).update(period=first.period + 1)
    second = candidate_in(C.PUSHED)
    response = client.post(f"/pushes/{second.pk}/decline/", {"reason": "数据有误，不再申请。"}, follow=True)
    second.refresh_from_db()
    assert second.status == C.DECLINED and second.reason == "数据有误，不再申请。"
    assert "已放弃该项推送" in response.content.decode()


def test_admin_shows_the_origin_and_the_sources(client, demo):
    candidate = sourced(candidate_in(C.PUSHED))
    app = candidate_confirm(candidate=candidate, acting_user=user("applicant_b")).application
    login(client, "city_authority")
    listing = client.get("/admin/subsidies/application/?origin__exact=proactive").content.decode()
    assert app.number in listing and "免申即享" in listing
    page = client.get(f"/admin/subsidies/application/{app.pk}/change/").content.decode()
    assert "免申即享：数据来源与企业更正" in page and "泉州市税务局" in page and "交叉核查" in page


# ----------------------------------------------------------------------------------------------- 交叉核查
def _under_review(demo):
    candidate = candidate_in(C.PUSHED)
    app = candidate_confirm(candidate=candidate, acting_user=user("applicant_b")).application
    reviewer = user("city_authority")
    application_accept(application=app, acting_user=reviewer)
    return application_review_start(application=app, acting_user=reviewer), reviewer


def _bad_conduct(enterprise, registered_on):
    from procurement.services.remedies import bad_conduct_register

    return bad_conduct_register(subject=enterprise, ground="collusion", decision_document_no="泉数监罚〔2026〕3号",
                                description="串通投标。", registered_on=registered_on,
                                acting_user=user("procurement_supervisor"))


def _award_elsewhere(enterprise, key: str) -> Award:
    """Arrange: a live award of ``enterprise`` under another rule (DE-05 赛事获奖) for project ``key``."""
    call, rule = Call.objects.get(code="DEMO-DE-DATA"), Rule.objects.get(code="DE-05")
    other = Application.objects.create(call=call, rule=rule, enterprise=enterprise, facts={}, key=key,
                                       period=call.year, number=f"{call.year}-DE-05-T0001")
    pool = BudgetPool.objects.get(call=call, level="city")
    return Award.objects.create(application=other, enterprise=enterprise, rule=rule, call=call, key=key,
                                year=call.year, amount=Decimal("30000.00"), city_amount=Decimal("30000.00"),
                                county_amount=Decimal("0.00"), city_pool=pool, approved_on=timezone.localdate())


def test_bad_conduct_in_force_needs_the_reviewers_note_then_approves(client, demo):
    app, reviewer = _under_review(demo)
    _bad_conduct(app.enterprise, timezone.localdate() - dt.timedelta(days=30))
    with pytest.raises(ValidationError) as exc:
        application_approve(application=app, amount=app.ceiling, acting_user=reviewer)
    assert "交叉核查有提示（不良行为记录）" in str(exc.value.message_dict["note"])
    login(client, "city_authority")
    page = client.get(f"/admin/subsidies/application/{app.pk}/change/").content.decode()
    assert "不良行为记录" in page and "泉数监罚〔2026〕3号" in page and "第三十九条" in page
    award = application_approve(application=app, amount=app.ceiling, acting_user=reviewer,
                                note="不良行为记录涉及招投标，非评优评先类奖补，经核实予以核定。")
    assert award.amount == app.ceiling


def test_expired_bad_conduct_does_not_count(demo):
    app, reviewer = _under_review(demo)
    _bad_conduct(app.enterprise, timezone.localdate() - dt.timedelta(days=400))  # valid one year: expired
    award = application_approve(application=app, amount=app.ceiling, acting_user=reviewer)
    assert award.amount == app.ceiling


def test_bad_conduct_blocks_a_competitive_selection(demo):
    from subsidies.review_checks import findings_refusal, review_findings

    app = (Application.objects.filter(rule__competitive_limit__isnull=False).select_related("rule", "enterprise")
           .order_by("pk").first())
    assert app is not None
    _bad_conduct(app.enterprise, timezone.localdate())
    findings = review_findings(app, on=timezone.localdate())
    assert [f.blocking for f in findings if f.check == "bad_conduct"] == [True]
    assert findings_refusal(findings, note="已核实").startswith("交叉核查不通过，不能核定")


def test_same_project_funded_under_another_rule_is_flagged(client, demo):
    app, reviewer = _under_review(demo)
    other = _award_elsewhere(app.enterprise, "QZ-PRJ-001")
    Application.objects.filter(pk=app.pk).update(key=" qz-prj-001 ")  # the same project, spelled differently
    app.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        application_approve(application=app, amount=app.ceiling, acting_user=reviewer)
    assert "同一项目多项政策奖补" in str(exc.value)
    login(client, "city_authority")
    page = client.get(f"/admin/subsidies/application/{app.pk}/change/").content.decode()
    assert "同一项目多项政策奖补" in page and other.rule.code in page
    award = application_approve(application=app, amount=app.ceiling, acting_user=reviewer,
                                note="两项政策支持内容不同（算力租用与示范项目），不属重复支持。")
    assert award.amount == app.ceiling


def test_other_rule_without_same_key_is_not_flagged(demo):
    from subsidies.review_checks import review_findings

    app, _ = _under_review(demo)
    _award_elsewhere(app.enterprise, "QZ-PRJ-001")
    Application.objects.filter(pk=app.pk).update(key="QZ-PRJ-002")
    app.refresh_from_db()
    assert [f for f in review_findings(app, on=timezone.localdate()) if f.check == "double_funding"] == []


def test_export_and_api_carry_the_origin(client, api_client, demo):
    import io

    import openpyxl

    app = candidate_confirm(candidate=candidate_in(C.PUSHED), acting_user=user("applicant_b")).application
    login(client, "city_authority")
    response = client.get("/admin/subsidies/application/export/?origin__exact=proactive")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                .active.iter_rows(values_only=True))
    header = next(r for r in rows if r and "申报方式" in r)
    line = next(r for r in rows if r and r[0] == app.number)
    assert line[header.index("申报方式")] == "免申即享"
    api_client.force_authenticate(user("applicant_b"))
    data = api_client.get(f"/api/v1/subsidies/applications/{app.pk}/").json()
    assert data["origin"] == "proactive" and data["origin_label"] == "免申即享"
