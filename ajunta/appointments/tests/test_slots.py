"""Slots for a month: weekly schedules with a break, a summer period, holidays (regional and local),
an imported Outlook closure calendar (Windows time zone, all-day event, RRULE with EXDATE and a
RECURRENCE-ID override), an exceptional opening and a booking."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import time_machine
from django.test import TestCase

from ajunta.appointments import services
from ajunta.appointments.models import Booking
from ajunta.appointments.slots import compute_slots
from ajunta.appointments.tests.base import MADRID, T, at, make_setup
from ajunta.core.models import LocalHoliday
from ajunta.core.testing import make_org

OUTLOOK_CLOSURES = """BEGIN:VCALENDAR
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
VERSION:2.0
METHOD:PUBLISH
X-MS-OLK-FORCEINSPECTOROPEN:TRUE
BEGIN:VTIMEZONE
TZID:Romance Standard Time
BEGIN:STANDARD
DTSTART:16011028T030000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010325T020000
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000training
DTSTART;TZID=Romance Standard Time:20270607T090000
DTEND;TZID=Romance Standard Time:20270607T100000
SUMMARY:Formació de la secretària
X-MICROSOFT-CDO-BUSYSTATUS:OOF
END:VEVENT
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000allday
DTSTART;VALUE=DATE:20270610
DTEND;VALUE=DATE:20270611
SUMMARY:Tancat per inventari
X-MICROSOFT-CDO-ALLDAYEVENT:TRUE
END:VEVENT
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000weekly
DTSTART;TZID=Romance Standard Time:20270607T110000
DTEND;TZID=Romance Standard Time:20270607T120000
RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO
EXDATE;TZID=Romance Standard Time:20270621T110000
SUMMARY:Reunió d'equip
END:VEVENT
BEGIN:VEVENT
UID:040000008200E00074C5B7101A82E00800000000weekly
RECURRENCE-ID;TZID=Romance Standard Time:20270628T110000
DTSTART;TZID=Romance Standard Time:20270628T090000
DTEND;TZID=Romance Standard Time:20270628T093000
SUMMARY:Reunió d'equip (avançada)
END:VEVENT
BEGIN:VEVENT
UID:free-event
DTSTART;TZID=Romance Standard Time:20270603T160000
DTEND;TZID=Romance Standard Time:20270603T180000
SUMMARY:Només informatiu
X-MICROSOFT-CDO-BUSYSTATUS:FREE
END:VEVENT
END:VCALENDAR
"""


class MonthOfSlotsTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.org = make_org("vila", autonomous_community_code="09")  # Catalonia: Sant Joan
        cls.office, cls.service, cls.desk = make_setup(cls.org, horizon_days=60)
        # All year: Monday with a break (09-11, 11:30-13), Thursday afternoon.
        services.schedule_create(
            org=cls.org, actor=None, desk=cls.desk, name="Tot l'any",
            intervals=[(0, T(9), T(11)), (0, T(11, 30), T(13)), (3, T(16), T(18))],
        )  # fmt: skip
        # Summer hours: mornings only, Monday and Thursday.
        services.schedule_create(
            org=cls.org, actor=None, desk=cls.desk, name="Horari d'estiu",
            valid_from=dt.date(2027, 6, 21), valid_until=dt.date(2027, 9, 15),
            intervals=[(0, T(9), T(12)), (3, T(9), T(11))],
        )  # fmt: skip
        LocalHoliday.objects.create(
            organization=cls.org, date=dt.date(2027, 6, 14), name="Festa major"
        )
        with time_machine.travel(dt.datetime(2027, 5, 31, 12, tzinfo=MADRID), tick=False):
            cls.calendar = services.calendar_create(
                org=cls.org, actor=None, name="Outlook de la secretària", office=cls.office,
                content=OUTLOOK_CLOSURES,
            )  # fmt: skip
        services.exception_create(
            org=cls.org, actor=None, kind="open", office=cls.office,
            starts=at("2027-06-19", "10:00"), ends=at("2027-06-19", "11:00"), reason="Fira",
        )  # fmt: skip
        Booking.objects.create(
            organization=cls.org, locator="TAKEN001", access_token="x", office=cls.office,
            desk=cls.desk, service=cls.service, starts=at("2027-06-17", "16:00"),
            ends=at("2027-06-17", "16:30"), name="Algú", identifier="12345678Z",
        )  # fmt: skip

    def slots(self):
        with time_machine.travel(dt.datetime(2027, 5, 31, 12, tzinfo=MADRID), tick=False):
            return compute_slots(
                org=self.org, service=self.service,
                first_day=dt.date(2027, 6, 1), last_day=dt.date(2027, 6, 30),
            )  # fmt: skip

    def test_the_month_has_exactly_the_expected_slots_per_day(self) -> None:
        per_day = Counter(s.starts.astimezone(MADRID).date().day for s in self.slots())
        self.assertEqual(
            dict(per_day),
            {
                3: 4,  # Thursday 16-18; the FREE Outlook event closes nothing
                7: 4,  # 09-10 training (Windows TZ) and 11-12 meeting cut 7 down to 4
                17: 3,  # one of four already booked
                19: 2,  # Saturday: exceptional opening 10-11
                21: 6,  # summer Monday 09-12; the meeting's EXDATE leaves it whole
                28: 5,  # summer Monday; the moved occurrence (RECURRENCE-ID) closes 09:00-09:30
            },
            # absent: 10 (all-day closure), 14 (local holiday), 24 (Sant Joan), other weekdays
        )

    def test_times_of_a_day_with_a_break_and_closures(self) -> None:
        times = [s.starts.astimezone(MADRID).strftime("%H:%M") for s in self.slots()]
        day7 = [t for s, t in zip(self.slots(), times, strict=True) if s.starts.day == 7]
        self.assertEqual(day7, ["10:00", "10:30", "12:00", "12:30"])
        day28 = [
            s.starts.astimezone(MADRID).strftime("%H:%M")
            for s in self.slots()
            if s.starts.astimezone(MADRID).day == 28
        ]
        self.assertEqual(day28, ["09:30", "10:00", "10:30", "11:00", "11:30"])

    def test_minimum_notice_and_horizon(self) -> None:
        # At 09:40 on Monday 7 June with two hours' notice, only 12:00 and 12:30 are left that day.
        with time_machine.travel(dt.datetime(2027, 6, 7, 9, 40, tzinfo=MADRID), tick=False):
            today = compute_slots(
                org=self.org, service=self.service,
                first_day=dt.date(2027, 6, 7), last_day=dt.date(2027, 6, 7),
            )  # fmt: skip
        self.assertEqual(
            [s.starts for s in today], [at("2027-06-07", "12:00"), at("2027-06-07", "12:30")]
        )
        self.office.horizon_days = 5
        self.office.save(update_fields=["horizon_days"])
        days = {s.starts.astimezone(MADRID).day for s in self.slots()}
        self.assertEqual(days, {3})  # 31 May + 5 days = 5 June

    def test_slot_queries_do_not_grow_with_the_range(self) -> None:
        with (
            time_machine.travel(dt.datetime(2027, 5, 31, 12, tzinfo=MADRID), tick=False),
            self.assertNumQueries(6),
        ):
            compute_slots(
                org=self.org, service=self.service,
                first_day=dt.date(2027, 6, 1), last_day=dt.date(2027, 7, 29),
            )  # fmt: skip

    def test_refresh_keeps_the_window_moving_and_a_bad_file_keeps_old_closures(self) -> None:
        with time_machine.travel(dt.datetime(2027, 5, 31, 12, tzinfo=MADRID), tick=False):
            services.calendar_refresh(org=self.org, actor=None, calendar=self.calendar)
        self.calendar.refresh_from_db()
        self.assertEqual(self.calendar.event_count, 5)  # 1 + 1 + 3 weekly (one excluded)
        self.calendar.content = "not a calendar"
        services.calendar_refresh(org=self.org, actor=None, calendar=self.calendar)
        self.calendar.refresh_from_db()
        self.assertTrue(self.calendar.last_error)
        self.assertEqual(self.calendar.events.count(), 5)
