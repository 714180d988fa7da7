"""Scores and their reasons, for an asset and for an organization (no database)."""

from __future__ import annotations

import datetime as dt

from django.test import SimpleTestCase, override_settings
from django.utils import timezone

from ajunta.assets import posture
from ajunta.assets.models import Asset, EnsStatus, SecurityRecord

ON = dt.date(2026, 11, 23)


def codes(result: posture.Posture) -> list[str]:
    return [reason.code for reason in result.reasons]


@override_settings(LANGUAGE_CODE="en")
class AssetPostureTests(SimpleTestCase):
    def test_a_healthy_computer_scores_100(self) -> None:
        asset = Asset(kind="desktop", os_eol_date=dt.date(2029, 1, 9), antivirus_enabled=True,
                      antivirus_up_to_date=True, firewall_enabled=True, disk_encrypted=True,
                      secure_boot=True, local_admins=["admin"])  # fmt: skip
        self.assertEqual(posture.asset_posture(asset, ON).score, 100)

    def test_every_issue_costs_its_points(self) -> None:
        asset = Asset(
            kind="laptop", os_eol_label="Windows 10", os_eol_date=dt.date(2025, 10, 14),
            antivirus_enabled=True, antivirus_up_to_date=False, firewall_enabled=False,
            disk_encrypted=False, secure_boot=False, local_admins=["a", "b", "c"],
            last_inventory_at=timezone.make_aware(dt.datetime(2026, 9, 1)),
        )  # fmt: skip
        result = posture.asset_posture(asset, ON)
        self.assertEqual(
            codes(result),
            ["os_eol", "antivirus_outdated", "firewall_off", "secure_boot_off", "many_admins",
             "unencrypted_portable", "silent"],
        )  # fmt: skip
        self.assertEqual(result.score, 0)
        self.assertEqual(result.level, "bad")
        self.assertIn("Windows 10 is past its end of life", result.reasons[0].text)

    def test_unknown_support_status_is_a_finding_and_printers_skip_computer_checks(self) -> None:
        # Fail closed (issue 19): a computer whose OS the end-of-life data does not know never
        # scores 100 and says so; the other unknowns (antivirus not reported...) cost nothing.
        fedora = Asset(kind="desktop", os_name="Fedora 31 (Workstation Edition)",
                       os_version="31 (Workstation Edition)")  # fmt: skip
        result = posture.asset_posture(fedora, ON)
        self.assertEqual(codes(result), ["support_unknown"])
        self.assertEqual(result.score, 80)
        self.assertEqual(
            result.reasons[0].text,
            "Support status of Fedora 31 (Workstation Edition) unknown: check it.",
        )
        blank = posture.asset_posture(Asset(kind="desktop"), ON)
        self.assertIn("No operating system reported", blank.reasons[0].text)
        printer = Asset(kind="printer", firewall_enabled=False, antivirus_enabled=False)
        result = posture.asset_posture(printer, ON)
        self.assertEqual(codes(result), ["support_unknown"])
        self.assertEqual(result.reasons[0].text, "Firmware support status unknown: check it.")
        known = Asset(kind="printer", os_eol_date=dt.date(2030, 1, 1), firewall_enabled=False)
        self.assertEqual(posture.asset_posture(known, ON).score, 100)
        self.assertEqual(posture.asset_posture(Asset(kind="other"), ON).score, 100)

    def test_end_of_life_soon(self) -> None:
        asset = Asset(kind="server", os_eol_label="Windows Server 2016",
                      os_eol_date=ON + dt.timedelta(days=50))  # fmt: skip
        self.assertEqual(codes(posture.asset_posture(asset, ON)), ["os_eol_soon"])


@override_settings(LANGUAGE_CODE="en")
class OrganizationPostureTests(SimpleTestCase):
    def test_issues_count_in_proportion(self) -> None:
        record = SecurityRecord(
            backup_last_success=ON, backup_offline_copy=True, backup_last_restore_test=ON,
            mfa_coverage=100, ens_status=EnsStatus.CERTIFIED, security_officer="Anna",
        )  # fmt: skip
        all_bad = posture.org_posture(posture.OrgCounts(assets=4, os_eol=4), record, ON)
        half = posture.org_posture(posture.OrgCounts(assets=4, os_eol=2), record, ON)
        self.assertEqual(all_bad.score, 70)
        self.assertEqual(half.score, 85)
        self.assertEqual(posture.org_posture(posture.OrgCounts(), record, ON).score, 100)
        self.assertTrue(posture.OrgCounts().no_data)
        unknown = posture.org_posture(posture.OrgCounts(assets=2, support_unknown=1), record, ON)
        self.assertEqual(unknown.score, 92)  # 15 points x 1/2, rounded
        self.assertIn("1 device whose support status is unknown", unknown.reasons[0].text)

    def test_missing_records_cost_points(self) -> None:
        result = posture.org_posture(posture.OrgCounts(), None, ON)
        self.assertEqual(
            codes(result), ["no_backup", "no_offline_copy", "no_restore_test", "mfa", "ens",
                            "no_officer"],
        )  # fmt: skip
        stale = SecurityRecord(backup_last_success=ON - dt.timedelta(days=30), mfa_coverage=50,
                               ens_status=EnsStatus.IN_PROGRESS)  # fmt: skip
        result = posture.org_posture(posture.OrgCounts(), stale, ON)
        self.assertIn("backup_old", codes(result))
        self.assertIn("Only 50% of staff accounts use MFA.", [r.text for r in result.reasons])
