"""Operating-system end of life.

The dates come from endoflife.date's published product data (https://endoflife.date/docs/api/v1/),
imported into EolCycle on a schedule (services.eol_import, `manage.py eol_import`);
data/endoflife_products.json only says which product and release cycle an inventoried operating
system is. A product that was never imported falls back to the older hand-kept table
(data/os_end_of_life.json) so that a fresh installation is not blind before its first import; once
a product is imported, a release it does not list is unknown (and the posture says "check it").
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "os_end_of_life.json"
PRODUCTS_DATA = Path(__file__).resolve().parent / "data" / "endoflife_products.json"
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
    end_of_life: dt.date | None  # None: supported, no end announced (endoflife.date `eol: false`)
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


# --- endoflife.date ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProductRule:
    product: str
    os: re.Pattern[str]
    exclude: re.Pattern[str] | None
    major: re.Pattern[str] | None
    version: re.Pattern[str] | None
    editions: tuple[tuple[str, re.Pattern[str]], ...]
    default_edition: str
    cycles: tuple[str, ...]


def _compile(text: str | None) -> re.Pattern[str] | None:
    return re.compile(text, re.IGNORECASE) if text else None


@lru_cache(maxsize=1)
def product_rules() -> tuple[ProductRule, ...]:
    data = json.loads(PRODUCTS_DATA.read_text(encoding="utf-8"))
    found = []
    for row in data["rules"]:
        edition = dict(row.get("edition") or {})
        default = edition.pop("default", "")
        found.append(
            ProductRule(
                product=row["product"],
                os=re.compile(row["os"], re.IGNORECASE),
                exclude=_compile(row.get("not")),
                major=_compile(row.get("major")),
                version=_compile(row.get("version")),
                editions=tuple((key, re.compile(rx, re.IGNORECASE)) for key, rx in edition.items()),
                default_edition=default,
                cycles=tuple(row["cycles"]),
            )
        )
    return tuple(found)


def product_cycles(name: str, full_name: str, version: str) -> tuple[str, list[str]] | None:
    """The endoflife.date product an operating system is and its candidate release cycles, in
    order: ("windows", ["11-23h2-w", "11-23h2"]). None when no rule knows the system."""
    system = f"{name} {full_name}".strip()
    text = f"{system} {version}"
    for rule in product_rules():
        if not rule.os.search(text) or (rule.exclude and rule.exclude.search(text)):
            continue
        groups: dict[str, str] = {}
        if rule.major is not None:
            found = rule.major.search(system)
            if found is None:
                continue
            groups.update(found.groupdict())
        if rule.version is not None:
            found = rule.version.search(version) or rule.version.search(full_name)
            if found is None:
                return rule.product, []
            groups.update(found.groupdict())
        edition = next((k for k, rx in rule.editions if rx.search(system)), rule.default_edition)
        groups["edition"] = edition
        cycles = [t.format(**{k: v.lower() for k, v in groups.items()}) for t in rule.cycles]
        return rule.product, cycles
    return None


def imported_cycles(product: str) -> dict[str, Release] | None:
    """{cycle: Release} of `product`'s imported endoflife.date data (one query), or None when the
    product was never imported."""
    from ajunta.assets.models import EolCycle

    rows: dict[str, Release] = {}
    for cycle in EolCycle.objects.filter(product=product).order_by("cycle"):
        end = cycle.eol
        if end is None and cycle.is_eol:  # ended, on a date endoflife.date does not know
            end = cycle.release_date or dt.date(1970, 1, 1)
        label = f"{cycle.product_label or cycle.product} {cycle.label}".strip()
        rows[cycle.cycle] = Release(label=label[:80], end_of_life=end, estimated=False)
    return rows or None


def support_release(
    name: str,
    full_name: str,
    version: str,
    kernel_version: str = "",
    *,
    memo: dict[str, dict[str, Release] | None] | None = None,
) -> Release | None:
    """The release an operating system belongs to by endoflife.date's imported data (a query per
    product; `memo` keeps them across calls), else by the hand-kept table for a product never
    imported. None: support status unknown."""
    version = windows_version(full_name or name, version, kernel_version).strip()
    found = product_cycles(name, full_name, version)
    if found is not None:
        product, cycles = found
        if memo is None:
            memo = {}
        if product not in memo:
            memo[product] = imported_cycles(product)
        imported = memo[product]
        if imported is not None:
            return next((imported[c] for c in cycles if c in imported), None)
    return release_of(name, full_name, version, kernel_version)


def release_of(name: str, full_name: str, version: str, kernel_version: str = "") -> Release | None:
    """The release an operating system belongs to by the hand-kept table (no query), or None when
    the table lacks it. `support_release` puts endoflife.date's imported data first."""
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


# --- endoflife.date's published data ---------------------------------------------------------------
class EolDataError(ValueError):
    pass


@dataclass(frozen=True)
class ParsedCycle:
    cycle: str
    label: str
    release_date: dt.date | None
    eol: dt.date | None
    is_eol: bool
    latest: str


def _date(value: Any) -> dt.date | None:
    if isinstance(value, str) and value:
        try:
            return dt.date.fromisoformat(value[:10])
        except ValueError as exc:
            raise EolDataError(f"not a date: {value!r}") from exc
    return None


def parse_endoflife(data: Any, on: dt.date) -> tuple[str, str, list[ParsedCycle]]:
    """(product, product label, cycles) of endoflife.date's product data: the API v1 answer
    (`{"result": {"name", "label", "releases": [...]}}`) or the older v0 list
    (`[{"cycle", "eol": date or bool, "latest", ...}]`, product unknown: ""). EolDataError when
    it is neither."""
    if isinstance(data, dict) and isinstance(data.get("result"), dict):
        result = data["result"]
        releases = result.get("releases")
        if not isinstance(result.get("name"), str) or not isinstance(releases, list):
            raise EolDataError("result.name and result.releases are required")
        cycles = []
        for row in releases:
            if not isinstance(row, dict) or not isinstance(row.get("name"), str):
                raise EolDataError("every release needs a name")
            end = _date(row.get("eolFrom"))
            latest: dict[str, Any] = row["latest"] if isinstance(row.get("latest"), dict) else {}
            cycles.append(
                ParsedCycle(
                    cycle=row["name"],
                    label=str(row.get("label") or row["name"])[:160],
                    release_date=_date(row.get("releaseDate")),
                    eol=end,
                    is_eol=bool(row.get("isEol")) or (end is not None and end <= on),
                    latest=str(latest.get("name") or "")[:80],
                )
            )
        return result["name"], str(result.get("label") or result["name"]), cycles
    if isinstance(data, list):
        cycles = []
        for row in data:
            if not isinstance(row, dict) or "cycle" not in row:
                raise EolDataError("every release needs a cycle")
            eol_value = row.get("eol")
            end = _date(eol_value) if isinstance(eol_value, str) else None
            cycles.append(
                ParsedCycle(
                    cycle=str(row["cycle"]),
                    label=str(row.get("releaseLabel") or row["cycle"])[:160],
                    release_date=_date(row.get("releaseDate")),
                    eol=end,
                    is_eol=eol_value is True or (end is not None and end <= on),
                    latest=str(row.get("latest") or "")[:80],
                )
            )
        return "", "", cycles
    raise EolDataError("neither endoflife.date API v1 product data nor a v0 list of cycles")
