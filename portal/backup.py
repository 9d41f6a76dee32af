"""Backups and the restore drill (docs/deployment.md § 备份与恢复): ``pg_dump`` of the one PostgreSQL database plus
the media files, a manifest of what was saved, a restore into a fresh database and media folder, and the check that
the restored copy is whole: row counts as saved, the audit hash chain verifies to the hash saved, and every stored
file is reachable with the content saved.

``manage.py backup create|restore|verify`` runs these; ``tests/drills/test_backup_restore.py`` (``make drills``) drills them with real
processes on the PostgreSQL server of the machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess  # noqa: S404  (pg_dump / pg_restore / createdb are the tools of the trade)
import tarfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, models
from django.utils import timezone

MANIFEST = "manifest.json"
DUMP = "db.dump"
MEDIA = "media.tar.gz"


def _pg(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments and environment for the PostgreSQL client tools."""
    if settings_dict["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured("备份与恢复演练只支持 PostgreSQL（生产数据库）；请设置 DATABASE_URL=postgres://…")
    args = ["-h", str(settings_dict.get("HOST") or "127.0.0.1"), "-p", str(settings_dict.get("PORT") or "5432"),
            "-U", str(settings_dict.get("USER") or "postgres")]
    env = {**os.environ, "PGPASSWORD": str(settings_dict.get("PASSWORD") or "")}
    return args, env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in apps.get_models()
            if m._meta.managed and not m._meta.proxy}


def _stored_files() -> list[str]:
    """Every file name held in a FileField of any row (the files a restore must make reachable again)."""
    names: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names.update(n for n in model._base_manager.exclude(**{field.name: ""})
                             .values_list(field.name, flat=True) if n)
    return sorted(names)


def _last_audit_hash() -> str:
    from portal.models import AuditLog

    return AuditLog.objects.order_by("-id").values_list("hash", flat=True).first() or ""


def backup_create(dest: Path) -> dict[str, Any]:
    """Dump the database (custom format) and pack the media folder into ``dest``, with a manifest of row counts, the
    last audit hash and the SHA-256 of every stored file. Returns the manifest."""
    dest.mkdir(parents=True, exist_ok=True)
    db = connection.settings_dict
    args, env = _pg(db)
    subprocess.run(["pg_dump", *args, "-Fc", "--no-owner", "-f", str(dest / DUMP), db["NAME"]],  # noqa: S603, S607
                   check=True, env=env, capture_output=True)
    media = Path(settings.MEDIA_ROOT)
    files = {}
    for name in _stored_files():
        path = media / name
        files[name] = _sha256(path) if path.is_file() else ""
    with tarfile.open(dest / MEDIA, "w:gz") as tar:
        if media.is_dir():
            tar.add(media, arcname=".")
    manifest = {"created_at": timezone.now().isoformat(), "database": db["NAME"], "counts": _counts(),
                "audit_last_hash": _last_audit_hash(), "files": files}
    (dest / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return manifest


def backup_restore(src: Path, *, database: str, media_root: Path) -> None:
    """Restore a backup into a new database ``database`` (created here; it must not exist) on the configured
    server, and its media into ``media_root`` (must be empty or absent). Nothing already there is overwritten."""
    args, env = _pg(connection.settings_dict)
    if media_root.exists() and any(media_root.iterdir()):
        raise FileExistsError(f"恢复目标媒体目录不为空：{media_root}")
    subprocess.run(["createdb", *args, database], check=True, env=env, capture_output=True)  # noqa: S603, S607
    subprocess.run(["pg_restore", *args, "--no-owner", "--exit-on-error", "-d", database,  # noqa: S603, S607
                    str(src / DUMP)], check=True, env=env, capture_output=True)
    media_root.mkdir(parents=True, exist_ok=True)
    with tarfile.open(src / MEDIA, "r:gz") as tar:
        tar.extractall(media_root, filter="data")  # no absolute paths, links out of the folder or devices


def backup_verify(src: Path) -> list[str]:
    """Problems of the database and media now configured against the manifest in ``src`` (empty: the copy is whole).
    Run against the restored copy (DATABASE_URL and PORTAL_MEDIA_ROOT pointing at it)."""
    from portal.audit import audit_verify

    manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    problems = []
    counts = _counts()
    for label, saved in manifest["counts"].items():
        if counts.get(label) != saved:
            problems.append(f"{label}：备份时 {saved} 行，恢复后 {counts.get(label)} 行")
    bad = audit_verify()
    if bad:
        problems.append(f"审计哈希链校验失败：{len(bad)} 条记录（首条 #{bad[0]}）")
    if _last_audit_hash() != manifest["audit_last_hash"]:
        problems.append("审计哈希链末端与备份时不一致（链被截断或替换）")
    media = Path(settings.MEDIA_ROOT)
    for name, digest in manifest["files"].items():
        path = media / name
        if not path.is_file():
            problems.append(f"文件缺失：{name}")
        elif digest and _sha256(path) != digest:
            problems.append(f"文件内容与备份时不一致：{name}")
    missing = set(_stored_files()) - set(manifest["files"])
    problems.extend(f"记录引用的文件不在备份清单中：{name}" for name in sorted(missing))
    return problems
