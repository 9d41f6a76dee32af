"""Admin: scoped changelists, workflow actions through services, bidding-record export read back with openpyxl."""

import io

import openpyxl
import pytest

from procurement.models import RedFlag

pytestmark = pytest.mark.django_db


def test_tender_changelist_scoped(client, make_tender, people):
    tender = make_tender()
    client.force_login(people["officer"])
    assert tender.tender_no in client.get("/admin/procurement/tender/").content.decode()
    client.force_login(people["officer_b"])
    response = client.get("/admin/procurement/tender/")
    assert response.status_code == 200 and tender.tender_no not in response.content.decode()
    assert client.get(f"/admin/procurement/tender/{tender.pk}/change/").status_code in (302, 403, 404)


def test_export_bidding_records_xlsx(client, make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, '=HYPERLINK("x")', "900000")
    add_bid(tender, 2, "乙公司", "950000")
    client.force_login(people["officer"])
    response = client.post("/admin/procurement/tender/", {"action": "export_bidding_records",
                                                          "_selected_action": [tender.pk]})
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:5] == ("招标编号", "招标项目", "招标人", "合同包", "投标人")
    assert len(rows) == 3 and {r[4] for r in rows[1:]} == {'=HYPERLINK("x")', "乙公司"}
    assert all(isinstance(r[4], str) for r in rows[1:])  # stored as text, never a formula


def test_open_step_page_in_admin(client, make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    client.force_login(people["officer"])
    page = client.get(f"/admin/procurement/tender/{tender.pk}/change/").content.decode()
    assert f"/admin/procurement/tender/{tender.pk}/step/open/" in page
    assert f"/admin/procurement/tender/{tender.pk}/record-bid/" in page  # the bid entry page (page=)
    response = client.post(f"/admin/procurement/tender/{tender.pk}/step/open/", {"opened_at": ""}, follow=True)
    tender.refresh_from_db()
    assert tender.status == "failed"  # fewer than 3 bids: opened "now" (after the 2025 deadline) → re-tender
    assert response.status_code == 200


def test_record_bid_step_leads_to_the_bid_entry_page(client, make_tender, people):
    tender = make_tender()
    client.force_login(people["officer"])
    response = client.get(f"/admin/procurement/tender/{tender.pk}/record-bid/")
    assert response.status_code == 302
    assert response["Location"] == f"/admin/procurement/bid/add/?lot={tender.lots.get().pk}"
    assert client.get(response["Location"]).status_code == 200


def test_red_flags_rerun_in_admin_is_checked_and_audited(client, make_tender, add_bid, people):
    from portal.models import AuditLog

    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "900000")
    client.force_login(people["leader"])  # sees the tender, may not re-run
    client.post("/admin/procurement/tender/", {"action": "rerun_red_flags", "_selected_action": [tender.pk]})
    assert not AuditLog.objects.filter(action="procurement.red_flag.rerun").exists()
    client.force_login(people["supervisor"])
    client.post("/admin/procurement/tender/", {"action": "rerun_red_flags", "_selected_action": [tender.pk]})
    assert AuditLog.objects.filter(action="procurement.red_flag.rerun", object_id=str(tender.pk)).count() == 1


def test_red_flag_disposition_in_admin(client, make_tender, add_bid, people):
    tender = make_tender()
    add_bid(tender, 1, "甲", "900000")
    add_bid(tender, 2, "乙", "900000")
    flag = RedFlag.objects.filter(tender=tender).first()
    client.force_login(people["officer"])  # may view, may not dispose
    assert client.post(f"/admin/procurement/redflag/{flag.pk}/change/",
                       {"disposition": "confirmed", "disposition_reason": "x"}).status_code == 403
    client.force_login(people["supervisor"])
    client.post(f"/admin/procurement/redflag/{flag.pk}/change/",
                {"disposition": "false_positive", "disposition_reason": "统一定价采购"})
    flag.refresh_from_db()
    assert flag.disposition == "false_positive" and flag.disposed_by == people["supervisor"]
