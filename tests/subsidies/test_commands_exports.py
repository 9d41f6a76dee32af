"""calculate_award and export_disbursements commands; the finance workbook read back with openpyxl."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command

from subsidies.exports import DISBURSEMENT_HEADERS
from subsidies.models import Award
from subsidies.services import (
    application_approve,
    application_create,
    application_disburse,
    application_publicity_close,
    application_publicity_start,
    application_submit,
    application_withdraw,
    evidence_add,
)

from .conftest import advance_to_review

pytestmark = pytest.mark.django_db


def run(*args):
    out = StringIO()
    call_command("calculate_award", *args, stdout=out)
    return json.loads(out.getvalue())


def test_calculate_award_public_examples():
    assert run("DE-09", "--facts", '{"compute_service_invoiced": 800000}', "--on", "2026-06-01")["funding"] == {
        "city": "120000.00", "county": "120000.00"}
    assert run("DE-03", "--facts", '{"dcmm_level": 4, "first_pass_at_level": true}', "--history",
               '[{"rule": "DE-03", "amount": "50000.00", "date": "2026-05-01"}]', "--on", "2026-06-01")[
        "amount"] == "50000.00"
    assert run("PE-11", "--facts", '{"newly_connected_enterprises": 29}', "--on", "2026-06-01")["eligible"] is False
    assert run("PE-11", "--facts", '{"newly_connected_enterprises": 30}', "--on", "2026-06-01")[
        "amount"] == "1200000.00"
    facts = '{"investment_ex_tax": 800000, "digital_level_after": 3, "newly_listed_pilot": true}'
    assert run("MDX-01", "--facts", facts, "--on", "2026-05-01")["amount"] == "300000.00"
    assert run("MDX-01", "--facts", facts, "--on", "2027-04-01")["eligible"] is False


def test_calculate_award_bad_input_exits_2_with_message_on_stderr(capsys):
    """One run as a real process (exit status, stdout empty, Chinese stderr); the other cases in-process."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp}/c.sqlite3", "PORTAL_TESTING": "1"}
        done = subprocess.run([sys.executable, "manage.py", "calculate_award", "DE-09", "--facts",
                               '{"compute_service_invoiced": -5}'], env=env, capture_output=True, text=True,
                              timeout=120)
    assert done.returncode == 2 and done.stdout == "" and "金额不能为负数" in done.stderr
    cases = [["ZZ-01", "--facts", "{}"], ["DE-09", "--facts", "{not json"],
             ["DE-09", "--facts", '{"compute_service_invoiced": 1, "x": 1}'],
             ["DE-09", "--facts", '{"compute_service_invoiced": 1}', "--on", "2026-02-30"],
             ["DE-09", "--facts", '{"compute_service_invoiced": 1}', "--history", '[{"rule": "DE-09"}]']]
    for args in cases:
        capsys.readouterr()
        with pytest.raises(SystemExit) as info:
            call_command("calculate_award", *args, stdout=StringIO())
        err = capsys.readouterr().err
        assert info.value.code == 2 and any("\u4e00" <= ch <= "\u9fff" for ch in err), (args, err)


def _approved(call, pair, reviewer, fee, amount):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from .conftest import PDF

    user, enterprise = pair
    app = application_create(call=call, enterprise=enterprise, rule_code=call.rules.first().code,
                             facts=fee, acting_user=user)
    evidence_add(application=app, uploaded_file=SimpleUploadedFile("f.pdf", PDF), kind="invoice", acting_user=user)
    application_submit(application=app, acting_user=user)
    advance_to_review(app, reviewer)
    application_approve(application=app, amount=amount, note="经审核，按实际核定", acting_user=reviewer)
    return app


def test_disbursement_workbook_totals_equal_approved_awards(make_call, make_applicant, reviewer, finance, tmp_path):
    import datetime as dt

    from django.utils import timezone

    from subsidies.models import Application

    call = make_call(["DE-09"])
    apps = [_approved(call, make_applicant(f"x{n}", county=c), reviewer, {"compute_service_invoiced": "800000"}, amt)
            for n, (c, amt) in enumerate([("C-350582", "240000"), ("C-350503", "100000.01"), ("C-350582", "5000")])]
    application_publicity_start(application=apps[0], acting_user=reviewer)
    Application.objects.filter(pk=apps[0].pk).update(publicity_ends_on=timezone.localdate() - dt.timedelta(days=1))
    application_publicity_close(application=apps[0], acting_user=reviewer)
    application_disburse(application=apps[0], acting_user=finance, payment_reference="GK2026-0001",
                         paid_on=timezone.localdate())
    application_withdraw(application=apps[2], acting_user=apps[2].enterprise.members.first().user, reason="放弃")
    year = call.year
    out = tmp_path / "pay.xlsx"
    stdout = StringIO()
    call_command("export_disbursements", "--year", str(year), "--out", str(out), stdout=stdout)
    assert "2 笔" in stdout.getvalue()
    wb = openpyxl.load_workbook(out, read_only=True)
    assert wb.sheetnames == [f"{year}年拨付明细", "按政策类别汇总", "按规则汇总", "按县区汇总", "资金池使用"]
    rows = list(wb[f"{year}年拨付明细"].iter_rows(values_only=True))
    assert list(rows[0]) == DISBURSEMENT_HEADERS
    assert list(rows[0][:9]) == ["企业名称", "收款人", "收款人账号", "单位名称", "金额", "指标文号", "指标摘要", "项目名称",
                                 "上级指标文号"]
    body = rows[1:-1]
    assert len(body) == 4  # two awards × (city line + county line)
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][4])) == Decimal("340000.01")
    total = sum(Decimal(str(r[4])) for r in body)
    approved = sum(a.amount for a in Award.objects.filter(year=year, status__in=["reserved", "committed"]))
    assert total == approved == Decimal("340000.01")
    city = sum(Decimal(str(r[4])) for r in body if r[9] == "市级")
    assert city == Decimal("170000.01")  # 120000 + 50000.01 (half of 100000.01 rounded half up)
    assert {r[5] for r in body} == {"泉财指〔2026〕1号", "晋财指〔2026〕3号"}
    assert {r[10] for r in body if r[9] == "县级"} == {"晋江市人民政府", "丰泽区人民政府"}
    family = list(wb["按政策类别汇总"].iter_rows(values_only=True))
    assert family[-1][0] == "合计" and Decimal(str(family[-1][2])) == approved
    assert Decimal(str(family[-1][5])) == Decimal("240000.00")  # disbursed
    pools = list(wb["资金池使用"].iter_rows(values_only=True))[1:-1]
    assert sum(Decimal(str(r[5])) + Decimal(str(r[6])) for r in pools) == approved


def test_workbook_text_cells_are_not_formulas(make_call, make_applicant, reviewer, tmp_path):
    from subsidies.exports import export_disbursements

    call = make_call(["DE-09"])
    user, enterprise = make_applicant("evil", name="=HYPERLINK(\"http://x\")")
    _approved(call, (user, enterprise), reviewer, {"compute_service_invoiced": "800000"}, "1000")
    path = tmp_path / "x.xlsx"
    with open(path, "wb") as out:
        export_disbursements(year=call.year, out=out)
    wb = openpyxl.load_workbook(path)
    cell = wb.worksheets[0]["A2"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
