"""Booking: limits per person, overlaps, window, cancel/move, reminders, the .ics, refusals in the
citizen's language, and no double booking when many book the last place at once."""

from __future__ import annotations

import datetime as dt
import threading

import icalendar
import time_machine
from django.core import mail
from django.db import connection
from django.test import TestCase, TransactionTestCase, override_settings
from django.utils import translation

from ajunta.appointments import services
from ajunta.appointments.models import Booking, BookingStatus, WaitingListEntry, WaitingStatus
from ajunta.appointments.services import BookingRefused
from ajunta.appointments.tests.base import MADRID, T, at, make_setup
from ajunta.core.testing import make_org

NOW = dt.datetime(2027, 6, 1, 9, 0, tzinfo=MADRID)  # a Tuesday


def book(org, service, starts, ident="12345678Z", **kw):
    return services.booking_create(
        org=org, actor=None, service=service, starts=starts, name=kw.pop("name", "Maria Puig"),
        identifier=ident, email=kw.pop("email", "maria@example.org"), now=NOW, **kw,
    )  # fmt: skip


@time_machine.travel(NOW, tick=False)
class BookingRulesTests(TestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        cls.org = make_org("vila", autonomous_community_code="09")
        cls.office, cls.service, cls.desk = make_setup(cls.org)
        services.schedule_create(
            org=cls.org, actor=None, desk=cls.desk, intervals=[(d, T(9), T(13)) for d in range(5)]
        )

    def test_a_booking_gets_a_locator_a_private_link_and_an_ics(self) -> None:
        with self.captureOnCommitCallbacks(execute=True):
            booking = book(self.org, self.service, at("2027-06-02", "09:30"))
        self.assertRegex(booking.locator, r"^[A-Z2-9]{8}$")
        self.assertEqual(booking.desk, self.desk)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertIn(booking.locator, message.subject)
        self.assertIn(f"/{booking.locator}/{booking.access_token}/", message.body)
        _name, content, mimetype = message.attachments[0]
        self.assertEqual(mimetype, "text/calendar")
        event = icalendar.Calendar.from_ical(content).walk("VEVENT")[0]
        self.assertEqual(event["DTSTART"].dt, at("2027-06-02", "09:30"))
        self.assertEqual(event["DTEND"].dt, at("2027-06-02", "10:00"))

    def test_invalid_nif_is_refused(self) -> None:
        with self.assertRaises(BookingRefused) as refused:
            book(self.org, self.service, at("2027-06-02", "09:30"), ident="12345678A")
        self.assertEqual(refused.exception.code, "identifier")
        nie_booking = book(self.org, self.service, at("2027-06-02", "09:30"), ident="x-1234567-l")
        self.assertEqual(nie_booking.identifier, "X1234567L")

    def test_the_taken_slot_is_refused(self) -> None:
        book(self.org, self.service, at("2027-06-02", "09:30"))
        with self.assertRaises(BookingRefused) as refused:
            book(self.org, self.service, at("2027-06-02", "09:30"), ident="X1234567L")
        self.assertEqual(refused.exception.code, "slot_taken")

    def test_a_group_slot_takes_as_many_as_its_capacity(self) -> None:
        self.service.capacity = 2
        self.service.save(update_fields=["capacity"])
        book(self.org, self.service, at("2027-06-02", "09:30"))
        book(self.org, self.service, at("2027-06-02", "09:30"), ident="X1234567L")
        with self.assertRaises(BookingRefused):
            book(self.org, self.service, at("2027-06-02", "09:30"), ident="Y1234567X")

    def test_limits_per_person(self) -> None:
        book(self.org, self.service, at("2027-06-02", "09:30"))
        book(self.org, self.service, at("2027-06-03", "09:30"))
        with self.assertRaises(BookingRefused) as refused:  # two per 30 days
            book(self.org, self.service, at("2027-06-04", "09:30"))
        self.assertEqual(refused.exception.code, "service_limit")
        # The same person cannot hold two bookings at once, whatever the service.
        other = services.service_create(
            org=self.org, actor=None, name="Llicències", duration_minutes=60
        )
        self.desk.services.add(other)
        with self.assertRaises(BookingRefused) as refused:
            book(self.org, other, at("2027-06-02", "09:00"))
        self.assertEqual(refused.exception.code, "overlap")

    @override_settings(APPOINTMENTS_MAX_ACTIVE_PER_PERSON=1)
    def test_limit_of_active_bookings_per_identifier(self) -> None:
        book(self.org, self.service, at("2027-06-02", "09:30"))
        with self.assertRaises(BookingRefused) as refused:
            book(self.org, self.service, at("2027-06-09", "09:30"))
        self.assertEqual(refused.exception.code, "active_limit")

    def test_refusal_reason_is_in_the_citizens_language(self) -> None:
        book(self.org, self.service, at("2027-06-02", "09:30"))
        book(self.org, self.service, at("2027-06-03", "09:30"))
        for language, word in (("ca", "vegades"), ("es", "veces"), ("en", "times")):
            with translation.override(language), self.assertRaises(BookingRefused) as refused:
                book(self.org, self.service, at("2027-06-04", "09:30"))
            self.assertIn(word, refused.exception.messages[0], language)

    def test_notice_and_horizon(self) -> None:
        with self.assertRaises(BookingRefused) as refused:
            book(self.org, self.service, at("2027-06-01", "10:00"))  # one hour's notice
        self.assertEqual(refused.exception.code, "notice")
        with self.assertRaises(BookingRefused) as refused:
            book(self.org, self.service, at("2027-09-01", "10:00"))
        self.assertEqual(refused.exception.code, "horizon")

    def test_a_time_off_the_grid_is_refused(self) -> None:
        with self.assertRaises(BookingRefused):
            book(self.org, self.service, at("2027-06-02", "09:10"))

    def test_move_and_cancel_until_the_limit(self) -> None:
        booking = book(self.org, self.service, at("2027-06-02", "09:30"))
        moved = services.booking_move(
            org=self.org, actor=None, booking=booking, starts=at("2027-06-02", "11:00"), now=NOW
        )
        self.assertEqual(moved.starts, at("2027-06-02", "11:00"))
        late = at("2027-06-02", "09:30")  # 90 minutes before; the limit is two hours
        with self.assertRaises(BookingRefused) as refused:
            services.booking_cancel(org=self.org, actor=None, booking=moved, now=late)
        self.assertEqual(refused.exception.code, "too_late")
        services.booking_cancel(org=self.org, actor=None, booking=moved, now=NOW)
        moved.refresh_from_db()
        self.assertEqual(moved.status, BookingStatus.CANCELLED)
        # The place is free again.
        book(self.org, self.service, at("2027-06-02", "11:00"), ident="X1234567L")

    def test_reminders_are_sent_once(self) -> None:
        booking = book(self.org, self.service, at("2027-06-02", "09:30"))
        mail.outbox.clear()
        self.assertEqual(services.send_reminders(now=at("2027-06-01", "09:00")), 0)  # 24.5 h before
        self.assertEqual(services.send_reminders(now=at("2027-06-01", "09:45")), 1)
        self.assertEqual(services.send_reminders(now=at("2027-06-01", "10:00")), 0)
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn(booking.locator, mail.outbox[0].subject)

    def test_no_show_is_recorded_after_the_time_and_counted(self) -> None:
        from ajunta.appointments.selectors import statistics

        booking = book(self.org, self.service, at("2027-06-02", "09:30"))
        with self.assertRaises(BookingRefused):
            services.booking_no_show(org=self.org, actor=None, booking=booking, now=NOW)
        services.booking_no_show(
            org=self.org, actor=None, booking=booking, now=at("2027-06-02", "09:50")
        )
        other = book(self.org, self.service, at("2027-06-02", "10:00"), ident="X1234567L")
        services.booking_check_in(
            org=self.org, actor=None, booking=other, now=at("2027-06-02", "09:55")
        )
        services.booking_serve(
            org=self.org, actor=None, booking=other, now=at("2027-06-02", "10:10")
        )
        stats = statistics(org=self.org, start=dt.date(2027, 6, 1), end=dt.date(2027, 6, 30))
        self.assertEqual((stats["total"], stats["no_show"], stats["served"]), (2, 1, 1))
        self.assertEqual(stats["no_show_rate"], 50.0)

    def test_check_in_gives_turn_numbers_per_office_and_day(self) -> None:
        first = book(self.org, self.service, at("2027-06-02", "09:30"))
        second = book(self.org, self.service, at("2027-06-02", "10:00"), ident="X1234567L")
        walk_in = services.walk_in_create(
            org=self.org, actor=None, desk=self.desk, service=self.service, name="Joan",
            now=at("2027-06-02", "09:00"),
        )  # fmt: skip
        a = services.booking_check_in(
            org=self.org, actor=None, booking=first, now=at("2027-06-02", "09:20")
        )
        b = services.booking_check_in(
            org=self.org, actor=None, booking=second, now=at("2027-06-02", "09:40")
        )
        self.assertEqual((walk_in.turn, a.turn, b.turn), (1, 2, 3))

    def test_a_freed_slot_is_offered_to_the_waiting_list(self) -> None:
        booking = book(self.org, self.service, at("2027-06-02", "09:30"))
        entry = services.waiting_list_join(
            org=self.org, service=self.service, office=self.office, day=dt.date(2027, 6, 2),
            name="Pere", identifier="X1234567L", email="pere@example.org",
        )  # fmt: skip
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            services.booking_cancel(org=self.org, actor=None, booking=booking, now=NOW)
        entry.refresh_from_db()
        self.assertEqual(entry.status, WaitingStatus.OFFERED)
        self.assertEqual([m.to for m in mail.outbox], [["pere@example.org"]])
        self.assertEqual(WaitingListEntry.objects.filter(status=WaitingStatus.WAITING).count(), 0)


class LastSlotConcurrencyTests(TransactionTestCase):
    """Many people book the last free place at the same moment: exactly one booking, every other
    request refused with the reason (PostgreSQL: row locks; SQLite: serialized writers)."""

    THREADS = 24

    def test_exactly_one_booking_for_the_last_place(self) -> None:
        org = make_org("rush")
        _office, service, desk = make_setup(org)
        services.schedule_create(org=org, actor=None, desk=desk, intervals=[(2, T(9), T(9, 30))])
        # Valid, distinct NIFs: each thread is another person.
        letters = "TRWAGMYFPDXBNJZSQVHLCKE"
        people = [f"{n:08d}{letters[n % 23]}" for n in range(10000001, 10000001 + self.THREADS)]
        barrier = threading.Barrier(self.THREADS)
        lock = threading.Lock()
        made: list[int] = []
        refused: list[str] = []
        errors: list[BaseException] = []

        def worker(ident: str) -> None:
            try:
                barrier.wait(timeout=30)
                with time_machine.travel(NOW, tick=False):
                    booking = services.booking_create(
                        org=org, actor=None, service=service, starts=at("2027-06-02", "09:00"),
                        name="X", identifier=ident, now=NOW,
                    )  # fmt: skip
                with lock:
                    made.append(booking.pk)
            except BookingRefused as refusal:
                with lock:
                    refused.append(refusal.code or "")
            except BaseException as exc:
                with lock:
                    errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(p,)) for p in people]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(errors, [])
        self.assertEqual(len(made), 1)
        self.assertEqual(refused, ["slot_taken"] * (self.THREADS - 1))
        self.assertEqual(Booking.objects.filter(organization=org).count(), 1)


SENT_SMS: list[tuple[str, str]] = []


def fake_sms(booking, text) -> None:
    SENT_SMS.append((booking.phone, text))


@time_machine.travel(NOW, tick=False)
class SmsHookTests(TestCase):
    @override_settings(APPOINTMENTS_SMS_HOOK="ajunta.appointments.tests.test_booking.fake_sms")
    def test_the_reminder_goes_by_sms_when_a_hook_is_set(self) -> None:
        org = make_org("vila")
        _office, service, desk = make_setup(org)
        services.schedule_create(org=org, actor=None, desk=desk, intervals=[(2, T(9), T(13))])
        SENT_SMS.clear()
        booking = book(org, service, at("2027-06-02", "09:30"), phone="600000000", language="es")
        services.send_reminders(now=at("2027-06-01", "10:00"))
        self.assertEqual(SENT_SMS, [("600000000", f"Recordatorio: su cita {booking.locator}")])
