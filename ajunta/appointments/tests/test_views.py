"""Pages and API: the citizen's journey on a phone without an account, the staff's agenda and
actions, tenancy, query counts, rate limits and the proof of work."""

from __future__ import annotations

import datetime as dt
import re

import time_machine
from django.core import mail
from django.core.cache import cache
from django.test import override_settings
from django.urls import reverse

from ajunta.appointments import pow, services
from ajunta.appointments.models import (
    Booking,
    BookingStatus,
    Desk,
    Office,
    Schedule,
    Service,
    Verification,
)
from ajunta.appointments.tests.base import MADRID, T, at, make_setup
from ajunta.core.models import Role
from ajunta.core.testing import TenantIsolationMixin, TenantTestCase, api_ids, make_user, speaking

NOW = dt.datetime(2027, 6, 1, 9, 0, tzinfo=MADRID)
PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"


def code_from(message) -> str:
    return re.search(r"\b(\d{6})\b", message.subject).group(1)


@time_machine.travel(NOW, tick=False)
class CitizenJourneyTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.office, cls.service, cls.desk = make_setup(cls.org_a)
        services.schedule_create(
            org=cls.org_a, actor=None, desk=cls.desk, intervals=[(d, T(9), T(13)) for d in range(5)]
        )

    def setUp(self) -> None:
        cache.clear()

    def test_a_malformed_code_is_refused_with_the_error_schema(self) -> None:
        # The refusal's `code` stays the machine-readable reason, never the field's messages.
        url = "/api/v1/site/alpha/appointments/verifications/no-such-token/confirm/"
        response = self.client.post(url, {"code": "1234567"}, content_type="application/json")
        self.assertEqual(response.status_code, 400, response.content)
        self.assertEqual(response.json()["code"], "invalid_code")
        self.assertTrue(response.json()["detail"])

    def test_book_confirm_with_code_see_move_and_cancel(self) -> None:
        client = speaking(self.client, "es")
        slots_url = reverse("appointments_public_slots", args=["alpha", self.service.pk])
        page = client.get(f"{slots_url}?day=2027-06-02", HTTP_USER_AGENT=PHONE)
        self.assertEqual(page.status_code, 200)
        starts = at("2027-06-02", "09:30")
        self.assertContains(page, "?starts=2027-06-02T09%3A30%3A00%2B02%3A00")
        book_url = reverse("appointments_public_book", args=["alpha", self.service.pk])
        with self.captureOnCommitCallbacks(execute=True):
            response = client.post(book_url, {
                "starts": starts.isoformat(), "name": "Maria Puig", "identifier": "12345678z",
                "email": "maria@example.org", "privacy": "on",
            })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        self.assertEqual(Booking.objects.count(), 0)  # not before the code
        code = code_from(mail.outbox[-1])
        self.assertIn("código", mail.outbox[-1].subject)  # in the citizen's language
        wrong = client.post(
            response["Location"], {"code": "000000" if code != "000000" else "111111"}
        )
        self.assertEqual(wrong.status_code, 400)
        with self.captureOnCommitCallbacks(execute=True):
            booked = client.post(response["Location"], {"code": code})
        booking = Booking.objects.get()
        self.assertEqual(booked["Location"], reverse(
            "appointments_public_booking", args=["alpha", booking.locator, booking.access_token]
        ))  # fmt: skip
        self.assertEqual(booking.language, "es")
        confirmation = mail.outbox[-1]
        self.assertEqual(confirmation.attachments[0][2], "text/calendar")
        page = client.get(booked["Location"])
        self.assertContains(page, booking.locator)
        self.assertContains(page, 'name="viewport"')
        ics = client.get(
            reverse(
                "appointments_public_ics", args=["alpha", booking.locator, booking.access_token]
            )
        )
        self.assertEqual(ics["Content-Type"], "text/calendar; charset=utf-8")
        self.assertIn(b"BEGIN:VEVENT", ics.content)
        # A wrong token is a 404, like a missing booking.
        self.assertEqual(
            client.get(
                reverse("appointments_public_booking", args=["alpha", booking.locator, "nope"])
            ).status_code,
            404,
        )
        move_url = reverse(
            "appointments_public_move", args=["alpha", booking.locator, booking.access_token]
        )
        self.assertEqual(client.get(f"{move_url}?day=2027-06-03").status_code, 200)
        client.post(move_url, {"starts": at("2027-06-03", "10:00").isoformat()})
        booking.refresh_from_db()
        self.assertEqual(booking.starts, at("2027-06-03", "10:00"))
        client.post(
            reverse(
                "appointments_public_cancel", args=["alpha", booking.locator, booking.access_token]
            )
        )
        booking.refresh_from_db()
        self.assertEqual(booking.status, BookingStatus.CANCELLED)

    def test_five_wrong_codes_end_the_verification(self) -> None:
        verification = services.verification_start(org=self.org_a, email="a@example.org", draft={})
        url = reverse("appointments_public_verify", args=["alpha", verification.token])
        client = speaking(self.client, "en")
        for _ in range(5):
            client.post(url, {"code": "999999"})
        response = client.post(url, {"code": "999999"})
        self.assertContains(response, "Too many wrong codes", status_code=400)

    def test_a_refusal_reaches_the_citizen_in_catalan(self) -> None:
        services.booking_create(
            org=self.org_a, actor=None, service=self.service, starts=at("2027-06-02", "09:30"),
            name="A", identifier="12345678Z", now=NOW,
        )  # fmt: skip
        verification = services.verification_start(
            org=self.org_a, email="a@example.org",
            draft={"service": self.service.pk, "starts": at("2027-06-02", "09:30").isoformat(),
                   "name": "B", "identifier": "X1234567L", "email": "a@example.org", "language": "ca"},
        )  # fmt: skip
        code = code_from(mail.outbox[-1]) if mail.outbox else None
        # The code is only in the e-mail; read it back through the check with the stored hash.
        verification.code_hash = services._hash_code(verification.token, "123456")
        verification.save(update_fields=["code_hash"])
        client = speaking(self.client, "ca")
        response = client.post(
            reverse("appointments_public_verify", args=["alpha", verification.token]),
            {"code": "123456"},
            follow=True,
        )
        self.assertContains(response, "Aquesta hora ja no està disponible")
        del code

    @override_settings(APPOINTMENTS_POW_AFTER=1, APPOINTMENTS_POW_BITS=8)
    def test_proof_of_work_under_load(self) -> None:
        book_url = reverse("appointments_public_book", args=["alpha", self.service.pk])
        data = {"starts": at("2027-06-02", "09:30").isoformat(), "name": "M", "identifier": "12345678Z",
                "email": "m@example.org", "privacy": "on"}  # fmt: skip
        self.client.post(book_url, data)  # the first one passes
        refused = self.client.post(book_url, data)
        self.assertEqual(refused.status_code, 429)
        self.assertContains(refused, 'data-pow-bits="8"', status_code=429)
        challenge = pow.new_challenge()
        nonce = pow.solve(challenge, 8)
        solved = self.client.post(book_url, data | {"pow_challenge": challenge, "pow_nonce": nonce})
        self.assertEqual(solved.status_code, 302)
        replay = self.client.post(book_url, data | {"pow_challenge": challenge, "pow_nonce": nonce})
        self.assertEqual(replay.status_code, 429)  # a solution is good once

    def test_rate_limit_per_address(self) -> None:
        book_url = reverse("appointments_public_book", args=["alpha", self.service.pk])
        with override_settings(APPOINTMENTS_POW_AFTER=1000):
            for _ in range(60):
                self.client.post(book_url, {"starts": at("2027-06-02", "09:30").isoformat()})
            response = self.client.post(book_url, {"starts": at("2027-06-02", "09:30").isoformat()})
        self.assertEqual(response.status_code, 429)

    def test_bad_input_is_a_4xx(self) -> None:
        book_url = reverse("appointments_public_book", args=["alpha", self.service.pk])
        self.assertEqual(self.client.get(f"{book_url}?starts=nonsense").status_code, 302)
        slots = reverse("appointments_public_slots", args=["alpha", self.service.pk])
        self.assertEqual(self.client.get(f"{slots}?day=2027-99-99").status_code, 200)
        self.assertEqual(
            self.client.get(reverse("appointments_public_slots", args=["nobody", 1])).status_code,
            404,
        )
        response = self.client.post(
            book_url, {"starts": "2027-06-02T09:30:00+02:00", "identifier": "bad"}
        )
        self.assertEqual(response.status_code, 400)

    def test_public_api_slots_and_booking(self) -> None:
        from rest_framework.test import APIClient

        client = APIClient()
        url = reverse("appt-public-slots", args=["alpha", self.service.pk])
        response = client.get(url, {"start": "2027-06-02", "end": "2027-06-02"})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(response.json()), 8)
        self.assertEqual(
            client.get(url, {"start": "2027-06-02", "end": "2027-12-02"}).status_code, 400
        )
        with self.captureOnCommitCallbacks(execute=True):
            started = client.post(
                reverse("appt-public-verification", args=["alpha"]),
                {"service": self.service.pk, "starts": "2027-06-02T09:30:00+02:00", "name": "M",
                 "identifier": "12345678Z", "email": "m@example.org"}, format="json",
            )  # fmt: skip
        self.assertEqual(started.status_code, 201)
        code = code_from(mail.outbox[-1])
        confirm = reverse("appt-public-confirm", args=["alpha", started.json()["token"]])
        made = client.post(confirm, {"code": code}, format="json")
        self.assertEqual(made.status_code, 201, made.content)
        self.assertEqual(made.json()["locator"], Booking.objects.get().locator)
        again = client.post(confirm, {"code": code}, format="json")
        self.assertEqual(again.status_code, 400)
        self.assertEqual(Verification.objects.count(), 1)


@time_machine.travel(NOW, tick=False)
class StaffTests(TenantIsolationMixin, TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.office, cls.service, cls.desk = make_setup(cls.org_a)
        services.schedule_create(
            org=cls.org_a, actor=None, desk=cls.desk, intervals=[(d, T(9), T(13)) for d in range(5)]
        )
        cls.booking = services.booking_create(
            org=cls.org_a, actor=None, service=cls.service, starts=at("2027-06-01", "11:30"),
            name="Maria Puig", identifier="12345678Z", now=NOW,
        )  # fmt: skip
        _o, _s, desk_b = make_setup(cls.org_b)
        services.schedule_create(
            org=cls.org_b, actor=None, desk=desk_b, intervals=[(1, T(9), T(13))]
        )
        cls.booking_b = services.booking_create(
            org=cls.org_b, actor=None, service=_s, starts=at("2027-06-01", "11:30"),
            name="Pere", identifier="X1234567L", now=NOW,
        )  # fmt: skip
        cls.isolation_ids_a = {str(cls.booking.pk)}
        cls.isolation_ids_b = {str(cls.booking_b.pk)}
        cls.elected = make_user("dave", cls.org_a, Role.ELECTED_MEMBER)

    def isolation_object_urls(self, slug):
        return [
            ("get", f"/api/v1/o/{slug}/appointments/bookings/{self.booking.pk}/"),
            ("post", f"/api/v1/o/{slug}/appointments/bookings/{self.booking.pk}/check-in/"),
            ("post", reverse("appointments_booking_action", args=[slug, self.booking.pk, "serve"])),
            ("get", reverse("appointments_screen", args=[slug, self.office.pk])),
        ]

    def isolation_list_urls(self, slug):
        return [(f"/api/v1/o/{slug}/appointments/bookings/?day=2027-06-01", api_ids())]

    def test_agenda_lists_the_day_in_few_queries(self) -> None:
        for n in range(5):
            services.walk_in_create(
                org=self.org_a,
                actor=None,
                desk=self.desk,
                service=self.service,
                name=f"W{n}",
                now=at("2027-06-01", "10:00"),
            )
        client = self.login(self.bob)
        url = reverse("appointments_agenda", args=["alpha"]) + "?day=2027-06-01"
        client.get(url)
        with self.assertNumQueries(8):
            response = client.get(url)
        self.assertContains(response, "Maria Puig")
        self.assertContains(response, "W4")

    def test_check_in_call_and_the_screen(self) -> None:
        client = self.login(self.bob)
        client.post(
            reverse("appointments_booking_action", args=["alpha", self.booking.pk, "check_in"])
        )
        client.post(reverse("appointments_booking_action", args=["alpha", self.booking.pk, "call"]))
        self.booking.refresh_from_db()
        self.assertEqual((self.booking.status, self.booking.turn), (BookingStatus.CALLED, 1))
        screen = client.get(
            reverse("appointments_screen", args=["alpha", self.office.pk]), HTTP_HX_REQUEST="true"
        )
        self.assertContains(screen, '<span class="value">1</span>', html=False)
        self.assertNotContains(screen, "Maria")  # the screen shows turns, not names

    def test_no_show_via_api_is_counted_in_statistics(self) -> None:
        api = self.api(self.bob)
        with time_machine.travel(at("2027-06-01", "12:00"), tick=False):
            response = api.post(f"/api/v1/o/alpha/appointments/bookings/{self.booking.pk}/no-show/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "no_show")
        stats = self.login(self.bob).get(
            reverse("appointments_stats", args=["alpha"]) + "?from=2027-06-01&to=2027-06-30"
        )
        self.assertEqual(stats.context["stats"]["no_show"], 1)
        self.assertEqual(stats.context["stats"]["no_show_rate"], 100.0)

    def test_an_early_no_show_is_a_400_with_the_reason(self) -> None:
        response = self.api(self.bob).post(
            f"/api/v1/o/alpha/appointments/bookings/{self.booking.pk}/no-show/"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response.json()["code"], "early")

    def test_elected_members_do_not_see_bookings(self) -> None:
        self.assertEqual(
            self.login(self.elected)
            .get(reverse("appointments_agenda", args=["alpha"]))
            .status_code,
            403,
        )

    def test_desk_feed_needs_its_token(self) -> None:
        url = reverse("appointments_desk_feed", args=["alpha", self.desk.pk, self.desk.feed_token])
        response = self.client.get(url)
        self.assertEqual(response.status_code, 200)
        self.assertIn(b"Maria Puig", response.content)
        self.assertEqual(
            self.client.get(
                reverse("appointments_desk_feed", args=["alpha", self.desk.pk, "x"])
            ).status_code,
            404,
        )
        self.assertEqual(
            self.client.get(
                reverse("appointments_desk_feed", args=["beta", self.desk.pk, self.desk.feed_token])
            ).status_code,
            404,
        )

    def test_closure_via_page_removes_slots(self) -> None:
        client = self.login(self.alice)
        response = client.post(reverse("appointments_closures", args=["alpha"]), {
            "closure-kind": "closed", "closure-office": "", "closure-starts": "2027-06-02T00:00",
            "closure-ends": "2027-06-03T00:00", "closure-reason": "Festa",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        slots = self.client.get(
            reverse("appt-public-slots", args=["alpha", self.service.pk]),
            {"start": "2027-06-02", "end": "2027-06-02"},
        )
        self.assertEqual(slots.json(), [])
        bad = client.post(
            reverse("appointments_closures", args=["alpha"]),
            {"calendar-name": "X", "calendar-url": "ftp://x"},
        )
        self.assertEqual(bad.status_code, 400)

    def test_pages_render(self) -> None:
        client = self.login(self.alice)
        for name in ("appointments_setup", "appointments_closures", "appointments_stats"):
            self.assertEqual(client.get(reverse(name, args=["alpha"])).status_code, 200, name)
        self.assertEqual(
            self.client.get(reverse("appointments_public_services", args=["alpha"])).status_code,
            200,
        )


@time_machine.travel(NOW, tick=False)
class SetupPageTests(TenantTestCase):
    def test_office_service_desk_and_schedule_from_the_page(self) -> None:
        client = self.login(self.alice)
        url = reverse("appointments_setup", args=["alpha"])
        self.assertEqual(
            client.post(url, {"office-name": "OAC", "office-address": "Plaça, 1"}).status_code, 302
        )
        client.post(
            url,
            {
                "service-name": "Padró",
                "service-duration_minutes": "20",
                "service-channel": "in_person",
                "service-capacity": "1",
            },
        )
        office = Office.objects.get(organization=self.org_a)
        service = Service.objects.get(organization=self.org_a)
        client.post(
            url, {"desk-office": office.pk, "desk-name": "T1", "desk-services": [service.pk]}
        )
        desk = Desk.objects.get(organization=self.org_a)
        bad = client.post(
            url, {"schedule-desk": desk.pk, "schedule-name": "", "schedule-day0": "9-11"}
        )
        self.assertEqual(bad.status_code, 400)
        response = client.post(url, {
            "schedule-desk": desk.pk, "schedule-name": "Estiu", "schedule-valid_from": "2027-07-01",
            "schedule-valid_until": "2027-08-31", "schedule-day0": "09:00-11:00, 11:30-14:00",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302)
        schedule = Schedule.objects.get(desk=desk)
        self.assertEqual(schedule.intervals.count(), 2)
        page = client.get(url)
        self.assertContains(page, "Estiu")
        self.assertEqual(self.login(self.bob).get(url).status_code, 403)


@time_machine.travel(NOW, tick=False)
class MyAreaTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.office, cls.service, cls.desk = make_setup(cls.org_a)
        services.schedule_create(
            org=cls.org_a, actor=None, desk=cls.desk, intervals=[(d, T(9), T(13)) for d in range(5)]
        )
        cls.marta = make_user("marta", None, nif="11111111H")
        cls.other = make_user("pau", None, nif="22222222J")

    def setUp(self) -> None:
        cache.clear()  # the rate limits count per address across tests

    def test_a_portal_user_books_without_a_code_and_sees_it_in_my_area(self) -> None:
        client = self.login(self.marta)
        book_url = reverse("appointments_public_book", args=["alpha", self.service.pk])
        response = client.post(book_url, {
            "starts": at("2027-06-02", "09:30").isoformat(), "name": "Marta Ferrer",
            "identifier": "11111111H", "email": "marta@example.org", "privacy": "on",
        })  # fmt: skip
        self.assertEqual(response.status_code, 302, getattr(response, "content", b"")[:3000])
        booking = Booking.objects.get()
        self.assertEqual(booking.user, self.marta)
        self.assertIn(booking.locator, response["Location"])
        mine = client.get(reverse("portal_appointments"))
        self.assertContains(mine, booking.access_token)
        self.assertContains(mine, "Les meves cites")
        others = self.login(self.other).get(reverse("portal_appointments"))
        self.assertNotContains(others, booking.access_token)
        self.client.logout()
        self.assertEqual(self.client.get(reverse("portal_appointments")).status_code, 302)


@time_machine.travel(NOW, tick=False)
class ProviderUsageTests(TenantTestCase):
    def test_the_provider_sees_counts_per_member_and_no_people(self) -> None:
        from ajunta.tenants.testing import make_provider

        provider = make_provider()
        admin = make_user("nuria", provider, Role.PROVIDER_ADMIN)
        _office, service, desk = make_setup(self.org_a)
        services.schedule_create(
            org=self.org_a, actor=None, desk=desk, intervals=[(1, T(9), T(13))]
        )
        booking = services.booking_create(
            org=self.org_a, actor=None, service=service, starts=at("2027-06-01", "11:30"),
            name="Maria Puig", identifier="12345678Z", now=NOW,
        )  # fmt: skip
        services.booking_no_show(
            org=self.org_a, actor=None, booking=booking, now=at("2027-06-01", "12:00")
        )
        from ajunta.core.testing import verify_mfa

        verify_mfa(self.client, admin)
        page = self.client.get(reverse("appointments_usage", args=[provider.slug]))
        self.assertEqual(page.status_code, 200)
        self.assertEqual(
            [(r["organization__slug"], r["total"], r["no_show"]) for r in page.context["rows"]],
            [("alpha", 1, 1)],
        )
        self.assertNotContains(page, "Maria Puig")
        # A member's administrator has no such page.
        self.assertEqual(
            self.login(self.alice).get(reverse("appointments_usage", args=["alpha"])).status_code,
            403,
        )


@time_machine.travel(NOW, tick=False)
class FarDatesTests(TenantTestCase):
    def test_dates_at_the_calendars_ends_are_not_500s(self) -> None:
        _office, service, _desk = make_setup(self.org_a)
        cache.clear()
        for path in (
            reverse("appointments_public_slots", args=["alpha", service.pk]) + "?day=9999-12-31",
            reverse("appointments_public_book", args=["alpha", service.pk])
            + "?starts=9999-12-31T23:59:00",
        ):
            self.assertIn(self.client.get(path).status_code, (200, 302), path)
        api = self.api(None)
        url = reverse("appt-public-slots", args=["alpha", service.pk])
        self.assertEqual(api.get(url, {"start": "9999-12-31"}).status_code, 400)
        staff = self.login(self.bob)
        self.assertEqual(
            staff.get(
                reverse("appointments_agenda", args=["alpha"]) + "?day=9999-12-31"
            ).status_code,
            200,
        )
        self.assertEqual(
            staff.get(
                reverse("appointments_stats", args=["alpha"]) + "?from=0001-01-01&to=9999-12-31"
            ).status_code,
            200,
        )
        self.assertEqual(
            self.api(self.bob)
            .get("/api/v1/o/alpha/appointments/bookings/?day=9999-12-31")
            .status_code,
            400,
        )
