"""Agent inventories: decoding, the schema, reading, and the import service."""

from __future__ import annotations

import copy
import datetime as dt
import gzip
import json
import random
import zlib
from typing import Any

from django.test import SimpleTestCase, override_settings
from django.utils import timezone

from ajunta.assets import eol, inventory, posture, selectors, services
from ajunta.assets.models import (
    Asset,
    AssetChange,
    AssetKind,
    InstalledSoftware,
    NetworkInterface,
)
from ajunta.assets.samples import glpi_document, windows_10
from ajunta.core.models import AuditEvent
from ajunta.core.testing import TenantTestCase


@override_settings(LANGUAGE_CODE="en")
class DecodeTests(SimpleTestCase):
    def test_plain_zlib_and_gzip_bodies(self) -> None:
        raw = json.dumps(glpi_document()).encode()
        for body, content_type in (
            (raw, "application/json"),
            (zlib.compress(raw), "application/x-compress-zlib"),
            (gzip.compress(raw), "application/x-compress-gzip"),
            (zlib.compress(raw), ""),  # sniffed
        ):
            self.assertEqual(
                inventory.decode_body(body, content_type)["deviceid"], "glpixps-2018-07-09-09-07-13"
            )

    def test_malformed_json_names_the_reason(self) -> None:
        with self.assertRaises(inventory.InventoryError) as caught:
            inventory.decode_body(b'{"deviceid": ', "application/json")
        self.assertIn("not valid JSON", caught.exception.messages[0])

    def test_broken_compression_and_xml_are_refused(self) -> None:
        with self.assertRaises(inventory.InventoryError):
            inventory.decode_body(b"\x78\x9cnot really zlib", "application/x-compress-zlib")
        with self.assertRaises(inventory.InventoryError) as caught:
            inventory.decode_body(b"<?xml version='1.0'?><REQUEST/>", "application/xml")
        self.assertIn("XML", caught.exception.messages[0])

    def test_a_compression_bomb_is_refused(self) -> None:
        bomb = zlib.compress(b"{" + b" " * (inventory.MAX_DOCUMENT_BYTES + 10) + b"}")
        with self.assertRaises(inventory.InventoryError):
            inventory.decode_body(bomb, "application/x-compress-zlib")


@override_settings(LANGUAGE_CODE="en")
class SchemaTests(SimpleTestCase):
    def test_the_example_is_valid(self) -> None:
        inventory.validate_inventory(glpi_document())

    def test_failure_names_the_path(self) -> None:
        document = glpi_document()
        document["content"]["softwares"][1]["name"] = 42
        with self.assertRaises(inventory.InventoryError) as caught:
            inventory.validate_inventory(document)
        self.assertIn("content.softwares[1].name", caught.exception.messages[0])

    def test_missing_required_and_unknown_top_level_keys(self) -> None:
        document = glpi_document()
        del document["content"]["versionclient"]
        with self.assertRaises(inventory.InventoryError):
            inventory.validate_inventory(document)
        document = glpi_document()
        document["surprise"] = 1
        with self.assertRaises(inventory.InventoryError):
            inventory.validate_inventory(document)

    def test_compiled_check_agrees_with_jsonschema(self) -> None:
        """Mutate every leaf of the example and compare the fast check with jsonschema."""
        check = inventory._fast_check()
        self.assertIsNotNone(check)
        assert check is not None
        validator = inventory._validator()
        base = windows_10()
        paths: list[tuple[Any, ...]] = []

        def leaves(node: Any, path: tuple[Any, ...] = ()) -> None:
            if isinstance(node, dict):
                for key, value in node.items():
                    leaves(value, (*path, key))
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    leaves(value, (*path, index))
            else:
                paths.append(path)

        leaves(base)
        random.seed(7)
        for path in random.sample(paths, min(150, len(paths))):
            for replacement in (1, "x", True, None, [], {}, 1.5, "2020-01-01 10:00:00"):
                mutated = copy.deepcopy(base)
                node = mutated
                for key in path[:-1]:
                    node = node[key]
                node[path[-1]] = replacement
                self.assertEqual(
                    check(mutated), validator.is_valid(mutated), f"{path} = {replacement!r}"
                )


@override_settings(LANGUAGE_CODE="en")
class ReadingTests(SimpleTestCase):
    def test_example_laptop(self) -> None:
        reading = inventory.read_inventory(glpi_document())
        self.assertEqual(reading.kind, AssetKind.LAPTOP)
        self.assertEqual(reading.serial, "640HP72")
        self.assertEqual(reading.fields["manufacturer"], "Dell Inc.")
        self.assertTrue(reading.fields["firewall_enabled"])
        self.assertEqual(len(reading.software), 6)
        # IPv4 and IPv6 items of one interface become one row; loopback is left out.
        self.assertEqual(
            len({(i.name, i.mac) for i in reading.interfaces}), len(reading.interfaces)
        )
        self.assertNotIn("lo", [i.name for i in reading.interfaces])
        self.assertIn("batteries", reading.raw_sections)
        self.assertNotIn("softwares", reading.raw_sections)

    def test_placeholder_serials_are_ignored(self) -> None:
        reading = inventory.read_inventory(glpi_document(serial="To be filled by O.E.M."))
        self.assertEqual(reading.serial, "")

    def test_phone_and_virtual_machine(self) -> None:
        phone = glpi_document(os=("Android 13", "13"))
        phone["itemtype"] = "Phone"
        self.assertEqual(inventory.read_inventory(phone).kind, AssetKind.PHONE)
        vm = glpi_document()
        vm["content"]["hardware"]["vmsystem"] = "VMware"
        self.assertEqual(inventory.read_inventory(vm).kind, AssetKind.VIRTUAL_MACHINE)

    def test_windows_without_antivirus_counts_as_none(self) -> None:
        document = glpi_document(os=("Microsoft Windows 11 Pro", "24H2"))
        document["content"].pop("antivirus", None)
        reading = inventory.read_inventory(document)
        self.assertIs(reading.fields["antivirus_enabled"], False)

    def test_local_administrators_and_encryption(self) -> None:
        document = windows_10(
            local_groups=[
                {"id": "S-1-5-32-544", "name": "Administradors", "members": ["admin", "pere"]},
                {"id": "S-1-5-32-545", "name": "Usuaris", "members": ["anna"]},
            ],
            drives=[{"letter": "C:", "systemdrive": True, "encrypt_status": "No"}],
        )
        reading = inventory.read_inventory(document)
        self.assertEqual(reading.fields["local_admins"], ["admin", "pere"])
        self.assertIs(reading.fields["disk_encrypted"], False)


@override_settings(LANGUAGE_CODE="en")
class EndOfLifeTests(SimpleTestCase):
    def test_known_releases(self) -> None:
        cases = {
            ("Windows", "Microsoft Windows 10 Pro", "22H2", ""): ("Windows 10", "2025-10-14"),
            ("Windows", "Microsoft Windows 7 Professional", "", ""): ("Windows 7", "2020-01-14"),
            ("Windows", "Microsoft Windows 11 Pro", "", "10.0.22631"): (
                "Windows 11 23H2", "2025-11-11",
            ),
            ("Windows", "Microsoft Windows 11 Enterprise", "23H2", ""): (
                "Windows 11 23H2 (Enterprise, Education)", "2026-11-10",
            ),
            ("Windows", "Microsoft Windows Server 2012 R2 Standard", "", ""): (
                "Windows Server 2012", "2023-10-10",
            ),
            ("Ubuntu", "Ubuntu 22.04.4 LTS", "22.04.4 LTS (Jammy Jellyfish)", ""): (
                "Ubuntu 22.04 LTS", "2027-04-30",
            ),
            ("Debian", "Debian GNU/Linux 12 (bookworm)", "12.5", ""): (
                "Debian 12 (bookworm)", "2028-06-30",
            ),
            ("Android", "Android 12", "12", ""): ("Android 12", "2025-03-01"),
            ("macOS", "macOS", "14.4.1", ""): ("macOS 14 Sonoma", "2026-09-14"),
        }  # fmt: skip
        for (name, full, version, kernel), (label, date) in cases.items():
            release = eol.release_of(name, full, version, kernel)
            self.assertIsNotNone(release, full)
            assert release is not None
            self.assertEqual((release.label, release.end_of_life.isoformat()), (label, date), full)

    def test_unsupported_software(self) -> None:
        names = [
            "Microsoft Office Professional Plus 2016",
            "Microsoft Office 2016 Proofing Tools - Català",  # a component: not counted twice
            "Microsoft 365 Apps for enterprise - ca-es",
            "Adobe Flash Player 32 NPAPI",
        ]
        releases = eol.software_releases(names)
        self.assertEqual(
            [(r.label, r.end_of_life.isoformat()) for r in releases],
            [("Adobe Flash Player", "2020-12-31"), ("Microsoft Office 2016", "2025-10-14")],
        )
        self.assertEqual(eol.software_releases(["Microsoft 365 Apps for business"]), [])

    def test_the_os_label_says_the_version_once(self) -> None:
        from ajunta.assets.models import os_label

        for name, version, expected in (
            ("Fedora 31 (Workstation Edition)", "31 (Workstation Edition)",
             "Fedora 31 (Workstation Edition)"),
            ("Microsoft Windows 11 Pro", "23H2", "Microsoft Windows 11 Pro 23H2"),
            ("Ubuntu 22.04.4 LTS", "22.04.4 LTS (Jammy Jellyfish)", "Ubuntu 22.04.4 LTS"),
            ("Microsoft Windows 10 Pro", "10.0.19045", "Microsoft Windows 10 Pro 10.0.19045"),
            ("Debian GNU/Linux", "12", "Debian GNU/Linux 12"),
            ("", "", ""),
        ):  # fmt: skip
            with self.subTest(name=name, version=version):
                self.assertEqual(os_label(name, version), expected)

    def test_unknown_system(self) -> None:
        self.assertIsNone(eol.release_of("Fedora", "Fedora 31 (Workstation Edition)", "31"))


@override_settings(LANGUAGE_CODE="en")
class ImportTests(TenantTestCase):
    def test_create_then_idempotent_reimport(self) -> None:
        first = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        self.assertTrue(first.created)
        events = AuditEvent.objects.filter(organization=self.org_a).count()
        # savepoint, the OS's imported end-of-life cycles, the matching asset, update timestamp,
        # release
        with self.assertNumQueries(5):
            again = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        self.assertFalse(again.created)
        self.assertEqual(again.changed, [])
        self.assertEqual(again.asset.pk, first.asset.pk)
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 1)
        self.assertEqual(InstalledSoftware.objects.filter(asset=first.asset).count(), 6)
        self.assertEqual(AuditEvent.objects.filter(organization=self.org_a).count(), events)

    def test_matches_by_serial_or_uuid_when_the_agent_is_reinstalled(self) -> None:
        first = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        by_uuid = windows_10(deviceid="PC-SECRETARIA-2026-01-01-09-00-00", serial="")
        self.assertEqual(
            services.inventory_import(org=self.org_a, actor=None, document=by_uuid).asset.pk,
            first.asset.pk,
        )
        by_serial = windows_10(deviceid="another-id", uuid="")
        outcome = services.inventory_import(org=self.org_a, actor=None, document=by_serial)
        self.assertEqual(outcome.asset.pk, first.asset.pk)
        outcome.asset.refresh_from_db()
        self.assertEqual(outcome.asset.device_id, "another-id")

    def test_same_machine_in_two_organizations_stays_apart(self) -> None:
        a = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        b = services.inventory_import(org=self.org_b, actor=None, document=windows_10())
        self.assertNotEqual(a.asset.pk, b.asset.pk)
        self.assertEqual(b.asset.organization, self.org_b)

    def test_changes_are_recorded_in_history_and_audit(self) -> None:
        services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        document = windows_10()
        document["content"]["softwares"].append({"name": "LibreOffice", "version": "24.8"})
        document["content"]["firewalls"] = [{"status": "off"}]
        outcome = services.inventory_import(org=self.org_a, actor=None, document=document)
        self.assertEqual(outcome.changed, ["firewall_enabled", "software"])
        change = AssetChange.objects.filter(asset=outcome.asset).order_by("-id").first()
        assert change is not None
        self.assertEqual(change.changes["software"]["added"], ["LibreOffice 24.8"])
        self.assertTrue(
            AuditEvent.objects.filter(
                organization=self.org_a, action="assets.inventory_import"
            ).exists()
        )

    def test_a_changed_software_list_rewrites_only_the_rows_that_differ(self) -> None:
        first = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        rows = dict(InstalledSoftware.objects.filter(asset=first.asset).values_list("name", "pk"))
        document = windows_10()
        programs = document["content"]["softwares"]
        updated, dropped = programs[0], programs.pop(1)
        updated["version"] = "99.0"
        programs.append({"name": "LibreOffice", "version": "24.8", "publisher": "TDF"})
        outcome = services.inventory_import(org=self.org_a, actor=None, document=document)
        after = dict(InstalledSoftware.objects.filter(asset=first.asset).values_list("name", "pk"))
        self.assertEqual(set(after), set(rows) - {dropped["name"]} | {"LibreOffice"})
        untouched = set(rows) - {dropped["name"], updated["name"]}
        self.assertEqual({name: after[name] for name in untouched},
                         {name: rows[name] for name in untouched})  # fmt: skip
        self.assertNotEqual(after[updated["name"]], rows[updated["name"]])
        self.assertEqual(
            list(
                InstalledSoftware.objects.filter(
                    asset=first.asset, name=updated["name"]
                ).values_list("version", flat=True)
            ),
            ["99.0"],
        )
        change = AssetChange.objects.filter(asset=outcome.asset).order_by("-id").first()
        assert change is not None
        software = change.changes["software"]
        self.assertEqual(software["added"], sorted([f"{updated['name']} 99.0", "LibreOffice 24.8"]))
        self.assertEqual(
            software["removed"],
            sorted(
                f"{p['name']} {p['version']}".strip()
                for p in (dropped, windows_10()["content"]["softwares"][0])
            ),
        )
        # The same list again: nothing to write, nothing in the history.
        again = services.inventory_import(org=self.org_a, actor=None, document=document)
        self.assertEqual(again.changed, [])

    def test_schema_failure_writes_nothing(self) -> None:
        document = windows_10()
        document["content"]["networks"][0]["virtualdev"] = "perhaps"
        before = (
            Asset.objects.count(),
            NetworkInterface.objects.count(),
            AuditEvent.objects.count(),
        )
        with self.assertRaises(inventory.InventoryError):
            services.inventory_import(org=self.org_a, actor=None, document=document)
        after = (
            Asset.objects.count(),
            NetworkInterface.objects.count(),
            AuditEvent.objects.count(),
        )
        self.assertEqual(before, after)

    def test_windows_10_is_past_end_of_life_and_lowers_the_score(self) -> None:
        on = dt.date(2026, 11, 23)
        base = selectors.org_posture(org=self.org_a, on=on).score
        linux = glpi_document(os=("Debian GNU/Linux 12 (bookworm)", "12.5"))
        services.inventory_import(org=self.org_a, actor=None, document=linux)
        healthy = selectors.org_posture(org=self.org_a, on=on).score
        outcome = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        self.assertEqual(outcome.asset.os_eol_label, "Windows 10")
        self.assertLess(outcome.asset.os_eol_date, on)
        lowered = selectors.org_posture(org=self.org_a, on=on)
        self.assertLess(lowered.score, healthy)
        self.assertIn("os_eol", [reason.code for reason in lowered.reasons])
        self.assertLessEqual(healthy, base + 0)

    def test_import_speed_stays_a_handful_of_queries(self) -> None:
        services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        services.agent_token_rotate(org=self.org_a, actor=self.alice)
        # A new machine: by device id, by UUID or serial, then the organization's row locked and
        # both looked up again (a concurrent inventory may have created it meanwhile), insert
        # asset, software, interfaces, history, audit chain (3), in a savepoint (2), the OS's
        # imported end-of-life cycles. A known one is found by the first query.
        with self.assertNumQueries(15):
            services.inventory_import(
                org=self.org_a,
                actor=None,
                document=windows_10(deviceid="PC-2", serial="S2", uuid="u2"),
                received_at=timezone.now(),
            )

    def test_office_2016_lowers_the_asset_and_counts_for_the_organization(self) -> None:
        document = windows_10()
        document["content"]["softwares"].append(
            {"name": "Microsoft Office Home and Business 2016 - ca-es", "version": "16.0.4266"}
        )
        asset = services.inventory_import(org=self.org_a, actor=None, document=document).asset
        self.assertEqual(asset.software_eol_label, "Microsoft Office 2016")
        on = dt.date(2026, 11, 23)
        reasons = [r.code for r in posture.asset_posture(asset, on).reasons]
        self.assertIn("software_eol", reasons)
        self.assertEqual(
            selectors.posture_counts(orgs=[self.org_a], on=on)[self.org_a.pk].software_eol, 1
        )

    def test_network_equipment_without_serial_or_mac_is_refused(self) -> None:
        # The device id of a network inventory is the scanning agent's: it never matches.
        document = glpi_document(deviceid="scanner-agent")
        document["itemtype"] = "NetworkEquipment"
        with self.assertRaises(inventory.InventoryError) as caught:
            services.inventory_import(org=self.org_a, actor=None, document=document)
        self.assertIn("serial number or MAC address", caught.exception.messages[0])
        self.assertEqual(Asset.objects.count(), 0)

    def test_a_concurrent_first_import_is_retried_as_an_update(self) -> None:
        """Another request's insert wins the unique device id: this attempt rolls back and is
        tried again, now as an update (the race needs two connections; here the first attempt
        fails the way it would)."""
        from unittest import mock

        from django.db import IntegrityError

        services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        real = services._inventory_import
        failures = iter([IntegrityError("duplicate key: assets_asset_unique_device")])

        def attempt(**arguments: Any) -> services.ImportOutcome:
            for error in failures:
                raise error
            return real(**arguments)

        with mock.patch.object(services, "_inventory_import", side_effect=attempt) as patched:
            outcome = services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        self.assertEqual(patched.call_count, 2)
        self.assertFalse(outcome.created)
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 1)
