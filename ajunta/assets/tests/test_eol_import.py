"""End-of-life data from endoflife.date: import, lookup, refresh, refusals (issue 19)."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from pathlib import Path

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import TestCase

from ajunta.assets import eol, posture, services
from ajunta.assets.models import Asset, EolCycle
from ajunta.core.models import AuditEvent
from ajunta.core.testing import make_org

DATA = Path(__file__).resolve().parent / "data"
NOW = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)


def product(name: str) -> dict:
    return json.loads((DATA / f"endoflife-{name}.json").read_text(encoding="utf-8"))


@time_machine.travel(NOW, tick=False)
class EolImportTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.org = make_org("alpha")

    def asset(self, os_name: str, os_version: str = "", **fields) -> Asset:
        return services.asset_create(
            org=self.org, actor=None, kind="desktop", name=os_name[:20], os_name=os_name,
            os_version=os_version, **fields,
        )  # fmt: skip

    def test_fedora_31_scores_its_real_end_of_life_once_the_data_is_imported(self) -> None:
        fedora = self.asset("Fedora 31 (Workstation Edition)", "31 (Workstation Edition)")
        # Not in the hand-kept table: unknown, a finding, never 100.
        self.assertIn("support_unknown", [r.code for r in posture.asset_posture(fedora).reasons])
        done = services.eol_import(data=product("fedora"), source="endoflife-fedora.json")
        self.assertEqual((done.product, done.cycles, done.assets_refreshed), ("fedora", 7, 1))
        fedora.refresh_from_db()
        self.assertEqual(fedora.os_eol_date, dt.date(2020, 11, 24))
        self.assertEqual(fedora.os_eol_label, "Fedora Linux 31")
        result = posture.asset_posture(fedora)
        self.assertEqual([r.code for r in result.reasons][:1], ["os_eol"])
        self.assertLessEqual(result.score, 60)
        self.assertTrue(AuditEvent.objects.filter(action="assets.eol_import").exists())

    def test_a_release_the_imported_product_lacks_is_unknown_not_guessed(self) -> None:
        services.eol_import(data=product("fedora"))
        future = self.asset("Fedora 45 (Workstation Edition)", "45")
        self.assertEqual((future.os_eol_label, future.os_eol_date), ("", None))
        self.assertTrue(posture.support_unknown(future))

    def test_windows_editions_map_to_their_cycles(self) -> None:
        services.eol_import(data=product("windows"))
        pro = self.asset("Microsoft Windows 11 Pro", "23H2")
        enterprise = self.asset("Microsoft Windows 11 Enterprise", "23H2")
        ten = self.asset("Microsoft Windows 10 Pro", "22H2")
        self.assertEqual(pro.os_eol_date, dt.date(2025, 11, 11))  # 11-23h2-w
        self.assertEqual(enterprise.os_eol_date, dt.date(2026, 11, 10))  # 11-23h2-e
        self.assertEqual(ten.os_eol_date, dt.date(2025, 10, 14))  # 10-22h2
        # A product never imported still uses the hand-kept table (Ubuntu here).
        ubuntu = self.asset("Ubuntu 22.04.4 LTS", "22.04.4 LTS (Jammy Jellyfish)")
        self.assertIsNotNone(ubuntu.os_eol_date)

    def test_reimport_replaces_the_product_and_bad_data_writes_nothing(self) -> None:
        services.eol_import(data=product("debian"))
        services.eol_import(data=product("debian"))
        self.assertEqual(EolCycle.objects.filter(product="debian").count(), 4)
        for bad in ({"result": {"name": "x"}}, {"x": 1}, [{"nocycle": 1}], "text",
                    {"result": {"name": "x", "releases": [{"name": "1", "eolFrom": "soon"}]}}):  # fmt: skip
            with self.assertRaises(ValidationError):
                services.eol_import(data=bad)
        self.assertFalse(EolCycle.objects.filter(product="x").exists())

    def test_v0_list_needs_the_product_named(self) -> None:
        v0 = [
            {"cycle": "12", "eol": "2026-06-10", "latest": "12.12"},
            {"cycle": "13", "eol": False},
        ]
        with self.assertRaises(ValidationError):
            services.eol_import(data=v0)
        services.eol_import(data=v0, product="debian")
        thirteen = self.asset("Debian GNU/Linux 13 (trixie)", "13")
        self.assertEqual(thirteen.os_eol_label, "debian 13")
        self.assertIsNone(thirteen.os_eol_date)  # supported, no end announced: known
        self.assertFalse(posture.support_unknown(thirteen))

    def test_command_reads_files_and_reports_failures(self) -> None:
        out = StringIO()
        call_command("eol_import", "--source", str(DATA / "endoflife-ubuntu.json"), stdout=out)
        self.assertIn("ubuntu: 5 release cycles", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("eol_import", "--source", str(DATA / "missing.json"), stderr=StringIO())
        self.assertEqual(eol.imported_cycles("ubuntu")["22.04"].end_of_life, dt.date(2027, 4, 1))
