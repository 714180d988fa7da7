"""The notice board in a real browser: the secretary opens a public information period from a
case file, a citizen reads it on the public board on a phone, and at the end of the period the
certificate of publication is issued (see ajunta/core/tests/browser/base.py)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings

from ajunta.cases.tests.factories import make_case, make_procedure
from ajunta.core.models import Role
from ajunta.core.testing import make_org, make_user, use_temporary_media
from ajunta.core.tests.browser.base import BrowserTestCase, browser
from ajunta.noticeboard import services
from ajunta.noticeboard.models import Edict

pytestmark = browser

MADRID = ZoneInfo("Europe/Madrid")
MONDAY_10 = dt.datetime(2026, 12, 7, 10, 0, tzinfo=MADRID)


@override_settings(LANGUAGE_CODE="en")
class NoticeBoardJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        self.traveller = time_machine.travel(MONDAY_10, tick=True)
        self.clock = self.traveller.start()
        self.addCleanup(self.traveller.stop)
        super().setUp()
        self.media = use_temporary_media(self)
        self.town = make_org("alpha", name="Ajuntament d'Alpha", language="en")

    def test_a_public_information_period_from_a_case_to_its_certificate(self) -> None:
        marta = make_user("marta", self.town, Role.MUNICIPAL_ADMIN, first_name="Marta")
        procedure = make_procedure(self.town, marta, code="WORKS", name="Works licence")
        case = make_case(self.town, marta, procedure, subject="Refurbishment of the old school")
        self.sign_in(marta)
        page = self.go(f"/o/alpha/cases/{case.pk}/", "case file")
        self.follow(page.get_by_role("link", name="Open a public information period"), "new edict")
        self.assertEqual(page.get_by_role("spinbutton", name="Period in days").input_value(), "20")
        page.get_by_role("textbox", name="Title").fill("Public information: old school project")
        page.get_by_role("textbox", name="Text").fill(
            "The project is open to **public information** for 20 business days."
        )
        self.follow(page.get_by_role("button", name="Publish", exact=True), "edict")
        edict = Edict.objects.get(organization=self.town)
        self.assertEqual(edict.case, case)
        # 20 business days after Monday 7 December: holidays on 8, 25 and 26 December, 1 and 6 January (Catalonia).
        self.assertEqual(edict.ends_on, dt.date(2027, 1, 8))
        page.get_by_text(edict.number).first.wait_for()

        # A citizen, with no account, finds it on the public board.
        self.context.clear_cookies(name="sessionid")
        self.go("/board/", "public boards")
        self.follow(page.get_by_role("link", name="Ajuntament d'Alpha"), "public board")
        self.follow(
            page.get_by_role("link", name="Public information: old school project"), "public edict"
        )
        page.get_by_text("public information", exact=True).wait_for()

        # The period ends; the hourly job issues the certificate, which joins the case file.
        self.clock.move_to(dt.datetime.combine(edict.ends_on, dt.time(23, 59), MADRID))
        self.assertEqual(services.edicts_certify_due(), 0)
        self.clock.move_to(
            dt.datetime.combine(edict.ends_on + dt.timedelta(days=1), dt.time(0, 5), MADRID)
        )
        self.assertEqual(services.edicts_certify_due(), 1)
        self.sign_in(marta)
        page = self.go(f"/o/alpha/noticeboard/{edict.pk}/", "certified edict")
        page.get_by_role("link", name="Download the certificate (PDF)").wait_for()
        self.go(f"/o/alpha/cases/{case.pk}/", "case file with the certificate")
        page.get_by_text(f"Certificate of publication of edict {edict.number}").first.wait_for()
