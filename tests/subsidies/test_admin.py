"""Admin: scoped changelists with constant queries, workflow steps through services, parameter edits with history,
evidence downloads, and the denials."""

from __future__ import annotations

from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from subsidies.models import Application, Award, BudgetPool, RuleParameter
from subsidies.models import ApplicationStatus as S
from subsidies.services import application_approve, application_create

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db
ADMIN = "/admin/subsidies"


def test_reviewer_works_the_application_in_admin(client, submitted, reviewer, units):
    client.force_login(reviewer)
    page = client.get(f"{ADMIN}/application/{submitted.pk}/change/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "受理" in text and "测算过程" in text and "240000.00" in text and "按比例计算" in text and "rate × base" not in text
    assert client.post(f"{ADMIN}/application/{submitted.pk}/step/accept/", {"note": ""}).status_code == 302
    client.post(f"{ADMIN}/application/{submitted.pk}/step/review_start/", {"note": ""})
    too_much = client.post(f"{ADMIN}/application/{submitted.pk}/step/approve/", {"amount": "999999"}, follow=True)
    assert "超过测算上限" in too_much.content.decode()
    no_reason = client.post(f"{ADMIN}/application/{submitted.pk}/step/approve/", {"amount": "200000"})
    assert no_reason.status_code == 200 and "核减理由" in str(no_reason.context["form"].errors["note"])
    assert 'value="200000"' in no_reason.content.decode()  # the amount typed is kept
    assert client.post(f"{ADMIN}/application/{submitted.pk}/step/approve/",
                       {"amount": "200000", "note": "部分算力发票不在申报期内"}).status_code == 302
    submitted.refresh_from_db()
    assert submitted.status == S.APPROVED and submitted.approved_amount == Decimal("200000.00")
    evidence = submitted.evidence.first()
    download = client.get(f"/files/subsidies/evidence/{evidence.pk}/file/")
    assert download.status_code == 200


def test_other_unit_and_applicants_are_refused(client, submitted, reviewer_gxj, applicant):
    client.force_login(reviewer_gxj)
    assert client.get(f"{ADMIN}/application/{submitted.pk}/change/").status_code in (302, 404)
    assert client.get(f"{ADMIN}/application/{submitted.pk}/step/accept/").status_code == 404
    listing = client.get(f"{ADMIN}/application/")
    assert listing.status_code == 200 and submitted.number not in listing.content.decode()
    assert client.get(f"/files/subsidies/evidence/{submitted.evidence.first().pk}/file/").status_code == 404
    user, _ = applicant
    client.force_login(user)
    assert client.get(f"{ADMIN}/application/").status_code == 302  # not staff: sent to the admin login


def test_changelist_query_count_is_constant(client, make_call, make_applicant, reviewer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from subsidies.services import application_submit, evidence_add

    from .conftest import PDF

    call = make_call(["DE-09"])
    client.force_login(reviewer)

    def count_with(n):
        while Application.objects.exclude(status=S.DRAFT).count() < n:
            user, enterprise = make_applicant(f"cl{Application.objects.count()}")
            app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                                     facts={"compute_service_invoiced": "100000"}, acting_user=user)
            evidence_add(application=app, uploaded_file=SimpleUploadedFile("f.pdf", PDF), kind="invoice",
                         acting_user=user)
            application_submit(application=app, acting_user=user)
        client.get(f"{ADMIN}/application/?all=")
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"{ADMIN}/application/")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    assert count_with(5) == count_with(40)


def test_parameter_edit_is_dated_data_with_history(client, city_admin, units, reviewer):
    from subsidies.calculator import calculate

    client.force_login(city_admin)
    rule_param = RuleParameter.objects.get(rule__code="DE-09", name="annual_cap")
    response = client.post(f"{ADMIN}/ruleparameter/add/", {
        "rule": rule_param.rule_id, "name": "annual_cap", "value": "200000", "valid_from": "2028-01-01",
        "valid_to": "", "note": "2028年度调整"})
    assert response.status_code == 302, response.content.decode()[:2000]
    new = RuleParameter.objects.get(rule__code="DE-09", name="annual_cap", valid_from="2028-01-01")
    assert new.history.first().history_user == city_admin
    assert calculate("DE-09", {"compute_service_invoiced": 1000000}, on="2028-03-01")["amount"] == "200000.00"
    assert calculate("DE-09", {"compute_service_invoiced": 1000000}, on="2027-03-01")["amount"] == "300000.00"
    bad = client.post(f"{ADMIN}/ruleparameter/add/", {
        "rule": rule_param.rule_id, "name": "annual_cap", "value": "国家级：1", "valid_from": "2029-01-01"})
    assert bad.status_code == 200 and "应为一个非负数字" in bad.content.decode()
    client.force_login(reviewer)  # a program officer may not change rule parameters
    assert client.post(f"{ADMIN}/ruleparameter/{new.pk}/change/", {
        "rule": rule_param.rule_id, "name": "annual_cap", "value": '"1"', "valid_from": "2028-01-01"}
    ).status_code == 403


def test_pool_total_cannot_drop_below_money_already_reserved(client, submitted, reviewer, city_admin):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=reviewer)
    pool = BudgetPool.objects.get(call=app.call, level="city")
    client.force_login(city_admin)
    response = client.post(f"{ADMIN}/budgetpool/{pool.pk}/change/", {
        "call": pool.call_id, "level": "city", "county": "", "amount": "50000", "budget_unit": "",
        "budget_doc_number": "", "budget_summary": "", "parent_budget_doc_number": ""})
    assert response.status_code == 200 and "不能低于" in response.content.decode()
    pool.refresh_from_db()
    assert pool.amount == Decimal("1000000.00")


def test_award_export_action_streams_a_workbook(client, submitted, reviewer, finance):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=reviewer)
    client.force_login(finance)
    award = Award.objects.get()
    response = client.post(f"{ADMIN}/award/", {"action": "export_selected_year", "_selected_action": [award.pk]})
    assert response.status_code == 200
    import io

    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    *rows, total = list(wb.worksheets[0].iter_rows(values_only=True))[1:]
    assert sum(Decimal(str(r[4])) for r in rows) == Decimal("200000.00")
    assert total[0] == "合计" and Decimal(str(total[4])) == Decimal("200000.00")
