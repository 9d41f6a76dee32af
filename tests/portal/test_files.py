"""Private files on the seeded demo (issue 10): every stored file opens through the one kernel download path, for those
allowed and nobody else; malformed uploads and over-long names are refused in Chinese, leaving no row and no file."""

from __future__ import annotations

from pathlib import Path, PurePath

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, models
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from catalogs.models import CatalogEntry, CollectionSubmission, CollectionTask
from catalogs.services import IMPORT_COLUMNS
from portal import files
from portal.admin_base import PrivateFileWidget
from portal.models import AuditLog
from portal.roles import DOMAIN_APPS
from sharing.models import ShareApplication
from subsidies.models import Application, Evidence
from tests import uploads

pytestmark = pytest.mark.django_db

User = get_user_model()


def user(name: str):  # type: ignore[no-untyped-def]
    return User.objects.get(username=name)


def stored_files() -> set[Path]:
    return {p for p in Path(settings.MEDIA_ROOT).rglob("*") if p.is_file()}


def body(response) -> bytes:  # type: ignore[no-untyped-def]
    return b"".join(response.streaming_content)


def read(fieldfile) -> bytes:  # type: ignore[no-untyped-def]
    with fieldfile.open("rb") as fh:
        return fh.read()


@pytest.fixture
def token_client(api_client, token_for):  # type: ignore[no-untyped-def]
    def as_user(username: str):  # type: ignore[no-untyped-def]
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user(username))}")
        return api_client
    return as_user


# ------------------------------------------------------------------------------------------ the kernel itself
def test_every_file_field_is_private_and_has_download_rules():
    from django.apps import apps

    fields = [(m, f) for m in apps.get_models() if m._meta.app_label in {"portal", *DOMAIN_APPS}
              for f in m._meta.concrete_fields if isinstance(f, models.FileField)]
    assert {(m._meta.label, f.name) for m, f in fields} == {
        ("catalogs.CollectionSubmission", "file"), ("sharing.ShareApplication", "requirements_doc"),
        ("sharing.ShareApplication", "technical_plan"), ("sharing.OpenDataApplication", "eligibility_evidence"),
        ("sharing.OpenDataAgreement", "file"), ("subsidies.Evidence", "file"),
        ("subsidies.ManualAward", "decision_document"), ("subsidies.MatchCandidate", "correction_evidence")}
    for model, field in fields:
        assert isinstance(field.upload_to, files.PrivatePath), (model, field)
        assert (model._meta.app_label, model._meta.model_name, field.name) in files.private_files()


def test_admin_never_shows_a_file_field_with_django_s_storage_link(rf: RequestFactory, demo):
    request = rf.get("/admin/")
    request.user = user("admin")
    for model, model_admin in admin.site._registry.items():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                assert field.name not in model_admin.list_display, model
                assert isinstance(model_admin.formfield_for_dbfield(field, request).widget, PrivateFileWidget)


def test_stored_names_are_generated_and_keep_only_a_plain_extension():
    path = files.PrivatePath("catalogs/submissions")
    name = path(None, "../../报送 数据.CSV")
    assert name.startswith(f"catalogs/submissions/{timezone.localdate():%Y/%m}/") and name.endswith(".csv")
    assert "报送" not in name and ".." not in name
    assert "." not in PurePath(path(None, "无扩展名")).name and "." not in PurePath(path(None, "a.<脚本>")).name


def test_upload_names_over_the_column_are_refused_in_chinese():
    assert files.upload_name(SimpleUploadedFile("C:\\\\报表\\月报.xlsx", b"x")) == "月报.xlsx"
    assert files.upload_name(uploads.long_name(".csv", files.MAX_UPLOAD_NAME)) == uploads.long_name(".csv", 200)
    with pytest.raises(ValidationError) as exc:
        files.upload_name(uploads.long_name(".csv"), field="requirements_doc")
    assert exc.value.message_dict == {"requirements_doc": [
        "文件名过长（250 个字符），请将文件名缩短到 200 个字符以内后重新上传。"]}


def test_a_file_written_before_a_failing_insert_is_removed(demo):
    task = CollectionTask.objects.first()
    before = stored_files()
    with pytest.raises(IntegrityError):
        with files.atomic():
            row = CollectionSubmission(task=task, channel="upload", file_name="x.csv", submitted_at=None)
            files.store(row.file, ContentFile(b"a,b\n"), name="x.csv")
            assert Path(row.file.path).exists()
            row.save()  # submitted_at is NOT NULL: the database refuses the row after the file was written
    assert stored_files() == before and not CollectionSubmission.objects.filter(file_name="x.csv").exists()


def test_files_of_an_inner_block_go_when_the_outer_block_fails(demo):
    task = CollectionTask.objects.first()
    before = stored_files()
    with pytest.raises(ValidationError):
        with files.atomic():
            with files.atomic():
                row = CollectionSubmission(task=task, channel="upload", file_name="y.csv", submitted_at=timezone.now())
                files.store(row.file, ContentFile(b"a\n"), name="y.csv")
                row.save()
            raise ValidationError("之后的一步失败")
    assert stored_files() == before
    with files.atomic():
        files.store(row.file, ContentFile(b"a\n"), name="y.csv")
    assert Path(row.file.path).read_bytes() == b"a\n"
    with pytest.raises(RuntimeError):
        files.store(row.file, ContentFile(b"a\n"), name="y.csv")  # never outside files.atomic()


# ------------------------------------------------------------------------------------------ 采集报送记录
def test_every_demo_submission_page_opens_and_its_file_downloads(client, demo):
    client.force_login(user("city_authority"))
    submissions = list(CollectionSubmission.objects.all())
    assert len(submissions) > 100
    assert client.get(reverse("admin:catalogs_collectionsubmission_changelist")).status_code == 200
    audits = AuditLog.objects.filter(action="portal.file.download").count()
    for sub in submissions:
        page = client.get(reverse("admin:catalogs_collectionsubmission_change", args=[sub.pk]))
        url = files.download_url(sub, "file")
        assert page.status_code == 200 and url in page.content.decode(), sub.pk
        download = client.get(url)
        assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
        assert body(download) == read(sub.file)
    assert AuditLog.objects.filter(action="portal.file.download").count() == audits + len(submissions)
    task = submissions[0].task
    assert client.get(reverse("admin:catalogs_collectiontask_change", args=[task.pk])).status_code == 200


def test_submission_files_only_for_the_unit_and_its_authorities(client, api_client, token_client, demo):
    sub = CollectionSubmission.objects.filter(task__unit__code="JJ-finance").first()
    url = files.download_url(sub, "file")
    for name in ("jj_finance_admin", "county_authority", "tech_operator"):
        client.force_login(user(name))
        assert client.get(url).status_code == 200, name
    for name in ("unit_admin_b", "applicant"):
        client.force_login(user(name))
        assert client.get(url).status_code == 404, name
    api = token_client("jj_finance_admin")
    listed = api.get(f"/api/v1/catalogs/submissions/{sub.pk}/").json()
    assert listed["download_url"] == url and "catalogs/submissions/" not in str(listed)
    assert body(api.get(url)) == read(sub.file)
    assert token_client("unit_admin_b").get(url).status_code == 404
    api_client.credentials(HTTP_AUTHORIZATION="Token 00000000.wrong")
    assert api_client.get(url).status_code == 401
    api_client.credentials()
    client.logout()
    assert client.get(url).status_code == 302  # to the login page
    assert client.get("/files/catalogs/collectionsubmission/999999/file/").status_code == 302


# ------------------------------------------------------------------------------------------ 共享申请的附件
def test_share_application_with_attachments_opens_in_admin_and_api(client, token_client, demo):
    app = ShareApplication.objects.exclude(requirements_doc="").get()
    from sharing.demo import DEMO_PDF

    links = {files.download_url(app, "requirements_doc"): DEMO_PDF % b"requirements",
             files.download_url(app, "technical_plan"): DEMO_PDF % b"plan"}
    for name in ("city_authority", "unit_admin", "auditor"):
        client.force_login(user(name))
        page = client.get(reverse("admin:sharing_shareapplication_change", args=[app.pk]))
        assert page.status_code == 200 and all(url in page.content.decode() for url in links), name
        history = app.history.order_by("history_id").last()
        assert client.get(reverse("admin:sharing_shareapplication_simple_history",
                                  args=[app.pk, history.history_id])).status_code == 200
    for name in ("admin", "unit_admin"):
        api = token_client(name)
        found = None
        url = "/api/v1/sharing/applications/?page_size=5"
        while url:
            page = api.get(url)
            assert page.status_code == 200, (name, url)
            found = found or next((a for a in page.json()["results"] if a["id"] == app.pk), None)
            url = page.json()["next"]
        detail = api.get(f"/api/v1/sharing/applications/{app.pk}/")
        assert detail.status_code == 200
        assert {found["requirements_doc"], found["technical_plan"]} == set(links)
        assert detail.json()["requirements_doc"] == found["requirements_doc"]
        for link, content in links.items():
            download = api.get(link)
            assert download.status_code == 200 and body(download) == content
            assert app.number in download["Content-Disposition"]
    stranger = token_client("unit_admin_b")
    assert stranger.get(f"/api/v1/sharing/applications/{app.pk}/").status_code == 404
    assert all(stranger.get(link).status_code == 404 for link in links)


def _draft_form(source: ShareApplication, matter: str) -> dict:
    return {"applicant_unit": source.applicant_unit_id, "kind": "ordinary", "business_matter": matter,
            "application_scenario": "核验", "information_system": "一窗受理系统", "purpose": "核验",
            "service_mode": "cross_verification", "requested_from_on": timezone.localdate().isoformat(),
            "requested_until_on": timezone.localdate().replace(year=timezone.localdate().year + 1).isoformat(),
            "source_location": source.source_location, "interface_kind": "", "bulk_justification": "",
            "system_mlps_level": "", "scope_conditions": "", "legal_basis": "",
            "entries": [e.pk for e in source.entries.all()], "data_items": [i.pk for i in source.data_items.all()]}


def test_a_draft_takes_its_attachments_through_the_admin_form(client, demo):
    source = ShareApplication.objects.exclude(requirements_doc="").get()
    client.force_login(user("unit_admin"))
    form = _draft_form(source, "附件上传回归")
    before = stored_files()
    too_long = client.post(reverse("admin:sharing_shareapplication_add"), {
        **form, "requirements_doc": SimpleUploadedFile(uploads.long_name(".pdf"), b"%PDF-1.4 req"),
        "technical_plan": SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan")})
    assert too_long.status_code == 200 and "文件名" in too_long.content.decode()
    assert stored_files() == before and not ShareApplication.objects.filter(business_matter="附件上传回归").exists()
    created = client.post(reverse("admin:sharing_shareapplication_add"), {
        **form, "requirements_doc": SimpleUploadedFile("需求.pdf", b"%PDF-1.4 req"),
        "technical_plan": SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan")})
    assert created.status_code == 302, created.content.decode()[-1500:]
    draft = ShareApplication.objects.get(business_matter="附件上传回归")
    page = client.get(reverse("admin:sharing_shareapplication_change", args=[draft.pk])).content.decode()
    assert 'type="file" name="technical_plan"' in page and files.download_url(draft, "technical_plan") in page
    assert body(client.get(files.download_url(draft, "requirements_doc"))) == b"%PDF-1.4 req"


def test_a_draft_takes_its_attachments_through_the_api(token_client, demo):
    source = ShareApplication.objects.exclude(requirements_doc="").get()
    api = token_client("unit_admin")
    form = _draft_form(source, "接口附件回归")
    before = stored_files()
    refused = api.post("/api/v1/sharing/applications/", {
        **form, "requirements_doc": SimpleUploadedFile(uploads.long_name(".pdf"), b"%PDF-1.4 req"),
        "technical_plan": SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan")}, format="multipart")
    assert refused.status_code == 400 and "文件名过长" in refused.json()["requirements_doc"][0]
    assert stored_files() == before and not ShareApplication.objects.filter(business_matter="接口附件回归").exists()
    created = api.post("/api/v1/sharing/applications/", {
        **form, "requirements_doc": SimpleUploadedFile("需求.pdf", b"%PDF-1.4 req"),
        "technical_plan": SimpleUploadedFile("方案.pdf", b"%PDF-1.4 plan")}, format="multipart")
    assert created.status_code == 201, created.content
    assert body(api.get(created.json()["technical_plan"])) == b"%PDF-1.4 plan"
    changed = api.patch(f"/api/v1/sharing/applications/{created.json()['id']}/", {
        "technical_plan": SimpleUploadedFile("方案二.pdf", b"%PDF-1.4 plan v2")}, format="multipart")
    assert changed.status_code == 200 and body(api.get(changed.json()["technical_plan"])) == b"%PDF-1.4 plan v2"


# ------------------------------------------------------------------------------------------ 申报材料
def test_evidence_downloads_from_admin_api_and_site_take_the_kernel_path(client, token_client, demo):
    evidence = Evidence.objects.get(application__enterprise__name="福建晋江智造科技有限公司",
                                    application__status="disbursed")
    url = files.download_url(evidence, "file")
    client.force_login(user("city_authority"))
    page = client.get(reverse("admin:subsidies_application_change", args=[evidence.application_id]))
    assert page.status_code == 200 and url in page.content.decode()
    assert client.get(reverse("admin:subsidies_evidence_change", args=[evidence.pk])).status_code == 200
    api = token_client("applicant")
    assert api.get(f"/api/v1/subsidies/evidence/{evidence.pk}/").json()["download_url"] == url
    client.force_login(user("applicant"))
    site = client.get(reverse("subsidies_site:application_detail", args=[evidence.application_id]))
    assert url in site.content.decode()
    audits = AuditLog.objects.filter(action="portal.file.download", object_id=str(evidence.pk)).count()
    for who in (client, api):  # the site (session) and the API (token): the same path, each download audited
        download = who.get(url)
        assert download.status_code == 200 and body(download) == read(evidence.file)
        assert download["Content-Type"] == "application/pdf" and download["Cache-Control"] == "private, no-store"
    assert AuditLog.objects.filter(action="portal.file.download", object_id=str(evidence.pk)).count() == audits + 2
    client.force_login(user("applicant_b"))
    assert client.get(url).status_code == 404
    assert token_client("applicant_b").get(url).status_code == 404


def test_evidence_with_an_over_long_name_is_refused_on_site_and_api(client, token_client, demo):
    draft = Application.objects.get(enterprise__name="泉州丰泽跨境电商有限公司", status="draft")
    count, before = draft.evidence.count(), stored_files()
    pdf = b"%PDF-1.4 demo"
    client.force_login(user("applicant_b"))
    page = client.post(reverse("subsidies_site:evidence_upload", args=[draft.pk]),
                       {"kind": "invoice", "file": SimpleUploadedFile(uploads.long_name(".pdf"), pdf)})
    assert page.status_code == 400 and "文件名过长" in page.content.decode()
    api = token_client("applicant_b").post(f"/api/v1/subsidies/applications/{draft.pk}/evidence/", {
        "kind": "invoice", "file": SimpleUploadedFile(uploads.long_name(".pdf"), pdf)}, format="multipart")
    assert api.status_code == 400 and "文件名过长" in api.json()["file"][0]
    assert draft.evidence.count() == count and stored_files() == before


# ------------------------------------------------------------------------------------------ 采集报送上传
def _bad_uploads(fields: list[str]) -> list[tuple[str, bytes, str]]:
    header = ",".join(fields).encode("utf-8")
    return [("报送.xlsx", uploads.plain_zip(), "不是有效的 .xlsx 文件"),
            ("报送.xlsx", uploads.docx_like_zip(), "不是有效的 .xlsx 文件"),
            ("报送.xlsx", uploads.xlsx_with_entities(fields), "XML 实体"),
            ("报送.xlsx", uploads.xlsx_broken_after_rows(fields), "无法读取文件"),
            ("报送.csv", uploads.csv_with_long_field(fields), "超过 131072 个字符"),
            (uploads.long_name(".csv"), header + b"\n" + b"1," * (len(fields) - 1) + b"1\n", "文件名过长")]


def test_malformed_collection_uploads_are_refused_through_api_and_admin(client, token_client, demo):
    task = CollectionTask.objects.filter(unit__code="JJ-finance").select_related("item").first()
    api = token_client("jj_finance_admin")
    client.force_login(user("jj_finance_admin"))
    rows, before = CollectionSubmission.objects.count(), stored_files()
    for name, data, message in _bad_uploads(task.item.fields):
        response = api.post(f"/api/v1/catalogs/tasks/{task.pk}/submit/",
                            {"file": SimpleUploadedFile(name, data)}, format="multipart")
        assert response.status_code == 400 and message in response.json()["file"][0], (name, response.content)
        page = client.post(reverse("admin:catalogs_collectiontask_submit", args=[task.pk]),
                           {"file": SimpleUploadedFile(name, data)})
        assert page.status_code == 200 and message in page.content.decode(), name
        assert 'class="errorlist"' in page.content.decode()
    assert CollectionSubmission.objects.count() == rows and stored_files() == before
    good = api.post(f"/api/v1/catalogs/tasks/{task.pk}/submit/", {"file": SimpleUploadedFile(
        uploads.long_name(".csv", 200), _bad_uploads(task.item.fields)[-1][1])}, format="multipart")
    assert good.status_code == 201 and good.json()["file_name"] == uploads.long_name(".csv", 200)
    sub = CollectionSubmission.objects.get(pk=good.json()["id"])
    assert body(api.get(good.json()["download_url"])) == _bad_uploads(task.item.fields)[-1][1]
    assert stored_files() == before | {Path(sub.file.path)}


def test_malformed_catalog_imports_are_listed_not_raised(client, demo):
    client.force_login(user("unit_admin"))
    unit = user("unit_admin").memberships.get().organization
    entries = CatalogEntry.objects.count()
    for name, data, message in _bad_uploads([c.header for c in IMPORT_COLUMNS])[:4]:
        page = client.post(reverse("admin:catalogs_catalogentry_import"),
                           {"unit": unit.pk, "file": SimpleUploadedFile(name, data)})
        assert page.status_code == 200 and message in page.content.decode(), name
    assert CatalogEntry.objects.count() == entries
