"""In a real browser (core/tests/browser/base.py: axe, no sideways scroll at 390 px, screenshots):
a citizen books on a phone without an account, confirms with the e-mailed code, gets the .ics and
cancels; the clerk's agenda, screen, statistics, set-up and closures pages."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.test import override_settings

from ajunta.appointments import services
from ajunta.appointments.models import Booking, BookingStatus
from ajunta.appointments.tests.base import MADRID, T, make_setup
from ajunta.core.models import Role
from ajunta.core.testing import make_org, make_user
from ajunta.core.tests.browser.base import PHONE, BrowserTestCase, browser

pytestmark = browser

TUESDAY_10 = dt.datetime(2027, 6, 1, 10, 0, tzinfo=MADRID)


@override_settings(LANGUAGE_CODE="en")
class AppointmentJourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        traveller = time_machine.travel(TUESDAY_10, tick=True)
        traveller.start()
        self.addCleanup(traveller.stop)
        super().setUp()
        self.town = make_org("alpha", name="Ajuntament d'Alpha", language="en")
        self.office, self.service, self.desk = make_setup(self.town, min_notice_hours=0)
        services.schedule_create(
            org=self.town, actor=None, desk=self.desk,
            intervals=[(d, T(9), T(11)) for d in range(5)],
        )  # fmt: skip

    def test_a_citizen_books_on_a_phone_confirms_and_cancels(self) -> None:
        page = self.page
        page.set_viewport_size({"width": PHONE, "height": 800})
        self.go("/appointments/alpha/", "services")
        self.follow(page.get_by_role("link", name="Padró"), "days and times")
        self.follow(page.get_by_role("link", name="Wed 2 Jun"), "times of a day")
        self.follow(page.get_by_role("link", name="09:30"), "details form")
        page.get_by_label("Full name").fill("Maria Puig")
        page.get_by_label("DNI/NIF or NIE").fill("12345678Z")
        page.get_by_label("E-mail").fill("maria@example.org")
        page.get_by_label("I accept").check()
        self.follow(page.get_by_role("button", name="Continue"), "code form")
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
        page.get_by_label("Code").fill(code)
        self.follow(page.get_by_role("button", name="Book the appointment"), "the booking")
        booking = Booking.objects.get()
        self.assertIn(booking.locator, page.get_by_role("main").inner_text())
        self.assertEqual(mail.outbox[-1].attachments[0][2], "text/calendar")
        with page.expect_download() as download:
            page.get_by_role("link", name="Add to my calendar (.ics)").click()
        with open(download.value.path(), "rb") as ics:
            self.assertIn(b"BEGIN:VEVENT", ics.read())
        self.follow(page.get_by_role("button", name="Cancel the appointment"), "cancelled")
        booking.refresh_from_db()
        self.assertEqual(booking.status, BookingStatus.CANCELLED)

    def test_the_clerk_works_the_day(self) -> None:
        clerk = make_user("clerk", self.town, Role.MUNICIPAL_ADMIN)
        booking = services.booking_create(
            org=self.town, actor=None, service=self.service,
            starts=dt.datetime(2027, 6, 1, 10, 30, tzinfo=MADRID), name="Maria Puig",
            identifier="12345678Z",
        )  # fmt: skip
        self.sign_in(clerk)
        page = self.go(f"/o/alpha/appointments/?office={self.office.pk}", "agenda")
        self.follow(page.get_by_role("button", name="Arrived"), "checked in")
        self.follow(page.get_by_role("button", name="Call"), "called")
        self.go(f"/o/alpha/appointments/screen/{self.office.pk}/", "waiting-room screen")
        self.go("/o/alpha/appointments/?print=1", "printable agenda")
        self.go("/o/alpha/appointments/statistics/", "statistics")
        self.go("/o/alpha/appointments/setup/", "offices and services")
        self.go("/o/alpha/appointments/closures/", "closures")
        booking.refresh_from_db()
        self.assertEqual((booking.status, booking.turn), (BookingStatus.CALLED, 1))
