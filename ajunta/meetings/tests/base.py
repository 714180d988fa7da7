"""A 600-inhabitant council (Alpha): a plenary of 7 councillors and its secretary."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import translation

from ajunta.cases.tests.factories import make_case, make_procedure
from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_user, use_temporary_media
from ajunta.meetings import services
from ajunta.meetings.models import BodyKind, Office, SessionKind, SessionMode

MADRID = ZoneInfo("Europe/Madrid")


def at(day: str, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=MADRID)


class PlenaryTestCase(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.org_a.population = 600
        cls.org_a.save(update_fields=["population"])
        cls.mayor = make_user("mayor", cls.org_a, Role.ELECTED_MEMBER, first_name="Marta")
        cls.councillor = make_user("regidor", cls.org_a, Role.ELECTED_MEMBER, first_name="Pau")
        cls.plenary = services.body_create(
            org=cls.org_a, actor=cls.alice, kind=BodyKind.PLENARY, name="Ple", code="ple"
        )
        start = dt.date(2023, 6, 17)
        add = services.member_add
        cls.m_mayor = add(org=cls.org_a, actor=cls.alice, body=cls.plenary, name="Marta Alcaldessa",
                          office=Office.MAYOR, start=start, user=cls.mayor)  # fmt: skip
        cls.m_online = add(org=cls.org_a, actor=cls.alice, body=cls.plenary, name="Pau Regidor",
                           office=Office.COUNCILLOR, start=start, user=cls.councillor)  # fmt: skip
        cls.m_others = [
            add(
                org=cls.org_a,
                actor=cls.alice,
                body=cls.plenary,
                name=f"Regidor {n}",
                office=Office.COUNCILLOR,
                start=start,
            )
            for n in range(1, 6)
        ]
        cls.m_secretary = add(org=cls.org_a, actor=cls.alice, body=cls.plenary,
                              name="Alice Secretària", office=Office.SECRETARY, start=start,
                              user=cls.alice)  # fmt: skip
        cls.procedure = make_procedure(cls.org_a, cls.alice)

    def setUp(self) -> None:
        use_temporary_media(self)
        # Service messages are asserted in English (the site's default language is Catalan).
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def new_session(self, starts: dt.datetime, **fields: Any) -> Any:
        values = {
            "kind": SessionKind.ORDINARY,
            "mode": SessionMode.IN_PERSON,
            "place": "Sala de plens",
        }
        values.update(fields)
        return services.session_create(
            org=self.org_a, actor=self.alice, body=self.plenary, starts_at=starts, **values
        )

    def case(self) -> Any:
        return make_case(
            self.org_a, self.alice, self.procedure, subject="Modificació d'ordenança fiscal"
        )

    def propose(self, session: Any, **fields: Any) -> Any:
        values = {
            "kind": "proposal",
            "title": "Ordenança fiscal",
            "proposal": "Aprovar l'ordenança.",
        }
        values.update(fields)
        item = services.item_propose(org=self.org_a, actor=self.bob, session=session, **values)
        return services.item_review(org=self.org_a, actor=self.alice, item=item, accept=True)

    def arrive(self, session: Any, member: Any, when: dt.datetime, remote: bool = False) -> Any:
        return services.attendance_record(
            org=self.org_a, actor=self.alice, session=session, member=member, kind="arrive",
            at=when, remote=remote,
        )  # fmt: skip
