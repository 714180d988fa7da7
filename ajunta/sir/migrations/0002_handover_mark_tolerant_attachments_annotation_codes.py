"""Tolerant receipt, hand-over mark, and the annotation types as SICRES 3.0 defines them.

Until now Ajunta wrote Tipo_Anotacion 01 for a send, 02 for a forward and 03 for a rejection; the
standard says 01 pending, 02 send, 03 forward, 04 rejection. Stored interchanges (the column and
the SICRES content kept for the tray) are moved to the standard's codes: every stored value was
written or read with the old meaning, so 01 -> 02, 02 -> 03, 03 -> 04.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


OLD_TO_STANDARD = {"01": "02", "02": "03", "03": "04"}
STANDARD_TO_OLD = {new: old for old, new in OLD_TO_STANDARD.items()}


def _recode(apps, mapping):
    Interchange = apps.get_model("sir", "Interchange")
    for row in Interchange.objects.all().only("pk", "annotation_type", "content").iterator():
        fields = []
        if row.annotation_type in mapping:
            row.annotation_type = mapping[row.annotation_type]
            fields.append("annotation_type")
        control = (row.content or {}).get("De_Internos_Control")
        if isinstance(control, dict) and control.get("Tipo_Anotacion") in mapping:
            control["Tipo_Anotacion"] = mapping[control["Tipo_Anotacion"]]
            fields.append("content")
        if fields:
            row.save(update_fields=fields)


def to_standard_codes(apps, schema_editor):
    _recode(apps, OLD_TO_STANDARD)


def to_old_codes(apps, schema_editor):
    _recode(apps, STANDARD_TO_OLD)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_sweep_stuck_work'),
        ('registry', '0008_sicres_party_fields_keep_seal_triggers'),
        ('sir', '0001_interchanges_trace_and_dir3_directory'),
        ('tenants', '0003_organization_language_and_translated_services'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='interchange',
            name='handed_over_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='handed over at'),
        ),
        migrations.AddField(
            model_name='interchange',
            name='handover_pending',
            field=models.BooleanField(default=False, verbose_name='hand-over pending'),
        ),
        migrations.AddField(
            model_name='interchange',
            name='handover_reference',
            field=models.CharField(blank=True, max_length=255, verbose_name='hand-over reference'),
        ),
        migrations.AddField(
            model_name='interchange',
            name='sicres_file',
            field=models.FileField(blank=True, upload_to='sir/out/%Y/', verbose_name='SICRES file'),
        ),
        migrations.AddField(
            model_name='interchange',
            name='warnings',
            field=models.JSONField(blank=True, default=list, verbose_name='warnings'),
        ),
        migrations.AddField(
            model_name='interchangeattachment',
            name='content_type',
            field=models.CharField(blank=True, max_length=80, verbose_name='MIME type'),
        ),
        migrations.AddField(
            model_name='interchangeattachment',
            name='hash_algorithm',
            field=models.CharField(blank=True, max_length=8, verbose_name='hash algorithm'),
        ),
        migrations.AddField(
            model_name='interchangeattachment',
            name='hash_encoding',
            field=models.CharField(blank=True, max_length=12, verbose_name='hash encoding'),
        ),
        migrations.AddField(
            model_name='interchangeattachment',
            name='name',
            field=models.CharField(blank=True, max_length=80, verbose_name='file name'),
        ),
        migrations.AddField(
            model_name='interchangeattachment',
            name='signs_file_identifier',
            field=models.CharField(blank=True, max_length=50, verbose_name='signs'),
        ),
        migrations.AlterField(
            model_name='interchangeattachment',
            name='document',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='core.document'),
        ),
        migrations.AddIndex(
            model_name='interchange',
            index=models.Index(condition=models.Q(('handover_pending', True)), fields=['updated_at'], name='sir_handover_pending'),
        ),
        migrations.AlterField(
            model_name='interchange',
            name='annotation_type',
            field=models.CharField(default='02', max_length=2, verbose_name='annotation type'),
        ),
        migrations.RunPython(to_standard_codes, to_old_codes),
    ]
