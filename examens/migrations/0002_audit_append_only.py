"""On PostgreSQL the audit table refuses UPDATE and DELETE at the database itself.

TRUNCATE is left to the table owner (the test runner flushes tables with it);
in production the application's role should not own the table nor hold TRUNCATE.
"""

from django.db import migrations

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION examens_auditevent_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'examens_auditevent is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER examens_auditevent_no_update_delete
    BEFORE UPDATE OR DELETE ON examens_auditevent
    FOR EACH ROW EXECUTE FUNCTION examens_auditevent_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS examens_auditevent_no_update_delete ON examens_auditevent;
DROP FUNCTION IF EXISTS examens_auditevent_append_only();
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("examens", "0001_registry")]
    operations = [migrations.RunPython(forwards, backwards)]
