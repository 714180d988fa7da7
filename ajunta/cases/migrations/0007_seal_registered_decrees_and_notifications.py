"""Seal the decrees already in the book and the notifications already sent, commit their hashes to
each organization's audit chain, and have the database refuse changes to sealed rows.

The sealed fields are written out here, not read from the models (docs/security.md).
"""

from django.db import migrations

from ajunta.core.integrity import backfill_seals, sealed_trigger_operations

DECREE_FIELDS = (
    "case_id", "title", "body", "status", "year", "sequence", "number", "signed_at",
    "signed_by_id", "noted_at", "noted_by_id", "document_id", "document.sha256",
)  # fmt: skip
NOTIFICATION_FIELDS = (
    "case_id", "case_document_id", "party_id", "id_number", "registry_entry_id",
    "made_available_at", "created_by_id",
)  # fmt: skip
DECREE_COLUMNS = [
    "organization_id", "case_id", "title", "body", "status", "year", "sequence", "number",
    "signed_at", "signed_by_id", "noted_at", "noted_by_id", "document_id", "content_hash",
]  # fmt: skip
NOTIFICATION_COLUMNS = ["organization_id", *NOTIFICATION_FIELDS, "content_hash"]


def seal_existing(apps, schema_editor):
    backfill_seals(
        apps, label="cases.Decree", fields=DECREE_FIELDS, only={"status": "numbered"},
        reference=lambda r: r.number,
    )  # fmt: skip
    backfill_seals(
        apps, label="cases.Notification", fields=NOTIFICATION_FIELDS, related=("registry_entry",),
        reference=lambda r: f"{r.registry_entry.number} notification",
    )  # fmt: skip


decree_triggers = sealed_trigger_operations("cases_decree", DECREE_COLUMNS)
notification_triggers = sealed_trigger_operations("cases_notification", NOTIFICATION_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_document_verification_code"),
        ("registry", "0007_seal_registered_entries_and_refuse_changes"),
        ("cases", "0006_records_carry_content_hash"),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(*decree_triggers),
        migrations.RunPython(*notification_triggers),
    ]
