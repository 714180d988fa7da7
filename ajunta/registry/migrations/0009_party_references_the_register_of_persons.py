"""A registry party points at the register's person (ajunta.persons), besides its sealed snapshot.

`person_id` is not a sealed column: a merge of duplicate persons moves it. On SQLite an AddField
may rebuild the table, which drops its triggers: the sealed-party triggers are re-installed here
(dropped first where they survived), with the same columns as migration 0007.
"""

import django.db.models.deletion
from django.db import migrations, models

from ajunta.core.integrity import sealed_trigger_sql

PARTY_COLUMNS = [
    "organization_id", "entry_id", "position", "role", "represents_id", "person_type", "id_type",
    "id_number", "name", "first_surname", "second_surname", "address", "postal_code",
    "municipality_ine", "province_code", "country_code", "email", "phone", "preferred_channel",
    "content_hash",
]  # fmt: skip
TABLE = "registry_interestedparty"


def reinstall_triggers(apps, schema_editor):
    create, drop = sealed_trigger_sql(schema_editor.connection.vendor, TABLE, PARTY_COLUMNS)
    for statement in [*drop, *create]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("persons", "0001_register_of_persons"),
        ("registry", "0008_sicres_party_fields_keep_seal_triggers"),
    ]

    operations = [
        migrations.AddField(
            model_name="interestedparty",
            name="person",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.PROTECT,
                related_name="+", to="persons.person", verbose_name="person",
            ),
        ),
        migrations.RunPython(reinstall_triggers, migrations.RunPython.noop),
    ]
