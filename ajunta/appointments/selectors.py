"""Every read of appointments data; each takes the organization."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.utils import timezone

from ajunta.appointments.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingStatus,
    CalendarException,
    ClosureCalendar,
    Desk,
    Office,
    Service,
)
from ajunta.core.modules import Figure


def offices(*, org: Any, active_only: bool = False) -> QuerySet[Office]:
    qs = Office.objects.filter(organization=org)
    return qs.filter(is_active=True) if active_only else qs


def services(*, org: Any, active_only: bool = False) -> QuerySet[Service]:
    qs = Service.objects.filter(organization=org)
    return qs.filter(is_active=True) if active_only else qs


def desks(*, org: Any) -> QuerySet[Desk]:
    return Desk.objects.filter(organization=org).select_related("office", "staff")


def exceptions(*, org: Any) -> QuerySet[CalendarException]:
    return CalendarException.objects.filter(organization=org, calendar__isnull=True).select_related(
        "office", "desk"
    )


def calendars(*, org: Any) -> QuerySet[ClosureCalendar]:
    return ClosureCalendar.objects.filter(organization=org).select_related("office", "desk")


def bookings(*, org: Any) -> QuerySet[Booking]:
    return Booking.objects.filter(organization=org).select_related("office", "desk", "service")


def booking_by_link(*, org: Any, locator: str, token: str) -> Booking | None:
    """The booking a private link names; None when the locator or the token is wrong."""
    import hmac

    booking = bookings(org=org).filter(locator=locator.upper()).first()
    if booking is None or not hmac.compare_digest(booking.access_token, token):
        return None
    return booking


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_default_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


def agenda(
    *, org: Any, day: dt.date, office: Office | None = None, desk: Desk | None = None
) -> QuerySet[Booking]:
    start, end = day_bounds(day)
    qs = bookings(org=org).filter(starts__gte=start, starts__lt=end)
    if office is not None:
        qs = qs.filter(office=office)
    if desk is not None:
        qs = qs.filter(desk=desk)
    return qs.order_by("starts", "desk__name", "pk")


def waiting_room(*, org: Any, office: Office, day: dt.date) -> dict[str, Any]:
    """The calling screen: who is called now (latest first) and how many are waiting."""
    rows = agenda(org=org, day=day, office=office)
    called = list(rows.filter(status=BookingStatus.CALLED).order_by("-called_at")[:6])
    waiting = rows.filter(status=BookingStatus.CHECKED_IN).count()
    return {"called": called, "waiting": waiting}


def desk_feed(*, org: Any, desk: Desk, today: dt.date) -> QuerySet[Booking]:
    start, _end = day_bounds(today - dt.timedelta(days=30))
    return (
        bookings(org=org)
        .filter(desk=desk, starts__gte=start)
        .exclude(status=BookingStatus.CANCELLED)
    )


def statistics(*, org: Any, start: dt.date, end: dt.date) -> dict[str, Any]:
    """Bookings, no-show rate, lead time and load per service and office in [start, end]."""
    first, _x = day_bounds(start)
    _y, last = day_bounds(end)
    qs = Booking.objects.filter(organization=org, starts__gte=first, starts__lt=last)
    totals = qs.aggregate(
        total=Count("pk"),
        cancelled=Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
        no_show=Count("pk", filter=Q(status=BookingStatus.NO_SHOW)),
        served=Count("pk", filter=Q(status=BookingStatus.SERVED)),
        walk_ins=Count("pk", filter=Q(walk_in=True)),
        lead=Avg(
            ExpressionWrapper(F("starts") - F("created_at"), output_field=DurationField()),
            filter=Q(walk_in=False),
        ),
    )
    finished = totals["no_show"] + totals["served"]
    totals["no_show_rate"] = round(100 * totals["no_show"] / finished, 1) if finished else 0.0
    lead = totals.pop("lead")
    totals["lead_days"] = round(lead.total_seconds() / 86400, 1) if lead else 0.0
    kept = qs.exclude(status=BookingStatus.CANCELLED)
    by_service = list(
        kept.values("service__name").annotate(n=Count("pk")).order_by("-n", "service__name")
    )
    by_office = list(
        kept.values("office__name").annotate(n=Count("pk")).order_by("-n", "office__name")
    )
    totals["by_service"] = [(r["service__name"], r["n"]) for r in by_service]
    totals["by_office"] = [(r["office__name"], r["n"]) for r in by_office]
    return totals


def usage_across_members(*, provider: Any, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """For the provider: bookings and no-shows per member organization (counts only, no people)."""
    first, _x = day_bounds(start)
    _y, last = day_bounds(end)
    rows = (
        Booking.objects.filter(starts__gte=first, starts__lt=last)
        .values("organization__name", "organization__slug")
        .annotate(
            total=Count("pk"),
            no_show=Count("pk", filter=Q(status=BookingStatus.NO_SHOW)),
            cancelled=Count("pk", filter=Q(status=BookingStatus.CANCELLED)),
        )
        .order_by("-total", "organization__name")
    )
    return list(rows)


def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    """The dashboard: today's appointments, those waiting now, and the next seven days'."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    start, end = day_bounds(today)
    week_end = end + dt.timedelta(days=7)
    counts = Booking.objects.filter(
        organization=org, starts__gte=start, starts__lt=week_end
    ).aggregate(
        today=Count("pk", filter=Q(starts__lt=end, status__in=ACTIVE_STATUSES)),
        waiting=Count("pk", filter=Q(starts__lt=end, status=BookingStatus.CHECKED_IN)),
        week=Count("pk", filter=Q(status__in=ACTIVE_STATUSES)),
    )
    url = reverse("appointments_agenda", args=[org.slug])
    return [
        Figure(_("Appointments today"), counts["today"], url),
        Figure(_("Waiting now"), counts["waiting"], url, tone="warn" if counts["waiting"] else ""),
        Figure(_("Appointments in the next 7 days"), counts["week"]),
    ]


def citizen_bookings(*, user: Any) -> QuerySet[Booking]:
    """The logged-in citizen's own bookings, in any organization: made from the portal, or with
    the NIF/NIE of their account."""
    mine = Q(user=user)
    nif = (getattr(user, "nif", "") or "").upper().replace("-", "").replace(" ", "")
    if nif:
        mine |= Q(identifier=nif)
    return (
        Booking.objects.filter(mine)
        .select_related("organization", "office", "service")
        .order_by("-starts", "-pk")
    )


def parse_day(value: str | None, default: dt.date) -> dt.date:
    """A date from a query string; the default for anything unreadable or absurdly far (a date
    near the calendar's ends would overflow the day arithmetic)."""
    try:
        day = dt.date.fromisoformat(value or "")
    except ValueError:
        return default
    return day if dt.date(1900, 1, 1) <= day <= dt.date(9000, 1, 1) else default
