"""Full-text search of case files on PostgreSQL, as the registry does: a stored generated tsvector
column over `search_document` with a GIN index, so a search does not recompute vectors row by row.

The column exists only in the database; the model does not declare it, and SQLite has none.
"""

from django.db import migrations

CREATE = """
ALTER TABLE cases_case
    ADD COLUMN IF NOT EXISTS search_vector tsvector
    GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, search_document)) STORED;
CREATE INDEX IF NOT EXISTS cases_case_search_vector_gin ON cases_case USING gin (search_vector);
"""
DROP = """
DROP INDEX IF EXISTS cases_case_search_vector_gin;
ALTER TABLE cases_case DROP COLUMN IF EXISTS search_vector;
"""


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_notifications_and_eni_exports")]

    operations = [migrations.RunPython(forwards, backwards)]
