"""The 工作台's catalog coverage per source unit (``catalogs.figures.coverage_by_unit``) from a covering index, on
PostgreSQL only (SQLite has no ``INCLUDE``): an index-only scan of the live entries' unit, status and quality score
instead of a scan of the catalog (issue 16, docs/performance.md)."""

from typing import Any

from django.db import migrations

INDEX = "catalog_entry_unit_summary"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "catalogs_catalogentry" ("source_unit_id") '
            "INCLUDE (\"status\", \"quality_score\") WHERE \"retired_at\" IS NULL AND \"status\" <> 'retired'")


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP INDEX IF EXISTS "{INDEX}"')


class Migration(migrations.Migration):
    dependencies = [("catalogs", "0011_workbench_due_indexes")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
