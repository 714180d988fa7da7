"""Full-text search over the registry book.

On PostgreSQL, a GIN index on the same expression the selectors query with (selectors.FullTextMatch).
SQLite has no full-text index here; the selectors fall back to substring search there.
"""

from django.db import migrations

CREATE = (
    "CREATE INDEX IF NOT EXISTS registry_entry_search_gin ON registry_registryentry "
    "USING gin (to_tsvector('simple'::regconfig, search_document))"
)
DROP = "DROP INDEX IF EXISTS registry_entry_search_gin"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("registry", "0001_registry_entries_parties_attachments_units")]

    operations = [migrations.RunPython(forwards, backwards)]
