"""var/local.env (ADR 0005): after `make run`, manage.py commands work as README and docs write them, without
typing PORTAL_DEBUG=1; the environment always wins; a malformed file is refused by line number."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.local_env import load_local_env, read_env_file

ROOT = Path(settings.BASE_DIR)
PORTAL_VARIABLES = ("PORTAL_DEBUG", "PORTAL_TESTING", "PORTAL_SECRET_KEY", "DATABASE_URL")


def test_file_fills_what_the_environment_leaves_unset(tmp_path, monkeypatch):
    path = tmp_path / "local.env"
    path.write_text("# written by make run\n\nPORTAL_DEBUG=1\nPORTAL_X_FROM_FILE = a=b \n", encoding="utf-8")
    monkeypatch.delenv("PORTAL_X_FROM_FILE", raising=False)
    monkeypatch.setenv("PORTAL_DEBUG", "0")
    load_local_env(path)
    assert os.environ["PORTAL_DEBUG"] == "0"  # the environment wins
    assert os.environ["PORTAL_X_FROM_FILE"] == "a=b"
    load_local_env(tmp_path / "absent.env")  # no file: nothing happens


def test_malformed_line_is_refused_with_its_number(tmp_path):
    path = tmp_path / "local.env"
    path.write_text("PORTAL_DEBUG=1\nexport PORTAL_DEBUG\n", encoding="utf-8")
    with pytest.raises(ImproperlyConfigured, match="第 2 行"):
        read_env_file(path)


def manage(tmp_path, *args, env_file=None, **env):
    """Run a copy of manage.py whose var/ is ``tmp_path/var`` in a shell without any portal variable."""
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    if env_file is not None:
        (tmp_path / "var").mkdir(exist_ok=True)
        (tmp_path / "var" / "local.env").write_text(env_file, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in PORTAL_VARIABLES}
    clean.update(PYTHONPATH=str(ROOT), DATABASE_URL=f"sqlite:///{tmp_path}/db.sqlite3", **env)
    return subprocess.run([sys.executable, str(tmp_path / "manage.py"), *args], cwd=ROOT, env=clean,
                          capture_output=True, text=True, timeout=120)


def test_commands_fail_without_the_file_and_work_with_it(tmp_path):
    bids = str(ROOT / "docs" / "examples" / "bids.json")
    refused = manage(tmp_path, "price_scores", bids)
    assert refused.returncode != 0 and "PORTAL_SECRET_KEY" in refused.stderr  # the ImproperlyConfigured
    done = manage(tmp_path, "price_scores", bids, env_file="PORTAL_DEBUG=1\n")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["benchmark"] == "921250"
    assert manage(tmp_path, "issue_api_token", "--help", env_file="PORTAL_DEBUG=1\n").returncode == 0
    production = manage(tmp_path, "price_scores", bids, env_file="PORTAL_DEBUG=1\n", PORTAL_DEBUG="0")
    assert production.returncode != 0 and "PORTAL_SECRET_KEY" in production.stderr  # the environment wins


def test_make_run_writes_the_file():
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert 'echo "PORTAL_DEBUG=$${PORTAL_DEBUG:-1}"' in recipe and "> var/local.env" in recipe
    assert "var/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
