"""Private files: uploads live under MEDIA_ROOT with generated names and are never served by URL (MEDIA_URL = None).

* Models store uploads with ``upload_to=PrivatePath("<app>/<what>")`` (random name, the extension kept).
* Services write them with ``store()`` inside ``files.atomic()``: when anything in the block fails, the files written
  in it are deleted again, so disk and rows agree. Names longer than ``MAX_UPLOAD_NAME`` are refused (docs/adr/0006).
* Each app lists its file fields in ``<app>.permissions.DOWNLOADS`` (``PrivateFile``): who may download, and under
  which name.
* There is one download path, ``/files/<app>/<model>/<pk>/<field>/`` (``file_response``): it asks that permission,
  writes the audit and access-log rows and streams the file as an attachment. Admin widgets, API link fields and
  site pages link to it with ``download_url``; nothing calls the storage's ``url``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from pathlib import PurePath
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.deconstruct import deconstructible
from django.utils.html import format_html

from portal.access_log import access_record
from portal.audit import audit_record
from portal.permissions import Decision
from portal.roles import DOMAIN_APPS

MAX_UPLOAD_NAME = 200  # the original-name columns (采集报送记录、申报材料) are varchar(200)
NOT_FOUND = "文件不存在或您无权下载。"
_SUFFIX = re.compile(r"\.[a-z0-9]{1,8}")


# --------------------------------------------------------------------------------------------- storing
@deconstructible
class PrivatePath:
    """``upload_to`` of private files: ``<prefix>/<YYYY>/<MM>/<random hex><.ext>`` (the user's name is never a path)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix.strip("/")

    def __call__(self, instance: Any, filename: str) -> str:
        suffix = PurePath(filename).suffix.lower()
        suffix = suffix if _SUFFIX.fullmatch(suffix) else ""
        return f"{self.prefix}/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}{suffix}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PrivatePath) and other.prefix == self.prefix

    def __hash__(self) -> int:
        return hash(self.prefix)


def upload_name(upload: Any, *, field: str = "file") -> str:
    """The file name of an upload (or a name given as text) without folders or control characters; a Chinese
    ``ValidationError`` keyed by ``field`` when it is empty or longer than ``MAX_UPLOAD_NAME`` characters (docs/adr/0006)."""
    raw = str(upload if isinstance(upload, str) else getattr(upload, "name", "") or "").replace("\\", "/")
    name = "".join(c for c in PurePath(raw).name if c.isprintable()).strip()
    if not name:
        raise ValidationError({field: ["文件没有文件名，请重新选择文件。"]})
    if len(name) > MAX_UPLOAD_NAME:
        raise ValidationError({field: [f"文件名过长（{len(name)} 个字符），请将文件名缩短到 {MAX_UPLOAD_NAME} 个字符"
                                       "以内后重新上传。"]})
    return name


MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
DOCUMENT_TYPES = {  # extension -> (content type, magic check): what an uploaded document may be
    ".pdf": ("application/pdf", lambda head: head.startswith(b"%PDF-")),
    ".jpg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", lambda head: head.startswith(b"\xff\xd8\xff")),
    ".png": ("image/png", lambda head: head.startswith(b"\x89PNG\r\n\x1a\n")),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
              lambda head: head.startswith(b"PK\x03\x04")),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
              lambda head: head.startswith(b"PK\x03\x04")),
}
OFFICE_PACKAGES = (".xlsx", ".docx")  # zips: checked for damage and zip bombs before they are kept


@dataclass(frozen=True)
class Document:
    name: str
    size: int
    content_type: str
    sha256: str


def check_document(upload: Any, *, field: str = "file", label: str = "文件") -> Document:
    """An uploaded document checked before it is kept (every upload path of the portal: evidence, decision and
    agreement documents, requirement and plan documents, eligibility evidence): PDF/JPG/PNG/XLSX/DOCX by name and by
    content, not empty, at most 10 MB, office packages neither damaged nor zip bombs. Chinese ``ValidationError``
    keyed by ``field``."""
    import hashlib

    from portal.xlsx import office_package_error

    name = upload_name(upload, field=field)
    ext = PurePath(name).suffix.lower()
    if ext not in DOCUMENT_TYPES:
        raise ValidationError({field: [f"{label}只接受 PDF、JPG、PNG、XLSX、DOCX 格式。"]})
    size = int(getattr(upload, "size", 0) or 0)
    if size <= 0:
        raise ValidationError({field: [f"{label}为空。"]})
    if size > MAX_DOCUMENT_BYTES:
        raise ValidationError({field: [f"{label}过大（{size / 1048576:.1f} MB），单个文件不超过 10 MB。"]})
    content_type, check = DOCUMENT_TYPES[ext]
    upload.seek(0)
    if not check(upload.read(16)):
        raise ValidationError({field: [f"{label}内容与扩展名 {ext} 不符，请上传真实的 {ext[1:].upper()} 文件。"]})
    upload.seek(0)
    package = office_package_error(upload, ext, max_bytes=MAX_DOCUMENT_BYTES) if ext in OFFICE_PACKAGES else ""
    if package:
        raise ValidationError({field: [package]})
    digest = hashlib.sha256()
    for chunk in upload.chunks() if hasattr(upload, "chunks") else [upload.read()]:
        digest.update(chunk)
    upload.seek(0)
    return Document(name=name, size=size, content_type=content_type, sha256=digest.hexdigest())


_WRITTEN: ContextVar[list[tuple[Storage, str]] | None] = ContextVar("portal_files_written", default=None)


@contextmanager
def atomic() -> Iterator[None]:
    """``transaction.atomic()`` for services that write files: if the block fails (the rows roll back), the files
    ``store()`` wrote in it are deleted; if it succeeds inside another ``files.atomic()``, that block owns them."""
    outer = _WRITTEN.get()
    written: list[tuple[Storage, str]] = []
    token = _WRITTEN.set(written)
    try:
        with transaction.atomic():
            yield
    except BaseException:
        for storage, name in written:
            storage.delete(name)
        raise
    finally:
        _WRITTEN.reset(token)
    if outer is not None:
        outer.extend(written)


def store(fieldfile: FieldFile, content: Any, *, name: str) -> None:
    """Write ``content`` as the file of ``fieldfile`` (the row itself is not saved); only inside ``atomic()``."""
    written = _WRITTEN.get()
    if written is None:
        raise RuntimeError("files.store() must run inside files.atomic()")
    if hasattr(content, "seek"):
        content.seek(0)
    fieldfile.save(name, content if isinstance(content, File) else File(content), save=False)
    written.append((fieldfile.storage, fieldfile.name))


def store_uploads(instance: models.Model) -> None:
    """Write every new upload assigned to ``instance``'s file fields (e.g. from a ModelForm or serializer) with
    ``store()``, each checked first (``check_document``)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, models.FileField):
            fieldfile = getattr(instance, field.attname)
            if fieldfile and not fieldfile._committed:
                document = check_document(fieldfile.file, field=field.name, label=f"“{field.verbose_name}”")
                store(fieldfile, fieldfile.file, name=document.name)


# --------------------------------------------------------------------------------------------- downloading
@dataclass(frozen=True)
class PrivateFile:
    """One file field of a model (``"app_label.Model"``): who may download it, the name and type it is sent as."""

    model: str
    field: str
    can_download: Callable[[Any, Any], Decision]
    download_name: Callable[[Any], str] | None = None
    content_type: Callable[[Any], str] | None = None


@cache
def private_files() -> dict[tuple[str, str, str], PrivateFile]:
    """Every app's ``permissions.DOWNLOADS``, keyed by (app label, model name, field name)."""
    found: dict[tuple[str, str, str], PrivateFile] = {}
    for app in DOMAIN_APPS:
        try:
            module = import_module(f"{app}.permissions")
        except ModuleNotFoundError:
            continue
        for spec in getattr(module, "DOWNLOADS", ()):
            opts = apps.get_model(spec.model)._meta
            found[(opts.app_label, opts.model_name, spec.field)] = spec
    return found


def download_url(obj: models.Model, field: str) -> str:
    """The kernel download path of ``obj``'s file ``field`` (the same for admin, API and site)."""
    return reverse("file_download", args=[obj._meta.app_label, obj._meta.model_name, obj.pk, field])


def download_name(obj: models.Model, field: str) -> str:
    spec = private_files()[(obj._meta.app_label, obj._meta.model_name, field)]
    name = spec.download_name(obj) if spec.download_name else ""
    return name or PurePath(getattr(obj, field).name).name


def download_link(obj: models.Model, field: str, text: str = "") -> str:
    """``<a>`` to the kernel download of ``obj``'s file (“—” when there is none)."""
    if obj.pk is None or not getattr(obj, field):
        return "—"
    return format_html('<a href="{}">{}</a>', download_url(obj, field), text or download_name(obj, field))


def file_response(*, user: Any, app_label: str, model_name: str, pk: int, field: str) -> FileResponse:
    """Stream one private file as an attachment to a user its app allows (``PrivateFile.can_download``), writing
    the audit row first. Unknown fields, missing rows or files and refusals are all the same 404 (nothing revealed)."""
    spec = private_files().get((app_label, model_name, field))
    if spec is None:
        raise Http404(NOT_FOUND)
    obj = apps.get_model(spec.model)._default_manager.filter(pk=pk).first()
    if obj is None or not getattr(obj, field) or not spec.can_download(user, obj):
        raise Http404(NOT_FOUND)
    fieldfile = getattr(obj, field)
    try:
        handle = fieldfile.open("rb")
    except FileNotFoundError:
        raise Http404(NOT_FOUND) from None
    name = download_name(obj, field)
    with transaction.atomic():
        audit_record(actor=user, action="portal.file.download", obj=obj, after={"field": field, "name": name})
        access_record(channel="download", action="download", user=user, obj=obj, label=name)
    response = FileResponse(handle, as_attachment=True, filename=name,
                            content_type=spec.content_type(obj) if spec.content_type else None)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
