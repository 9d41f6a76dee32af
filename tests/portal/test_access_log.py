"""Issue 13 point 5 — reads of governed data are traceable (seed 000 QZ §八(四): “确保信息汇聚、清洗、共享、查询、比对、
下载、分析研判、访问和更新维护等操作可追溯，日志记录保留时间不少于3年，并根据需要将使用日志推送给相应的数据生产应用单位”).

Every channel writes one append-only ``AccessLog`` row per request (admin, API, export, download); the producer unit
sees the reads of its own data and not other units'; nobody updates or deletes a row, the database refuses too; the
daily purge removes only rows older than three years (docs/adr/0009-access-log.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from catalogs.models import CatalogEntry, CollectionSubmission
from portal import files
from portal.access_log import access_record
from portal.models import AccessLog, Organization
from portal.models.access import retention_cutoff
from portal.policies import AccessLogPolicy
from portal.schedules import all_schedules
from portal.tasks import purge_access_log
from sharing.models import Authorization, DataUseRecord, ShareApplication

pytestmark = pytest.mark.django_db

User = get_user_model()


def user(name: str):  # type: ignore[no-untyped-def]
    return User.objects.get(username=name)


def new_rows(since: int) -> list[AccessLog]:
    return list(AccessLog.objects.filter(pk__gt=since).order_by("pk"))


def last_id() -> int:
    return AccessLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def unit(code: str) -> Organization:
    return Organization.objects.get(code=code)


def keys(*units: Organization) -> str:
    return "|" + "|".join(str(u.pk) for u in sorted(units, key=lambda u: u.pk)) + "|"


def gxj_entry() -> CatalogEntry:
    return CatalogEntry.objects.filter(source_unit__code="QZ-GXJ", retired_at__isnull=True).order_by("pk").first()


# ------------------------------------------------------------------------------------------------ each channel
def test_admin_list_and_detail_each_write_one_row(client, demo):
    """查询 (a changelist page) and 访问 (a change page, a history page) through the admin, QZ §八(四)."""
    client.force_login(user("unit_admin_b"))
    start = last_id()
    response = client.get("/admin/catalogs/catalogentry/?unit_scope=all", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    cl = response.context["cl"]
    [row] = new_rows(start)
    assert (row.channel, row.action, row.user, row.user_name) == ("admin", "query", user("unit_admin_b"),
                                                                    "unit_admin_b")
    assert row.client_ip == "10.1.2.3" and row.api_token == ""
    assert row.content_type == ContentType.objects.get_for_model(CatalogEntry)
    assert row.result_count == cl.result_count and row.object_ids == [e.pk for e in cl.result_list]
    assert row.query == "/admin/catalogs/catalogentry/?unit_scope=all"
    assert set(row.producer_unit_ids) == {e.source_unit_id for e in cl.result_list}

    entry = gxj_entry()
    start = last_id()
    assert client.get(reverse("admin:catalogs_catalogentry_change", args=[entry.pk])).status_code == 200
    assert client.get(reverse("admin:catalogs_catalogentry_history", args=[entry.pk])).status_code == 200
    detail, history = new_rows(start)
    for row in (detail, history):
        assert (row.channel, row.action, row.object_id) == ("admin", "access", str(entry.pk))
        assert row.producer_unit_keys == keys(unit("QZ-GXJ")) and row.object_repr == str(entry)[:255]


def test_refused_and_failed_reads_write_nothing(client, demo):
    """Only reads that showed data are logged: a page refused (403/404) leaves no row."""
    client.force_login(user("applicant"))
    start = last_id()
    assert client.get("/admin/catalogs/catalogentry/").status_code in (302, 403)
    client.force_login(user("unit_admin_b"))
    assert client.get(reverse("admin:catalogs_catalogentry_change", args=[999999])).status_code in (302, 404)
    assert new_rows(start) == []


def test_api_list_and_detail_with_a_token(api_client, token_for, demo):
    """查询 and 访问 over the API name the caller's token (its prefix), QZ §八(四)."""
    reader = user("unit_admin_b")
    key = token_for(reader)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    start = last_id()
    listed = api_client.get("/api/v1/catalogs/entries/?page_size=5", REMOTE_ADDR="192.168.7.8")
    assert listed.status_code == 200
    data = listed.json()
    [row] = new_rows(start)
    assert (row.channel, row.action, row.user_name, row.client_ip) == ("api", "query", "unit_admin_b", "192.168.7.8")
    assert row.api_token and key.startswith(row.api_token)
    assert row.result_count == data["count"] and row.object_ids == [r["id"] for r in data["results"]]
    assert row.query == "/api/v1/catalogs/entries/?page_size=5"

    entry = gxj_entry()
    start = last_id()
    assert api_client.get(f"/api/v1/catalogs/entries/{entry.pk}/").status_code == 200
    [row] = new_rows(start)
    assert (row.channel, row.action, row.object_id) == ("api", "access", str(entry.pk))
    assert row.producer_unit_keys == keys(unit("QZ-GXJ"))

    start = last_id()  # a many-to-many path: the application's entries' source units
    app = ShareApplication.objects.filter(entries__isnull=False).order_by("pk").first()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user('city_authority'))}")
    assert api_client.get(f"/api/v1/sharing/applications/{app.pk}/").status_code == 200
    [row] = new_rows(start)
    assert set(row.producer_unit_ids) == set(app.entries.values_list("source_unit_id", flat=True))
    start = last_id()
    assert api_client.get("/api/v1/catalogs/entries/999999/").status_code == 404
    assert new_rows(start) == []



def test_api_boards_and_summaries_are_logged_as_queries(api_client, token_for, demo):
    """Unpaginated reads (the sharing assessment, the overdue board) are 查询 too, with their query string
    (QZ §八(四) 查询……可追溯)."""
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user('city_authority'))}")
    for url in ("/api/v1/sharing/applications/assessment/?month=2026-10", "/api/v1/sharing/applications/overdue/"):
        start = last_id()
        assert api_client.get(url).status_code == 200, url
        [row] = new_rows(start)
        assert (row.channel, row.action, row.user_name, row.query) == ("api", "query", "city_authority", url)

def test_usage_record_export_is_logged_from_admin_and_api(client, api_client, token_for, demo):
    """The usage-record export (named in the issue) is 导出 with its row count and producer units, QZ §八(四)."""
    auth = Authorization.objects.filter(usage_records__isnull=False).distinct().order_by("pk").first()
    assert auth is not None, "the demo has usage records"
    producers = set(auth.entries.values_list("source_unit_id", flat=True))
    records = DataUseRecord.objects.filter(authorization=auth).count()
    client.force_login(user("city_authority"))
    start = last_id()
    response = client.get(reverse("admin:sharing_authorization_usage", args=[auth.pk]))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [row] = new_rows(start)
    assert (row.channel, row.action, row.object_id) == ("export", "export", str(auth.pk))
    assert row.object_repr == f"使用记录-{auth.number}.xlsx" and row.result_count == records
    assert set(row.producer_unit_ids) == producers and row.user_name == "city_authority"

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user('city_authority'))}")
    start = last_id()
    response = api_client.get(f"/api/v1/sharing/authorizations/{auth.pk}/usage-export/")
    assert response.status_code == 200
    [row] = new_rows(start)  # one row: the export, not a second API 访问 row
    assert (row.channel, row.action, row.result_count) == ("export", "export", records) and row.api_token


def test_filtered_changelist_export_is_logged_with_its_producers(client, demo):
    """The catalog changelist export (导出) keeps the query, the rows written and the units of the exported rows."""
    client.force_login(user("city_authority"))
    start = last_id()
    response = client.get("/admin/catalogs/catalogentry/export/?unit_scope=all")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [row] = new_rows(start)
    visible = CatalogEntry.objects.all()
    assert (row.channel, row.action) == ("export", "export")
    assert row.content_type == ContentType.objects.get_for_model(CatalogEntry) and row.result_count
    assert set(row.producer_unit_ids) <= set(visible.values_list("source_unit_id", flat=True))
    assert row.query.startswith("/admin/catalogs/catalogentry/export/")


def test_file_download_is_logged(client, demo):
    """下载 of a private file (the one kernel download path), QZ §八(四)."""
    sub = CollectionSubmission.objects.filter(task__unit__code="JJ-finance").exclude(file="").first()
    client.force_login(user("county_authority"))
    start = last_id()
    response = client.get(files.download_url(sub, "file"))
    assert response.status_code == 200
    b"".join(response.streaming_content)
    [row] = new_rows(start)
    assert (row.channel, row.action, row.object_id) == ("download", "download", str(sub.pk))
    assert row.object_repr == sub.file_name and row.producer_unit_keys == keys(unit("JJ-finance"))
    client.force_login(user("unit_admin_b"))
    start = last_id()
    assert client.get(files.download_url(sub, "file")).status_code == 404
    assert new_rows(start) == []


# ------------------------------------------------------------------------------------------------ who sees what
def test_producer_sees_reads_of_its_own_data_not_others(client, demo):
    """“根据需要将使用日志推送给相应的数据生产应用单位” (QZ §八(四)): the producer's staff see reads of their unit's data;
    another unit does not; the authority and the technical service unit see all."""
    gxj, scj = unit("QZ-GXJ"), unit("QZ-SCJGJ")
    mine = access_record(channel="api", action="access", user=user("unit_admin_b"), obj=gxj_entry())
    theirs = access_record(channel="api", action="access", user=user("unit_admin"),
                           obj=CatalogEntry.objects.filter(source_unit=scj).first())
    assert mine.producer_unit_keys == keys(gxj) and theirs.producer_unit_keys == keys(scj)
    policy = AccessLogPolicy()

    def seen(name: str) -> set[int]:
        return set(policy.scope(user(name), AccessLog.objects.filter(pk__in=[mine.pk, theirs.pk]))
                   .values_list("pk", flat=True))

    assert seen("unit_admin") == {mine.pk} and seen("unit_leader") == {mine.pk}
    assert seen("unit_admin_b") == {theirs.pk}
    assert seen("city_authority") == seen("auditor") == seen("tech_operator") == {mine.pk, theirs.pk}
    assert seen("program_officer") == {mine.pk}  # any member of the producer unit (the admin needs the permission)
    assert seen("county_authority") == set() and seen("applicant") == set() and seen("procurement_officer") == set()

    client.force_login(user("unit_admin"))
    page = client.get("/admin/portal/accesslog/")
    assert page.status_code == 200
    listed = {row.pk for row in page.context["cl"].result_list}
    assert mine.pk in listed and theirs.pk not in listed
    assert "泉州市工业和信息化局" in page.content.decode()  # the producer unit by name
    assert client.get(reverse("admin:portal_accesslog_change", args=[mine.pk])).status_code == 200
    assert client.get(reverse("admin:portal_accesslog_change", args=[theirs.pk])).status_code in (302, 403, 404)
    client.force_login(user("applicant"))
    assert client.get("/admin/portal/accesslog/").status_code in (302, 403)


def test_county_authority_sees_reads_of_its_county_units(demo):
    sub = CollectionSubmission.objects.filter(task__unit__code="JJ-finance").first()
    row = access_record(channel="download", action="download", user=user("city_authority"), obj=sub)
    scoped = AccessLogPolicy().scope(user("county_authority"), AccessLog.objects.filter(pk=row.pk))
    assert list(scoped) == [row]
    assert not AccessLogPolicy().scope(user("unit_admin"), AccessLog.objects.filter(pk=row.pk)).exists()


def test_reading_the_access_log_is_not_logged_again(client, demo):
    client.force_login(user("city_authority"))
    start = last_id()
    assert client.get("/admin/portal/accesslog/").status_code == 200
    assert new_rows(start) == []


# ------------------------------------------------------------------------------------------------ append-only
def test_rows_cannot_be_changed_or_deleted(client, demo):
    """Tamper-proof log (QZ §八(四); FJ-OPEN art.24): model, queryset, admin and database all refuse."""
    row = access_record(channel="api", action="access", user=user("unit_admin"), obj=gxj_entry())
    row.user_name = "别人"
    with pytest.raises(PermissionDenied, match="只可追加"):
        row.save()
    with pytest.raises(PermissionDenied, match="不少于3年"):
        row.delete()
    with pytest.raises(PermissionDenied):
        AccessLog.objects.filter(pk=row.pk).update(user_name="别人")
    with pytest.raises(PermissionDenied):
        AccessLog.objects.filter(pk=row.pk).delete()
    for sql in ("UPDATE portal_accesslog SET user_name = 'x' WHERE id = %s",
                "DELETE FROM portal_accesslog WHERE id = %s"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [row.pk])
    assert AccessLog.objects.get(pk=row.pk).user_name == "unit_admin"

    client.force_login(user("admin"))
    change = reverse("admin:portal_accesslog_change", args=[row.pk])
    page = client.get(change)
    assert page.status_code == 200 and "删除" not in page.content.decode().split('id="content-main"', 1)[1]
    assert client.post(change, {"user_name": "x"}).status_code == 403
    assert client.get(reverse("admin:portal_accesslog_add")).status_code == 403
    assert client.post(reverse("admin:portal_accesslog_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert AccessLog.objects.filter(pk=row.pk).exists()


# ------------------------------------------------------------------------------------------------ retention
def _aged(days_old: int) -> AccessLog:
    return AccessLog.objects.create(at=timezone.now() - dt.timedelta(days=days_old), user_name="x",
                                    channel="api", action="query")


def test_purge_deletes_only_rows_older_than_three_years(demo):
    """日志记录保留时间不少于3年 (QZ §八(四)): the daily task removes rows older than three years, keeps the rest."""
    old, older = _aged(3 * 366 + 2), _aged(5 * 365)
    kept = [_aged(3 * 365 - 2), _aged(400), _aged(0)]
    assert purge_access_log() == 2
    assert not AccessLog.objects.filter(pk__in=[old.pk, older.pk]).exists()
    assert AccessLog.objects.filter(pk__in=[r.pk for r in kept]).count() == 3
    assert purge_access_log() == 0
    assert ("清理满3年的数据访问日志", "portal.tasks.purge_access_log", "D", None) in all_schedules()


def test_retention_cutoff_is_three_years_back_at_midnight():
    now = timezone.make_aware(dt.datetime(2026, 12, 6, 15, 30))
    assert timezone.localtime(retention_cutoff(now)) == timezone.make_aware(dt.datetime(2023, 12, 6))
    leap = timezone.make_aware(dt.datetime(2028, 2, 29, 9, 0))
    assert timezone.localtime(retention_cutoff(leap)).date() == dt.date(2025, 2, 28)


# ------------------------------------------------------------------------------------------------ cost
@pytest.mark.parametrize("url", ["/api/v1/catalogs/entries/", "/api/v1/sharing/applications/"])
def test_logging_a_list_costs_the_same_for_5_and_50_rows(api_client, token_for, demo, url):
    """One INSERT per request whatever the page size (and one SELECT for producers behind a many-to-many)."""
    reader = user("city_authority")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(reader)}")
    assert api_client.get(f"{url}?page_size=1").status_code == 200  # the token's first use is noted once
    counts = []
    for size in (5, 50):
        reader.__dict__.pop("_portal_scope", None)
        with CaptureQueriesContext(connection) as ctx:
            assert api_client.get(f"{url}?page_size={size}").status_code == 200
        inserts = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith('INSERT INTO "portal_accesslog"')]
        assert len(inserts) == 1
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts


def test_every_declared_producer_path_leads_to_a_unit():
    """``<app>.permissions.ACCESS_UNITS``: each model exists and its path ends at an organisation."""
    from django.apps import apps
    from django.contrib.admin.utils import get_fields_from_path

    from portal.access_log import access_units

    declared = access_units()
    assert {"catalogs.CatalogEntry", "sharing.Authorization", "sharing.DataUseRecord"} <= set(declared)
    for label, path in declared.items():
        field = get_fields_from_path(apps.get_model(label), path)[-1]
        assert field.related_model is Organization, (label, path)
