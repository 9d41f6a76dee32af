"""一事一议 awards (issue 14 point 5).

Clause: 泉政办〔2021〕21号 附件《泉州市平台经济“五十百千”行动实施方案》三、政策保障（四）加强要素保障 1（seed
``000``, line 286）：“各县（市、区）、泉州开发区、泉州台商投资区可按‘一事一议’‘一企一策’方式研究确定奖补及融资、建设、
场地租金、设备投入、人才保障等方面的支持政策。” An award decided that way has no rule formula, so what the portal
can hold it to is: the decision document and 文号, an approver with authority who is not the person entering it, and
the pool's cap under the same row locks as rule awards; finance sees it as 一事一议 in the workbook.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from io import StringIO

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditLog
from portal.roles import Role
from subsidies.models import BudgetPool, ManualAward, ManualAwardStatus
from subsidies.services import (
    application_approve,
    application_create,
    application_submit,
    evidence_add,
    manual_award_approve,
    manual_award_cancel,
    manual_award_create,
    manual_award_disburse,
    manual_award_reject,
)
from subsidies.workflow import MANUAL_AWARD

from .conftest import PDF, advance_to_review

S = ManualAwardStatus


def _doc(name: str = "常务会议纪要.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def leader(make_user, units):
    """分管领导 of 市数据管理局, the unit organising the calls of ``make_call``: has authority to approve."""
    return make_user("leader_data", Role.UNIT_LEADER, units["QZ-DATA"])


@pytest.fixture
def pool(make_call):
    call = make_call(["DE-09"], city="150000.00", counties={"C-350582": "100000.00"})
    return call.pools.get(level="city")


def _enter(pool, enterprise, officer, approver, amount="30000", **extra):
    kwargs = {"enterprise": enterprise, "pool": pool, "amount": amount, "subject": "重点平台落地奖励",
              "decision_number": "泉数纪〔2026〕3号", "decided_on": timezone.localdate(), "decision_document": _doc(),
              "approver": approver, "acting_user": officer, **extra}
    return manual_award_create(**kwargs)


# --------------------------------------------------------------------------------------------- entry
@pytest.mark.django_db
def test_document_and_approver_are_mandatory_and_nothing_is_written(pool, applicant, reviewer, leader, settings,
                                                                     tmp_path):
    """三(四)1 一事一议: the decision (document, 文号) and its approver are what makes it an award; missing ones are
    refused in Chinese at their fields, together, and nothing (row, file, pool) is written."""
    settings.MEDIA_ROOT = str(tmp_path)
    _user, enterprise = applicant
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, reviewer, None, decision_document=None, decision_number=" ")
    errors = refused.value.message_dict
    assert "请上传“决定文件”" in errors["decision_document"][0]
    assert "请选择“审批人”" in errors["approver"][0]
    assert "决定文号" in errors["decision_number"][0]
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, reviewer, leader, decision_document=_doc("纪要.pdf", b"not a pdf at all"))
    assert "内容与扩展名" in refused.value.message_dict["decision_document"][0]
    assert not ManualAward.objects.exists()
    assert not list(tmp_path.rglob("*.pdf"))
    pool.refresh_from_db()
    assert pool.reserved == 0


@pytest.mark.django_db
def test_approver_must_have_authority_and_not_be_the_entrant(pool, applicant, reviewer, reviewer_gxj, city_admin):
    """Four eyes: the person entering cannot name themselves, nor someone without authority over the pool (another
    program officer); the city authority may enter and names another approver."""
    _user, enterprise = applicant
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, reviewer, reviewer)
    assert "不能是登记人本人" in refused.value.message_dict["approver"][0]
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, reviewer, reviewer_gxj)
    assert "无权审批" in refused.value.message_dict["approver"][0]
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, city_admin, city_admin)
    assert "不能是登记人本人" in refused.value.message_dict["approver"][0]
    award = _enter(pool, enterprise, reviewer, city_admin)
    assert award.status == S.PENDING and award.entered_by == reviewer and award.approver == city_admin
    assert award.document_sha256 and award.document_name == "常务会议纪要.pdf"


@pytest.mark.django_db
def test_who_may_enter(pool, applicant, reviewer_gxj, finance, leader):
    """Only the city authority or a program officer of the unit organising the pool's call enters one; applicants,
    finance and another bureau's officer are refused with a reason."""
    user, enterprise = applicant
    for outsider in (user, finance, reviewer_gxj):
        with pytest.raises(PermissionDenied) as refused:
            _enter(pool, enterprise, outsider, leader)
        assert "一事一议" in str(refused.value)
    assert not ManualAward.objects.exists()


@pytest.mark.django_db
def test_entry_refused_when_the_pool_cannot_hold_it(pool, applicant, reviewer, leader):
    """The pool is the cap (reserved + committed ≤ amount): entering more than is available is refused."""
    _user, enterprise = applicant
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, reviewer, leader, amount="150000.01")
    assert "余额不足" in refused.value.message_dict["amount"][0]
    with pytest.raises(ValidationError) as refused:
        _enter(pool, enterprise, reviewer, leader, amount="-5")
    assert "大于0" in refused.value.message_dict["amount"][0]


@pytest.mark.django_db
def test_county_pool_only_for_an_enterprise_of_that_county(pool, other_applicant, reviewer, make_user, units):
    """A county pool pays only that county's enterprises (丰泽 enterprise, 晋江 pool: refused)."""
    county_pool = BudgetPool.objects.get(call=pool.call, level="county")
    jj = make_user("jj_auth", Role.COUNTY_AUTHORITY, units["JJ-DATA"])
    _user, enterprise = other_applicant
    with pytest.raises(ValidationError) as refused:
        _enter(county_pool, enterprise, reviewer, jj)
    assert "县级资金池" in refused.value.message_dict["pool"][0]


# --------------------------------------------------------------------------------------------- steps
@pytest.mark.django_db
def test_approve_reserves_disburse_commits_cancel_releases_with_history_and_audit(
        pool, applicant, other_applicant, reviewer, leader, finance):
    """批准 reserves in the pool, 拨付 commits, 撤销 releases; every step is a history version and an audit row."""
    award = _enter(pool, applicant[1], reviewer, leader, amount="40000")
    other = _enter(pool, other_applicant[1], reviewer, leader, amount="20000")
    manual_award_approve(award=award, acting_user=leader, note="同意")
    manual_award_approve(award=other, acting_user=leader)
    pool.refresh_from_db()
    assert pool.reserved == Decimal("60000.00") and pool.committed == 0
    with pytest.raises(ValidationError) as refused:  # 支付日期 not in the future
        manual_award_disburse(award=award, acting_user=finance, payment_reference="GK2026-YS1",
                              paid_on=timezone.localdate() + dt.timedelta(days=1))
    assert "不能晚于今天" in refused.value.message_dict["paid_on"][0]
    manual_award_disburse(award=award, acting_user=finance, payment_reference="GK2026-YS1",
                          paid_on=timezone.localdate())
    manual_award_cancel(award=other, acting_user=leader, reason="项目未落地")
    pool.refresh_from_db()
    assert pool.reserved == 0 and pool.committed == Decimal("40000.00")
    award.refresh_from_db()
    other.refresh_from_db()
    assert award.status == S.DISBURSED and award.payment_reference == "GK2026-YS1"
    assert other.status == S.CANCELLED and other.released_on == timezone.localdate()
    assert [h.status for h in award.history.order_by("history_date")] == [S.PENDING, S.APPROVED, S.DISBURSED]
    assert award.history.order_by("history_date").last().history_user == finance
    actions = set(AuditLog.objects.filter(object_id=str(award.pk), action__startswith="subsidies.manual_award")
                  .values_list("action", flat=True))
    assert actions == {"subsidies.manual_award.create", "subsidies.manual_award.approve",
                       "subsidies.manual_award.disburse"}
    with pytest.raises(PermissionDenied):  # what was decided never changes
        ManualAward.objects.filter(pk=award.pk).update(amount=Decimal("1"))


@pytest.mark.django_db
def test_approval_refused_when_the_pool_filled_up_meanwhile(pool, applicant, other_applicant, reviewer, leader):
    """Two entries fit alone but not together: the second approval is refused in Chinese, nothing booked."""
    first = _enter(pool, applicant[1], reviewer, leader, amount="100000")
    second = _enter(pool, other_applicant[1], reviewer, leader, amount="100000")
    manual_award_approve(award=first, acting_user=leader)
    with pytest.raises(ValidationError) as refused:
        manual_award_approve(award=second, acting_user=leader)
    assert "余额不足" in " ".join(refused.value.messages)
    second.refresh_from_db()
    pool.refresh_from_db()
    assert second.status == S.PENDING and pool.reserved == Decimal("100000.00")


@pytest.mark.django_db
def test_only_the_named_approver_decides(pool, applicant, reviewer, leader, city_admin, finance, make_user, units):
    """The entrant, another leader and finance cannot approve; the named approver can, with a reason to refuse."""
    award = _enter(pool, applicant[1], reviewer, leader)
    other_leader = make_user("leader2", Role.UNIT_LEADER, units["QZ-DATA"])
    for user, text in ((reviewer, "登记人不能审批"), (other_leader, "指定的审批人"), (city_admin, "指定的审批人"),
                       (finance, "指定的审批人")):
        decision = MANUAL_AWARD.allows("approve", user, award)
        assert not decision and text in decision.reason
        with pytest.raises(PermissionDenied):
            manual_award_approve(award=award, acting_user=user)
    with pytest.raises(PermissionDenied):  # 拨付 is finance's, and only once approved
        manual_award_disburse(award=award, acting_user=leader, payment_reference="X", paid_on=timezone.localdate())
    with pytest.raises(ValidationError) as refused:
        manual_award_reject(award=award, acting_user=leader, reason=" ")
    assert "reason" in refused.value.message_dict
    manual_award_reject(award=award, acting_user=leader, reason="决定文件与事项不符")
    award.refresh_from_db()
    assert award.status == S.REJECTED and award.decision_note == "决定文件与事项不符"


# --------------------------------------------------------------------------------------------- locks
def _race(jobs):
    """Run every job from its own thread (a barrier releases them together on PostgreSQL; one at a time on SQLite,
    which cannot write concurrently); returns the refusal messages."""
    concurrent = connection.vendor == "postgresql"
    barrier = threading.Barrier(len(jobs)) if concurrent else None
    serial = threading.Lock()
    results: list[str] = []
    errors: list[BaseException] = []

    def work(job):
        try:
            if barrier:
                barrier.wait(timeout=30)
                job()
            else:
                with serial:
                    job()
            results.append("ok")
        except ValidationError as exc:
            results.append("; ".join(exc.messages))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(results) == len(jobs)
    return [r for r in results if r != "ok"]


@pytest.mark.django_db(transaction=True)
def test_manual_and_rule_approvals_racing_for_one_pool_never_overcommit(make_call, make_applicant, reviewer, pdf,
                                                                      make_user, units):
    """Six 一事一议 approvals (30,000 each) and six rule approvals (DE-09, city share 15,000 each) race for a city
    pool of 150,000: the same pool lock serialises them, exactly what fits is booked, the rest refused 余额不足."""
    leader = make_user("leader_race", Role.UNIT_LEADER, units["QZ-DATA"])
    call = make_call(["DE-09"], city="150000.00", counties={"C-350582": "10000000"})
    pool = call.pools.get(level="city")
    pairs = [make_applicant(f"mrace{n}") for n in range(12)]
    manual = [_enter(pool, enterprise, reviewer, leader) for _user, enterprise in pairs[:6]]
    apps = []
    for user, enterprise in pairs[6:]:
        app = application_create(call=call, enterprise=enterprise, rule_code="DE-09",
                                 facts={"compute_service_invoiced": "100000"}, acting_user=user)  # ceiling 30,000
        evidence_add(application=app, uploaded_file=pdf(), kind="invoice", acting_user=user)
        application_submit(application=app, acting_user=user)
        apps.append(advance_to_review(app, reviewer))
    jobs = [lambda a=a: manual_award_approve(award=a, acting_user=leader) for a in manual]
    jobs += [lambda a=a: application_approve(application=a, amount="30000", note="按实际核定", acting_user=reviewer)
             for a in apps]
    refused = _race(jobs)
    assert refused and all("余额不足" in r for r in refused)
    pool.refresh_from_db()
    booked_manual = sum(a.amount for a in ManualAward.objects.filter(pool=pool, status=S.APPROVED))
    from subsidies.models import Award

    booked_rules = sum(a.city_amount for a in Award.objects.filter(city_pool=pool, status="reserved"))
    assert pool.reserved == booked_manual + booked_rules <= pool.amount
    assert pool.amount - pool.reserved < Decimal("15000")  # nothing that still fits was refused


# --------------------------------------------------------------------------------------------- finance workbook
@pytest.mark.django_db
def test_finance_workbook_shows_manual_awards_as_such(pool, applicant, other_applicant, reviewer, leader, finance,
                                                     tmp_path):
    """The detail marks each approved 一事一议 award (规则编号 一事一议, its 文号, the matter), the rule and family
    summaries carry a separate 一事一议 subtotal, pending ones are left out, and the 合计 lines agree."""
    paid = _enter(pool, applicant[1], reviewer, leader, amount="40000", subject="鞋服产业互联网平台落地奖励")
    manual_award_approve(award=paid, acting_user=leader)
    manual_award_disburse(award=paid, acting_user=finance, payment_reference="GK-YS-1", paid_on=timezone.localdate())
    reserved = _enter(pool, other_applicant[1], reviewer, leader, amount="25000.50", decision_number="泉数纪〔2026〕4号")
    manual_award_approve(award=reserved, acting_user=leader)
    _enter(pool, applicant[1], reviewer, leader, amount="1000")  # pending: not in the workbook
    year = pool.call.year
    out = tmp_path / "pay.xlsx"
    stdout = StringIO()
    call_command("export_disbursements", "--year", str(year), "--out", str(out), stdout=stdout)
    assert "一事一议 2 笔" in stdout.getvalue()
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = list(wb[f"{year}年拨付明细"].iter_rows(values_only=True))
    body = rows[1:-1]
    assert len(body) == 2
    assert {r[11] for r in body} == {"一事一议"}
    assert {r[12] for r in body} == {"泉数纪〔2026〕3号", "泉数纪〔2026〕4号"}
    assert "一事一议：鞋服产业互联网平台落地奖励" in {r[7] for r in body}
    assert {r[9] for r in body} == {"市级"} and {r[17] for r in body} == {"已拨付", "已批准（资金已预留）"}
    assert rows[-1][0] == "合计" and Decimal(str(rows[-1][4])) == Decimal("65000.50")
    for sheet in ("按规则汇总", "按政策类别汇总"):
        lines = list(wb[sheet].iter_rows(values_only=True))
        own = next(r for r in lines if r[0] == "一事一议")
        assert own[1] == 2 and Decimal(str(own[2])) == Decimal("65000.50")
        assert Decimal(str(own[5])) == Decimal("40000.00")  # paid
        assert Decimal(str(lines[-1][2])) == Decimal("65000.50")
    county = list(wb["按县区汇总"].iter_rows(values_only=True))
    assert Decimal(str(county[-1][2])) == Decimal("65000.50")
    pools = list(wb["资金池使用"].iter_rows(values_only=True))[1:-1]
    assert sum(Decimal(str(r[5])) + Decimal(str(r[6])) for r in pools) == Decimal("65000.50")


# --------------------------------------------------------------------------------------------- admin
@pytest.mark.django_db
def test_admin_entry_page_steps_and_download(client, pool, applicant, reviewer, leader, settings, tmp_path):
    """The entry page refuses a missing document at its field (nothing saved) and an over-commitment in Chinese;
    a complete entry is saved through the service; the entrant sees no 批准 button, the approver does and approves
    on the step page; the document downloads for staff and is 404 for the applicant."""
    settings.MEDIA_ROOT = str(tmp_path)
    user, enterprise = applicant
    add = reverse("admin:subsidies_manualaward_add")
    data = {"enterprise": enterprise.pk, "pool": pool.pk, "amount": "30000", "subject": "平台落地奖励",
            "decision_number": "泉数纪〔2026〕9号", "decided_on": timezone.localdate().isoformat(),
            "approver": leader.pk}
    client.force_login(reviewer)
    response = client.post(add, data)
    assert response.status_code == 200 and not ManualAward.objects.exists()
    assert "decision_document" in response.context["adminform"].form.errors
    response = client.post(add, {**data, "amount": "999999", "decision_document": _doc()})
    assert response.status_code == 200 and "余额不足" in response.content.decode()
    assert not ManualAward.objects.exists()
    response = client.post(add, {**data, "decision_document": _doc()})
    assert response.status_code == 302, response.content.decode()[:2000]
    award = ManualAward.objects.get()
    assert award.entered_by == reviewer and award.status == S.PENDING
    change = reverse("admin:subsidies_manualaward_change", args=[award.pk])
    step = reverse("admin:subsidies_manualaward_step", args=[award.pk, "approve"])
    page = client.get(change).content.decode()
    assert "一事一议" in page and "常务会议纪要.pdf" in page and step not in page  # no 批准 button for the entrant
    client.post(step, {"note": ""})
    award.refresh_from_db()
    assert award.status == S.PENDING  # refused for the entrant
    download = reverse("file_download", args=["subsidies", "manualaward", award.pk, "decision_document"])
    assert client.get(download).status_code == 200
    client.force_login(leader)
    assert step in client.get(change).content.decode()
    assert client.post(step, {"note": "同意"}).status_code == 302
    award.refresh_from_db()
    pool.refresh_from_db()
    assert award.status == S.APPROVED and pool.reserved == Decimal("30000.00")
    client.force_login(user)
    assert client.get(download).status_code == 404
    assert client.get(add).status_code in (302, 403)  # an applicant has no admin: sent to the staff login
    assert client.get(reverse("admin:subsidies_manualaward_changelist")).status_code in (302, 403)


# --------------------------------------------------------------------------------------------- API (read only)
@pytest.mark.django_db
def test_api_lists_manual_awards_scoped_with_constant_queries(api_client, token_for, pool, make_applicant, reviewer,
                                                              reviewer_gxj, leader, applicant):
    """``/api/v1/subsidies/manual-awards/``: read fields (kind 一事一议, 文号, approver, document link), the pool's staff
    see them, another bureau's officer and applicants see none; entering is not offered (405); the query count does
    not grow with the rows."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    url = "/api/v1/subsidies/manual-awards/"
    _enter(pool, applicant[1], reviewer, leader, amount="1000")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer)}")
    api_client.get(url)  # the token's first use is recorded once
    with CaptureQueriesContext(db) as one:
        body = api_client.get(url).json()
    row = body["results"][0]
    assert body["count"] == 1 and row["kind"] == "一事一议" and row["decision_number"] == "泉数纪〔2026〕3号"
    assert row["approver"] == leader.username and row["status"] == "pending" and row["amount"] == "1000.00"
    assert row["decision_document_url"].startswith("/files/subsidies/manualaward/")
    for n in range(5):
        _enter(pool, make_applicant(f"api{n}")[1], reviewer, leader, amount="1000")
    with CaptureQueriesContext(db) as six:
        assert api_client.get(url).json()["count"] == 6
    assert len(six) == len(one)
    assert api_client.post(url, {}, format="json").status_code == 405
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reviewer_gxj)}")
    assert api_client.get(url).json()["count"] == 0
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(applicant[0])}")
    response = api_client.get(url)
    assert response.status_code == 403 or response.json()["count"] == 0


@pytest.mark.django_db
def test_admin_export_action_gives_finance_the_workbook_with_the_manual_line(client, pool, applicant, reviewer,
                                                                           leader, finance):
    """Finance exports the year's workbook from the 一事一议 list too; the detail carries the 一事一议 line."""
    from io import BytesIO

    award = _enter(pool, applicant[1], reviewer, leader, amount="12345.67")
    manual_award_approve(award=award, acting_user=leader)
    client.force_login(finance)
    response = client.post(reverse("admin:subsidies_manualaward_changelist"),
                           {"action": "export_selected_year", "_selected_action": [award.pk]})
    assert response.status_code == 200
    content = b"".join(response.streaming_content) if response.streaming else response.content
    wb = openpyxl.load_workbook(BytesIO(content), read_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    line = next(r for r in rows if r[11] == "一事一议")
    assert Decimal(str(line[4])) == Decimal("12345.67") and line[12] == "泉数纪〔2026〕3号"
