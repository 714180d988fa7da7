"""The business calendar of one organization (Ley 39/2015 arts. 30 and 31).

Non-business days are Saturdays, Sundays, national holidays, the autonomous community's holidays
(from the `holidays` package, chosen by the organization's community code) and the organization's
own local holidays. Business hours (for SLA clocks) come from the organization's BusinessHours
rows, Monday to Friday 08:00-15:00 when it has none.

Days and hours are those of the platform's time zone (settings.TIME_ZONE, Europe/Madrid), whatever
time zone a request may have activated: art. 31 makes the platform's date and time the official.
"""

from __future__ import annotations

import calendar as pycalendar
import datetime as dt
from functools import cached_property, lru_cache
from typing import Any

import holidays
from django.utils import timezone, translation

from ajunta.core.models import BusinessHours, LocalHoliday

# INE autonomous-community code -> ISO 3166-2:ES subdivision used by `holidays`.
COMMUNITY_SUBDIVISIONS = {
    "01": "AN", "02": "AR", "03": "AS", "04": "IB", "05": "CN", "06": "CB", "07": "CL",
    "08": "CM", "09": "CT", "10": "VC", "11": "EX", "12": "GA", "13": "MD", "14": "MC",
    "15": "NC", "16": "PV", "17": "RI", "18": "CE", "19": "ML",
}  # fmt: skip

# Django language -> `holidays` language. Without one, `holidays` names the days in the language of
# the server's LANGUAGE/LC_ALL/LANG environment, whatever the user's.
HOLIDAY_LANGUAGES = {"ca": "ca", "es": "es", "en": "en_US"}

DEFAULT_HOURS = {weekday: [(dt.time(8), dt.time(15))] for weekday in range(5)}
MAX_SEARCH_DAYS = 3660


@lru_cache(maxsize=256)
def _public_holidays(
    subdiv: str | None, year: int, language: str
) -> tuple[tuple[dt.date, str], ...]:
    """National and regional holidays: they never change for a past year, so computed once."""
    return tuple(
        holidays.country_holidays("ES", subdiv=subdiv, years=year, language=language).items()
    )


class BusinessCalendar:
    def __init__(self, org: Any) -> None:
        self.org = org
        self._years: dict[tuple[int, str], dict[dt.date, str]] = {}

    # --- days ------------------------------------------------------------------------------
    def holidays_in(self, year: int) -> dict[dt.date, str]:
        """Every holiday of `year` for this organization: date -> name in the active language."""
        language = HOLIDAY_LANGUAGES.get((translation.get_language() or "").split("-")[0], "ca")
        if (year, language) not in self._years:
            subdiv = COMMUNITY_SUBDIVISIONS.get(getattr(self.org, "autonomous_community_code", ""))
            days = dict(_public_holidays(subdiv, year, language))
            local = LocalHoliday.objects.filter(organization=self.org, date__year=year)
            days.update(local.values_list("date", "name"))
            self._years[year, language] = days
        return self._years[year, language]

    def is_holiday(self, day: dt.date) -> bool:
        return day in self.holidays_in(day.year)

    def is_business_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and not self.is_holiday(day)

    def next_business_day(self, day: dt.date) -> dt.date:
        """The first business day strictly after `day`."""
        return self.business_day_on_or_after(day + dt.timedelta(days=1))

    def business_day_on_or_after(self, day: dt.date) -> dt.date:
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_business_day(day):
                return day
            day += dt.timedelta(days=1)
        raise ValueError("No business day within ten years.")

    def add_business_days(self, start: dt.date, days: int) -> dt.date:
        """Art. 30.2: `days` business days counted from the day after `start` (the notification)."""
        if days < 1:
            raise ValueError("A deadline in business days is at least one day.")
        day = start
        for _ in range(days):
            day = self.next_business_day(day)
        return day

    def add_calendar_days(self, start: dt.date, days: int) -> dt.date:
        """Calendar days counted from the day after `start`; a non-business last day moves on."""
        return self.business_day_on_or_after(start + dt.timedelta(days=days))

    def add_months(self, start: dt.date, months: int) -> dt.date:
        """Art. 30.4: date to date; the last day of the month where that date does not exist;
        a non-business last day moves to the next business day."""
        month_index = start.month - 1 + months
        year, month = start.year + month_index // 12, month_index % 12 + 1
        day = min(start.day, pycalendar.monthrange(year, month)[1])
        return self.business_day_on_or_after(dt.date(year, month, day))

    def add_years(self, start: dt.date, years: int) -> dt.date:
        return self.add_months(start, 12 * years)

    @property
    def tz(self) -> dt.tzinfo:
        return timezone.get_default_timezone()

    def today(self) -> dt.date:
        return timezone.localdate(timezone=self.tz)

    def upcoming_holidays(
        self, limit: int = 5, start: dt.date | None = None
    ) -> list[tuple[dt.date, str]]:
        start = start or self.today()
        found: list[tuple[dt.date, str]] = []
        for year in (start.year, start.year + 1):
            found += sorted((d, n) for d, n in self.holidays_in(year).items() if d >= start)
        return found[:limit]

    # --- instants (art. 31) --------------------------------------------------------------------
    def effective_filing_time(self, moment: dt.datetime) -> dt.datetime:
        """A filing on a non-business day takes effect at 00:00 of the next business day."""
        local = timezone.localtime(moment, self.tz)
        if self.is_business_day(local.date()):
            return moment
        day = self.business_day_on_or_after(local.date())
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.tz)

    # --- business hours (SLA clocks) -----------------------------------------------------------
    @cached_property
    def hours(self) -> dict[int, list[tuple[dt.time, dt.time]]]:
        rows = BusinessHours.objects.filter(organization=self.org).values_list(
            "weekday", "opens", "closes"
        )
        table: dict[int, list[tuple[dt.time, dt.time]]] = {}
        for weekday, opens, closes in rows:
            table.setdefault(weekday, []).append((opens, closes))
        return table or DEFAULT_HOURS

    def _open_intervals(self, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
        """The day's opening hours as UTC instants.

        In UTC so that durations are real elapsed time: subtracting two datetimes that share a
        tzinfo ignores a daylight-saving change between them.
        """
        if self.is_holiday(day):
            return []
        return [
            (
                dt.datetime.combine(day, opens, tzinfo=self.tz).astimezone(dt.UTC),
                dt.datetime.combine(day, closes, tzinfo=self.tz).astimezone(dt.UTC),
            )
            for opens, closes in sorted(self.hours.get(day.weekday(), []))
        ]

    def business_seconds_between(self, start: dt.datetime, end: dt.datetime) -> int:
        """Seconds of business hours in [start, end)."""
        if end <= start:
            return 0
        total = 0.0
        start, end = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
        day = timezone.localtime(start, self.tz).date()
        last = timezone.localtime(end, self.tz).date()
        while day <= last:
            for opens, closes in self._open_intervals(day):
                overlap = min(closes, end) - max(opens, start)
                total += max(overlap.total_seconds(), 0)
            day += dt.timedelta(days=1)
        return int(total)

    def add_business_seconds(self, start: dt.datetime, seconds: int) -> dt.datetime:
        """The instant when `seconds` of business hours have passed since `start`."""
        remaining = float(seconds)
        start = start.astimezone(dt.UTC)
        day = timezone.localtime(start, self.tz).date()
        for _ in range(MAX_SEARCH_DAYS):
            for opens, closes in self._open_intervals(day):
                begin = max(opens, start)
                if begin >= closes:
                    continue
                available = (closes - begin).total_seconds()
                if remaining <= available:
                    return timezone.localtime(begin + dt.timedelta(seconds=remaining), self.tz)
                remaining -= available
            day += dt.timedelta(days=1)
        raise ValueError("No business hours within ten years.")


def calendar_for(org: Any) -> BusinessCalendar:
    return BusinessCalendar(org)
