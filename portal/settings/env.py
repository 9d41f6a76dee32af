"""Small, dependency-free helpers to read configuration from the environment."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, *, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} 只能是 0/1/true/false，收到：{raw!r}")


def env_list(name: str, *, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


# The demo runs the web server and the task cluster on one SQLite file: WAL lets readers proceed during a write, and
# IMMEDIATE transactions take the write lock up front, so a writer waits (up to `timeout`) instead of failing with
# "database is locked" when two transactions try to upgrade their read locks at once.
SQLITE_OPTIONS = {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}


# Session settings of every PostgreSQL connection (a ``?options=`` in DATABASE_URL replaces them).
# cursor_tuple_fraction=1: the exports read every row through a server-side cursor (``iterator(chunk_size=…)``);
# under the default 0.1 the planner picks the plan that returns the first 10 % soonest (a walk of the ordering's index
# with a filter), which for the 100k usage export took 9.5 s before the first row, 0.14 s with the whole-result plan.
# Other queries are not cursors and ignore it.
# jit=off: the staff lists' estimated costs cross jit_above_cost, and compiling took longer than running (issue 16:
# 1.9 s with JIT, 0.54 s without); short OLTP queries never gain from it.
PG_SESSION_OPTIONS = "-c cursor_tuple_fraction=1 -c jit=off"


def parse_database_url(url: str, base_dir: Path) -> dict[str, object]:
    """Turn DATABASE_URL into a Django DATABASES entry; empty means the SQLite file under var/."""
    if not url:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": base_dir / "var" / "db.sqlite3",
                "OPTIONS": SQLITE_OPTIONS, "TEST": {"NAME": None}}
    parsed = urlparse(url)
    if parsed.scheme == "sqlite":
        name = unquote(parsed.path[1:] if parsed.path.startswith("//") else parsed.path) or ":memory:"
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": SQLITE_OPTIONS}
    if parsed.scheme in {"postgres", "postgresql", "pgsql"}:
        options = dict(parse_qsl(parsed.query))
        return {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": unquote(parsed.path.lstrip("/")),
            "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or ""),
            "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or ""),
            "CONN_MAX_AGE": int(options.pop("conn_max_age", "60")),
            # a kept connection is pinged before a request uses it: after a database restart the first request gets a
            # fresh connection instead of an error (docs/deployment.md § 故障与恢复)
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {"options": PG_SESSION_OPTIONS, **options},
        }
    raise ImproperlyConfigured(f"不支持的 DATABASE_URL 协议：{parsed.scheme!r}（可用 sqlite:// 或 postgres://）")
