"""Issue 12 §5: 财政拨付 is a confirmed step with 支付凭证号 and 支付日期 (checked, stored on the award, audited, shown
on the record and in the finance workbook); no bulk 拨付 action; finance staff are not offered reviewer actions."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from portal.models import AuditLog
from subsidies.exports import DISBURSEMENT_HEADERS
from subsidies.models import Application, Award, AwardStatus
from subsidies.models import ApplicationStatus as S
from subsidies.services import (
    application_approve,
    application_disburse,
    application_publicity_close,
    application_publicity_start,
)

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db
ADMIN = "/admin/subsidies"


@pytest.fixture
def publicized(submitted, reviewer):
    app = advance_to_review(submitted, reviewer)
    application_approve(application=app, amount="200000", note="经审核，按实际核定", acting_user=reviewer)
    application_publicity_start(application=app, acting_user=reviewer)
    Application.objects.filter(pk=app.pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=1))
    application_publicity_close(application=app, acting_user=reviewer)
    app.refresh_from_db()
    assert app.status == S.PUBLICIZED
    return app


def test_disburse_requires_reference_and_a_plausible_date(publicized, finance):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as missing:
        application_disburse(application=publicized, acting_user=finance)
    assert set(missing.value.message_dict) == {"payment_reference", "paid_on"}
    with pytest.raises(ValidationError, match="不能晚于今天"):
        application_disburse(application=publicized, acting_user=finance, payment_reference="GK-1",
                             paid_on=today + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="不能早于核定日期"):
        application_disburse(application=publicized, acting_user=finance, payment_reference="GK-1",
                             paid_on=today - dt.timedelta(days=1))  # approved today
    publicized.refresh_from_db()
    assert publicized.status == S.PUBLICIZED and Award.objects.get(application=publicized).status == AwardStatus.RESERVED
    award = application_disburse(application=publicized, acting_user=finance, payment_reference="GK2026-000777",
                                 paid_on=today.isoformat())  # the API sends the date as text
    assert award.status == AwardStatus.COMMITTED
    assert (award.payment_reference, award.disbursed_on) == ("GK2026-000777", today)
    audit = AuditLog.objects.filter(action="subsidies.application.disburse", object_id=str(publicized.pk)).get()
    assert "GK2026-000777" in audit.reason and today.isoformat() in audit.reason


def test_finance_confirms_on_the_step_page_and_sees_it_on_record_and_workbook(client, publicized, finance):
    client.force_login(finance)
    url = f"{ADMIN}/application/{publicized.pk}/step/disburse/"
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "支付凭证号" in text and "支付日期" in text and 'type="date"' in text
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()  # within the kernel's date bounds
    refused = client.post(url, {"payment_reference": "GK-9", "paid_on": tomorrow})
    assert refused.status_code == 200 and "不能晚于今天" in refused.content.decode()
    assert 'value="GK-9"' in refused.content.decode()  # what was typed is kept
    today = timezone.localdate().isoformat()
    assert client.post(url, {"payment_reference": "GK2026-000888", "paid_on": today}).status_code == 302
    record = client.get(f"{ADMIN}/application/{publicized.pk}/change/").content.decode()
    assert "GK2026-000888" in record and "拨付信息" in record
    listing = client.get(f"{ADMIN}/award/").content.decode()
    assert "GK2026-000888" in listing
    award = Award.objects.get(application=publicized)
    book = client.post(f"{ADMIN}/award/", {"action": "export_selected_year", "_selected_action": [award.pk]})
    assert book.status_code == 200
    ws = openpyxl.load_workbook(BytesIO(b"".join(book.streaming_content) if book.streaming else book.content),
                                read_only=True).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    col = DISBURSEMENT_HEADERS.index("支付凭证号")
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == DISBURSEMENT_HEADERS[0])
    assert rows[header_at][col] == "支付凭证号"
    assert any(r[col] == "GK2026-000888" for r in rows[header_at + 1:])
    assert any(r and r[0] == "合计" for r in rows)


def test_no_bulk_disburse_and_finance_is_offered_no_reviewer_actions(client, publicized, finance, reviewer):
    client.force_login(finance)
    page = client.get(f"{ADMIN}/application/")
    assert page.status_code == 200
    form = page.context["action_form"]  # no action is left for finance: no action dropdown at all
    actions = dict(form.fields["action"].choices) if form is not None else {}
    assert not {"accept_selected", "review_selected", "publicity_selected", "disburse_selected"} & set(actions)
    assert "受理所选申报" not in page.content.decode()
    posted = client.post(f"{ADMIN}/application/", {"action": "disburse_selected",
                                                    "_selected_action": [publicized.pk]})
    assert posted.status_code in (200, 302)
    publicized.refresh_from_db()
    assert publicized.status == S.PUBLICIZED  # nothing paid without confirmation
    client.force_login(reviewer)
    actions = dict(client.get(f"{ADMIN}/application/").context["action_form"].fields["action"].choices)
    assert {"accept_selected", "review_selected"} <= set(actions) and "disburse_selected" not in actions


def _sheet_rows(response):
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(openpyxl.load_workbook(BytesIO(body), read_only=True).worksheets[0].iter_rows(values_only=True))


def test_export_of_the_whole_filtered_list_without_selecting(client, publicized, submitted, finance, reviewer,
                                                             make_call, applicant, pdf):
    from subsidies.services import application_create

    user, enterprise = applicant
    draft_call = make_call(["DE-09"])
    application_create(call=draft_call, enterprise=enterprise, rule_code="DE-09",
                       facts={"compute_service_invoiced": "100000"}, acting_user=user)  # a draft: never listed
    application_disburse(application=publicized, acting_user=finance, payment_reference="GK2026-000999",
                         paid_on=timezone.localdate())
    client.force_login(reviewer)
    listing = client.get(f"{ADMIN}/application/?status__exact=disbursed").content.decode()
    assert "导出 Excel（当前筛选）" in listing
    assert f'href="{ADMIN}/application/export/?status__exact=disbursed"' in listing
    rows = _sheet_rows(client.get(f"{ADMIN}/application/export/?status__exact=disbursed"))
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == "申报编号")
    lines = [r for r in rows[header_at + 1:] if r and r[0] and r[0] != "合计"]
    assert [r[0] for r in lines] == [publicized.number]
    assert any(r and r[0] == "合计" for r in rows)
    assert client.get(f"{ADMIN}/application/export/?status__exact=draft").status_code == 200
    client.force_login(finance)
    listing = client.get(f"{ADMIN}/award/?status__exact=committed").content.decode()
    assert f'href="{ADMIN}/award/export/?status__exact=committed"' in listing
    rows = _sheet_rows(client.get(f"{ADMIN}/award/export/?status__exact=committed"))
    col = DISBURSEMENT_HEADERS.index("支付凭证号")
    header_at = next(i for i, r in enumerate(rows) if r and r[0] == DISBURSEMENT_HEADERS[0])
    lines = [r for r in rows[header_at + 1:] if r and r[0] and r[0] != "合计"]
    assert lines and {r[col] for r in lines} == {"GK2026-000999"}
    total = next(r for r in rows if r and r[0] == "合计")
    assert float(total[4]) == pytest.approx(sum(float(r[4]) for r in lines))
    assert client.get(f"{ADMIN}/award/export/?status__exact=reserved").status_code == 200
    client.logout()
    assert client.get(f"{ADMIN}/award/export/").status_code == 302  # the admin login
