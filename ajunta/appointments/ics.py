"""iCalendar (RFC 5545) documents: one booking (the confirmation's attachment) and a desk's feed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import icalendar
from django.conf import settings
from django.utils import timezone

if TYPE_CHECKING:
    from ajunta.appointments.models import Booking

PRODID = "-//Ajunta//Appointments//EN"


def _event(booking: Booking, *, for_staff: bool) -> icalendar.Event:
    event = icalendar.Event()
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "ajunta"
    event.add("uid", f"appointment-{booking.organization_id}-{booking.locator}@{host}")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", booking.starts)
    event.add("dtend", booking.ends)
    summary = f"{booking.service.name} · {booking.name}" if for_staff else booking.service.name
    event.add("summary", summary)
    event.add("location", ", ".join(p for p in (booking.office.name, booking.office.address) if p))
    description = [f"{booking.locator}"]
    if not for_staff and booking.service.documents_to_bring:
        description.append(booking.service.documents_to_bring)
    event.add("description", "\n".join(description))
    event.add("status", "CANCELLED" if booking.status == "cancelled" else "CONFIRMED")
    return event


def _calendar(name: str) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    return calendar


def booking_ics(booking: Booking) -> bytes:
    calendar = _calendar(booking.service.name)
    calendar.add_component(_event(booking, for_staff=False))
    return calendar.to_ical()


def desk_feed_ics(name: str, bookings: Iterable[Booking]) -> bytes:
    calendar = _calendar(name)
    for booking in bookings:
        calendar.add_component(_event(booking, for_staff=True))
    return calendar.to_ical()
