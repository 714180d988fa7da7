"""A provider (the county council) with its staff, on top of core's two municipalities."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_user, verify_mfa
from ajunta.helpdesk import services
from ajunta.helpdesk.models import Ticket
from ajunta.tenants.models import OrganizationKind
from ajunta.tenants.testing import make_provider

MADRID = ZoneInfo("Europe/Madrid")


def at(year: int, month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=MADRID)


@contextmanager
def frozen(moment: dt.datetime) -> Any:
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield


class HelpdeskTestCase(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_provider(
            "ccbages", name="Consell Comarcal del Bages", kind=OrganizationKind.COUNTY_COUNCIL,
            members=(cls.org_a, cls.org_b),
        )  # fmt: skip
        cls.paula = make_user("paula", cls.provider, Role.PROVIDER_ADMIN, first_name="Paula")
        cls.tomas = make_user("tomas", cls.provider, Role.PROVIDER_TECHNICIAN, first_name="Tomàs")
        cls.teresa = make_user("teresa", cls.provider, Role.PROVIDER_TECHNICIAN)
        cls.hardware = services.category_create(org=cls.provider, actor=cls.paula, name="Hardware")
        cls.printers = services.category_create(
            org=cls.provider, actor=cls.paula, name="Printers", parent=cls.hardware
        )
        for priority, own, resolve in ((3, 60, 240), (4, 30, 120), (5, 15, 60), (2, 120, 480)):
            services.sla_target_set(
                org=cls.provider, actor=cls.paula, level="standard", priority=priority,
                own_minutes=own, resolve_minutes=resolve,
            )  # fmt: skip

    def login(self, user: Any) -> Any:
        # Provider roles always need the second factor: log in with it verified.
        verify_mfa(self.client, user)
        return self.client

    def open_ticket(self, org: Any = None, actor: Any = None, **fields: Any) -> Ticket:
        values = {"title": "La impressora no imprimeix", "description": "Paper encallat.", **fields}
        return services.ticket_create(
            org=org or self.org_a, actor=actor or self.bob, category=self.printers, **values
        )
