"""Every write of the appointments module: configuration, closures and calendars, bookings and
their life (check-in, call, served, no-show, cancel, move), verifications, the waiting list and
reminders. Each write is atomic and audited.

Booking under concurrency: the person's lock row is taken first, then the desk-day's
(`BookingLock`, SELECT ... FOR UPDATE), always in that order; the slot and the person's limits
are checked again once both are held, so of many requests for the last place exactly one wins
and the others are refused with the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import secrets
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from stdnum.es import nie, nif

from ajunta.appointments import icalimport
from ajunta.appointments.ics import booking_ics
from ajunta.appointments.models import (
    ACTIVE_STATUSES,
    Booking,
    BookingLock,
    BookingStatus,
    CalendarException,
    Channel,
    ClosureCalendar,
    Desk,
    ExceptionKind,
    Office,
    Schedule,
    ScheduleInterval,
    Service,
    Verification,
    WaitingListEntry,
    WaitingStatus,
)
from ajunta.appointments.slots import booking_window, compute_slots
from ajunta.core.audit import audit_record
from ajunta.core.locking import lock_or_create
from ajunta.core.numbering import next_number
from ajunta.core.video import video_room

if TYPE_CHECKING:
    from ajunta.tenants.models import Organization

LOCATOR_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_TTL = dt.timedelta(minutes=15)
CODE_ATTEMPTS = 5


class BookingRefused(ValidationError):
    """A booking, move or cancellation refused, with a `code` and a message in the active language."""


# --- configuration ---------------------------------------------------------------------------------
def office_create(*, org: Organization, actor: Any, name: str, **fields: Any) -> Office:
    office = Office(organization=org, name=name, **fields)
    office.full_clean()
    office.save()
    audit_record(org=org, actor=actor, action="appointments.office_create", obj=office)
    return office


def service_create(*, org: Organization, actor: Any, name: str, **fields: Any) -> Service:
    procedure = fields.get("procedure")
    if procedure is not None and procedure.organization_id != org.pk:
        raise ValidationError({"procedure": _("That procedure is not of this organization.")})
    service = Service(organization=org, name=name, **fields)
    service.full_clean()
    service.save()
    audit_record(org=org, actor=actor, action="appointments.service_create", obj=service)
    return service


def desk_create(
    *,
    org: Organization,
    actor: Any,
    office: Office,
    name: str,
    services: Iterable[Service] = (),
    staff: Any = None,
) -> Desk:
    services = list(services)
    if office.organization_id != org.pk or any(s.organization_id != org.pk for s in services):
        raise ValidationError(_("The office and services must be of this organization."))
    desk = Desk(organization=org, office=office, name=name, staff=staff)
    desk.feed_token = secrets.token_urlsafe(24)
    desk.full_clean()
    desk.save()
    desk.services.set(services)
    audit_record(org=org, actor=actor, action="appointments.desk_create", obj=desk)
    return desk


def desk_rotate_feed_token(*, org: Organization, actor: Any, desk: Desk) -> Desk:
    desk.feed_token = secrets.token_urlsafe(24)
    desk.save(update_fields=["feed_token"])
    audit_record(org=org, actor=actor, action="appointments.desk_feed_rotate", obj=desk)
    return desk


def schedule_create(
    *,
    org: Organization,
    actor: Any,
    desk: Desk,
    intervals: Iterable[tuple[int, dt.time, dt.time]],
    name: str = "",
    valid_from: dt.date | None = None,
    valid_until: dt.date | None = None,
) -> Schedule:
    """A weekly schedule: (weekday 0-6, from, to) intervals; a break is a gap between two."""
    if desk.organization_id != org.pk:
        raise ValidationError(_("The desk is not of this organization."))
    if valid_from and valid_until and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The period ends before it starts.")})
    rows = sorted(intervals)
    for weekday, starts, ends in rows:
        if not 0 <= weekday <= 6 or ends <= starts:
            raise ValidationError(_("Each interval needs a weekday and must end after it starts."))
    for (day_a, _s, end_a), (day_b, start_b, _e) in itertools.pairwise(rows):
        if day_a == day_b and start_b < end_a:
            raise ValidationError(_("Two intervals of the same day overlap."))
    with transaction.atomic():
        schedule = Schedule.objects.create(
            organization=org, desk=desk, name=name, valid_from=valid_from, valid_until=valid_until
        )
        ScheduleInterval.objects.bulk_create(
            ScheduleInterval(schedule=schedule, weekday=w, starts=s, ends=e) for w, s, e in rows
        )
        audit_record(
            org=org,
            actor=actor,
            action="appointments.schedule_create",
            obj=schedule,
            changes={"intervals": [[w, s, e] for w, s, e in rows]},
        )
    return schedule


def exception_create(
    *,
    org: Organization,
    actor: Any,
    starts: dt.datetime,
    ends: dt.datetime,
    kind: str = ExceptionKind.CLOSED,
    office: Office | None = None,
    desk: Desk | None = None,
    reason: str = "",
) -> CalendarException:
    """A one-off closure (or opening) of the organization, an office or a desk."""
    if ends <= starts:
        raise ValidationError({"ends": _("The end must be after the start.")})
    for owner in (office, desk):
        if owner is not None and owner.organization_id != org.pk:
            raise ValidationError(_("The office or desk is not of this organization."))
    if kind == ExceptionKind.OPEN and office is None and desk is None:
        raise ValidationError(_("An exceptional opening is for an office or a desk."))
    exception = CalendarException.objects.create(
        organization=org, kind=kind, office=office, desk=desk, starts=starts, ends=ends,
        reason=reason,
    )  # fmt: skip
    audit_record(org=org, actor=actor, action=f"appointments.{kind}_create", obj=exception)
    return exception


# --- closure calendars -----------------------------------------------------------------------------
def calendar_create(
    *,
    org: Organization,
    actor: Any,
    name: str,
    office: Office | None = None,
    desk: Desk | None = None,
    url: str = "",
    content: bytes | str = b"",
    today: dt.date | None = None,
) -> ClosureCalendar:
    """A calendar of closures from a file (`content`) or an address (`url`), imported at once."""
    if not url and not content:
        raise ValidationError(_("Give a calendar file or its address."))
    for owner in (office, desk):
        if owner is not None and owner.organization_id != org.pk:
            raise ValidationError(_("The office or desk is not of this organization."))
    data = content if content else icalimport.fetch_calendar(url)
    closures = icalimport.parse_closures(data, today=today)  # refuses a bad file before saving
    with transaction.atomic():
        calendar = ClosureCalendar.objects.create(
            organization=org, name=name, office=office, desk=desk, url=url,
            content="" if url else (data.decode("utf-8", "replace") if isinstance(data, bytes) else data),
        )  # fmt: skip
        _replace_calendar_events(calendar, closures)
        audit_record(
            org=org,
            actor=actor,
            action="appointments.calendar_import",
            obj=calendar,
            changes={"events": len(closures), "url": url},
        )
    return calendar


def _replace_calendar_events(
    calendar: ClosureCalendar, closures: list[icalimport.ImportedClosure]
) -> None:
    CalendarException.objects.filter(calendar=calendar).delete()
    CalendarException.objects.bulk_create(
        CalendarException(
            organization_id=calendar.organization_id,
            kind=ExceptionKind.CLOSED,
            office_id=calendar.office_id,
            desk_id=calendar.desk_id,
            starts=c.starts,
            ends=c.ends,
            reason=c.summary,
            calendar=calendar,
            uid=c.uid[:300],
        )
        for c in closures
    )
    calendar.event_count = len(closures)
    calendar.refreshed_at = timezone.now()
    calendar.last_error = ""
    calendar.save(update_fields=["event_count", "refreshed_at", "last_error"])


def calendar_refresh(
    *, org: Organization, actor: Any, calendar: ClosureCalendar, today: dt.date | None = None
) -> ClosureCalendar:
    """Read the calendar again (its address, or the stored file for the moving window). A failure
    keeps the closures already imported and records the error."""
    try:
        data = icalimport.fetch_calendar(calendar.url) if calendar.url else calendar.content
        closures = icalimport.parse_closures(data, today=today)
    except ValidationError as error:
        calendar.last_error = "; ".join(error.messages)[:300]
        calendar.save(update_fields=["last_error"])
        return calendar
    with transaction.atomic():
        _replace_calendar_events(calendar, closures)
        audit_record(
            org=org,
            actor=actor,
            action="appointments.calendar_refresh",
            obj=calendar,
            changes={"events": len(closures)},
        )
    return calendar


# --- identity ------------------------------------------------------------------------------------------
def normalize_identifier(value: str) -> str:
    """A valid Spanish NIF (DNI) or NIE, compacted; refused with the reason otherwise."""
    compact = nif.compact(value or "")
    if nie.is_valid(compact) or (nif.is_valid(compact) and compact[:1].isdigit()):
        return compact
    raise BookingRefused(_("Enter a valid DNI/NIF or NIE, e.g. 12345678Z."), code="identifier")


def _new_locator(org: Organization) -> str:
    for _attempt in range(20):
        locator = "".join(secrets.choice(LOCATOR_ALPHABET) for _i in range(8))
        if not Booking.objects.filter(organization=org, locator=locator).exists():
            return locator
    raise RuntimeError("No free locator after 20 attempts.")


# --- booking -------------------------------------------------------------------------------------------
def _check_person(
    *,
    org: Organization,
    service: Service,
    identifier: str,
    starts: dt.datetime,
    ends: dt.datetime,
    exclude: int | None = None,
) -> None:
    """The person's limits: active bookings, bookings of this service in the period, overlaps."""
    mine = Booking.objects.filter(
        organization=org, identifier=identifier, status__in=ACTIVE_STATUSES
    )
    if exclude is not None:
        mine = mine.exclude(pk=exclude)
    rows = list(mine.values_list("service_id", "starts", "ends"))
    if exclude is None and len(rows) >= settings.APPOINTMENTS_MAX_ACTIVE_PER_PERSON:
        raise BookingRefused(
            _("You already have %(count)s appointments booked, the most one person may hold.")
            % {"count": len(rows)},
            code="active_limit",
        )
    if any(b_starts < ends and b_ends > starts for _s, b_starts, b_ends in rows):
        raise BookingRefused(_("You already have an appointment at that time."), code="overlap")
    period = dt.timedelta(days=service.limit_period_days)
    same_service = Booking.objects.filter(
        organization=org,
        identifier=identifier,
        service=service,
        starts__gt=starts - period,
        starts__lt=starts + period,
    ).exclude(status=BookingStatus.CANCELLED)
    if exclude is not None:
        same_service = same_service.exclude(pk=exclude)
    if same_service.count() >= service.max_per_person:
        raise BookingRefused(
            _(
                "You may book “%(service)s” at most %(count)s times within %(days)s days, "
                "and you already have."
            )
            % {
                "service": service.name,
                "count": service.max_per_person,
                "days": service.limit_period_days,
            },
            code="service_limit",
        )


def _local_day(moment: dt.datetime) -> dt.date:
    return timezone.localtime(moment, timezone.get_default_timezone()).date()


def _take_slot(
    *,
    org: Organization,
    service: Service,
    starts: dt.datetime,
    office: Office | None,
    desk: Desk | None,
    now: dt.datetime,
    exclude: int | None = None,
) -> tuple[Desk, dt.datetime]:
    """Lock the desk-day of a desk that still has a place at `starts`; refuse when none has."""
    day = _local_day(starts)

    def free_desks() -> list[int]:
        slots = compute_slots(
            org=org, service=service, first_day=day, last_day=day, now=now,
            office=office, desk=desk, exclude_booking_id=exclude,
        )  # fmt: skip
        return [s.desk_id for s in slots if s.starts == starts]

    candidates = free_desks()
    if not candidates:
        raise BookingRefused(
            _("That time is no longer available. Choose another one."), code="slot_taken"
        )
    for desk_id in candidates:
        lock_or_create(BookingLock, organization=org, key=f"desk:{desk_id}:{day.isoformat()}")
        # Read again under the lock: another request may have taken the place meanwhile.
        if desk_id in free_desks():
            chosen = Desk.objects.select_related("office").get(organization=org, pk=desk_id)
            return chosen, starts + service.duration
    raise BookingRefused(
        _("That time is no longer available. Choose another one."), code="slot_taken"
    )


def booking_create(
    *,
    org: Organization,
    actor: Any,
    service: Service,
    starts: dt.datetime,
    name: str,
    identifier: str,
    email: str = "",
    phone: str = "",
    language: str = "",
    office: Office | None = None,
    desk: Desk | None = None,
    user: Any = None,
    now: dt.datetime | None = None,
) -> Booking:
    """Book `service` at `starts` for the person; refused (BookingRefused) with the reason."""
    now = now or timezone.now()
    language = language or translation.get_language() or "ca"
    if service.organization_id != org.pk or not service.is_active:
        raise BookingRefused(_("That service is not offered."), code="service")
    identifier = normalize_identifier(identifier)
    name = (name or "").strip()
    if not name:
        raise BookingRefused(_("Enter your name."), code="name")
    with transaction.atomic():
        lock_or_create(BookingLock, organization=org, key=f"person:{identifier}")
        _check_window(org=org, service=service, starts=starts, office=office, desk=desk, now=now)
        _check_person(
            org=org, service=service, identifier=identifier, starts=starts,
            ends=starts + service.duration,
        )  # fmt: skip
        chosen, ends = _take_slot(
            org=org, service=service, starts=starts, office=office, desk=desk, now=now
        )
        booking = Booking.objects.create(
            organization=org, locator=_new_locator(org), access_token=secrets.token_urlsafe(24),
            office=chosen.office, desk=chosen, service=service, starts=starts, ends=ends,
            name=name[:200], identifier=identifier, email=email, phone=phone,
            language=language[:8], user=user if getattr(user, "is_authenticated", False) else None,
            created_at=now,
        )  # fmt: skip
        audit_record(
            org=org,
            actor=actor,
            action="appointments.booking_create",
            obj=booking,
            changes={"locator": booking.locator, "starts": starts, "desk": chosen.pk},
        )
        transaction.on_commit(lambda: send_confirmation(booking))
    return booking


def _check_window(
    *,
    org: Organization,
    service: Service,
    starts: dt.datetime,
    office: Office | None,
    desk: Desk | None,
    now: dt.datetime,
) -> None:
    some_office = office or (desk.office if desk else None)
    if some_office is None:
        some_office = (
            Office.objects.filter(organization=org, desks__services=service).order_by("pk").first()
        )
    if some_office is None:
        raise BookingRefused(_("That service is not offered."), code="service")
    earliest, last_day = booking_window(some_office, now)
    if starts < earliest:
        raise BookingRefused(
            _("Appointments must be booked at least %(hours)s hours in advance.")
            % {"hours": some_office.min_notice_hours},
            code="notice",
        )
    if _local_day(starts) > last_day:
        raise BookingRefused(
            _("Appointments can be booked at most %(days)s days ahead.")
            % {"days": some_office.horizon_days},
            code="horizon",
        )


def _check_cancel_window(booking: Booking, now: dt.datetime) -> None:
    if booking.status != BookingStatus.BOOKED:
        raise BookingRefused(_("This appointment can no longer be changed."), code="status")
    limit = booking.starts - dt.timedelta(hours=booking.office.cancel_until_hours)
    if now > limit:
        raise BookingRefused(
            _("Appointments can be changed or cancelled until %(hours)s hours before.")
            % {"hours": booking.office.cancel_until_hours},
            code="too_late",
        )


def booking_move(
    *,
    org: Organization,
    actor: Any,
    booking: Booking,
    starts: dt.datetime,
    now: dt.datetime | None = None,
) -> Booking:
    """Move a booking to another free time of the same service, same person (never transferred)."""
    now = now or timezone.now()
    with transaction.atomic():
        lock_or_create(BookingLock, organization=org, key=f"person:{booking.identifier}")
        booking = (
            Booking.objects.select_for_update()
            .select_related("office", "service")
            .get(organization=org, pk=booking.pk)
        )
        _check_cancel_window(booking, now)
        _check_window(
            org=org, service=booking.service, starts=starts, office=booking.office, desk=None,
            now=now,
        )  # fmt: skip
        _check_person(
            org=org, service=booking.service, identifier=booking.identifier, starts=starts,
            ends=starts + booking.service.duration, exclude=booking.pk,
        )  # fmt: skip
        old = booking.starts
        desk, ends = _take_slot(
            org=org, service=booking.service, starts=starts, office=booking.office, desk=None,
            now=now, exclude=booking.pk,
        )  # fmt: skip
        booking.starts, booking.ends, booking.desk = starts, ends, desk
        booking.reminder_sent_at = None
        booking.save(update_fields=["starts", "ends", "desk", "reminder_sent_at"])
        audit_record(
            org=org,
            actor=actor,
            action="appointments.booking_move",
            obj=booking,
            changes={"starts": [old, starts]},
        )
        transaction.on_commit(lambda: send_confirmation(booking, moved=True))
        transaction.on_commit(
            lambda: offer_freed_slot(org=org, booking_id=booking.pk, day=_local_day(old))
        )
    return booking


def booking_cancel(
    *,
    org: Organization,
    actor: Any,
    booking: Booking,
    by_citizen: bool = True,
    now: dt.datetime | None = None,
) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = (
            Booking.objects.select_for_update()
            .select_related("office", "service")
            .get(organization=org, pk=booking.pk)
        )
        if by_citizen:
            _check_cancel_window(booking, now)
        elif booking.status not in ACTIVE_STATUSES:
            raise BookingRefused(_("This appointment can no longer be changed."), code="status")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.save(update_fields=["status", "cancelled_at"])
        audit_record(
            org=org,
            actor=actor,
            action="appointments.booking_cancel",
            obj=booking,
            changes={"by_citizen": by_citizen},
        )
        transaction.on_commit(
            lambda: offer_freed_slot(org=org, booking_id=booking.pk, day=_local_day(booking.starts))
        )
    return booking


# --- at the office -----------------------------------------------------------------------------
def _set_status(
    *, org: Organization, actor: Any, booking: Booking, status: str, allowed: tuple[str, ...],
    now: dt.datetime | None = None, **fields: Any,
) -> Booking:  # fmt: skip
    with transaction.atomic():
        booking = Booking.objects.select_for_update().get(organization=org, pk=booking.pk)
        if booking.status not in allowed:
            raise BookingRefused(
                _("An appointment that is “%(status)s” cannot change that way.")
                % {"status": booking.get_status_display()},
                code="status",
            )
        old = booking.status
        booking.status = status
        for name, value in fields.items():
            setattr(booking, name, value)
        booking.save(update_fields=["status", *fields])
        audit_record(
            org=org,
            actor=actor,
            action=f"appointments.booking_{status}",
            obj=booking,
            changes={"status": [old, status]},
        )
    return booking


def _next_turn(org: Organization, booking: Booking, now: dt.datetime) -> int:
    day = _local_day(now)
    return next_number(org=org, series=f"appt-turn:{booking.office_id}:{day:%m%d}", year=day.year)


def booking_check_in(
    *, org: Organization, actor: Any, booking: Booking, now: dt.datetime | None = None
) -> Booking:
    """The person arrived: a turn number for the waiting room's screen."""
    now = now or timezone.now()
    with transaction.atomic():
        turn = _next_turn(org, booking, now)
        return _set_status(
            org=org, actor=actor, booking=booking, status=BookingStatus.CHECKED_IN,
            allowed=(BookingStatus.BOOKED, BookingStatus.NO_SHOW), checked_in_at=now, turn=turn,
        )  # fmt: skip


def booking_call(
    *, org: Organization, actor: Any, booking: Booking, now: dt.datetime | None = None
) -> Booking:
    return _set_status(
        org=org, actor=actor, booking=booking, status=BookingStatus.CALLED,
        allowed=(BookingStatus.CHECKED_IN, BookingStatus.CALLED), called_at=now or timezone.now(),
    )  # fmt: skip


def booking_serve(
    *, org: Organization, actor: Any, booking: Booking, now: dt.datetime | None = None
) -> Booking:
    return _set_status(
        org=org, actor=actor, booking=booking, status=BookingStatus.SERVED,
        allowed=(BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.CALLED),
        finished_at=now or timezone.now(),
    )  # fmt: skip


def booking_no_show(
    *, org: Organization, actor: Any, booking: Booking, now: dt.datetime | None = None
) -> Booking:
    now = now or timezone.now()
    if booking.starts > now:
        raise BookingRefused(
            _("A no-show is recorded once the appointment's time has come."), code="early"
        )
    return _set_status(
        org=org, actor=actor, booking=booking, status=BookingStatus.NO_SHOW,
        allowed=(BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.CALLED),
        finished_at=now,
    )  # fmt: skip


def walk_in_create(
    *,
    org: Organization,
    actor: Any,
    desk: Desk,
    service: Service,
    name: str,
    identifier: str = "",
    now: dt.datetime | None = None,
) -> Booking:
    """Someone came without an appointment: served now at `desk`, with a turn number."""
    now = now or timezone.now()
    if desk.organization_id != org.pk or service.organization_id != org.pk:
        raise ValidationError(_("The desk and service must be of this organization."))
    ident = normalize_identifier(identifier) if identifier else ""
    with transaction.atomic():
        booking = Booking(
            organization=org, locator=_new_locator(org), access_token=secrets.token_urlsafe(24),
            office=desk.office, desk=desk, service=service, starts=now, ends=now + service.duration,
            name=(name or _("Walk-in")).strip()[:200], identifier=ident, walk_in=True,
            status=BookingStatus.CHECKED_IN, checked_in_at=now, created_at=now,
        )  # fmt: skip
        booking.turn = _next_turn(org, booking, now)
        booking.save()
        audit_record(org=org, actor=actor, action="appointments.walk_in", obj=booking)
    return booking


# --- e-mail verification (citizens without an account) -----------------------------------------
def _hash_code(token: str, code: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), f"{token}:{code}".encode(), hashlib.sha256
    ).hexdigest()


def verification_start(
    *, org: Organization, email: str, draft: dict[str, Any], now: dt.datetime | None = None
) -> Verification:
    """Send a six-digit code to `email`; the draft (service, time, name, NIF) waits for it."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(24)
    code = f"{secrets.randbelow(1_000_000):06d}"
    verification = Verification.objects.create(
        organization=org, email=email, code_hash=_hash_code(token, code), token=token,
        draft=draft, created_at=now, expires_at=now + CODE_TTL,
    )  # fmt: skip
    subject = _("Your code to confirm the appointment: %(code)s") % {"code": code}
    body = _(
        "Your code is %(code)s. Enter it on the booking page within 15 minutes to confirm "
        "the appointment. If you did not ask for it, ignore this message."
    ) % {"code": code}
    transaction.on_commit(lambda: EmailMessage(subject, body, to=[email]).send(fail_silently=True))
    return verification


def verification_check(
    *, org: Organization, token: str, code: str, now: dt.datetime | None = None
) -> Verification:
    """The verification if `code` is right (at most five attempts, fifteen minutes)."""
    now = now or timezone.now()
    with transaction.atomic():
        verification = (
            Verification.objects.select_for_update().filter(organization=org, token=token).first()
        )
        if verification is None or verification.used_at or verification.expires_at < now:
            raise BookingRefused(_("The code has expired. Start again."), code="code_expired")
        if verification.attempts >= CODE_ATTEMPTS:
            raise BookingRefused(_("Too many wrong codes. Start again."), code="code_attempts")
        verification.attempts += 1
        good = hmac.compare_digest(verification.code_hash, _hash_code(token, (code or "").strip()))
        if good:
            verification.used_at = now
        verification.save(update_fields=["attempts", "used_at"])
    if not good:
        raise BookingRefused(_("The code is not right."), code="code_wrong")
    return verification


# --- messages --------------------------------------------------------------------------------------
def private_url(booking: Booking) -> str:
    org_slug = booking.organization.slug
    path = reverse(
        "appointments_public_booking", args=[org_slug, booking.locator, booking.access_token]
    )
    return f"{settings.SITE_URL}{path}"


def video_link(booking: Booking) -> str:
    if booking.service.channel != Channel.VIDEO:
        return ""
    room = video_room(booking.organization, f"appointment-{booking.locator}")
    return room.join_url(booking.name, booking.email) if room else ""


def _booking_text(booking: Booking) -> str:
    local = timezone.localtime(booking.starts, timezone.get_default_timezone())
    lines = [
        _("Service: %(service)s") % {"service": booking.service.name},
        _("When: %(when)s") % {"when": local.strftime("%d/%m/%Y %H:%M")},
        _("Where: %(office)s, %(address)s")
        % {"office": booking.office.name, "address": booking.office.address},
        _("Locator: %(locator)s") % {"locator": booking.locator},
    ]
    if booking.service.documents_to_bring:
        lines.append(_("Bring: %(docs)s") % {"docs": booking.service.documents_to_bring})
    link = video_link(booking)
    if link:
        lines.append(_("Video call: %(url)s") % {"url": link})
    lines.append(_("See, move or cancel it: %(url)s") % {"url": private_url(booking)})
    return "\n".join(lines)


def send_confirmation(booking: Booking, *, moved: bool = False) -> None:
    if not booking.email:
        return
    with translation.override(booking.language):
        subject = (
            _("Appointment moved: %(locator)s")
            if moved
            else _("Appointment confirmed: %(locator)s")
        ) % {"locator": booking.locator}
        message = EmailMessage(subject, _booking_text(booking), to=[booking.email])
        message.attach(f"cita-{booking.locator}.ics", booking_ics(booking), "text/calendar")
        message.send(fail_silently=True)
    sms_hook(booking, subject)


def sms_hook(booking: Booking, text: str) -> None:
    """The SMS seam: APPOINTMENTS_SMS_HOOK names a function (booking, text) that sends one."""
    if booking.phone and settings.APPOINTMENTS_SMS_HOOK:
        import_string(settings.APPOINTMENTS_SMS_HOOK)(booking, text)


def send_reminders(*, now: dt.datetime | None = None) -> int:
    """E-mail each booking whose reminder time has come, once: the row is claimed by a conditional
    UPDATE before sending, so two workers or a rerun never send it twice."""
    now = now or timezone.now()
    sent = 0
    candidates = Booking.objects.filter(
        status=BookingStatus.BOOKED,
        reminder_sent_at__isnull=True,
        starts__gt=now,
        starts__lte=now + dt.timedelta(hours=72),
    ).select_related("office", "service", "organization")
    for booking in candidates:
        if booking.starts - dt.timedelta(hours=booking.office.reminder_hours) > now:
            continue
        claimed = Booking.objects.filter(pk=booking.pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if not claimed:
            continue
        with translation.override(booking.language):
            subject = _("Reminder: your appointment %(locator)s") % {"locator": booking.locator}
            if booking.email:
                EmailMessage(subject, _booking_text(booking), to=[booking.email]).send(
                    fail_silently=True
                )
            sms_hook(booking, subject)
        sent += 1
    return sent


# --- waiting list --------------------------------------------------------------------------------
def waiting_list_join(
    *,
    org: Organization,
    service: Service,
    office: Office,
    day: dt.date,
    name: str,
    identifier: str,
    email: str,
    language: str = "",
) -> WaitingListEntry:
    ident = normalize_identifier(identifier)
    if WaitingListEntry.objects.filter(
        organization=org, service=service, day=day, identifier=ident, status=WaitingStatus.WAITING
    ).exists():
        raise BookingRefused(_("You are already on the waiting list for that day."), code="waiting")
    entry = WaitingListEntry.objects.create(
        organization=org, service=service, office=office, day=day, name=name[:200],
        identifier=ident, email=email, language=(language or translation.get_language() or "ca")[:8],
    )  # fmt: skip
    audit_record(org=org, actor=None, action="appointments.waiting_join", obj=entry)
    return entry


def offer_freed_slot(
    *, org: Organization, booking_id: int, day: dt.date
) -> WaitingListEntry | None:
    """A place was freed on `day`: offer it to the first person waiting for that service there."""
    booking = Booking.objects.select_related("service", "office").get(pk=booking_id)
    entry = (
        WaitingListEntry.objects.filter(
            organization=org,
            service=booking.service,
            office=booking.office,
            day=day,
            status=WaitingStatus.WAITING,
        )
        .order_by("created_at", "pk")
        .first()
    )
    if entry is None:
        return None
    entry.status = WaitingStatus.OFFERED
    entry.offered_at = timezone.now()
    entry.save(update_fields=["status", "offered_at"])
    audit_record(org=org, actor=None, action="appointments.waiting_offer", obj=entry)
    url = settings.SITE_URL + reverse(
        "appointments_public_slots", args=[org.slug, booking.service_id]
    )
    with translation.override(entry.language):
        subject = _("A place is free on %(day)s") % {"day": day.strftime("%d/%m/%Y")}
        body = _(
            "A place for “%(service)s” at %(office)s is free on %(day)s. The first to book it "
            "gets it: %(url)s"
        ) % {"service": booking.service.name, "office": booking.office.name,
             "day": day.strftime("%d/%m/%Y"), "url": f"{url}?day={day.isoformat()}"}  # fmt: skip
        EmailMessage(subject, body, to=[entry.email]).send(fail_silently=True)
    return entry
