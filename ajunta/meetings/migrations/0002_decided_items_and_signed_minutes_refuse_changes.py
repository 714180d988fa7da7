"""The database refuses to change a decided agenda item or signed minutes, or to delete them.

The sealed columns are written out here, not read from the models (docs/security.md): a later
change of SEALED_FIELDS comes with a migration that re-installs these triggers.
"""

from django.db import migrations

from ajunta.core.integrity import sealed_trigger_operations

ITEM_COLUMNS = [
    "organization_id", "session_id", "position", "kind", "title", "proposal", "case_id",
    "minutes_of_id", "urgency_approved", "deliberation", "vote_method", "votes_yes", "votes_no",
    "votes_abstain", "present", "result", "agreement", "decided_at", "time_code", "content_hash",
]  # fmt: skip
MINUTES_COLUMNS = [
    "organization_id", "session_id", "body", "approved_in_id", "approved_at",
    "secretary_signed_by_id", "secretary_signed_at", "mayor_signed_by_id", "mayor_signed_at",
    "year", "sequence", "number", "document_id", "content_hash",
]  # fmt: skip

item_triggers = sealed_trigger_operations("meetings_agendaitem", ITEM_COLUMNS)
minutes_triggers = sealed_trigger_operations("meetings_minutes", MINUTES_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [("meetings", "0001_collegiate_bodies_sessions_minutes")]

    operations = [
        migrations.RunPython(*item_triggers),
        migrations.RunPython(*minutes_triggers),
    ]
