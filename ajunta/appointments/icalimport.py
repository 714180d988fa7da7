"""Closures read from an iCalendar (RFC 5545) file or address, as calendar programs write it.

What real exports contain and how each is read:

- Outlook/Exchange name time zones the Windows way (``TZID=Romance Standard Time``) and ship a
  VTIMEZONE with a 1601 start: `icalendar` maps Windows names to IANA zones.
- All-day events are DATE values without a time zone: they close whole days of the platform's
  time zone, DTEND exclusive (a missing DTEND, or one equal to DTSTART as some holiday feeds
  write it, means one day).
- Custom TZIDs with a VTIMEZONE in the file (``custom_America/New_York``) use that VTIMEZONE.
- Times without a time zone ("floating") are the platform's wall-clock times; UTC times ("Z")
  are instants.
- Recurring events (RRULE, RDATE) are expanded with EXDATE removed and RECURRENCE-ID overrides
  replacing their occurrence (`recurring-ical-events`), within a window around today.
- Cancelled events (STATUS:CANCELLED) close nothing, nor do timed events marked free
  (TRANSP:TRANSPARENT, or Outlook's X-MICROSOFT-CDO-BUSYSTATUS:FREE). All-day events always close:
  holiday feeds mark their days TRANSPARENT.

A file that is not iCalendar is refused with a message, never a 500.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import socket
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import icalendar
import recurring_ical_events
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

MAX_BYTES = 5 * 1024 * 1024
MAX_EVENTS = 5000
WINDOW_BEFORE = dt.timedelta(days=31)
WINDOW_AFTER = dt.timedelta(days=550)


@dataclass(frozen=True)
class ImportedClosure:
    uid: str
    starts: dt.datetime
    ends: dt.datetime
    summary: str


def _instant(value: dt.date | dt.datetime) -> dt.datetime:
    tz = timezone.get_default_timezone()
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=tz)
        return value
    return dt.datetime.combine(value, dt.time.min, tzinfo=tz)


def _is_free(event: Any) -> bool:
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return True
    if not isinstance(event["DTSTART"].dt, dt.datetime):
        return False  # all-day: holiday feeds mark their days TRANSPARENT, and they do close
    if str(event.get("TRANSP", "")).upper() == "TRANSPARENT":
        return True
    return str(event.get("X-MICROSOFT-CDO-BUSYSTATUS", "")).upper() == "FREE"


def parse_closures(data: bytes | str, *, today: dt.date | None = None) -> list[ImportedClosure]:
    """The closures an iCalendar document describes in the window around `today`."""
    if isinstance(data, str):
        data = data.encode()
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The calendar is larger than 5 MB."))
    try:
        calendars = icalendar.Calendar.from_ical(data.decode("utf-8-sig", "replace"), multiple=True)
    except (ValueError, IndexError, KeyError) as error:
        raise ValidationError(
            _("This is not an iCalendar file: %(error)s") % {"error": error}
        ) from error
    if not calendars:
        raise ValidationError(_("This is not an iCalendar file."))
    today = today or timezone.localdate()
    start, end = today - WINDOW_BEFORE, today + WINDOW_AFTER
    found: list[ImportedClosure] = []
    for calendar in calendars:
        try:
            events = recurring_ical_events.of(calendar, skip_bad_series=True).between(start, end)
        except Exception as error:
            raise ValidationError(
                _("The calendar's events could not be read: %(error)s") % {"error": error}
            ) from error
        for found_event in events:
            event: Any = found_event
            if "DTSTART" not in event or _is_free(event):
                continue
            starts_value = event["DTSTART"].dt
            if "DTEND" in event:
                ends_value = event["DTEND"].dt
            elif "DURATION" in event:
                ends_value = starts_value + event["DURATION"].dt
            elif isinstance(starts_value, dt.datetime):
                ends_value = starts_value  # an instant closes nothing
            else:
                ends_value = starts_value + dt.timedelta(days=1)
            if not isinstance(starts_value, dt.datetime) and ends_value <= starts_value:
                # Some producers (Calendar Labs' holiday feeds) write DTEND = DTSTART for an
                # all-day event: it means that one day.
                ends_value = starts_value + dt.timedelta(days=1)
            starts, ends = _instant(starts_value), _instant(ends_value)
            if ends <= starts:
                continue
            recurrence = event.get("RECURRENCE-ID")
            uid = str(event.get("UID", ""))
            found.append(
                ImportedClosure(
                    uid=f"{uid}@{starts.isoformat()}" if recurrence or event.get("RRULE") else uid,
                    starts=starts,
                    ends=ends,
                    summary=str(event.get("SUMMARY", ""))[:200],
                )
            )
            if len(found) > MAX_EVENTS:
                raise ValidationError(_("The calendar has more than 5000 events in the window."))
    return sorted(found, key=lambda c: (c.starts, c.uid))


def _refuse_private(host: str) -> None:
    if settings.APPOINTMENTS_CALENDAR_ALLOW_PRIVATE:
        return
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError as error:
        raise ValidationError(_("The calendar's server could not be found.")) from error
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if address.is_private or address.is_loopback or address.is_link_local:
            raise ValidationError(_("A calendar address on a private network is not accepted."))


def fetch_calendar(url: str) -> bytes:
    """The document at `url` (http or https, at most 5 MB, 20 s)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(_("A calendar address starts with https:// or http://."))
    _refuse_private(parts.hostname)
    request = urllib.request.Request(url, headers={"User-Agent": "Ajunta appointments"})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310 - scheme checked
            data = response.read(MAX_BYTES + 1)
    except OSError as error:
        raise ValidationError(
            _("The calendar could not be downloaded: %(error)s") % {"error": error}
        ) from error
    if len(data) > MAX_BYTES:
        raise ValidationError(_("The calendar is larger than 5 MB."))
    return data
