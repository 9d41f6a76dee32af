"""Database-level guarantee that access-log rows are append-only (QZ §八(四)): UPDATE always raises; DELETE raises
for rows younger than three years (the retention purge deletes only older ones), on SQLite and PostgreSQL."""

from django.db import migrations

PG = """
CREATE OR REPLACE FUNCTION portal_accesslog_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'UPDATE' THEN RAISE EXCEPTION '访问日志只可追加，不可修改'; END IF;
  IF OLD.at >= now() - interval '3 years' THEN RAISE EXCEPTION '访问日志须保存不少于3年，不可删除'; END IF;
  RETURN OLD;
END; $$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS portal_accesslog_append_only ON portal_accesslog;
CREATE TRIGGER portal_accesslog_append_only BEFORE UPDATE OR DELETE ON portal_accesslog
FOR EACH ROW EXECUTE FUNCTION portal_accesslog_guard();
"""
PG_DOWN = """
DROP TRIGGER IF EXISTS portal_accesslog_append_only ON portal_accesslog;
DROP FUNCTION IF EXISTS portal_accesslog_guard();
"""
# Django stores datetimes on SQLite as UTC text 'YYYY-MM-DD HH:MM:SS[.ffffff]', which compares as text with datetime().
SQLITE = [
    "CREATE TRIGGER IF NOT EXISTS portal_accesslog_no_update BEFORE UPDATE ON portal_accesslog "
    "BEGIN SELECT RAISE(ABORT, '访问日志只可追加，不可修改'); END;",
    "CREATE TRIGGER IF NOT EXISTS portal_accesslog_no_delete BEFORE DELETE ON portal_accesslog "
    "WHEN OLD.at >= datetime('now', '-3 years') "
    "BEGIN SELECT RAISE(ABORT, '访问日志须保存不少于3年，不可删除'); END;",
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
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_accesslog_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS portal_accesslog_no_delete")


class Migration(migrations.Migration):
    dependencies = [("portal", "0004_access_log")]
    operations = [migrations.RunPython(forwards, backwards)]
