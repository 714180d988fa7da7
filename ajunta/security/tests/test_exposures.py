"""KEV + NVD import flags the inventoried software they affect, and only that; alerts; posture."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command

from ajunta.assets import posture
from ajunta.assets import selectors as asset_selectors
from ajunta.assets.models import AssetStatus
from ajunta.security import selectors, services
from ajunta.security.models import Exposure, Vulnerability
from ajunta.security.tests.base import DATA, SecurityTestCase, device, feed

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class ExposureTests(SecurityTestCase):
    def open(self) -> set[tuple[str, str]]:
        return {
            (e.asset.name, e.vulnerability.cve_id)
            for e in Exposure.objects.filter(resolved_at__isnull=True).select_related(
                "asset", "vulnerability"
            )
        }

    def test_real_nvd_and_kev_flag_only_the_affected_versions(self) -> None:
        services.nvd_import(data=feed("nvd-excerpt.json"), source="nvd-excerpt.json")
        self.assertEqual(
            self.open(), {("PC-SECRETARIA", "CVE-2023-38831"), ("PC-BETA", "CVE-2025-0411")}
        )
        self.assertEqual(len(mail.outbox), 0)  # not known exploited yet: no alert
        outcome = services.kev_import(data=feed("kev-excerpt.json"), source="kev-excerpt.json")
        self.assertEqual(outcome.new_known_exploited, 4)
        self.assertTrue(Vulnerability.objects.get(cve_id="CVE-2023-38831").kev_ransomware)
        # KEV entries NVD did not describe (Log4j here) are on record but match nothing.
        self.assertEqual(
            self.open(), {("PC-SECRETARIA", "CVE-2023-38831"), ("PC-BETA", "CVE-2025-0411")}
        )
        winrar = Exposure.objects.get(asset=self.old_winrar)
        self.assertEqual((winrar.version, winrar.fix_version), ("6.22.0", "6.23"))
        self.assertEqual(winrar.cpe, "cpe:2.3:a:rarlab:winrar:6.22.0:*:*:*:*:*:*:*")

    def test_a_new_kev_entry_alerts_the_member_and_the_provider_once(self) -> None:
        services.nvd_import(data=feed("nvd-excerpt.json"))
        services.kev_import(data=feed("kev-excerpt.json"))
        recipients = {tuple(m.to) for m in mail.outbox}
        self.assertEqual(
            recipients, {("alice@example.org",), ("charlie@example.org",), ("tina@example.org",)}
        )
        alice = next(m for m in mail.outbox if m.to == ["alice@example.org"])
        self.assertIn("CVE-2023-38831", alice.body)
        self.assertIn("6.23", alice.body)
        self.assertNotIn("PC-BETA", alice.body)  # Beta's device is not Alpha's business
        tina = next(m for m in mail.outbox if m.to == ["tina@example.org"])
        self.assertIn("PC-BETA", tina.body)
        self.assertIn("PC-SECRETARIA", tina.body)
        mail.outbox.clear()
        services.kev_import(data=feed("kev-excerpt.json"))  # the same catalogue again: no news
        self.assertEqual(mail.outbox, [])

    def test_upgrading_resolves_and_retiring_removes_from_the_posture(self) -> None:
        services.nvd_import(data=feed("nvd-excerpt.json"))
        services.kev_import(data=feed("kev-excerpt.json"))
        counts = asset_selectors.posture_counts(orgs=[self.org_a])[self.org_a.pk]
        self.assertEqual(counts.extra, {"known_exploited": 1})
        result = posture.org_posture(counts, None)
        self.assertIn("known_exploited", [r.code for r in result.reasons])
        asset_reasons = posture.asset_posture(self.old_winrar).reasons
        kev = next(r for r in asset_reasons if r.code == "known_exploited")
        self.assertIn("CVE-2023-38831", kev.text)
        self.assertIn("6.23", kev.action)
        self.old_winrar.software.filter(name__startswith="WinRAR").update(version="6.24.0")
        services.exposures_refresh()
        self.assertEqual(self.open(), {("PC-BETA", "CVE-2025-0411")})
        self.assertIsNotNone(Exposure.objects.get(asset=self.old_winrar).resolved_at)
        self.old_7zip_b.status = AssetStatus.RETIRED
        self.old_7zip_b.save(update_fields=["status"])
        services.exposures_refresh()
        self.assertEqual(self.open(), set())

    def test_a_device_that_installs_an_exploited_version_later_alerts(self) -> None:
        services.nvd_import(data=feed("nvd-excerpt.json"))
        services.kev_import(data=feed("kev-excerpt.json"))
        mail.outbox.clear()
        device(self.org_a, "PC-NOU", [("WinRAR 5.91", "5.91")])
        services.exposures_refresh()
        self.assertIn("PC-NOU", next(m for m in mail.outbox if m.to == ["alice@example.org"]).body)

    def test_ranking_and_scope(self) -> None:
        services.nvd_import(data=feed("nvd-excerpt.json"))
        services.kev_import(data=feed("kev-excerpt.json"))
        ranked = [e.vulnerability.cve_id for e in selectors.exposures(org=self.provider)]
        self.assertEqual(ranked, ["CVE-2023-38831", "CVE-2025-0411"])  # ransomware use first
        self.assertEqual([e.asset.name for e in selectors.exposures(org=self.org_b)], ["PC-BETA"])

    def test_bad_files_are_refused_with_the_reason_and_write_nothing(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            services.kev_import(data={"vulnerabilities": [{"cveID": "CVE-X"}]})
        self.assertIn("a KEV entry without a valid cveID", str(caught.exception))
        with self.assertRaises(ValidationError):
            services.nvd_import(data=feed("kev-excerpt.json"))
        self.assertFalse(Vulnerability.objects.exists())

    def test_command_imports_files_nvd_first(self) -> None:
        out = StringIO()
        call_command("security_feeds_import", "--kev", str(DATA / "kev-excerpt.json"),
                     "--nvd", str(DATA / "nvd-excerpt.json"), stdout=out)  # fmt: skip
        self.assertIn("nvd", out.getvalue().splitlines()[0])
        self.assertEqual(len(self.open()), 2)


@time_machine.travel(NOW, tick=False)
class ScheduledImportTests(SecurityTestCase):
    def test_the_daily_job_reads_configured_files_offline_and_reports_failures(self) -> None:
        from django.test import override_settings

        from ajunta.assets.models import EolCycle
        from ajunta.assets.tests.test_eol_import import DATA as EOL_DATA

        with override_settings(
            SECURITY_EOL_URL=str(EOL_DATA / "endoflife-{product}.json"),
            SECURITY_EOL_PRODUCTS=["fedora", "nonexistent"],
            SECURITY_NVD_URL=str(DATA / "nvd-excerpt.json"),
            SECURITY_KEV_URL=str(DATA / "kev-excerpt.json"),
        ):
            out = StringIO()
            call_command("security_feeds_import", stdout=out)
        self.assertTrue(EolCycle.objects.filter(product="fedora").exists())
        self.assertIn("endoflife-nonexistent.json", out.getvalue())  # reported, the rest still ran
        self.assertEqual(Vulnerability.objects.filter(known_exploited=True).count(), 4)
        self.assertEqual(Exposure.objects.filter(resolved_at__isnull=True).count(), 2)
