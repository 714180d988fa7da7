"""An asset's history line is stored as a code and read in the reader's language."""

from __future__ import annotations

import importlib

from django.utils import translation

from ajunta.assets import services
from ajunta.assets.models import AssetChange
from ajunta.core.testing import TenantTestCase, speaking

migration = importlib.import_module("ajunta.assets.migrations.0003_history_lines_as_codes")


class HistoryLineLanguageTests(TenantTestCase):
    def test_a_history_line_reads_in_two_languages(self) -> None:
        with translation.override("ca"):  # written by a Catalan-speaking clerk
            asset = services.asset_create(
                org=self.org_a, actor=self.alice, kind="printer", name="Impressora OAC"
            )
            services.asset_update(org=self.org_a, actor=self.alice, asset=asset, location="OAC")
        created, changed = AssetChange.objects.filter(asset=asset).order_by("id")
        self.assertEqual(
            (created.code, changed.code), ("assets.history.created", "assets.history.changed")
        )
        expected = {
            "ca": ("Equip creat", "Canvis: location"),
            "es": ("Equipo creado", "Cambios: location"),
            "en": ("Asset created", "Changed: location"),
        }
        for language, lines in expected.items():
            with self.subTest(language=language), translation.override(language):
                self.assertEqual((created.summary, changed.summary), lines)
        page = speaking(self.login(self.alice), "es").get(f"/o/alpha/assets/{asset.pk}/")
        self.assertContains(page, "Equipo creado")
        self.assertNotContains(page, "Equip creat")

    def test_the_migration_turns_stored_text_in_any_language_into_codes(self) -> None:
        cases = {
            "Creat a partir d'un inventari": "assets.history.inventory_created",
            "Creado a partir de un inventario": "assets.history.inventory_created",
            "Asset created": "assets.history.created",
            "Canvis a l'inventari: software": "assets.history.inventory_changed",
            "Cambios: name, location": "assets.history.changed",
        }
        for text, code in cases.items():
            with self.subTest(text=text):
                self.assertEqual(migration.code_of(text), code)
