"""The members' view and the session page in a real browser: axe finds no WCAG 2.1 AA violation
and nothing scrolls sideways at 390 px (see ajunta/core/tests/browser/base.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings

from ajunta.cases.tests.factories import make_case, make_procedure
from ajunta.core.models import Role
from ajunta.core.testing import make_org, make_user, use_temporary_media
from ajunta.core.tests.browser.base import BrowserTestCase, browser
from ajunta.meetings import services
from ajunta.meetings.models import Office

pytestmark = browser

MADRID = ZoneInfo("Europe/Madrid")
FRIDAY_9 = dt.datetime(2026, 3, 6, 9, 0, tzinfo=MADRID)


@override_settings(LANGUAGE_CODE="en")
class MeetingsJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        traveller = time_machine.travel(FRIDAY_9, tick=True)
        traveller.start()
        self.addCleanup(traveller.stop)
        super().setUp()
        use_temporary_media(self)

    def test_a_councillor_acknowledges_the_convocation_on_a_phone(self) -> None:
        town = make_org("alpha", name="Ajuntament d'Alpha", language="en", population=600)
        clerk = make_user("alice", town, Role.MUNICIPAL_ADMIN, first_name="Alice")
        pau = make_user("pau", town, Role.ELECTED_MEMBER, first_name="Pau")
        plenary = services.body_create(
            org=town, actor=clerk, kind="plenary", name="Ple", code="ple"
        )
        start = dt.date(2023, 6, 17)
        services.member_add(org=town, actor=clerk, body=plenary, name="Marta Alcaldessa",
                            office=Office.MAYOR, start=start)  # fmt: skip
        services.member_add(org=town, actor=clerk, body=plenary, name="Pau Regidor",
                            office=Office.COUNCILLOR, start=start, user=pau)  # fmt: skip
        services.member_add(org=town, actor=clerk, body=plenary, name="Alice Secretària",
                            office=Office.SECRETARY, start=start, user=clerk)  # fmt: skip
        session = services.session_create(
            org=town, actor=clerk, body=plenary, kind="ordinary", mode="mixed",
            remote_justification="Reglament orgànic, art. 12", place="Sala de plens",
            starts_at=dt.datetime(2026, 3, 11, 19, 0, tzinfo=MADRID),
        )  # fmt: skip
        case = make_case(town, clerk, make_procedure(town, clerk), subject="Ordenança fiscal")
        item = services.item_propose(org=town, actor=clerk, session=session, kind="proposal",
                                     title="Ordenança fiscal", proposal="Aprovar-la.", case=case)  # fmt: skip
        services.item_review(org=town, actor=clerk, item=item, accept=True)
        services.session_convene(org=town, actor=clerk, session=session)

        self.sign_in(pau, mfa=False)
        page = self.go("/o/alpha/meetings/my/", "my sessions")
        self.follow(page.get_by_role("button", name="Acknowledge receipt").first, "acknowledged")
        self.assertEqual(session.convocations.filter(acknowledged_at__isnull=False).count(), 1)
        self.go(f"/o/alpha/meetings/sessions/{session.pk}/", "session as a member")
        self.sign_in(clerk)
        self.go(f"/o/alpha/meetings/sessions/{session.pk}/", "session as the secretary")
        self.go(f"/o/alpha/meetings/items/{item.pk}/", "item")
        self.go(f"/o/alpha/meetings/bodies/{plenary.pk}/", "body")
