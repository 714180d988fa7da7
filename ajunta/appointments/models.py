"""Appointments (cita prèvia): offices, the services they give, the desks that give them, weekly
schedules with validity periods, closures and openings, calendars of closures imported from
iCalendar, bookings, e-mail verifications and the waiting list.

Times of day are wall-clock times of the platform's time zone (settings.TIME_ZONE); a booking's
start and end are instants. Nothing booked is deleted: a booking is cancelled, served or missed.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from ajunta.core.models import TenantModel


class Channel(models.TextChoices):
    IN_PERSON = "in_person", _("In person")
    PHONE = "phone", _("By phone")
    VIDEO = "video", _("Video call")


class Office(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    address = models.CharField(_("address"), max_length=300, blank=True)
    accessibility = models.TextField(
        _("accessibility"), blank=True, help_text=_("Step-free access, lift, hearing loop...")
    )
    map_url = models.URLField(_("map link"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    is_active = models.BooleanField(_("open to bookings"), default=True)
    min_notice_hours = models.PositiveIntegerField(
        _("minimum notice (hours)"), default=2, help_text=_("No booking closer than this.")
    )
    horizon_days = models.PositiveIntegerField(
        _("maximum horizon (days)"), default=60, help_text=_("No booking further than this.")
    )
    cancel_until_hours = models.PositiveIntegerField(
        _("cancel or move until (hours before)"), default=2
    )
    reminder_hours = models.PositiveIntegerField(_("reminder (hours before)"), default=24)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="appt_office_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Service(TenantModel):
    name = models.CharField(_("name"), max_length=200)
    procedure = models.ForeignKey(
        "cases.Procedure",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("procedure of the catalogue"),
    )
    description = models.TextField(_("description"), blank=True)
    documents_to_bring = models.TextField(_("documents to bring"), blank=True)
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=15)
    channel = models.CharField(
        _("channel"), max_length=12, choices=Channel.choices, default=Channel.IN_PERSON
    )
    capacity = models.PositiveIntegerField(
        _("people per slot"), default=1, help_text=_("More than one for group sessions.")
    )
    max_per_person = models.PositiveIntegerField(_("bookings per person in the period"), default=2)
    limit_period_days = models.PositiveIntegerField(_("limit period (days)"), default=30)
    is_active = models.BooleanField(_("offered"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"], name="appt_service_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)


class Desk(TenantModel):
    """A desk, or one member of staff, at an office: serves some services, one person at a time
    (or a group of `capacity` for a group service)."""

    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="desks")
    name = models.CharField(_("name"), max_length=120)
    services = models.ManyToManyField(Service, related_name="desks", verbose_name=_("services"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff member"),
    )
    feed_token = models.CharField(max_length=64, blank=True, editable=False)
    is_active = models.BooleanField(
        pgettext_lazy("office, service or desk", "active"), default=True
    )

    class Meta:
        ordering = ["office__name", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "office", "name"], name="appt_desk_unique_name"
            )
        ]

    def __str__(self) -> str:
        return f"{self.office} · {self.name}"


class Schedule(TenantModel):
    """A desk's weekly hours within a validity period. On a day, the schedule with the shortest
    period that contains it applies: summer hours (July-August) win over the all-year ones."""

    desk = models.ForeignKey(Desk, on_delete=models.CASCADE, related_name="schedules")
    name = models.CharField(_("name"), max_length=120, default="")
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["desk", "valid_from"]

    def __str__(self) -> str:
        return self.name or str(self.desk)

    def covers(self, day: dt.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (
            self.valid_until is None or day <= self.valid_until
        )

    def span_days(self) -> int:
        start = self.valid_from or dt.date.min
        end = self.valid_until or dt.date.max
        return (end - start).days


class ScheduleInterval(models.Model):
    """Opening hours of one weekday; a break is the gap between two intervals of the same day."""

    schedule = models.ForeignKey(Schedule, on_delete=models.CASCADE, related_name="intervals")
    weekday = models.PositiveSmallIntegerField(
        _("weekday"),
        choices=[
            (0, _("Monday")),
            (1, _("Tuesday")),
            (2, _("Wednesday")),
            (3, _("Thursday")),
            (4, _("Friday")),
            (5, _("Saturday")),
            (6, _("Sunday")),
        ],
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("to"))

    class Meta:
        ordering = ["weekday", "starts"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="appt_interval_ends_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.starts:%H:%M}-{self.ends:%H:%M}"


class ClosureCalendar(TenantModel):
    """An iCalendar (file or URL) whose events close an office or a desk; a URL is re-read on
    schedule (`appointments_refresh_calendars`)."""

    name = models.CharField(_("name"), max_length=200)
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    url = models.URLField(_("address (URL)"), blank=True, max_length=500)
    content = models.TextField(blank=True, editable=False)
    refreshed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    event_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class ExceptionKind(models.TextChoices):
    CLOSED = "closed", _("Closed")
    OPEN = "open", _("Exceptional opening")


class CalendarException(TenantModel):
    """A one-off closure (or opening) of the whole organization, an office or a desk.

    A closure removes every slot it overlaps; an opening gives a desk (or every desk of an
    office) hours on that day instead of its weekly schedule, even on a holiday.
    """

    kind = models.CharField(
        _("kind"), max_length=8, choices=ExceptionKind.choices, default=ExceptionKind.CLOSED
    )
    office = models.ForeignKey(
        Office, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    desk = models.ForeignKey(
        Desk, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    starts = models.DateTimeField(_("from"))
    ends = models.DateTimeField(_("to"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    calendar = models.ForeignKey(
        ClosureCalendar, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    uid = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["starts"]
        indexes = [models.Index(fields=["organization", "starts"], name="appt_exc_org_starts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends__gt=models.F("starts")), name="appt_exception_ends_after"
            )
        ]


class BookingStatus(models.TextChoices):
    BOOKED = "booked", _("Booked")
    CHECKED_IN = "checked_in", _("Waiting")
    CALLED = "called", _("Called")
    SERVED = "served", _("Served")
    NO_SHOW = "no_show", _("Did not come")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (BookingStatus.BOOKED, BookingStatus.CHECKED_IN, BookingStatus.CALLED)


class Booking(TenantModel):
    locator = models.CharField(_("locator"), max_length=12)
    access_token = models.CharField(max_length=64, editable=False)
    office = models.ForeignKey(Office, on_delete=models.PROTECT, related_name="+")
    desk = models.ForeignKey(Desk, on_delete=models.PROTECT, related_name="bookings")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="bookings")
    starts = models.DateTimeField(_("starts"))
    ends = models.DateTimeField(_("ends"))
    status = models.CharField(
        _("status"), max_length=12, choices=BookingStatus.choices, default=BookingStatus.BOOKED
    )
    name = models.CharField(_("name"), max_length=200)
    identifier = models.CharField(_("NIF/NIE"), max_length=20, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    language = models.CharField(max_length=8, default="ca")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    walk_in = models.BooleanField(_("walk-in"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(null=True, blank=True)
    called_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    turn = models.PositiveIntegerField(_("turn"), null=True, blank=True)

    class Meta:
        ordering = ["starts", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "locator"], name="appt_booking_unique_locator"
            )
        ]
        indexes = [
            models.Index(fields=["desk", "starts"], name="appt_booking_desk_starts"),
            models.Index(fields=["organization", "identifier"], name="appt_booking_org_ident"),
            models.Index(fields=["status", "starts"], name="appt_booking_status_starts"),
        ]

    def __str__(self) -> str:
        return self.locator

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class BookingLock(TenantModel):
    """A row to lock (SELECT ... FOR UPDATE) while a booking is checked and written: one per desk
    and day, one per person. Two requests for the same desk-day or the same person queue here."""

    key = models.CharField(max_length=80)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="appt_lock_unique_key")
        ]


class Verification(TenantModel):
    """A one-time code sent to an e-mail address, holding the booking it will confirm."""

    email = models.EmailField()
    code_hash = models.CharField(max_length=64)
    token = models.CharField(max_length=64, unique=True)
    draft = models.JSONField(default=dict)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email


class WaitingStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    OFFERED = "offered", _("Offered a slot")
    CLOSED = "closed", _("Closed")


class WaitingListEntry(TenantModel):
    """Someone who found a day full: a freed slot of that service on that day is offered to the
    first in the queue by e-mail (first come, first served: the offer is a link to book)."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="+")
    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    name = models.CharField(_("name"), max_length=200)
    identifier = models.CharField(_("NIF/NIE"), max_length=20)
    email = models.EmailField(_("e-mail"))
    language = models.CharField(max_length=8, default="ca")
    status = models.CharField(
        max_length=10, choices=WaitingStatus.choices, default=WaitingStatus.WAITING
    )
    created_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
