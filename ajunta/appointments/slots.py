"""Free slots: weekly schedules, validity periods, the business calendar, closures, openings,
minimum notice, maximum horizon and what is already booked.

For each desk that serves the service and each day of the range:

1. an exceptional opening of the desk (or its office) gives that day's hours, even on a holiday;
2. otherwise a holiday of the organization's business calendar (national, regional, local) is
   closed; otherwise the desk's schedule with the shortest validity period covering the day gives
   the weekday's intervals (a break is the gap between two intervals);
3. closures of the organization, the office or the desk (typed in or imported from a calendar)
   cut the intervals;
4. slots of the service's duration are laid from each interval's start, and a slot must end
   within its interval;
5. a slot keeps the places the service's capacity leaves after the bookings of that same service
   and start; a booking of anything else overlapping it takes the desk, and the slot is gone.

Everything is loaded with a fixed number of queries, whatever the range.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from ajunta.appointments.models import (
    ACTIVE_STATUSES,
    Booking,
    CalendarException,
    Desk,
    ExceptionKind,
    Office,
    Schedule,
    Service,
)
from ajunta.core.calendar import calendar_for

Interval = tuple[dt.datetime, dt.datetime]


@dataclass(frozen=True)
class Slot:
    starts: dt.datetime
    ends: dt.datetime
    desk_id: int
    office_id: int
    free: int  # places left


def _tz() -> dt.tzinfo:
    return timezone.get_default_timezone()


def _at(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=_tz())


def _subtract(intervals: list[Interval], cut: Interval) -> list[Interval]:
    result = []
    for start, end in intervals:
        if cut[1] <= start or cut[0] >= end:
            result.append((start, end))
            continue
        if start < cut[0]:
            result.append((start, cut[0]))
        if cut[1] < end:
            result.append((cut[1], end))
    return result


def booking_window(office: Office, now: dt.datetime) -> tuple[dt.datetime, dt.date]:
    """The earliest instant one may book (minimum notice) and the last day (horizon)."""
    earliest = now + dt.timedelta(hours=office.min_notice_hours)
    last_day = timezone.localtime(now, _tz()).date() + dt.timedelta(days=office.horizon_days)
    return earliest, last_day


def desk_intervals(
    *,
    desk: Desk,
    day: dt.date,
    schedules: list[Schedule],
    openings: list[CalendarException],
    closures: list[CalendarException],
    holiday: bool,
) -> list[Interval]:
    """The desk's open intervals on `day` (instants), closures already cut out."""
    day_start, day_end = _at(day, dt.time.min), _at(day + dt.timedelta(days=1), dt.time.min)
    opened = [
        (max(o.starts, day_start), min(o.ends, day_end))
        for o in openings
        if o.starts < day_end and o.ends > day_start
    ]
    if opened:
        intervals = sorted(opened)
    elif holiday:
        return []
    else:
        covering = [s for s in schedules if s.covers(day)]
        if not covering:
            return []
        schedule = min(covering, key=lambda s: (s.span_days(), -s.pk))
        intervals = [
            (_at(day, i.starts), _at(day, i.ends))
            for i in schedule.intervals.all()
            if i.weekday == day.weekday()
        ]
    for closure in closures:
        if closure.starts < day_end and closure.ends > day_start:
            intervals = _subtract(intervals, (closure.starts, closure.ends))
    return sorted(intervals)


def _applies(exc: CalendarException, desk: Desk) -> bool:
    if exc.desk_id is not None:
        return exc.desk_id == desk.pk
    if exc.office_id is not None:
        return exc.office_id == desk.office_id
    return True


def compute_slots(
    *,
    org: Any,
    service: Service,
    first_day: dt.date,
    last_day: dt.date,
    now: dt.datetime | None = None,
    office: Office | None = None,
    desk: Desk | None = None,
    respect_window: bool = True,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Every free slot of `service` from `first_day` to `last_day` (inclusive), by start time."""
    now = now or timezone.now()
    desks_qs = Desk.objects.filter(
        organization=org, services=service, is_active=True, office__is_active=True
    ).select_related("office")
    if office is not None:
        desks_qs = desks_qs.filter(office=office)
    if desk is not None:
        desks_qs = desks_qs.filter(pk=desk.pk)
    desks = list(desks_qs)
    if not desks:
        return []
    desk_ids = [d.pk for d in desks]
    schedules: dict[int, list[Schedule]] = defaultdict(list)
    for schedule in Schedule.objects.filter(
        organization=org, desk_id__in=desk_ids
    ).prefetch_related("intervals"):
        schedules[schedule.desk_id].append(schedule)
    range_start = _at(first_day, dt.time.min)
    range_end = _at(last_day + dt.timedelta(days=1), dt.time.min)
    office_ids = {d.office_id for d in desks}
    exceptions = list(
        CalendarException.objects.filter(
            Q(desk_id__in=desk_ids)
            | Q(desk__isnull=True, office_id__in=office_ids)
            | Q(desk__isnull=True, office__isnull=True),
            organization=org,
            starts__lt=range_end,
            ends__gt=range_start,
        )
    )
    bookings = Booking.objects.filter(
        organization=org,
        desk_id__in=desk_ids,
        status__in=ACTIVE_STATUSES,
        starts__lt=range_end,
        ends__gt=range_start,
    ).values_list("pk", "desk_id", "service_id", "starts", "ends")
    taken: dict[int, list[tuple[int, dt.datetime, dt.datetime]]] = defaultdict(list)
    for pk, desk_id, service_id, starts, ends in bookings:
        if pk != exclude_booking_id:
            taken[desk_id].append((service_id, starts, ends))
    calendar = calendar_for(org)
    slots: list[Slot] = []
    duration = service.duration
    for each in desks:
        earliest, horizon = booking_window(each.office, now)
        openings = [e for e in exceptions if e.kind == ExceptionKind.OPEN and _applies(e, each)]
        closures = [e for e in exceptions if e.kind == ExceptionKind.CLOSED and _applies(e, each)]
        day = first_day
        while day <= last_day:
            if respect_window and day > horizon:
                break
            intervals = desk_intervals(
                desk=each,
                day=day,
                schedules=schedules[each.pk],
                openings=openings,
                closures=closures,
                holiday=calendar.is_holiday(day),
            )
            for start, end in intervals:
                slot_start = start
                while slot_start + duration <= end:
                    slot_end = slot_start + duration
                    if not respect_window or slot_start >= earliest:
                        free = _free_places(service, taken[each.pk], slot_start, slot_end)
                        if free > 0:
                            slots.append(Slot(slot_start, slot_end, each.pk, each.office_id, free))
                    slot_start = slot_end
            day += dt.timedelta(days=1)
    slots.sort(key=lambda s: (s.starts, s.desk_id))
    return slots


def _free_places(
    service: Service,
    taken: Iterable[tuple[int, dt.datetime, dt.datetime]],
    starts: dt.datetime,
    ends: dt.datetime,
) -> int:
    same = 0
    for service_id, b_starts, b_ends in taken:
        if b_starts < ends and b_ends > starts:
            if service_id == service.pk and b_starts == starts:
                same += 1
            else:
                return 0
    return max(service.capacity - same, 0)


def slot_times(slots: Iterable[Slot]) -> list[dict[str, Any]]:
    """Slots merged by start time across desks, for the citizen: when, and how many places."""
    merged: dict[dt.datetime, dict[str, Any]] = {}
    for slot in slots:
        row = merged.setdefault(slot.starts, {"starts": slot.starts, "ends": slot.ends, "free": 0})
        row["free"] += slot.free
    return list(merged.values())
