"""Vulnerability data in its standard formats, and matching it to inventoried software.

- CISA Known Exploited Vulnerabilities catalogue (JSON, schema known_exploited_vulnerabilities_schema.json):
  `{"catalogVersion", "dateReleased", "count", "vulnerabilities": [{"cveID", "vendorProject", ...}]}`.
- NVD CVE API / feeds 2.0: `{"format": "NVD_CVE", "version": "2.0", "vulnerabilities":
  [{"cve": {...}}]}`, or one CVE object (`{"id": "CVE-...", "configurations": [...]}`), or a list.
  Each CVE's configurations hold nodes of CPE matches with version ranges
  (versionStartIncluding/Excluding, versionEndIncluding/Excluding).
- CPE 2.3 names (`cpe:2.3:part:vendor:product:version:...`), and which CPE product an installed
  program is (data/cpe_products.json).

Pure functions: no database here. Limits: only the vulnerable CPE matches of a configuration are
read; a configuration that is vulnerable only when running on a given platform (an AND node with a
non-vulnerable platform) is treated as vulnerable on any platform, which errs toward reporting.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

CPE_DATA = Path(__file__).resolve().parent / "data" / "cpe_products.json"
CVE_ID = re.compile(r"^CVE-\d{4}-\d{4,}$")


class FeedFormatError(ValueError):
    pass


# --- versions -----------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\d+|[a-z]+")


def version_key(version: str) -> tuple[tuple[int, Any], ...]:
    """A sortable key for version strings: "6.22.0" < "6.23" < "24.09".

    Numbers compare as numbers, letters as text (below any number at the same place); trailing
    zeros do not count ("6.23" == "6.23.0"). Good enough for vendors' dotted versions; a version
    with no digits or letters is never in a range.
    """
    tokens = _TOKEN.findall(version.lower())
    key: list[tuple[int, Any]] = []
    for token in tokens:
        key.append((1, int(token)) if token.isdigit() else (0, token))
    while key and key[-1] == (1, 0):
        key.pop()
    return tuple(key)


def in_range(version: str, rng: Any) -> bool:
    """Whether `version` is in a VulnerableRange (or any object with its fields)."""
    if not version_key(version):
        return False
    key = version_key(version)
    if rng.version:
        return key == version_key(rng.version)
    if rng.start_including and key < version_key(rng.start_including):
        return False
    if rng.start_excluding and key <= version_key(rng.start_excluding):
        return False
    if rng.end_including and key > version_key(rng.end_including):
        return False
    if rng.end_excluding and key >= version_key(rng.end_excluding):
        return False
    return bool(
        rng.start_including or rng.start_excluding or rng.end_including or rng.end_excluding
    )


def fix_version(rng: Any) -> str:
    """The version to reach: the end of the range when it is excluded (fixed in that version)."""
    return rng.end_excluding or ""


# --- CPE --------------------------------------------------------------------------------------------
def split_cpe(name: str) -> list[str]:
    """The fields of a CPE 2.3 formatted string, honouring backslash escapes."""
    if not name.startswith("cpe:2.3:"):
        raise FeedFormatError(f"not a CPE 2.3 name: {name!r}")
    parts, current, escaped = [], "", False
    for char in name[len("cpe:2.3:") :]:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == ":":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    if len(parts) != 11:
        raise FeedFormatError(f"a CPE 2.3 name has 11 fields: {name!r}")
    return parts


@dataclass(frozen=True)
class CpeRule:
    match: re.Pattern[str]
    exclude: re.Pattern[str] | None
    part: str
    vendor: str
    product: str


@lru_cache(maxsize=1)
def cpe_rules() -> dict[str, tuple[CpeRule, ...]]:
    data = json.loads(CPE_DATA.read_text(encoding="utf-8"))
    found: dict[str, tuple[CpeRule, ...]] = {}
    for key in ("programs", "systems"):
        rules = []
        for row in data[key]:
            part, vendor, product = row["cpe"].split(":", 2)
            rules.append(
                CpeRule(
                    match=re.compile(row["match"], re.IGNORECASE),
                    exclude=re.compile(row["not"], re.IGNORECASE) if row.get("not") else None,
                    part=part,
                    vendor=vendor,
                    product=product.replace("\\", ""),
                )
            )
        found[key] = tuple(rules)
    return found


def cpe_product(name: str, *, system: bool = False) -> tuple[str, str, str] | None:
    """(part, vendor, product) of an installed program's (or operating system's) name, or None."""
    for rule in cpe_rules()["systems" if system else "programs"]:
        if rule.match.search(name) and not (rule.exclude and rule.exclude.search(name)):
            return rule.part, rule.vendor, rule.product
    return None


def cpe_name(part: str, vendor: str, product: str, version: str) -> str:
    def esc(value: str) -> str:
        return re.sub(r"([^A-Za-z0-9._\-])", r"\\\1", value) if value else "*"

    return f"cpe:2.3:{part}:{esc(vendor)}:{esc(product)}:{esc(version)}:*:*:*:*:*:*:*"


# --- KEV -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class KevEntry:
    cve_id: str
    vendor: str
    product: str
    name: str
    description: str
    added: dt.date | None
    due: dt.date | None
    ransomware: bool
    required_action: str


def _date(value: Any) -> dt.date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as exc:
        raise FeedFormatError(f"not a date: {value!r}") from exc


def parse_kev(data: Any) -> tuple[str, list[KevEntry]]:
    """(catalogue version, entries) of a CISA KEV catalogue."""
    if not isinstance(data, dict) or not isinstance(data.get("vulnerabilities"), list):
        raise FeedFormatError("a KEV catalogue is an object with a `vulnerabilities` list")
    entries = []
    for row in data["vulnerabilities"]:
        if not isinstance(row, dict) or not CVE_ID.match(str(row.get("cveID", ""))):
            raise FeedFormatError(f"a KEV entry without a valid cveID: {str(row)[:80]}")
        entries.append(
            KevEntry(
                cve_id=row["cveID"],
                vendor=str(row.get("vendorProject") or "")[:120],
                product=str(row.get("product") or "")[:160],
                name=str(row.get("vulnerabilityName") or "")[:300],
                description=str(row.get("shortDescription") or ""),
                added=_date(row.get("dateAdded")),
                due=_date(row.get("dueDate")),
                ransomware=str(row.get("knownRansomwareCampaignUse", "")).lower() == "known",
                required_action=str(row.get("requiredAction") or ""),
            )
        )
    return str(data.get("catalogVersion") or ""), entries


# --- NVD --------------------------------------------------------------------------------------------
@dataclass
class ParsedRange:
    part: str
    vendor: str
    product: str
    version: str
    start_including: str = ""
    start_excluding: str = ""
    end_including: str = ""
    end_excluding: str = ""
    criteria: str = ""


@dataclass
class ParsedCve:
    cve_id: str
    description: str
    cvss_score: Decimal | None
    severity: str
    published: dt.datetime | None
    modified: dt.datetime | None
    ranges: list[ParsedRange] = field(default_factory=list)


def _datetime(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise FeedFormatError(f"not a date-time: {value!r}") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _score(metrics: dict[str, Any]) -> tuple[Decimal | None, str]:
    for key in ("cvssMetricV40", "cvssMetricV31", "cvssMetricV30", "cvssMetricV2"):
        rows = metrics.get(key) or []
        rows = sorted(rows, key=lambda m: m.get("type") != "Primary")
        for metric in rows:
            data = metric.get("cvssData") or {}
            if "baseScore" in data:
                severity = data.get("baseSeverity") or metric.get("baseSeverity") or ""
                return Decimal(str(data["baseScore"])), str(severity).upper()
    return None, ""


def _ranges(cve: dict[str, Any]) -> list[ParsedRange]:
    found = []
    for configuration in cve.get("configurations") or []:
        for node in configuration.get("nodes") or []:
            if node.get("negate"):
                continue
            for match in node.get("cpeMatch") or []:
                if not match.get("vulnerable"):
                    continue
                criteria = str(match.get("criteria") or "")
                fields = split_cpe(criteria)
                version = fields[3] if fields[3] not in ("*", "-") else ""
                found.append(
                    ParsedRange(
                        part=fields[0][:1],
                        vendor=fields[1][:120],
                        product=fields[2][:160],
                        version=version[:80],
                        start_including=str(match.get("versionStartIncluding") or "")[:80],
                        start_excluding=str(match.get("versionStartExcluding") or "")[:80],
                        end_including=str(match.get("versionEndIncluding") or "")[:80],
                        end_excluding=str(match.get("versionEndExcluding") or "")[:80],
                        criteria=criteria[:300],
                    )
                )
    return found


def parse_nvd(data: Any) -> list[ParsedCve]:
    """The CVEs of NVD CVE JSON 2.0 (a feed or API answer, one CVE object, or a list of them)."""
    if isinstance(data, dict) and "vulnerabilities" in data:
        if data.get("format") not in (None, "NVD_CVE") or not isinstance(
            data["vulnerabilities"], list
        ):
            raise FeedFormatError("not an NVD CVE 2.0 feed (format NVD_CVE)")
        items = [
            row.get("cve") if isinstance(row, dict) else None for row in data["vulnerabilities"]
        ]
    elif isinstance(data, dict) and "id" in data:
        items = [data]
    elif isinstance(data, list):
        items = data
    else:
        raise FeedFormatError("neither an NVD CVE 2.0 feed nor CVE objects")
    found = []
    for cve in items:
        if not isinstance(cve, dict) or not CVE_ID.match(str(cve.get("id", ""))):
            raise FeedFormatError("a CVE without a valid id")
        descriptions = cve.get("descriptions") or []
        english = next((d.get("value", "") for d in descriptions if d.get("lang") == "en"), "")
        score, severity = _score(cve.get("metrics") or {})
        found.append(
            ParsedCve(
                cve_id=cve["id"],
                description=str(english),
                cvss_score=score,
                severity=severity[:12],
                published=_datetime(cve.get("published")),
                modified=_datetime(cve.get("lastModified")),
                ranges=_ranges(cve),
            )
        )
    return found
