"""An asset's history line was stored as text in its writer's language ("Creat a partir d'un
inventari" showed Catalan to everyone): it becomes a code, rendered in the reader's language."""

from django.db import migrations, models

# The four lines that were ever written, in the three languages they were written in.
TEXTS = {
    "assets.history.created": ("Asset created", "Equip creat", "Equipo creado"),
    "assets.history.inventory_created": (
        "Created from an inventory",
        "Creat a partir d'un inventari",
        "Creado a partir de un inventario",
    ),
    # Prefixes: the changed fields followed.
    "assets.history.inventory_changed": (
        "Inventory changed:",
        "Canvis a l'inventari:",
        "Cambios en el inventario:",
    ),
    "assets.history.changed": ("Changed:", "Canvis:", "Cambios:"),
}


def code_of(summary):
    for code, texts in TEXTS.items():
        if code.endswith("changed"):
            if summary.startswith(texts):
                return code
        elif summary in texts:
            return code
    return "assets.history.changed"  # never written otherwise; a neutral line rather than text


def texts_to_codes(apps, schema_editor):
    AssetChange = apps.get_model("assets", "AssetChange")
    for change in AssetChange.objects.only("summary").iterator():
        change.code = code_of(change.summary)
        change.save(update_fields=["code"])


def codes_to_texts(apps, schema_editor):
    AssetChange = apps.get_model("assets", "AssetChange")
    for change in AssetChange.objects.only("code", "changes").iterator():
        text = TEXTS.get(change.code, TEXTS["assets.history.changed"])[0]
        if text.endswith(":"):
            text = f"{text} {', '.join(sorted(change.changes or {}))}"
        change.summary = text[:200]
        change.save(update_fields=["summary"])


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0002_unsupported_software"),
    ]

    operations = [
        migrations.AddField(
            model_name="assetchange",
            name="code",
            field=models.CharField(default="", max_length=60, verbose_name="what happened"),
            preserve_default=False,
        ),
        migrations.RunPython(texts_to_codes, codes_to_texts),
        # A default, so that going back can add the column again to existing rows.
        migrations.AlterField(
            model_name="assetchange",
            name="summary",
            field=models.CharField(default="", max_length=200, verbose_name="summary"),
        ),
        migrations.RemoveField(model_name="assetchange", name="summary"),
    ]
