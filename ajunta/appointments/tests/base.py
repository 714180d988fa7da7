"""Shared fixtures: an office with one desk, a 30-minute service and a weekly schedule."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from ajunta.appointments import services
from ajunta.appointments.models import Desk, Office, Service

MADRID = ZoneInfo("Europe/Madrid")
T = dt.time


def at(day: str, hhmm: str) -> dt.datetime:
    """A Madrid wall-clock instant: at("2027-06-07", "09:30")."""
    return dt.datetime.fromisoformat(f"{day}T{hhmm}").replace(tzinfo=MADRID)


def make_setup(org, *, capacity: int = 1, **office_fields) -> tuple[Office, Service, Desk]:
    office = services.office_create(
        org=org, actor=None, name="Oficina d'atenció", address="Plaça Major, 1", **office_fields
    )
    service = services.service_create(
        org=org, actor=None, name="Padró", duration_minutes=30, capacity=capacity,
        documents_to_bring="DNI",
    )  # fmt: skip
    desk = services.desk_create(
        org=org, actor=None, office=office, name="Taulell 1", services=[service]
    )
    return office, service, desk
