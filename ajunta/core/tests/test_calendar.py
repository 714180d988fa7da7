"""The business calendar against the real 2026 calendars of Catalonia and Castilla y León.

Every date below was checked against the official 2026 calendars (Catalonia: 1 Jan, 6 Jan, 3 Apr,
6 Apr, 1 May, 24 Jun, 15 Aug, 11 Sep, 12 Oct, 8 Dec, 25 Dec, 26 Dec; Castilla y León: 1 Jan, 6 Jan,
2 Apr, 3 Apr, 23 Apr, 1 May, 15 Aug, 12 Oct, 2 Nov, 7 Dec, 8 Dec, 25 Dec) and its weekday.
"""

from __future__ import annotations

import datetime as dt
import os
from unittest import mock
from zoneinfo import ZoneInfo

from django.test import TestCase
from django.utils import timezone, translation

from ajunta.core.calendar import BusinessCalendar, calendar_for
from ajunta.core.models import BusinessHours, LocalHoliday
from ajunta.core.testing import TenantTestCase, make_org

MADRID = ZoneInfo("Europe/Madrid")
D = dt.date


def madrid(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=MADRID)


def hours(n: float) -> int:
    return int(n * 3600)


class CalendarTestCase(TenantTestCase):
    """org_a and org_b are Catalan (community 09); castella is in Castilla y León (07).

    org_a keeps its festa major on Monday 20 July 2026; org_b has no local holiday.
    """

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.castella = make_org("castella", autonomous_community_code="07", province_code="42")
        cls.no_region = make_org("nowhere", autonomous_community_code="")
        LocalHoliday.objects.create(organization=cls.org_a, date=D(2026, 7, 20), name="Festa Major")

    def cal(self, org: object) -> BusinessCalendar:
        return calendar_for(org)


class HolidayTests(CalendarTestCase):
    def test_epiphany_is_a_holiday_everywhere_in_spain(self) -> None:
        for org in (self.org_a, self.castella, self.no_region):
            with self.subTest(org=org.slug):
                self.assertFalse(self.cal(org).is_business_day(D(2026, 1, 6)))  # Tuesday
                self.assertTrue(self.cal(org).is_business_day(D(2026, 1, 7)))

    def test_easter_monday_is_a_holiday_in_catalonia_only(self) -> None:
        self.assertFalse(self.cal(self.org_a).is_business_day(D(2026, 4, 6)))
        self.assertTrue(self.cal(self.castella).is_business_day(D(2026, 4, 6)))
        self.assertTrue(self.cal(self.no_region).is_business_day(D(2026, 4, 6)))

    def test_maundy_thursday_and_villalar_are_holidays_in_castilla_y_leon_only(self) -> None:
        for day in (D(2026, 4, 2), D(2026, 4, 23)):
            with self.subTest(day=day):
                self.assertFalse(self.cal(self.castella).is_business_day(day))
                self.assertTrue(self.cal(self.org_a).is_business_day(day))

    def test_good_friday_is_a_holiday_in_both_communities(self) -> None:
        self.assertFalse(self.cal(self.org_a).is_business_day(D(2026, 4, 3)))
        self.assertFalse(self.cal(self.castella).is_business_day(D(2026, 4, 3)))

    def test_diada_is_a_holiday_in_catalonia_only(self) -> None:
        self.assertFalse(self.cal(self.org_a).is_business_day(D(2026, 9, 11)))  # Friday
        self.assertTrue(self.cal(self.castella).is_business_day(D(2026, 9, 11)))

    def test_local_holiday_is_non_business_for_its_organization_only(self) -> None:
        monday = D(2026, 7, 20)
        self.assertFalse(self.cal(self.org_a).is_business_day(monday))
        self.assertEqual(self.cal(self.org_a).holidays_in(2026)[monday], "Festa Major")
        # Same autonomous community, no local holiday of its own.
        self.assertTrue(self.cal(self.org_b).is_business_day(monday))

    def test_weekends_are_non_business(self) -> None:
        cal = self.cal(self.org_a)
        self.assertFalse(cal.is_business_day(D(2026, 3, 7)))  # Saturday
        self.assertFalse(cal.is_business_day(D(2026, 3, 8)))  # Sunday
        self.assertTrue(cal.is_business_day(D(2026, 3, 9)))

    def test_weekday_holidays_of_2026_in_catalonia(self) -> None:
        cal = self.cal(self.org_b)
        non_business_weekdays = [
            day
            for day in (D(2026, 1, 1) + dt.timedelta(days=n) for n in range(365))
            if day.weekday() < 5 and not cal.is_business_day(day)
        ]
        self.assertEqual(
            non_business_weekdays,
            [
                D(2026, 1, 1), D(2026, 1, 6), D(2026, 4, 3), D(2026, 4, 6), D(2026, 5, 1),
                D(2026, 6, 24), D(2026, 9, 11), D(2026, 10, 12), D(2026, 12, 8),
                D(2026, 12, 25),
            ],
        )  # fmt: skip

    def test_weekday_holidays_of_2026_in_castilla_y_leon(self) -> None:
        cal = self.cal(self.castella)
        non_business_weekdays = [
            day
            for day in (D(2026, 1, 1) + dt.timedelta(days=n) for n in range(365))
            if day.weekday() < 5 and not cal.is_business_day(day)
        ]
        self.assertEqual(
            non_business_weekdays,
            [
                D(2026, 1, 1), D(2026, 1, 6), D(2026, 4, 2), D(2026, 4, 3), D(2026, 4, 23),
                D(2026, 5, 1), D(2026, 10, 12), D(2026, 11, 2), D(2026, 12, 7),
                D(2026, 12, 8), D(2026, 12, 25),
            ],
        )  # fmt: skip

    def test_holidays_of_a_year_are_loaded_once(self) -> None:
        cal = self.cal(self.org_a)
        with self.assertNumQueries(1):
            for n in range(365):
                cal.is_business_day(D(2026, 1, 1) + dt.timedelta(days=n))
        with self.assertNumQueries(0):
            cal.add_business_days(D(2026, 3, 2), 60)
        with self.assertNumQueries(1):  # the next year, once
            cal.add_business_days(D(2026, 12, 1), 40)

    def test_upcoming_holidays_run_into_next_year(self) -> None:
        with translation.override("ca"):
            upcoming = self.cal(self.org_a).upcoming_holidays(limit=3, start=D(2026, 12, 20))
        self.assertEqual(
            upcoming,
            [
                (D(2026, 12, 25), "Nativitat del Senyor"),
                (D(2026, 12, 26), "Sant Esteve"),
                (D(2027, 1, 1), "Cap d'Any"),
            ],
        )

    def test_upcoming_holidays_include_local_ones(self) -> None:
        with translation.override("en"):
            upcoming = self.cal(self.org_a).upcoming_holidays(limit=2, start=D(2026, 7, 1))
        self.assertEqual(
            upcoming, [(D(2026, 7, 20), "Festa Major"), (D(2026, 8, 15), "Assumption Day")]
        )

    def test_holiday_names_follow_the_active_language_not_the_server_locale(self) -> None:
        cal = self.cal(self.org_a)
        with mock.patch.dict(os.environ, {"LANGUAGE": "uk", "LC_ALL": "uk_UA.UTF-8"}):
            for language, name in [
                ("ca", "Sant Esteve"),
                ("es", "San Esteban"),
                ("en", "Saint Stephen's Day"),
            ]:
                with self.subTest(language=language), translation.override(language):
                    self.assertEqual(cal.holidays_in(2026)[D(2026, 12, 26)], name)


class DeadlineTests(CalendarTestCase):
    """Ley 39/2015 art. 30."""

    def test_business_days_count_from_the_day_after_notification(self) -> None:
        # Notified Thursday 2 April 2026; 10 business days.
        # Catalonia: Fri 3 (Good Friday) and Mon 6 (Easter Monday) do not count: 7..10, 13..17, 20.
        self.assertEqual(self.cal(self.org_a).add_business_days(D(2026, 4, 2), 10), D(2026, 4, 20))
        # Castilla y León: only Fri 3 is a holiday after the 2nd: 6..10, 13..17.
        self.assertEqual(
            self.cal(self.castella).add_business_days(D(2026, 4, 2), 10), D(2026, 4, 17)
        )

    def test_notification_day_itself_never_counts(self) -> None:
        cal = self.cal(self.org_b)
        self.assertEqual(cal.add_business_days(D(2026, 3, 4), 1), D(2026, 3, 5))
        # Notified on a Friday: the first day is Monday.
        self.assertEqual(cal.add_business_days(D(2026, 3, 6), 1), D(2026, 3, 9))

    def test_one_business_day_after_the_eve_of_the_diada(self) -> None:
        # Notified Thursday 10 September 2026: Friday 11 is the Diada in Catalonia.
        self.assertEqual(self.cal(self.org_a).add_business_days(D(2026, 9, 10), 1), D(2026, 9, 14))
        self.assertEqual(
            self.cal(self.castella).add_business_days(D(2026, 9, 10), 1), D(2026, 9, 11)
        )

    def test_local_holiday_extends_the_deadline_of_its_organization_only(self) -> None:
        # Notified Friday 17 July 2026; Monday 20 is org_a's festa major.
        self.assertEqual(self.cal(self.org_a).add_business_days(D(2026, 7, 17), 1), D(2026, 7, 21))
        self.assertEqual(self.cal(self.org_b).add_business_days(D(2026, 7, 17), 1), D(2026, 7, 20))

    def test_business_days_must_be_at_least_one(self) -> None:
        with self.assertRaises(ValueError):
            self.cal(self.org_a).add_business_days(D(2026, 3, 4), 0)

    def test_month_from_31_january_ends_on_the_last_day_of_february(self) -> None:
        cal = self.cal(self.org_b)
        self.assertEqual(cal.add_months(D(2025, 1, 31), 1), D(2025, 2, 28))  # a Friday
        self.assertEqual(cal.add_months(D(2028, 1, 31), 1), D(2028, 2, 29))  # leap year, Tuesday

    def test_month_from_31_january_2026_ends_on_saturday_and_moves_to_monday(self) -> None:
        # 28 February 2026 is a Saturday: the deadline moves to Monday 2 March.
        self.assertEqual(self.cal(self.org_b).add_months(D(2026, 1, 31), 1), D(2026, 3, 2))

    def test_month_ending_on_saturday_before_a_holiday_monday_moves_to_tuesday(self) -> None:
        # Notified Wednesday 4 March 2026: one month ends Saturday 4 April. Monday 6 April is
        # Easter Monday in Catalonia (so Tuesday 7) but a business day in Castilla y León.
        self.assertEqual(self.cal(self.org_a).add_months(D(2026, 3, 4), 1), D(2026, 4, 7))
        self.assertEqual(self.cal(self.castella).add_months(D(2026, 3, 4), 1), D(2026, 4, 6))
        # 10 October 2026 is a Saturday and Monday 12 October is a national holiday.
        self.assertEqual(self.cal(self.castella).add_months(D(2026, 9, 10), 1), D(2026, 10, 13))

    def test_months_run_date_to_date_across_years(self) -> None:
        cal = self.cal(self.org_b)
        self.assertEqual(cal.add_months(D(2026, 11, 18), 3), D(2027, 2, 18))
        self.assertEqual(cal.add_months(D(2026, 3, 10), 12), D(2027, 3, 10))

    def test_years_run_date_to_date_and_29_february_ends_on_28(self) -> None:
        self.assertEqual(self.cal(self.org_b).add_years(D(2028, 2, 29), 1), D(2029, 2, 28))

    def test_calendar_days_end_on_the_next_business_day(self) -> None:
        # Thursday 24 December 2026 + 2 calendar days = Saturday 26 (Sant Esteve) -> Monday 28.
        self.assertEqual(
            self.cal(self.org_a).add_calendar_days(D(2026, 12, 24), 2), D(2026, 12, 28)
        )
        self.assertEqual(self.cal(self.org_a).add_calendar_days(D(2026, 3, 2), 3), D(2026, 3, 5))


class FilingTimeTests(CalendarTestCase):
    """Ley 39/2015 art. 31: a filing on a non-business day counts from 00:00 of the next business day."""

    def test_saturday_filing_takes_effect_at_midnight_on_monday_in_madrid(self) -> None:
        effective = self.cal(self.org_a).effective_filing_time(madrid(2026, 2, 28, 10, 15))
        self.assertEqual(effective, madrid(2026, 3, 2, 0, 0))
        self.assertEqual(timezone.localtime(effective, MADRID).utcoffset(), dt.timedelta(hours=1))
        self.assertEqual(effective, dt.datetime(2026, 3, 1, 23, 0, tzinfo=dt.UTC))

    def test_filing_on_a_business_day_keeps_its_time(self) -> None:
        moment = madrid(2026, 3, 2, 23, 59, 30)
        self.assertEqual(self.cal(self.org_a).effective_filing_time(moment), moment)

    def test_weekend_filing_before_easter_monday(self) -> None:
        saturday_night = madrid(2026, 4, 4, 23, 30)
        # Catalonia: Tuesday 7 April, in summer time (UTC+2).
        self.assertEqual(
            self.cal(self.org_a).effective_filing_time(saturday_night),
            dt.datetime(2026, 4, 6, 22, 0, tzinfo=dt.UTC),
        )
        self.assertEqual(
            self.cal(self.castella).effective_filing_time(saturday_night), madrid(2026, 4, 6, 0, 0)
        )

    def test_the_day_is_the_one_in_madrid_not_in_utc(self) -> None:
        # Friday 23:30 UTC is already Saturday 00:30 in Madrid.
        friday_utc = dt.datetime(2026, 3, 6, 23, 30, tzinfo=dt.UTC)
        self.assertEqual(
            self.cal(self.org_a).effective_filing_time(friday_utc), madrid(2026, 3, 9, 0, 0)
        )
        # Monday 00:30 in Madrid is Sunday 23:30 UTC: a business day, the time is kept.
        monday_early = dt.datetime(2026, 3, 8, 23, 30, tzinfo=dt.UTC)
        self.assertEqual(self.cal(self.org_a).effective_filing_time(monday_early), monday_early)

    def test_the_active_time_zone_does_not_change_the_official_day(self) -> None:
        with timezone.override(ZoneInfo("America/New_York")):
            effective = self.cal(self.org_a).effective_filing_time(madrid(2026, 2, 28, 10, 15))
        self.assertEqual(effective, madrid(2026, 3, 2, 0, 0))

    def test_filing_on_a_local_holiday(self) -> None:
        festa_major = madrid(2026, 7, 20, 11, 0)
        self.assertEqual(
            self.cal(self.org_a).effective_filing_time(festa_major), madrid(2026, 7, 21, 0, 0)
        )
        self.assertEqual(self.cal(self.org_b).effective_filing_time(festa_major), festa_major)


class BusinessHoursTests(CalendarTestCase):
    """SLA clocks: default Monday-Friday 08:00-15:00, or the organization's BusinessHours rows."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.split_hours = make_org("split")  # Catalan, split shift, short Fridays
        rows = [(wd, dt.time(9), dt.time(14)) for wd in range(4)]
        rows += [(wd, dt.time(16), dt.time(18)) for wd in range(4)]
        rows += [(4, dt.time(9), dt.time(13))]
        BusinessHours.objects.bulk_create(
            BusinessHours(organization=cls.split_hours, weekday=wd, opens=o, closes=c)
            for wd, o, c in rows
        )

    def test_default_hours_across_the_diada_and_a_weekend(self) -> None:
        # Thu 10 Sep 10:00-15:00 (5 h); Fri 11 Diada; weekend; Mon 14 08:00-15:00 (7 h); Tue 15
        # 08:00-10:00 (2 h).
        seconds = self.cal(self.org_a).business_seconds_between(
            madrid(2026, 9, 10, 10, 0), madrid(2026, 9, 15, 10, 0)
        )
        self.assertEqual(seconds, hours(14))
        # Castilla y León works on the 11th: 7 h more.
        seconds = self.cal(self.castella).business_seconds_between(
            madrid(2026, 9, 10, 10, 0), madrid(2026, 9, 15, 10, 0)
        )
        self.assertEqual(seconds, hours(21))

    def test_default_hours_across_easter(self) -> None:
        start, end = madrid(2026, 4, 2, 14, 0), madrid(2026, 4, 7, 9, 30)
        # Catalonia: Thu 14-15 (1 h), Good Friday, weekend, Easter Monday, Tue 8-9:30 (1.5 h).
        self.assertEqual(self.cal(self.org_a).business_seconds_between(start, end), hours(2.5))
        # Castilla y León: Maundy Thursday and Good Friday off, Mon 7 h, Tue 1.5 h.
        self.assertEqual(self.cal(self.castella).business_seconds_between(start, end), hours(8.5))

    def test_custom_hours_across_the_diada_and_a_weekend(self) -> None:
        # Thu 10 Sep 10-14 and 16-18 (6 h); Fri 11 Diada; Mon 14 9-14 and 16-17:30 (6.5 h).
        start, end = madrid(2026, 9, 10, 10, 0), madrid(2026, 9, 14, 17, 30)
        self.assertEqual(
            self.cal(self.split_hours).business_seconds_between(start, end), hours(12.5)
        )
        self.assertEqual(self.cal(self.org_b).business_seconds_between(start, end), hours(12))

    def test_custom_hours_count_only_open_ranges(self) -> None:
        cal = self.cal(self.split_hours)
        # The lunch break does not count; Friday closes at 13:00.
        lunch = cal.business_seconds_between(madrid(2026, 3, 4, 14, 0), madrid(2026, 3, 4, 16, 0))
        self.assertEqual(lunch, 0)
        friday = cal.business_seconds_between(madrid(2026, 3, 6, 12, 0), madrid(2026, 3, 6, 15, 0))
        self.assertEqual(friday, hours(1))

    def test_end_before_start_is_zero(self) -> None:
        cal = self.cal(self.org_a)
        self.assertEqual(
            cal.business_seconds_between(madrid(2026, 3, 4, 12), madrid(2026, 3, 4, 10)), 0
        )

    def test_business_seconds_queries(self) -> None:
        cal = self.cal(self.split_hours)
        with self.assertNumQueries(2):  # the hours, and the local holidays of 2026
            cal.business_seconds_between(madrid(2026, 1, 1, 0), madrid(2026, 12, 31, 23))
        with self.assertNumQueries(0):
            cal.business_seconds_between(madrid(2026, 2, 1, 0), madrid(2026, 6, 30, 23))

    def test_add_business_seconds_crosses_easter(self) -> None:
        start = madrid(2026, 4, 2, 13, 0)
        # Catalonia: 2 h on Thursday, then Good Friday, weekend, Easter Monday; 2 h on Tuesday.
        self.assertEqual(
            self.cal(self.org_a).add_business_seconds(start, hours(4)), madrid(2026, 4, 7, 10, 0)
        )
        # Castilla y León: Thursday 2 April is itself a holiday; the clock starts Monday 08:00.
        self.assertEqual(
            self.cal(self.castella).add_business_seconds(start, hours(4)),
            madrid(2026, 4, 6, 12, 0),
        )

    def test_add_business_seconds_crosses_a_holiday_with_custom_hours(self) -> None:
        # Thu 10 Sep 17:00: 1 h left that day; Fri 11 is the Diada; Monday 9-14 is 5 h; the
        # last 1.5 h run after the lunch break, to 17:30.
        cal = self.cal(self.split_hours)
        due = cal.add_business_seconds(madrid(2026, 9, 10, 17, 0), hours(7.5))
        self.assertEqual(due, madrid(2026, 9, 14, 17, 30))
        self.assertEqual(cal.business_seconds_between(madrid(2026, 9, 10, 17, 0), due), hours(7.5))

    def test_add_business_seconds_from_outside_hours_starts_at_opening(self) -> None:
        cal = self.cal(self.org_a)
        saturday = dt.datetime(2026, 3, 7, 9, 0, tzinfo=dt.UTC)
        self.assertEqual(cal.add_business_seconds(saturday, 1800), madrid(2026, 3, 9, 8, 30))

    def test_add_business_seconds_across_the_change_to_summer_time(self) -> None:
        # Fri 27 March 14:00 CET + 2 h: 1 h on Friday, then Monday 30 March 08:00 CEST + 1 h.
        due = self.cal(self.org_a).add_business_seconds(madrid(2026, 3, 27, 14, 0), hours(2))
        self.assertEqual(due, dt.datetime(2026, 3, 30, 7, 0, tzinfo=dt.UTC))

    def test_hours_spanning_a_daylight_saving_change_count_real_time(self) -> None:
        # On Sunday 29 March 2026 clocks jump from 02:00 to 03:00: 00:00-06:00 lasts 5 hours.
        night = make_org("night")
        BusinessHours.objects.create(
            organization=night, weekday=6, opens=dt.time(0), closes=dt.time(6)
        )
        cal = self.cal(night)
        self.assertEqual(
            cal.business_seconds_between(madrid(2026, 3, 28, 12), madrid(2026, 3, 30, 0)), hours(5)
        )
        # On Sunday 25 October 2026 they go back from 03:00 to 02:00: 7 hours.
        self.assertEqual(
            cal.business_seconds_between(madrid(2026, 10, 24, 12), madrid(2026, 10, 26, 0)),
            hours(7),
        )
        self.assertEqual(
            cal.add_business_seconds(madrid(2026, 3, 29, 0), hours(5)), madrid(2026, 3, 29, 6)
        )


class NoOrganizationDataTests(TestCase):
    def test_unknown_community_code_gives_national_holidays_only(self) -> None:
        org = make_org("elsewhere", autonomous_community_code="99")
        cal = calendar_for(org)
        self.assertFalse(cal.is_business_day(D(2026, 1, 6)))
        self.assertTrue(cal.is_business_day(D(2026, 4, 6)))
        self.assertTrue(cal.is_business_day(D(2026, 9, 11)))
