"""Operating-system end of life, from the maintained table in data/os_end_of_life.json."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "os_end_of_life.json"
SOFTWARE_DATA = Path(__file__).resolve().parent / "data" / "software_end_of_life.json"

# Windows 11 reports its build in the kernel version; the feature update it belongs to.
WINDOWS_11_BUILDS = {
    "22000": "21H2",
    "22621": "22H2",
    "22631": "23H2",
    "26100": "24H2",
    "26200": "25H2",
}
FEATURE_UPDATE = re.compile(r"^\d\dh\d$", re.IGNORECASE)


@dataclass(frozen=True)
class Release:
    label: str
    end_of_life: dt.date
    estimated: bool


@dataclass(frozen=True)
class Rule:
    release: Release
    os: re.Pattern[str]
    version: re.Pattern[str] | None
    exclude: re.Pattern[str] | None


@lru_cache(maxsize=1)
def rules() -> tuple[Rule, ...]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    found = []
    for row in data["rules"]:
        found.append(
            Rule(
                release=Release(
                    label=row["label"],
                    end_of_life=dt.date.fromisoformat(row["eol"]),
                    estimated=bool(row.get("estimated")),
                ),
                os=re.compile(row["os"], re.IGNORECASE),
                version=re.compile(row["version"], re.IGNORECASE) if row.get("version") else None,
                exclude=re.compile(row["not"], re.IGNORECASE) if row.get("not") else None,
            )
        )
    return tuple(found)


def windows_version(full_name: str, version: str, kernel_version: str) -> str:
    """Windows 11's feature update (23H2), from the version or, failing that, the build number."""
    if "windows 11" not in full_name.lower() or FEATURE_UPDATE.match(version.strip()):
        return version
    parts = kernel_version.split(".")
    build = parts[2] if len(parts) > 2 else ""
    return WINDOWS_11_BUILDS.get(build, version)


def release_of(name: str, full_name: str, version: str, kernel_version: str = "") -> Release | None:
    """The release an inventory's operating system belongs to, or None when the table lacks it."""
    system = f"{name} {full_name}".strip()
    if not system:
        return None
    version = windows_version(full_name or name, version, kernel_version).strip()
    version_text = version or full_name
    for rule in rules():
        if not rule.os.search(system):
            continue
        if rule.exclude is not None and rule.exclude.search(system):
            continue
        if rule.version is not None and not rule.version.search(version_text):
            continue
        return rule.release
    return None


@dataclass(frozen=True)
class SoftwareRule:
    release: Release
    match: re.Pattern[str]
    exclude: re.Pattern[str] | None


@lru_cache(maxsize=1)
def software_rules() -> tuple[SoftwareRule, ...]:
    data = json.loads(SOFTWARE_DATA.read_text(encoding="utf-8"))
    return tuple(
        SoftwareRule(
            release=Release(
                label=row["label"],
                end_of_life=dt.date.fromisoformat(row["eol"]),
                estimated=bool(row.get("estimated")),
            ),
            match=re.compile(row["match"], re.IGNORECASE),
            exclude=re.compile(row["not"], re.IGNORECASE) if row.get("not") else None,
        )
        for row in data["rules"]
    )


def software_releases(names: list[str]) -> list[Release]:
    """The releases in the software table that these installed programs belong to, by date."""
    found: dict[str, Release] = {}
    for name in names:
        for rule in software_rules():
            if rule.release.label in found or not rule.match.search(name):
                continue
            if rule.exclude is not None and rule.exclude.search(name):
                continue
            found[rule.release.label] = rule.release
    return sorted(found.values(), key=lambda release: (release.end_of_life, release.label))
