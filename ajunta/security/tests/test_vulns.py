"""Parsing the standard formats and matching versions (no database)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

from django.test import SimpleTestCase

from ajunta.security import vulns

DATA = Path(__file__).resolve().parent / "data"


def rng(**fields: str) -> SimpleNamespace:
    base = dict.fromkeys(
        ("version", "start_including", "start_excluding", "end_including", "end_excluding"), ""
    )
    return SimpleNamespace(**{**base, **fields})


class VersionTests(SimpleTestCase):
    def test_ranges(self) -> None:
        winrar = rng(end_excluding="6.23")
        self.assertTrue(vulns.in_range("6.22.0", winrar))
        self.assertTrue(vulns.in_range("5.91", winrar))
        self.assertFalse(vulns.in_range("6.23", winrar))
        self.assertFalse(vulns.in_range("6.23.0", winrar))
        self.assertFalse(vulns.in_range("7.01", winrar))
        self.assertFalse(vulns.in_range("", winrar))  # no version: never matched
        window = rng(start_including="2.0", end_including="2.14.1")
        self.assertTrue(vulns.in_range("2.14.1", window))
        self.assertFalse(vulns.in_range("1.9", window))
        self.assertTrue(vulns.in_range("115.0.1", rng(version="115.0.1")))
        self.assertFalse(vulns.in_range("115.0.2", rng(version="115.0.1")))
        self.assertFalse(vulns.in_range("1.0", rng()))  # "any version" with no range: no match
        self.assertEqual(vulns.fix_version(winrar), "6.23")

    def test_cpe_names(self) -> None:
        self.assertEqual(
            vulns.split_cpe("cpe:2.3:a:7-zip:7-zip:*:*:*:*:*:*:*:*")[:3], ["a", "7-zip", "7-zip"]
        )
        self.assertEqual(
            vulns.split_cpe(r"cpe:2.3:a:notepad-plus-plus:notepad\+\+:8.1:*:*:*:*:*:*:*")[2],
            "notepad++",
        )
        with self.assertRaises(vulns.FeedFormatError):
            vulns.split_cpe("cpe:/a:rarlab:winrar")
        self.assertEqual(vulns.cpe_product("WinRAR 6.22 (64-bit)"), ("a", "rarlab", "winrar"))
        self.assertEqual(vulns.cpe_product("7-Zip 23.01 (x64)"), ("a", "7-zip", "7-zip"))
        self.assertIsNone(vulns.cpe_product("Microsoft Visual C++ 2015 Redistributable"))
        self.assertEqual(vulns.cpe_product("Microsoft Windows 11 Pro", system=True),
                         ("o", "microsoft", "windows_11"))  # fmt: skip
        self.assertEqual(vulns.cpe_name("a", "rarlab", "winrar", "6.22"),
                         "cpe:2.3:a:rarlab:winrar:6.22:*:*:*:*:*:*:*")  # fmt: skip


class FormatTests(SimpleTestCase):
    def test_the_real_kev_excerpt(self) -> None:
        version, entries = vulns.parse_kev(json.loads((DATA / "kev-excerpt.json").read_text()))
        self.assertEqual(version, "2025.08.25")
        by_id = {e.cve_id: e for e in entries}
        self.assertEqual(
            set(by_id), {"CVE-2021-44228", "CVE-2023-4863", "CVE-2023-38831", "CVE-2025-0411"}
        )
        self.assertTrue(by_id["CVE-2023-38831"].ransomware)
        self.assertFalse(by_id["CVE-2025-0411"].ransomware)  # "Unknown"
        self.assertEqual(str(by_id["CVE-2025-0411"].due), "2025-02-27")

    def test_the_real_nvd_excerpt(self) -> None:
        parsed = vulns.parse_nvd(json.loads((DATA / "nvd-excerpt.json").read_text()))
        winrar, sevenzip = parsed
        self.assertEqual(
            (winrar.cve_id, winrar.cvss_score, winrar.severity),
            ("CVE-2023-38831", Decimal("7.8"), "HIGH"),
        )
        self.assertEqual(sevenzip.cvss_score, Decimal("7.0"))  # the primary NVD metric
        (r,) = winrar.ranges
        self.assertEqual(
            (r.part, r.vendor, r.product, r.end_excluding), ("a", "rarlab", "winrar", "6.23")
        )
        # One CVE object (as the fkie-cad mirror keeps them) parses the same.
        one = json.loads((DATA / "nvd-excerpt.json").read_text())["vulnerabilities"][1]["cve"]
        self.assertEqual(vulns.parse_nvd(one)[0].ranges[0].end_excluding, "24.09")

    def test_refusals(self) -> None:
        for bad in ({"vulnerabilities": [{"cveID": "nope"}]}, [], "x", {"vulnerabilities": "x"}):
            with self.assertRaises(vulns.FeedFormatError):
                vulns.parse_kev(bad)
        for bad in ({"format": "OSV", "vulnerabilities": []}, {"x": 1}, [{"id": "X"}],
                    {"id": "CVE-2020-0001", "configurations": [{"nodes": [{"cpeMatch": [
                        {"vulnerable": True, "criteria": "cpe:2.3:a:b"}]}]}]}):  # fmt: skip
            with self.assertRaises(vulns.FeedFormatError):
                vulns.parse_nvd(bad)
