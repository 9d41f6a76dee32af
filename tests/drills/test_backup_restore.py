"""Restore drill (issue 15 point 6, docs/deployment.md § 备份与恢复), with real processes on the machine's PostgreSQL
server whatever database the suite itself runs on: seed the demo into a fresh database, ``backup create`` (pg_dump +
media + manifest), ``backup restore`` into another fresh database and an empty media folder, ``backup verify`` the
copy: row counts as saved, the audit hash chain whole, every stored file there with its content. Then damage the copy
three ways (a file changed, a file gone, an audit row edited behind the triggers) and the check must say so."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SERVER = os.environ.get("PORTAL_DRILL_SERVER", "postgres://postgres@127.0.0.1:5432")
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]


def _manage(*args: str, database: str, media: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_URL", "DJANGO_"))}
    env.update(PORTAL_DEBUG="1", DATABASE_URL=f"{SERVER}/{database}", PORTAL_MEDIA_ROOT=str(media))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600, check=False)


def _psql(database: str, sql: str) -> None:
    subprocess.run(["psql", *PG, "-q", "-v", "ON_ERROR_STOP=1", "-d", database, "-c", sql], check=True,
                   capture_output=True, timeout=60)


@pytest.fixture
def drill(tmp_path):
    tag = uuid.uuid4().hex[:8]
    source, restored = f"drill_src_{tag}", f"drill_dst_{tag}"
    subprocess.run(["createdb", *PG, source], check=True, capture_output=True)
    try:
        yield source, restored, tmp_path
    finally:
        for name in (source, restored):
            subprocess.run(["dropdb", *PG, "--if-exists", "--force", name], check=False, capture_output=True)


def test_backup_restores_into_a_fresh_database_whole_and_damage_is_found(drill):
    source, restored, tmp = drill
    media, media2, backup = tmp / "media", tmp / "media-restored", tmp / "backup"
    for step in (("migrate", "--noinput", "-v0"), ("seed_demo",)):
        run = _manage(*step, database=source, media=media)
        assert run.returncode == 0, run.stderr
    run = _manage("backup", "create", str(backup), database=source, media=media)
    assert run.returncode == 0, run.stderr
    assert "已备份" in run.stdout
    assert {p.name for p in backup.iterdir()} == {"db.dump", "media.tar.gz", "manifest.json"}

    run = _manage("backup", "restore", str(backup), "--database", restored, "--media-root", str(media2),
                  database=source, media=media)
    assert run.returncode == 0, run.stderr
    run = _manage("backup", "verify", str(backup), database=restored, media=media2)
    assert run.returncode == 0, run.stderr
    assert "恢复校验通过" in run.stdout
    stored = sorted(p for p in media2.rglob("*") if p.is_file())
    assert len(stored) > 50  # evidence, submissions, decision documents of the demo

    # a restore never overwrites: the same target again is refused with a Chinese reason
    again = _manage("backup", "restore", str(backup), "--database", restored + "x", "--media-root", str(media2),
                    database=source, media=media)
    assert again.returncode != 0 and "不为空" in again.stderr

    # damage: one file changed, one gone, one audit row edited behind the append-only triggers
    stored[0].write_bytes(b"tampered")
    stored[1].unlink()
    _psql(restored, "ALTER TABLE portal_auditlog DISABLE TRIGGER USER; "
                    "UPDATE portal_auditlog SET reason = 'edited' WHERE id = (SELECT min(id) FROM portal_auditlog); "
                    "ALTER TABLE portal_auditlog ENABLE TRIGGER USER;")
    run = _manage("backup", "verify", str(backup), database=restored, media=media2)
    assert run.returncode == 1
    assert "文件内容与备份时不一致" in run.stderr
    assert "文件缺失" in run.stderr
    assert "审计哈希链校验失败" in run.stderr


def test_backup_refuses_sqlite_with_a_clear_error(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "DATABASE_URL", "DJANGO_"))}
    env.update(PORTAL_DEBUG="1", DATABASE_URL=f"sqlite:///{tmp_path / 'x.sqlite3'}")
    run = subprocess.run([sys.executable, "manage.py", "backup", "create", str(tmp_path / "b")], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode != 0
    assert "只支持 PostgreSQL" in run.stderr
