"""The law's numbers, in one place (docs/meetings.md).

- LOREG (LO 5/1985) art. 179: councillors by population.
- LRBRL (Ley 7/1985) art. 46.2.a: ordinary plenary sessions monthly above 20,000 inhabitants,
  every two months from 5,001 to 20,000, every three months up to 5,000.
- LRBRL art. 46.2.b: at least two business days' notice, except extraordinary urgent sessions
  (whose urgency the plenary ratifies first).
- LRBRL art. 46.2.c: quorum of one third of the legal number of members, never fewer than three,
  kept throughout the session, with the chair and the secretary (or those who replace them).
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

NOTICE_BUSINESS_DAYS = 2
MIN_QUORUM = 3

# (up to inhabitants, councillors)
COUNCILLORS = ((100, 3), (250, 5), (1_000, 7), (2_000, 9), (5_000, 11), (10_000, 13),
               (20_000, 17), (50_000, 21), (100_000, 25))  # fmt: skip


def legal_councillors(population: int) -> int:
    """LOREG art. 179.1: the plenary's legal number of members for a population."""
    if population < 0:
        raise ValueError("population cannot be negative")
    for limit, seats in COUNCILLORS:
        if population <= limit:
            return seats
    # Above 100,000: one more per 100,000 or fraction, and one more if the result is even.
    seats = 25 + math.ceil((population - 100_000) / 100_000)
    return seats + 1 if seats % 2 == 0 else seats


def ordinary_period_months(population: int) -> int:
    """LRBRL art. 46.2.a: months between ordinary plenary sessions at the most."""
    if population > 20_000:
        return 1
    if population > 5_000:
        return 2
    return 3


def legal_quorum(legal_members: int) -> int:
    """LRBRL art. 46.2.c: one third of the legal number, never fewer than three."""
    return max(MIN_QUORUM, math.ceil(legal_members / 3))


def quorum(legal_members: int, own: int | None) -> int:
    """The stricter of the law and the council's own rules."""
    return max(legal_quorum(legal_members), own or 0)


def number(value: Any) -> str:
    """A vote count as people write it: 3, 2.5 (never 3.00 or 1E+1)."""
    return f"{Decimal(value).normalize():f}"
