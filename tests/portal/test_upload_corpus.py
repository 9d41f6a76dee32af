"""The bad-file corpus (issue 15 point 3) against every import and upload path.

Each file of ``tests/uploads_corpus.py`` goes through each path that takes a spreadsheet or an attachment:

* the catalog import (service, admin page, ``import_catalog`` command),
* the collection submission (admin upload page, API multipart upload),
* the subsidy evidence upload (API multipart; an attachment, kept but never read as a table),
* the kernel's document check ``portal.files.check_document``, which every other attachment path calls before it
  keeps a file: share-application documents (需求说明、技术方案), open-data eligibility evidence and agreements,
  一事一议 decision documents, 免申即享 correction evidence.

Every file is refused with a Chinese message and nothing is written (rows counted before and after), except the few
a path may legitimately accept: a GBK CSV read correctly (its Chinese stored as sent, never garbled), HTML typed into a
text cell (stored as text, shown escaped), and for the attachment path valid workbooks with odd content, which it keeps
as files without reading them. A refused collection file may leave its refusal on record (a not-accepted submission
with the reason, QZ's 报送记录), but the task's state does not move. Nothing is executed: formulas are refused, XML
entities are refused before expansion, HTML comes back escaped.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from catalogs.models import CatalogEntry, CollectionItem, CollectionSubmission, CollectionTask, DataItem, DeadlineRule
from catalogs.services import collection_tasks_generate
from portal.xlsx import FORMULA
from subsidies.models import Evidence
from tests.subsidies.conftest import PDF, applicant, make_applicant, make_call, units  # noqa: F401 - fixtures
from tests.uploads_corpus import (
    ATTACHMENT_MAY_KEEP,
    BIG_BYTES,
    READER_MAY_ACCEPT,
    SCRIPT,
    BadFile,
    big_file,
    corpus,
)

pytestmark = pytest.mark.django_db
CHINESE = re.compile(r"[\u4e00-\u9fff]")

# the catalog import: required columns first, an optional free-text column (资源摘要) last
CATALOG_ROW = {"目录编码": "CORPUS-1", "资源名称": "语料目录", "共享类型": "无条件共享", "开放类型": "不予开放",
               "更新频率": "每月", "信息项": "企业名称、金额", "资源摘要": "导入测试"}
CATALOG_HEADER = list(CATALOG_ROW)
COLLECTION_HEADER = ["科目名称", "科目代码", "金额"]
COLLECTION_ROW = ["收入", "101", "1.00"]
CORPUS_KEYS = [f.key for f in corpus(["a"], ["b"])]
CSV_KEYS = {f.key for f in corpus(["a"], ["b"]) if f.name.endswith(".csv")}


@dataclass
class Outcome:
    refused: bool
    message: str  # the Chinese refusal shown to the user ('' when accepted)


def _upload(bad: BadFile, content: bytes | Path) -> Any:
    if isinstance(content, Path):
        with content.open("rb") as fh:
            return SimpleUploadedFile(bad.name, fh.read())
    return SimpleUploadedFile(bad.name, content)


# ------------------------------------------------------------------------------------------- the paths
def _catalog_service(world: Any, bad: BadFile, content: bytes | Path) -> Outcome:
    from catalogs.services import import_catalog
    from portal.xlsx import XlsxImportError

    handle = content.open("rb") if isinstance(content, Path) else io.BytesIO(content)
    with handle:
        try:
            import_catalog(handle, unit=world.unit, acting_user=world.user)
        except XlsxImportError as exc:
            return Outcome(True, str(exc))
    return Outcome(False, "")


def _catalog_admin(world: Any, bad: BadFile, content: bytes | Path) -> Outcome:
    world.client.force_login(world.user)
    response = world.client.post("/admin/catalogs/catalogentry/import/",
                                 {"unit": world.unit.pk, "file": _upload(bad, content)})
    if response.status_code == 302:
        return Outcome(False, "")
    assert response.status_code == 200
    page = response.content.decode()
    found = re.search(r'<div class="errornote">(.*?)</div>', page, re.S)
    assert found, page[:2000]
    return Outcome(True, re.sub(r"<[^>]+>", " ", found.group(1)))


def _catalog_command(world: Any, bad: BadFile, content: bytes | Path, tmp_path: Path) -> Outcome:
    if not isinstance(content, Path):
        path = tmp_path / bad.name
        path.write_bytes(content)
        content = path
    err = io.StringIO()
    try:
        call_command("import_catalog", str(content), unit=world.unit.code, stderr=err, stdout=io.StringIO())
    except SystemExit as exc:
        assert exc.code == 2
        return Outcome(True, err.getvalue())
    return Outcome(False, "")


def _collection_admin(world: Any, bad: BadFile, content: bytes | Path) -> Outcome:
    world.client.force_login(world.user)
    url = f"/admin/catalogs/collectiontask/{world.task.pk}/submit/"
    before = CollectionSubmission.objects.count()
    response = world.client.post(url, {"file": _upload(bad, content)}, follow=True)
    page = response.content.decode()
    submission = CollectionSubmission.objects.order_by("-pk").first()
    if CollectionSubmission.objects.count() > before and submission is not None:
        if submission.is_accepted:
            return Outcome(False, "")
        assert submission.message in page
        return Outcome(True, submission.message)
    found = re.search(r'<ul class="errorlist[^>]*>(.*?)</ul>', page, re.S)
    assert found, page[page.find('id="content"'):][:3000]
    return Outcome(True, re.sub(r"<[^>]+>", " ", found.group(1)))


def _collection_api(world: Any, bad: BadFile, content: bytes | Path) -> Outcome:
    world.api.force_authenticate(world.user)
    response = world.api.post(f"/api/v1/catalogs/tasks/{world.task.pk}/submit/", {"file": _upload(bad, content)},
                              format="multipart")
    if response.status_code == 201:
        return Outcome(False, "")
    assert response.status_code == 400, response.content[:500]
    body = response.json()
    return Outcome(True, str(body.get("message") or body))


def _evidence_api(world: Any, bad: BadFile, content: bytes | Path) -> Outcome:
    world.api.force_authenticate(world.applicant)
    response = world.api.post(f"/api/v1/subsidies/applications/{world.application.pk}/evidence/",
                              {"file": _upload(bad, content), "kind": "invoice"}, format="multipart")
    if response.status_code == 201:
        return Outcome(False, "")
    assert response.status_code == 400, response.content[:500]
    return Outcome(True, str(response.json()))


def _document_check(world: Any, bad: BadFile, content: bytes | Path) -> Outcome:
    from django.core.exceptions import ValidationError

    from portal.files import check_document

    try:
        check_document(_upload(bad, content), field="file", label="附件")
    except ValidationError as exc:
        return Outcome(True, "；".join(m for msgs in exc.message_dict.values() for m in msgs))
    return Outcome(False, "")


PATHS = {
    "catalog-import-service": _catalog_service,
    "catalog-import-admin": _catalog_admin,
    "catalog-import-command": _catalog_command,
    "collection-submit-admin": _collection_admin,
    "collection-submit-api": _collection_api,
    "evidence-upload-api": _evidence_api,
    "document-check": _document_check,
}
ATTACHMENT_PATHS = {"evidence-upload-api", "document-check"}
CASES = [(path, key) for path in PATHS for key in CORPUS_KEYS]


def test_corpus_size_is_reported():
    """files × paths, for the lead's report."""
    print(f"\nbad-file corpus: {len(CORPUS_KEYS)} files × {len(PATHS)} paths = {len(CASES)} cases")
    assert (len(CORPUS_KEYS), len(PATHS), len(CASES)) == (18, 7, 126)


@pytest.fixture(scope="session")
def big_folder(tmp_path_factory):
    return tmp_path_factory.mktemp("corpus-big")


@pytest.fixture
def world(unit_a, user_a, client, api_client, applicant, make_call, settings, tmp_path):  # noqa: F811
    from types import SimpleNamespace

    from subsidies.services import application_create

    settings.MEDIA_ROOT = tmp_path / "media"
    CollectionItem.objects.create(unit=unit_a, code="CORPUS", name="收支月报表", fields=COLLECTION_HEADER,
                                  frequency="monthly", deadline_rule=DeadlineRule.MONTHLY_BY_15TH)
    collection_tasks_generate(on=date(2026, 11, 3))
    user, enterprise = applicant
    app = application_create(call=make_call(["DE-09"]), enterprise=enterprise, rule_code="DE-09",
                             facts={"compute_service_invoiced": "600000"}, acting_user=user)
    return SimpleNamespace(unit=unit_a, user=user_a, client=client, api=api_client, task=CollectionTask.objects.get(),
                           applicant=user, application=app)


def _counts() -> dict[str, Any]:
    return {"entries": CatalogEntry.objects.count(), "items": DataItem.objects.count(),
            "accepted": CollectionSubmission.objects.filter(is_accepted=True).count(),
            "tasks": list(CollectionTask.objects.values_list("status", flat=True)),
            "evidence": Evidence.objects.count()}


@pytest.mark.parametrize(("path", "key"), CASES)
def test_bad_file(path, key, world, big_folder, tmp_path):
    header, row = (COLLECTION_HEADER, COLLECTION_ROW) if path.startswith("collection") else (
        CATALOG_HEADER, list(CATALOG_ROW.values()))
    bad = next(f for f in corpus(header, row) if f.key == key)
    content: bytes | Path = big_file(big_folder, bad.name) if bad.content is None else bad.content()
    if isinstance(content, Path):
        assert content.stat().st_size >= BIG_BYTES
    before = _counts()
    run = PATHS[path]
    outcome = run(world, bad, content, tmp_path) if path == "catalog-import-command" else run(world, bad, content)
    after = _counts()

    may_accept = key in READER_MAY_ACCEPT or (path in ATTACHMENT_PATHS and key in ATTACHMENT_MAY_KEEP)
    if outcome.refused:
        assert CHINESE.search(outcome.message), outcome.message
        assert "Traceback" not in outcome.message and "Error" not in outcome.message, outcome.message
        assert after == before, f"{path}/{key} wrote rows: {before} → {after}"
    else:
        assert may_accept, f"{path} accepted {key} ({bad.defect})"
        _check_accepted(path, key, world)
    _check_specific(path, key, outcome)


def _check_accepted(path: str, key: str, world: Any) -> None:
    """What an accepted file left behind is what was sent: decoded right, HTML kept as text and escaped."""
    if path.startswith("catalog"):
        entry = CatalogEntry.objects.get(code="CORPUS-1")
        assert entry.title == "语料目录"  # decoded, not garbled
        if key == "html-text":
            assert entry.description == f"导入测试{SCRIPT}"  # stored as text
            world.client.force_login(world.user)
            page = world.client.get(f"/admin/catalogs/catalogentry/{entry.pk}/change/").content.decode()
            assert "&lt;script&gt;alert(" in page and "<script>alert(" not in page  # shown escaped
    elif path.startswith("collection"):
        submission = CollectionSubmission.objects.get()
        assert submission.is_accepted and submission.columns == COLLECTION_HEADER  # GBK header read as sent
    elif path == "evidence-upload-api":
        assert Evidence.objects.filter(application=world.application).count() == 1


def _check_specific(path: str, key: str, outcome: Outcome) -> None:
    """The message says what is wrong with the file."""
    expected = {
        "formula": FORMULA, "formula-csv": FORMULA, "zip-bomb": "压缩炸弹", "xml-entities": "XML 实体",
        "big-xlsx": "过大", "big-csv": "过大", "utf16-csv": "编码", "utf8-as-gbk-mojibake": "乱码",
        "header-only": "没有数据行", "duplicate-header": "重复",
    }
    if path in ATTACHMENT_PATHS:
        expected = {"zip-bomb": "压缩炸弹", "big-xlsx": "过大", "malformed-xlsx": "损坏", "empty-xlsx": "为空"}
    csv_reader = path.startswith("collection")
    if key in expected and (csv_reader or key not in CSV_KEYS):
        assert outcome.refused and expected[key] in outcome.message, (path, key, outcome.message)
    if key == "formula" and path in {"catalog-import-service", "catalog-import-command"}:
        assert "第2行“资源摘要”列" in outcome.message  # the optional column of issue 15, named with its row
