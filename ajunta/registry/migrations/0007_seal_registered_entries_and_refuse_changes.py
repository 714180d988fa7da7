"""Seal the entries, parties and attachments registered before the seals existed, commit their
hashes to each organization's audit chain, and have the database refuse changes to sealed rows.

The sealed fields are written out here, not read from the models: they are what these rows were
sealed with. A later change of `SEALED_FIELDS` needs a migration of its own (docs/security.md).
"""

from django.db import migrations

from ajunta.core.integrity import backfill_seals, sealed_trigger_operations

ENTRY_FIELDS = (
    "direction", "year", "sequence", "number", "filed_at", "effective_at", "channel",
    "epigraph", "summary", "expone", "solicita", "addressee_name", "addressee_dir3",
    "destination_unit_id", "physical_documentation", "external_reference", "case_reference",
    "rectifies_id", "rectification_reason", "filer_id", "created_by_id",
)  # fmt: skip
PARTY_FIELDS = (
    "entry_id", "position", "role", "represents_id", "person_type", "id_type", "id_number",
    "name", "first_surname", "second_surname", "address", "postal_code", "municipality_ine",
    "province_code", "country_code", "email", "phone", "preferred_channel",
)  # fmt: skip
ATTACHMENT_FIELDS = (
    "entry_id", "document_id", "position", "validity", "kind",
    "document.name", "document.size", "document.sha256",
)  # fmt: skip
ENTRY_COLUMNS = [
    "organization_id", "direction", "year", "sequence", "number", "filed_at", "effective_at",
    "channel", "epigraph", "summary", "expone", "solicita", "addressee_name", "addressee_dir3",
    "destination_unit_id", "physical_documentation", "external_reference", "case_reference",
    "rectifies_id", "rectification_reason", "filer_id", "created_by_id", "content_hash",
]  # fmt: skip
PARTY_COLUMNS = [
    "organization_id", *PARTY_FIELDS, "content_hash",
]
ATTACHMENT_COLUMNS = [
    "organization_id", "entry_id", "document_id", "position", "validity", "kind", "content_hash",
]


def seal_existing(apps, schema_editor):
    backfill_seals(
        apps, label="registry.RegistryEntry", fields=ENTRY_FIELDS, reference=lambda r: r.number
    )
    backfill_seals(
        apps, label="registry.InterestedParty", fields=PARTY_FIELDS, related=("entry",),
        reference=lambda r: f"{r.entry.number} party {r.position + 1}",
    )  # fmt: skip
    backfill_seals(
        apps, label="registry.EntryAttachment", fields=ATTACHMENT_FIELDS, related=("entry",),
        reference=lambda r: f"{r.entry.number} attachment {r.position + 1}",
    )  # fmt: skip


entry_triggers = sealed_trigger_operations("registry_registryentry", ENTRY_COLUMNS)
party_triggers = sealed_trigger_operations("registry_interestedparty", PARTY_COLUMNS)
attachment_triggers = sealed_trigger_operations("registry_entryattachment", ATTACHMENT_COLUMNS)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_document_verification_code"),
        ("registry", "0006_records_carry_content_hash"),
    ]

    operations = [
        migrations.RunPython(seal_existing, migrations.RunPython.noop),
        migrations.RunPython(*entry_triggers),
        migrations.RunPython(*party_triggers),
        migrations.RunPython(*attachment_triggers),
    ]
