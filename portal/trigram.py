"""Trigram indexes for the admin and API searches (ADR 0016), created by migrations on PostgreSQL only.

Django's ``icontains`` is ``UPPER(col::text) LIKE UPPER('%term%')`` on PostgreSQL; each index here is a GIN
``gin_trgm_ops`` index on exactly ``UPPER((col)::text)``, so the planner can use it for any term of three characters
or more (Chinese included: the databases use a UTF-8 ctype, pg_trgm then takes every CJK character as a word
character). SQLite gets nothing and searches as before.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"[:63]


def trigram_indexes(table: str, *columns: str) -> migrations.RunPython:
    """A migration operation creating (reverse: dropping) the trigram index of each column of ``table``."""

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for column in columns:
            schema_editor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
                f'USING gin (UPPER(("{column}")::text) gin_trgm_ops)')

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        for column in columns:
            schema_editor.execute(f'DROP INDEX IF EXISTS "{index_name(table, column)}"')

    return migrations.RunPython(forwards, backwards, elidable=False)
