"""Admin and REST API: scoping and denials, 可用不可见, workflow through services, export, constant query counts."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalogs.models import CatalogEntry, EntryStatus, OpenType, ShareType


def make_many(make_entry, unit, user, authority, n, **fields):
    """Published rows with two items each, written in bulk (these tests measure reads only)."""
    from catalogs.models import DataItem

    start = CatalogEntry.objects.count()
    entries = CatalogEntry.objects.bulk_create([
        CatalogEntry(code=f"BULK-{start + i:04d}", title=f"批量目录{start + i}", source_unit=unit,
                     status=EntryStatus.PUBLISHED, version=1, **fields) for i in range(n)])
    entries = list(CatalogEntry.objects.filter(code__in=[e.code for e in entries]))
    DataItem.objects.bulk_create([DataItem(entry=e, name=name) for e in entries for name in ("企业名称", "金额")])
    return entries


def count_queries(func):
    with CaptureQueriesContext(connection) as ctx:
        response = func()
    assert response.status_code == 200, response.content[:500]
    return len(ctx.captured_queries)


def test_admin_changelist_constant_queries(client, make_entry, unit_a, user_a, city_authority):
    client.force_login(city_authority)
    make_many(make_entry, unit_a, user_a, city_authority, 10)
    client.get("/admin/catalogs/catalogentry/")  # per-process caches fill on a first load, whichever test runs first
    small = count_queries(lambda: client.get("/admin/catalogs/catalogentry/"))
    make_many(make_entry, unit_a, user_a, city_authority, 90)
    client.get("/admin/catalogs/catalogentry/")  # warm per-request caches equally
    from catalogs.admin.entries import CatalogEntryAdmin

    CatalogEntryAdmin.list_per_page = 100
    try:
        large = count_queries(lambda: client.get("/admin/catalogs/catalogentry/"))
    finally:
        CatalogEntryAdmin.list_per_page = 50
    assert large == small, (small, large)
    print(f"admin changelist queries: 10 rows={small}, 100 rows={large}")


def test_api_list_constant_queries(api_client, make_entry, unit_a, user_a, city_authority):
    api_client.force_authenticate(user_a)
    make_many(make_entry, unit_a, user_a, city_authority, 10)
    def get(size):
        user_a.__dict__.pop("_portal_scope", None)  # as on a fresh request: the scope is computed once per request
        return api_client.get(f"/api/v1/catalogs/entries/?page_size={size}")

    small = count_queries(lambda: get(10))
    make_many(make_entry, unit_a, user_a, city_authority, 90)
    large = count_queries(lambda: get(100))
    assert large == small, (small, large)
    print(f"API list queries: 10 rows={small}, 100 rows={large}")


def test_api_filters_and_restricted_view(api_client, make_entry, unit_a, user_a, unit_b, user_b, city_authority,
                                         applicant):
    pub = dict(status=EntryStatus.PUBLISHED, authority=city_authority)
    make_entry(unit_a, user_a, title="工业企业名录", open_type=OpenType.OPEN, **pub)
    secret = make_entry(unit_a, user_a, title="企业内部核查线索", share_type=ShareType.NOT_SHARED,
                        legal_basis="某法第十条", **pub)
    make_entry(unit_a, user_a, title="草稿目录")
    api_client.force_authenticate(user_b)
    data = api_client.get("/api/v1/catalogs/entries/").json()
    assert data["count"] == 2  # the other unit's draft is invisible
    restricted = api_client.get(f"/api/v1/catalogs/entries/{secret.pk}/").json()
    assert restricted["is_restricted"] is True
    assert set(restricted) == {"id", "code", "title", "source_unit", "source_unit_code", "share_type",
                               "share_type_display", "is_restricted"}
    assert api_client.get("/api/v1/catalogs/entries/?share_type=not_shared").json()["count"] == 1
    assert api_client.get("/api/v1/catalogs/entries/?text=名录").json()["count"] == 1
    assert api_client.get("/api/v1/catalogs/entries/?unit=QZ-A&open_type=open").json()["count"] == 1
    api_client.force_authenticate(user_a)
    own = api_client.get(f"/api/v1/catalogs/entries/{secret.pk}/").json()
    assert own["is_restricted"] is False and own["legal_basis"] == "某法第十条"
    assert api_client.get("/api/v1/catalogs/entries/").json()["count"] == 3
    api_client.force_authenticate(applicant)
    assert [e["title"] for e in api_client.get("/api/v1/catalogs/entries/").json()["results"]] == ["工业企业名录"]
    api_client.force_authenticate(None)
    assert api_client.get("/api/v1/catalogs/entries/").status_code in (401, 403)


def test_api_submit_collection_and_denial(api_client, unit_a, user_a, user_b, settings, tmp_path):
    from datetime import date

    from catalogs.models import CollectionItem, CollectionTask, DeadlineRule
    from catalogs.services import collection_tasks_generate

    settings.MEDIA_ROOT = tmp_path
    CollectionItem.objects.create(unit=unit_a, code="X-1", name="收支月报表", fields=["科目名称", "科目代码", "金额"],
                                  frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    collection_tasks_generate(on=date(2026, 11, 3))
    task = CollectionTask.objects.get()
    api_client.force_authenticate(user_b)
    assert api_client.post(f"/api/v1/catalogs/tasks/{task.pk}/submit/", {}, format="json").status_code == 404
    api_client.force_authenticate(user_a)
    bad = api_client.post(f"/api/v1/catalogs/tasks/{task.pk}/submit/",
                          {"columns": ["科目名称", "金额"], "rows": [["收入", "1"]]}, format="json")
    assert bad.status_code == 400 and bad.json()["missing_columns"] == ["科目代码"]
    ok = api_client.post(f"/api/v1/catalogs/tasks/{task.pk}/submit/",
                         {"columns": ["科目名称", "科目代码", "金额"], "rows": [["收入", "101", "1.00"]]},
                         format="json")
    assert ok.status_code == 201 and ok.json()["is_accepted"]
    task.refresh_from_db()
    assert task.status in ("submitted", "late_submitted")


def test_admin_collection_task_submit_button_and_upload_page(client, unit_a, user_a, settings, tmp_path):
    """The 报送数据 button comes from the workflow declaration and opens the step's own upload page."""
    from datetime import date

    from django.core.files.uploadedfile import SimpleUploadedFile

    from catalogs.models import CollectionItem, CollectionTask, DeadlineRule
    from catalogs.services import collection_tasks_generate

    settings.MEDIA_ROOT = tmp_path
    CollectionItem.objects.create(unit=unit_a, code="X-2", name="收支月报表", fields=["科目名称", "金额"],
                                  frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    collection_tasks_generate(on=date(2026, 11, 3))
    task = CollectionTask.objects.get()
    client.force_login(user_a)
    page = client.get(f"/admin/catalogs/collectiontask/{task.pk}/change/").content.decode()
    upload_url = f"/admin/catalogs/collectiontask/{task.pk}/submit/"
    assert "报送数据" in page and upload_url in page
    upload = SimpleUploadedFile("d.csv", "科目名称,金额\n收入,1.00\n".encode("utf-8-sig"))
    assert client.post(upload_url, {"file": upload}).status_code == 302
    task.refresh_from_db()
    assert task.status in ("submitted", "late_submitted") and task.submissions.get().is_accepted


def test_api_correction_flow_and_wrong_role(api_client, make_entry, unit_a, user_a, user_b, city_authority,
                                            tech_operator):
    entry = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority)
    api_client.force_authenticate(user_b)
    r = api_client.post("/api/v1/catalogs/corrections/", {"entry": entry.pk, "description": "金额字段存在负数记录"},
                        format="json")
    assert r.status_code == 201, r.content
    pk = r.json()["id"]
    assert api_client.post(f"/api/v1/catalogs/corrections/{pk}/dispatch_to_source/", {"analysis": "x"},
                           format="json").status_code == 403
    api_client.force_authenticate(tech_operator)
    assert api_client.post(f"/api/v1/catalogs/corrections/{pk}/dispatch_to_source/", {"analysis": "属源头问题"},
                           format="json").json()["status"] == "dispatched"
    api_client.force_authenticate(user_a)
    assert api_client.post(f"/api/v1/catalogs/corrections/{pk}/decide/", {"will_correct": True, "reason": "属实"},
                           format="json").json()["status"] == "correcting"


def test_admin_workflow_and_restricted_change_view(client, make_entry, unit_a, user_a, user_b, city_authority):
    entry = make_entry(unit_a, user_a, status=EntryStatus.SUBMITTED)
    client.force_login(user_a)
    page = client.get(f"/admin/catalogs/catalogentry/{entry.pk}/step/publish/")
    assert page.status_code == 200
    client.post(f"/admin/catalogs/catalogentry/{entry.pk}/step/publish/", {"reason": ""})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.SUBMITTED  # refused: a unit cannot publish
    client.force_login(city_authority)
    client.post(f"/admin/catalogs/catalogentry/{entry.pk}/step/publish/", {"reason": ""})
    entry.refresh_from_db()
    assert entry.status == EntryStatus.PUBLISHED
    secret = make_entry(unit_a, user_a, status=EntryStatus.PUBLISHED, authority=city_authority,
                        share_type=ShareType.NOT_SHARED, legal_basis="保密依据原文XYZ")
    client.force_login(user_b)
    page = client.get(f"/admin/catalogs/catalogentry/{secret.pk}/change/")
    assert page.status_code == 200 and "保密依据原文XYZ" not in page.content.decode()
    assert client.get(f"/admin/catalogs/catalogentry/{secret.pk}/diff/?old=1").status_code == 403
    client.force_login(user_a)
    assert "保密依据原文XYZ" in client.get(f"/admin/catalogs/catalogentry/{secret.pk}/change/").content.decode()


def test_admin_export_filtered_xlsx(client, make_entry, unit_a, user_a, city_authority):
    make_entry(unit_a, user_a, title="已发布甲", status=EntryStatus.PUBLISHED, authority=city_authority)
    make_entry(unit_a, user_a, title="=草稿乙")
    client.force_login(city_authority)
    response = client.get("/admin/catalogs/catalogentry/export/?status__exact=draft")
    assert response.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows[0][:2] == ("目录编码", "资源名称") and len(rows) == 2
    assert rows[1][1] == "=草稿乙" and wb.active["B2"].data_type == "s"  # text, not a formula


def test_admin_import_page_all_or_nothing(client, unit_a, user_a, user_b):
    from tests.catalogs.test_import import workbook

    client.force_login(user_a)
    path = workbook(io.BytesIO(), n=5, bad_row=2)
    path.seek(0)
    response = client.post("/admin/catalogs/catalogentry/import/", {"unit": unit_a.pk, "file": path})
    assert "第4行" in response.content.decode() and CatalogEntry.objects.count() == 0
    good = workbook(io.BytesIO(), n=5)
    good.seek(0)
    good.name = "ok.xlsx"
    client.post("/admin/catalogs/catalogentry/import/", {"unit": unit_a.pk, "file": good})
    assert CatalogEntry.objects.count() == 5
    client.force_login(user_b)  # cannot import for another unit
    good.seek(0)
    client.post("/admin/catalogs/catalogentry/import/", {"unit": unit_a.pk, "file": good})
    assert CatalogEntry.objects.count() == 5


@pytest.mark.parametrize("url", ["/admin/catalogs/collectiontask/board/", "/admin/catalogs/collectionitem/",
                                 "/admin/catalogs/datacorrection/", "/admin/catalogs/interfacerequest/",
                                 "/admin/catalogs/dataelement/", "/admin/catalogs/catalogversion/"])
def test_admin_pages_open(client, city_authority, url):
    client.force_login(city_authority)
    assert client.get(url).status_code == 200
