"""The file import command and the daily alert job."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
import tempfile
from pathlib import Path

from django.core import mail
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from ajunta.assets import services, tasks
from ajunta.assets.models import Asset
from ajunta.assets.samples import glpi_document, windows_10
from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_user
from ajunta.tenants.models import Organization
from ajunta.tenants.testing import make_provider


@override_settings(LANGUAGE_CODE="en")
class ImportCommandTests(TenantTestCase):
    def test_imports_files_and_reports_refusals(self) -> None:
        with tempfile.TemporaryDirectory() as folder:
            good = Path(folder, "pc.json")
            good.write_text(json.dumps(windows_10()))
            packed = Path(folder, "laptop.json.gz")
            packed.write_bytes(gzip.compress(json.dumps(glpi_document(deviceid="l-1")).encode()))
            bad = Path(folder, "bad.json")
            bad.write_text("{not json")
            out, err = io.StringIO(), io.StringIO()
            with self.assertRaises(CommandError):
                call_command("import_inventory", str(good), str(packed), str(bad),
                             org="alpha", stdout=out, stderr=err)  # fmt: skip
            self.assertIn("2 created, 0 updated, 1 refused", out.getvalue())
            self.assertIn("not valid JSON", err.getvalue())
            call_command("import_inventory", str(good), org="alpha", stdout=io.StringIO())
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 2)

    def test_unknown_organization(self) -> None:
        with self.assertRaises(CommandError):
            call_command("import_inventory", "x.json", org="nowhere")


@override_settings(LANGUAGE_CODE="en")
class AlertJobTests(TenantTestCase):
    def test_admins_and_provider_staff_get_their_alerts(self) -> None:
        make_provider(members=(self.org_a, self.org_b))
        provider = Organization.objects.get(slug="consell")
        make_user("tina", provider, Role.PROVIDER_TECHNICIAN, preferred_language="en")
        self.alice.preferred_language = "en"
        self.alice.save(update_fields=["preferred_language"])
        services.inventory_import(org=self.org_a, actor=None, document=windows_10())
        services.asset_create(org=self.org_b, actor=self.charlie, kind="laptop", name="Portàtil",
                              warranty_end=timezone.localdate() + dt.timedelta(days=5))  # fmt: skip
        self.assertEqual(tasks.assets_alerts_notify(), 3)  # alice, charlie, tina
        by_recipient = {message.to[0]: message.body for message in mail.outbox}
        self.assertIn(
            "Ajuntament d'Alpha: 1 with the operating system", by_recipient["alice@example.org"]
        )
        self.assertNotIn("Beta", by_recipient["alice@example.org"])
        self.assertIn("Beta", by_recipient["tina@example.org"])
        self.assertIn("Alpha", by_recipient["tina@example.org"])
        self.assertNotIn("bob@example.org", by_recipient)  # staff, not admin
        out = io.StringIO()
        call_command("assets_alerts", stdout=out)
        self.assertIn("3 alert e-mail(s) sent", out.getvalue())


class RefreshReleasesTests(TenantTestCase):
    def test_a_changed_table_reaches_stored_assets(self) -> None:
        asset = services.inventory_import(org=self.org_a, actor=None, document=windows_10()).asset
        Asset.objects.filter(pk=asset.pk).update(os_eol_label="", os_eol_date=None)
        self.assertEqual(services.assets_refresh_os_releases(), 1)
        asset.refresh_from_db()
        self.assertEqual(
            (asset.os_eol_label, asset.os_eol_date), ("Windows 10", dt.date(2025, 10, 14))
        )
        self.assertEqual(services.assets_refresh_os_releases(), 0)

    def test_windows_11_build_is_kept_as_its_feature_update(self) -> None:
        document = glpi_document(os=("Microsoft Windows 11 Pro", ""))
        document["content"]["operatingsystem"]["kernel_version"] = "10.0.26100"
        asset = services.inventory_import(org=self.org_a, actor=None, document=document).asset
        self.assertEqual((asset.os_version, asset.os_eol_label), ("24H2", "Windows 11 24H2"))
