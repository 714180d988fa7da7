"""The GLPI conformance corpus (tests/corpus/glpi, see its README): every upstream example of the
inventory format and every FusionInventory XML message of GLPI's converter tests is imported;
the ones no server could match to a device are refused with nothing written."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from django.test import override_settings

from ajunta.assets import fusion, inventory, services
from ajunta.assets.models import Asset, AssetKind, InstalledSoftware, NetworkPort
from ajunta.core.models import AuditEvent
from ajunta.core.testing import TenantTestCase

CORPUS = Path(__file__).resolve().parent / "corpus" / "glpi"
# Refused, and why: a network inventory with no serial and no MAC (only a firmware and a port).
REFUSED = {"15.xml": "serial number or MAC address"}


def read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def corpus_files(folder: str) -> list[Path]:
    files = (CORPUS / folder).iterdir()
    return sorted((p for p in files if p.name.endswith((".json", ".xml", ".gz"))), key=str)


def document_of(path: Path) -> Any:
    return inventory.decode_body(read(path))


@override_settings(LANGUAGE_CODE="en")
class GlpiCorpusTests(TenantTestCase):
    def test_the_corpus_is_there(self) -> None:
        self.assertEqual(len(corpus_files("json")), 20)
        self.assertEqual(len(corpus_files("xml")), 20)
        self.assertTrue((CORPUS / "LICENSE").exists())

    def test_every_json_example_imports(self) -> None:
        for path in corpus_files("json"):
            with self.subTest(path.name):
                outcome = services.inventory_import(
                    org=self.org_a, actor=None, document=document_of(path)
                )
                self.assertTrue(outcome.asset.pk)
        kinds = set(Asset.objects.filter(organization=self.org_a).values_list("kind", flat=True))
        self.assertLessEqual({AssetKind.PRINTER, AssetKind.NETWORK_DEVICE, AssetKind.PHONE}, kinds)

    def test_every_xml_message_imports_or_is_refused_with_its_reason(self) -> None:
        for path in corpus_files("xml"):
            name = path.name.removesuffix(".gz")
            with self.subTest(name):
                document = document_of(path)
                if name in REFUSED:
                    events = AuditEvent.objects.count()
                    assets = Asset.objects.count()
                    with self.assertRaises(inventory.InventoryError) as caught:
                        services.inventory_import(org=self.org_a, actor=None, document=document)
                    self.assertIn(REFUSED[name], caught.exception.messages[0])
                    self.assertEqual(AuditEvent.objects.count(), events)
                    self.assertEqual(Asset.objects.count(), assets)
                    continue
                outcome = services.inventory_import(org=self.org_a, actor=None, document=document)
                self.assertTrue(outcome.asset.pk)

    def test_a_printer_comes_with_its_ports_firmware_serial_and_page_counters(self) -> None:
        asset = services.inventory_import(
            org=self.org_a, actor=None, document=document_of(CORPUS / "json" / "printer_1.json")
        ).asset
        self.assertEqual(asset.kind, AssetKind.PRINTER)
        self.assertEqual(asset.serial, "PHCVN191TG")
        self.assertEqual(asset.firmware, "HP LaserJet M507 2409048_052887")
        self.assertEqual(asset.page_counters, {"rectoverso": 831, "total": 1802})
        self.assertEqual(asset.mac_address, "00:68:eb:f2:be:10")
        self.assertEqual(asset.ip_address, "10.59.29.175")
        self.assertEqual(asset.snmp_credentials, 4)
        self.assertEqual(asset.device_id, "")  # the scanning agent's id is not the printer's
        ports = list(NetworkPort.objects.filter(asset=asset).order_by("number"))
        self.assertEqual([p.number for p in ports], [1, 2])
        self.assertEqual(ports[1].speed, 1_000_000_000)
        self.assertEqual(ports[1].ips, ["10.59.29.175"])
        self.assertIn("cartridges", asset.raw_sections)

    def test_a_switch_comes_with_its_ports_and_is_found_again_by_serial(self) -> None:
        document = document_of(CORPUS / "json" / "networkequipment_1.json.gz")
        first = services.inventory_import(org=self.org_a, actor=None, document=document)
        self.assertEqual(first.asset.kind, AssetKind.NETWORK_DEVICE)
        ports = NetworkPort.objects.filter(asset=first.asset).count()
        self.assertGreater(ports, 10)
        self.assertTrue(first.asset.firmware)
        # The next night's inventory, from another scanning agent: the same asset.
        document["deviceid"] = "another-agent-2027-01-01-00-00-00"
        again = services.inventory_import(org=self.org_a, actor=None, document=document)
        self.assertEqual(again.asset.pk, first.asset.pk)
        self.assertFalse(again.created)
        self.assertEqual(NetworkPort.objects.filter(asset=first.asset).count(), ports)

    def test_the_xml_and_the_json_of_one_printer_agree(self) -> None:
        # SNMPQUERY of an HP printer (xml/8.xml): the conversion gives what the JSON would.
        document = fusion.xml_document(read(CORPUS / "xml" / "8.xml"))
        self.assertEqual((document["action"], document["itemtype"]), ("netinventory", "Printer"))
        asset = services.inventory_import(org=self.org_a, actor=None, document=document).asset
        self.assertEqual(asset.kind, AssetKind.PRINTER)
        self.assertEqual(asset.page_counters["total"], 94344)
        self.assertEqual(asset.serial, "D9J230159")

    def test_a_fusioninventory_computer_keeps_its_software(self) -> None:
        document = document_of(CORPUS / "xml" / "1.xml")
        self.assertEqual(document["action"], "inventory")
        asset = services.inventory_import(org=self.org_a, actor=None, document=document).asset
        self.assertEqual(asset.serial, "9E113232I")
        self.assertGreater(InstalledSoftware.objects.filter(asset=asset).count(), 5)
        self.assertTrue(asset.os_name)


@override_settings(LANGUAGE_CODE="en")
class NetworkDevicePageTests(TenantTestCase):
    def test_the_printer_page_and_api_show_ports_firmware_and_pages(self) -> None:
        asset = services.inventory_import(
            org=self.org_a, actor=None, document=document_of(CORPUS / "json" / "printer_1.json")
        ).asset
        page = self.login(self.alice).get(f"/o/alpha/assets/{asset.pk}/")
        self.assertContains(page, "HP LaserJet M507 2409048_052887")
        self.assertContains(page, "1802")
        self.assertContains(page, "Ports")
        data = self.api(self.alice).get(f"/api/v1/o/alpha/assets/{asset.pk}/").json()
        self.assertEqual(data["page_counters"]["total"], 1802)
        self.assertEqual(len(data["ports"]), 2)
        self.assertEqual(data["snmp_credentials"], 4)
        # Another organization does not see it.
        other = self.api(self.charlie).get(f"/api/v1/o/beta/assets/{asset.pk}/")
        self.assertEqual(other.status_code, 404)
