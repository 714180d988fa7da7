"""RD 311/2022 Annex II measures (data/ens_measures.json): which apply to a category, and which
posture findings affect which measure."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent / "data" / "ens_measures.json"
CATEGORY_RANK = {"basic": 1, "medium": 2, "high": 3}


@dataclass(frozen=True)
class MeasureSpec:
    code: str
    name: str
    applies_from: str
    group: str


@lru_cache(maxsize=1)
def _data() -> dict[str, Any]:
    return json.loads(DATA.read_text(encoding="utf-8"))


def group_of(code: str, groups: dict[str, str]) -> str:
    prefix = code.rsplit(".", 1)[0]
    return groups.get(prefix, groups.get(code.split(".")[0], ""))


@lru_cache(maxsize=1)
def measures() -> tuple[MeasureSpec, ...]:
    data = _data()
    return tuple(
        MeasureSpec(row["code"], row["name"], row["from"], group_of(row["code"], data["groups"]))
        for row in data["measures"]
    )


def measures_by_code() -> dict[str, MeasureSpec]:
    return {m.code: m for m in measures()}


def applicable(category: str) -> list[MeasureSpec]:
    """The measures that apply to a system of `category` (basic, medium, high); none uncategorised."""
    rank = CATEGORY_RANK.get(category, 0)
    return [m for m in measures() if rank and CATEGORY_RANK[m.applies_from] <= rank]


def measures_for_finding(code: str) -> list[str]:
    return list(_data()["posture_findings"].get(code, []))


def source() -> str:
    return str(_data()["source"])
