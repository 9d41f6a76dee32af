"""Database-level guarantee that audit rows are append-only (UPDATE and DELETE raise), on SQLite and PostgreSQL."""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION portal_auditlog_immutable() RETURNS trigger AS $$
BEGIN RAISE EXCEPTION '审计日志只可追加，不可修改或删除'; END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_auditlog_no_update ON portal_auditlog;
CREATE TRIGGER portal_auditlog_no_update BEFORE UPDATE OR DELETE ON portal_auditlog
FOR EACH ROW EXECUTE FUNCTION portal_auditlog_immutable();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS portal_auditlog_no_update ON portal_auditlog;
DROP FUNCTION IF EXISTS portal_auditlog_immutable();
"""
SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS portal_auditlog_no_update BEFORE UPDATE ON portal_auditlog "
    "BEGIN SELECT RAISE(ABORT, '审计日志只可追加，不可修改'); END;",
    "CREATE TRIGGER IF NOT EXISTS portal_auditlog_no_delete BEFORE DELETE ON portal_auditlog "
    "BEGIN SELECT RAISE(ABORT, '审计日志只可追加，不可删除'); END;",
]


def forwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG)
    elif vendor == "sqlite":
        for sql in SQLITE:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_DOWN)
    elif vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_auditlog_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_auditlog_no_delete")


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
