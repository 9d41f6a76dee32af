"""Application workflow through the services: states, due dates, 补正 clock, duplicates, evidence checks, money."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from portal.models import AuditLog
from portal.workdays import add_workdays
from subsidies.models import Application, ApplicationEvent, Award, AwardStatus, BudgetPool, Evidence
from subsidies.models import ApplicationStatus as S
from subsidies.selectors import application_timeline
from subsidies.services import (
    application_accept,
    application_approve,
    application_cancel,
    application_create,
    application_disburse,
    application_publicity_close,
    application_publicity_start,
    application_reject,
    application_resubmit,
    application_return_for_correction,
    application_score,
    application_submit,
    application_update,
    application_withdraw,
    evidence_add,
    objection_record,
    objection_resolve,
)

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db


def pools(call):
    return {(p.level, p.county.code if p.county else ""): p for p in BudgetPool.objects.filter(call=call)}


def test_full_path_reserves_commits_and_records_everything(submitted, reviewer, finance, units):
    app = submitted
    today = timezone.localdate()
    assert app.status == S.SUBMITTED and app.ceiling == Decimal("240000.00")
    assert app.due_on == add_workdays(today, 5) and app.number.startswith(f"{app.period}-DE-09-")
    advance_to_review(app, reviewer)
    assert app.status == S.UNDER_REVIEW and app.due_on == add_workdays(today, 20)
    award = application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=reviewer)
    p = pools(app.call)
    assert (award.city_amount, award.county_amount) == (Decimal("100000.00"), Decimal("100000.00"))
    assert p[("city", "")].reserved == Decimal("100000.00")
    assert p[("county", "C-350582")].reserved == Decimal("100000.00")
    assert p[("county", "C-350503")].reserved == 0
    application_publicity_start(application=app, acting_user=reviewer)
    app.refresh_from_db()
    assert app.status == S.PUBLICITY and app.publicity_ends_on == add_workdays(today, 5)
    with pytest.raises(ValidationError, match="尚未期满"):
        application_publicity_close(application=app, acting_user=reviewer)
    Application.objects.filter(pk=app.pk).update(publicity_ends_on=today - dt.timedelta(days=1))
    application_publicity_close(application=app, acting_user=reviewer)
    with pytest.raises(PermissionDenied):
        application_disburse(application=app, acting_user=reviewer)
    application_disburse(application=app, acting_user=finance, payment_reference="GK-1", paid_on=today)
    app.refresh_from_db()
    award.refresh_from_db()
    p = pools(app.call)
    assert app.status == S.DISBURSED and award.status == AwardStatus.COMMITTED
    assert p[("city", "")].reserved == 0 and p[("city", "")].committed == Decimal("100000.00")
    assert p[("county", "C-350582")].committed == Decimal("100000.00")
    actions = list(ApplicationEvent.objects.filter(application=app).values_list("action", flat=True))
    assert actions == ["submit", "accept", "review_start", "approve", "publicity_start", "publicity_close", "disburse"]
    assert AuditLog.objects.filter(object_id=str(app.pk), action__startswith="subsidies.application.").count() >= 7
    assert app.history.count() >= 7
    steps = application_timeline(app)
    assert [s["status"] for s in steps] == ["done"] * 7 and steps[1]["label"] == "受理"


def test_events_are_append_only(submitted):
    event = ApplicationEvent.objects.filter(application=submitted).first()
    with pytest.raises(PermissionDenied):
        event.save()
    with pytest.raises(PermissionDenied):
        event.delete()
    with pytest.raises(PermissionDenied):
        ApplicationEvent.objects.filter(pk=event.pk).update(note="x")
    with pytest.raises(PermissionDenied):
        ApplicationEvent.objects.all().delete()
    with pytest.raises(PermissionDenied):
        submitted.delete()


def test_correction_pauses_and_resumes_the_review_clock(submitted, reviewer, applicant):
    user, _ = applicant
    app = submitted
    application_accept(application=app, acting_user=reviewer)
    app.refresh_from_db()
    Application.objects.filter(pk=app.pk).update(due_on=add_workdays(timezone.localdate(), 12))
    app.refresh_from_db()
    with pytest.raises(ValidationError):
        application_return_for_correction(application=app, acting_user=reviewer, reason=" ")
    application_return_for_correction(application=app, acting_user=reviewer, reason="请补充发票原件")
    app.refresh_from_db()
    assert app.status == S.RETURNED and app.paused_remaining_workdays == 12
    assert app.due_on == add_workdays(timezone.localdate(), 10) and app.returned_from == S.ACCEPTED
    assert app.enterprise.members.first().user.notifications.filter(title__contains="补正").exists()
    application_update(application=app, facts={"compute_service_invoiced": "900000"}, acting_user=user)
    application_resubmit(application=app, acting_user=user, note="已补充")
    app.refresh_from_db()
    assert app.status == S.ACCEPTED and app.due_on == add_workdays(timezone.localdate(), 12)
    assert app.ceiling == Decimal("270000.00") and app.paused_remaining_workdays is None
    labels = [s["label"] for s in application_timeline(app) if s["status"] == "done"]
    assert labels == ["提交申报", "受理", "退回补正", "补正后重新提交"]


def test_states_and_roles_are_enforced(submitted, reviewer, reviewer_gxj, applicant, other_applicant):
    user, _ = applicant
    other, _ = other_applicant
    with pytest.raises(PermissionDenied):
        application_accept(application=submitted, acting_user=user)  # applicant is not a reviewer
    with pytest.raises(PermissionDenied):
        application_accept(application=submitted, acting_user=reviewer_gxj)  # not the responsible unit
    with pytest.raises(PermissionDenied):
        application_withdraw(application=submitted, acting_user=other, reason="x")
    with pytest.raises(ValidationError, match="不能执行"):  # the right reviewer, the wrong state: refused at the state
        application_approve(application=submitted, amount="1", note="经审核，按实际核定", acting_user=reviewer)  # not under review yet
    with pytest.raises(PermissionDenied):
        application_update(application=submitted, facts={}, acting_user=user)  # submitted: no edits
    application_reject(application=submitted, acting_user=reviewer, reason="材料不实")
    submitted.refresh_from_db()
    assert submitted.status == S.REJECTED and submitted.decision_reason == "材料不实"
    with pytest.raises(ValidationError, match="不能执行"):
        application_withdraw(application=submitted, acting_user=user, reason="x")


def test_approval_refuses_more_than_the_ceiling_and_bad_amounts(submitted, reviewer):
    app = advance_to_review(submitted, reviewer)
    for bad in ("240000.01", "0", "-5", "abc", "1.001"):
        with pytest.raises(ValidationError):
            application_approve(application=app, amount=bad, note="经审核，按实际核定", acting_user=reviewer)
    assert not Award.objects.exists()
    award = application_approve(application=app, amount="240000.00", note="经审核，按实际核定", acting_user=reviewer)
    assert award.amount == Decimal("240000.00")


def test_pool_exhaustion_is_refused(make_call, applicant, reviewer, pdf):
    user, enterprise = applicant
    call = make_call(["DE-09"], city="100000", counties={"C-350582": "150000"})
    app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                             facts={"compute_service_invoiced": "800000"}, acting_user=user)
    evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
    application_submit(application=app, acting_user=user)
    advance_to_review(app, reviewer)
    with pytest.raises(ValidationError, match="余额不足"):
        application_approve(application=app, amount="240000", note="经审核，按实际核定", acting_user=reviewer)
    assert BudgetPool.objects.filter(call=call, reserved__gt=0).count() == 0
    application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=reviewer)
    assert BudgetPool.objects.get(call=call, level="city").available == 0


def test_per_enterprise_annual_cap_from_award_history(make_call, applicant, reviewer, pdf):
    user, enterprise = applicant
    call = make_call(["DE-09"], city="5000000", counties={"C-350582": "5000000"})
    apps = []
    for _ in range(2):
        app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                                 facts={"compute_service_invoiced": "700000"}, acting_user=user)
        evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
        application_submit(application=app, acting_user=user)
        apps.append(advance_to_review(app, reviewer))
    assert apps[1].is_duplicate and apps[1].duplicate_of_id == apps[0].pk and not apps[0].is_duplicate
    application_approve(application=apps[0], amount="210000", note="经审核，按实际核定", acting_user=reviewer)
    with pytest.raises(ValidationError, match="超过测算上限 90000.00"):
        application_approve(application=apps[1], amount="210000", note="经审核，按实际核定", acting_user=reviewer)
    application_approve(application=apps[1], amount="90000", note="经审核，按实际核定", acting_user=reviewer)
    # withdrawal releases the money and the cap room
    application_withdraw(application=apps[0], acting_user=user, reason="放弃")
    assert Award.objects.get(application=apps[0]).status == AwardStatus.RELEASED
    city = BudgetPool.objects.get(call=call, level="city")
    assert city.reserved == Decimal("45000.00")


def test_competitive_limit_needs_scores_and_stops_at_the_limit(make_call, make_applicant, reviewer, pdf):
    call = make_call(["DE-17"], city="10000000", counties={})
    from subsidies.models import Rule

    Rule.objects.filter(code="DE-17").update(competitive_limit=2, responsible_unit=reviewer.memberships.first()
                                             .organization)
    apps = []
    for n in range(3):
        user, enterprise = make_applicant(f"cmp{n}")
        app = application_create(call=call, enterprise=enterprise, rule_code="DE-17", facts={"selected": False},
                                 acting_user=user)
        evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
        application_submit(application=app, acting_user=user)
        app.refresh_from_db()
        assert app.calculation["eligible"] is False  # not yet selected: submission still allowed
        apps.append(advance_to_review(app, reviewer))
    with pytest.raises(ValidationError, match="专家评分"):
        application_approve(application=apps[0], amount="500000", note="经审核，按实际核定", acting_user=reviewer)
    for app in apps:
        application_score(application=app, score="88.5", acting_user=reviewer, comment="成效显著")
    application_approve(application=apps[0], amount="500000", note="经审核，按实际核定", acting_user=reviewer)
    application_approve(application=apps[1], amount="400000", note="经审核，按实际核定", acting_user=reviewer)
    with pytest.raises(ValidationError, match="每年评选不超过 2 个"):
        application_approve(application=apps[2], amount="500000", note="经审核，按实际核定", acting_user=reviewer)
    a0 = Award.objects.get(application=apps[0])
    assert (a0.city_amount, a0.county_amount, a0.county_pool) == (Decimal("500000.00"), 0, None)


def test_objection_upheld_cancels_and_releases(submitted, reviewer):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="100000", note="经审核，按实际核定", acting_user=reviewer)
    application_publicity_start(application=app, acting_user=reviewer)
    objection = objection_record(application=app, objector="某企业", content="营收数据不实", acting_user=reviewer)
    Application.objects.filter(pk=app.pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=3))
    with pytest.raises(ValidationError, match="异议"):
        application_publicity_close(application=app, acting_user=reviewer)
    objection_resolve(objection=objection, upheld=True, resolution="经核实属实", acting_user=reviewer)
    app.refresh_from_db()
    assert app.status == S.CANCELLED
    assert sum(p.reserved for p in BudgetPool.objects.filter(call=app.call)) == 0


def test_staff_cancel_requires_reason(submitted, reviewer):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="100000", note="经审核，按实际核定", acting_user=reviewer)
    with pytest.raises(ValidationError):
        application_cancel(application=app, acting_user=reviewer, reason="")


def test_submission_checks(make_call, applicant, pdf, units):
    user, enterprise = applicant
    call = make_call(["DE-09"])
    with pytest.raises(ValidationError, match="不受理"):
        application_create(call=call, enterprise=enterprise, rule_code="DE-03", facts={}, acting_user=user)
    with pytest.raises(ValidationError) as info:
        application_create(call=call, enterprise=enterprise, rule_code="DE-09", facts={"x": 1}, acting_user=user)
    assert "facts" in info.value.message_dict
    app = application_create(call=call, enterprise=enterprise, rule_code="DE-09", facts={}, acting_user=user)
    with pytest.raises(ValidationError, match="缺少必填项"):
        application_submit(application=app, acting_user=user)
    application_update(application=app, facts={"compute_service_invoiced": "100000"}, acting_user=user)
    with pytest.raises(ValidationError, match="发票"):
        application_submit(application=app, acting_user=user)
    closed = make_call(["DE-09"])
    closed.closes_on = timezone.localdate() - dt.timedelta(days=1)
    closed.save()
    with pytest.raises(ValidationError, match="不在申报期内"):
        application_create(call=closed, enterprise=enterprise, rule_code="DE-09", facts={}, acting_user=user)


def test_cannot_apply_for_another_enterprise(make_call, applicant, other_applicant):
    user, _ = applicant
    _, other_enterprise = other_applicant
    with pytest.raises(PermissionDenied):
        application_create(call=make_call(["DE-09"]), enterprise=other_enterprise, rule_code="DE-09", facts={},
                           acting_user=user)


def test_evidence_type_size_and_content_checks(make_call, applicant, pdf):
    user, enterprise = applicant
    app = application_create(call=make_call(["DE-09"]), enterprise=enterprise, rule_code="DE-09", facts={},
                             acting_user=user)
    bad = [
        SimpleUploadedFile("x.exe", b"MZ...."),
        SimpleUploadedFile("x.pdf", b"<html>not a pdf</html>"),
        SimpleUploadedFile("x.png", b"%PDF-1.4 pretending"),
        SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024)),
        SimpleUploadedFile("empty.pdf", b""),
    ]
    for upload in bad:
        with pytest.raises(ValidationError):
            evidence_add(application=app, uploaded_file=upload, kind="invoice", acting_user=user)
    with pytest.raises(ValidationError, match="材料类型"):
        evidence_add(application=app, uploaded_file=pdf(), kind="passport", acting_user=user)
    ok = evidence_add(application=app, uploaded_file=SimpleUploadedFile("../../etc/发票.PDF", b"%PDF-1.7 ok"),
                      kind="invoice", acting_user=user)
    assert ok.original_name == "发票.PDF" and ok.content_type == "application/pdf" and ok.size == 11
    assert ok.file.name.startswith("subsidies/evidence/") and ".." not in ok.file.name
    png = evidence_add(application=app, uploaded_file=SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n...."),
                       kind="other", acting_user=user)
    assert png.content_type == "image/png"
    assert Evidence.objects.filter(application=app).count() == 2


def test_timeline_marks_overdue(submitted):
    Application.objects.filter(pk=submitted.pk).update(due_on=timezone.localdate() - dt.timedelta(days=1))
    submitted.refresh_from_db()
    assert submitted.is_overdue
    current = [s for s in application_timeline(submitted) if s["status"] == "current"]
    assert current[0]["label"] == "待受理" and current[0]["is_overdue"] is True
