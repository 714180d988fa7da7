"""Spanish municipalities and provinces by INE code, from the reference data in `data/` (INE's
list of 1 January 2025): what an address's municipality code is checked against and named by."""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


@cache
def municipalities() -> dict[str, str]:
    """{6-digit INE code: name}."""
    with (DATA / "municipios_ine_2025.csv").open(encoding="utf-8", newline="") as handle:
        return {
            f"{row['CPRO']}{row['CMUN']}{row['DC']}": row["NOMBRE"]
            for row in csv.DictReader(handle)
        }


@cache
def provinces() -> dict[str, str]:
    """{2-digit province code: name}."""
    with (DATA / "provincias.csv").open(encoding="utf-8", newline="") as handle:
        return {row["provincia_id"]: row["nombre"] for row in csv.DictReader(handle)}


def municipality_name(code: str) -> str:
    return municipalities().get(code or "", "")


def province_name(code: str) -> str:
    return provinces().get(code or "", "")


def municipality_exists(code: str) -> bool:
    return code in municipalities()
