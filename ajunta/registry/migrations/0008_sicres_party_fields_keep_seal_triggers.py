"""The SICRES 3.0 fields a party lacked (company name beside a person's name, DEH address,
observations; the "electronic appearance" channel), so an entry received by SIR keeps them.

Adding columns rebuilds the table on SQLite, which drops the triggers that refuse changes to
sealed parties: they are dropped (where they survive) and installed again, on the same sealed
columns as 0007. The new fields are not sealed columns: the parties' seals stay as they were.
"""

from django.db import migrations, models

from ajunta.core.integrity import sealed_trigger_sql

PARTY_COLUMNS = [
    "organization_id", "entry_id", "position", "role", "represents_id", "person_type", "id_type",
    "id_number", "name", "first_surname", "second_surname", "address", "postal_code",
    "municipality_ine", "province_code", "country_code", "email", "phone", "preferred_channel",
    "content_hash",
]  # fmt: skip


def reinstall_party_triggers(apps, schema_editor):
    create, drop = sealed_trigger_sql(
        schema_editor.connection.vendor, "registry_interestedparty", PARTY_COLUMNS
    )
    for statement in [*drop, *create]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):

    dependencies = [
        ('registry', '0007_seal_registered_entries_and_refuse_changes'),
    ]

    operations = [
        migrations.AddField(
            model_name='interestedparty',
            name='company_name',
            field=models.CharField(blank=True, max_length=80, verbose_name='company name'),
        ),
        migrations.AddField(
            model_name='interestedparty',
            name='deh_email',
            field=models.EmailField(blank=True, max_length=160, verbose_name='DEH e-mail address'),
        ),
        migrations.AddField(
            model_name='interestedparty',
            name='observations',
            field=models.CharField(blank=True, max_length=160, verbose_name='observations'),
        ),
        migrations.AlterField(
            model_name='interestedparty',
            name='preferred_channel',
            field=models.CharField(blank=True, choices=[('electronic', 'Electronic'), ('postal', 'Postal'), ('appearance', 'Electronic appearance')], max_length=12, verbose_name='preferred channel'),
        ),
        migrations.RunPython(reinstall_party_triggers, reinstall_party_triggers),
    ]
