"""``var/local.env``: the development settings ``make run`` used, for every later ``manage.py`` command (ADR 0005).

``manage.py`` reads the file before Django starts, so the commands of README and docs work after ``make run``
exactly as written (no ``PORTAL_DEBUG=1`` to remember). Variables already set in the environment win. Only
``manage.py`` reads it: the WSGI server (production) and the test suite never do. The file is under ``var/``, which
git ignores.
"""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (blank lines and ``#`` comments skipped); a malformed line is refused by number."""
    values: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name.isidentifier():
            raise ImproperlyConfigured(f"{path} 第 {number} 行应为“名称=值”，收到：{raw!r}")
        values[name] = value.strip()
    return values


def load_local_env(path: Path) -> None:
    """Put the file's variables (if it exists) into ``os.environ`` where the environment does not set them already."""
    if path.is_file():
        for name, value in read_env_file(path).items():
            os.environ.setdefault(name, value)
