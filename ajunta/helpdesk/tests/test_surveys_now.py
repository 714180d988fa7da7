"""The provider's "send surveys now" and the demo ticket walked to its answered survey."""

from __future__ import annotations

from io import StringIO

from django.core.management import CommandError, call_command
from django.test import override_settings

from ajunta.core.models import AuditEvent
from ajunta.core.testing import speaking
from ajunta.helpdesk import services
from ajunta.helpdesk.models import Survey, TicketStatus
from ajunta.helpdesk.tests.base import HelpdeskTestCase, at, frozen

URL = "/o/ccbages/helpdesk/surveys/send/"


class SurveysSendNowTests(HelpdeskTestCase):
    def close_ticket(self, org=None, actor=None):
        ticket = self.open_ticket(org=org, actor=actor)
        services.ticket_solve(org=self.provider, actor=self.tomas, ticket=ticket, solution="Fet")
        services.ticket_accept(org=org or self.org_a, actor=actor or self.bob, ticket=ticket)
        return ticket

    def test_closed_tickets_get_their_survey_without_waiting_the_delay(self) -> None:
        with frozen(at(2026, 11, 23, 9, 0)):
            closed = self.close_ticket()
            still_open = self.open_ticket()
            self.assertEqual(services.surveys_send(), 0)  # the scheduled run waits 24 hours
            sent = services.surveys_send_now(org=self.provider, actor=self.paula)
        self.assertEqual(sent, 1)
        self.assertTrue(Survey.objects.filter(ticket=closed).exists())
        self.assertFalse(Survey.objects.filter(ticket=still_open).exists())
        event = AuditEvent.objects.get(action="helpdesk.surveys.send_now")
        self.assertEqual((event.actor_id, event.organization_id), (self.paula.pk, self.provider.pk))
        self.assertEqual(event.changes, {"sent": 1})
        survey_event = AuditEvent.objects.get(action="helpdesk.survey.send")
        self.assertEqual(survey_event.actor_id, self.paula.pk)
        with frozen(at(2026, 11, 23, 9, 5)):  # a second press sends nothing twice
            self.assertEqual(services.surveys_send_now(org=self.provider, actor=self.paula), 0)
        self.assertEqual(Survey.objects.count(), 1)

    def test_a_member_cannot_send_the_providers_surveys(self) -> None:
        with self.assertRaises(Exception):  # noqa: B017  (Ticket.DoesNotExist: a 404 in views)
            services.surveys_send_now(org=self.org_a, actor=self.alice)

    def test_the_button_shows_to_the_provider_admin_only(self) -> None:
        self.login(self.paula)
        self.assertContains(self.client.get("/o/ccbages/helpdesk/"), URL)
        self.login(self.tomas)
        self.assertNotContains(self.client.get("/o/ccbages/helpdesk/"), URL)

    def test_the_button_sends_and_says_how_many(self) -> None:
        with frozen(at(2026, 11, 23, 9, 0)):
            self.close_ticket()
            self.close_ticket(org=self.org_b, actor=self.charlie)
        self.login(self.paula)
        response = speaking(self.client, "en").post(URL, follow=True)
        self.assertContains(response, "2 satisfaction surveys sent.")
        self.assertEqual(Survey.objects.count(), 2)

    def test_others_get_404_or_403_and_send_nothing(self) -> None:
        with frozen(at(2026, 11, 23, 9, 0)):
            self.close_ticket()
        self.client.force_login(self.charlie)  # organization B: no role at the provider
        self.assertEqual(self.client.post(URL).status_code, 404)
        self.assertEqual(self.client.post("/o/alpha/helpdesk/surveys/send/").status_code, 404)
        self.assertEqual(self.client.post("/o/beta/helpdesk/surveys/send/").status_code, 403)
        self.login(self.tomas)  # a technician, not the admin
        self.assertEqual(self.client.post(URL).status_code, 403)
        self.assertFalse(Survey.objects.exists())


class DemoTicketTests(HelpdeskTestCase):
    def test_the_demo_ticket_reaches_an_answered_survey_that_the_statistics_show(self) -> None:
        from ajunta.helpdesk import demo

        with frozen(at(2026, 11, 23, 9, 0)):
            ticket = demo.walk_ticket(
                provider=self.provider, member=self.org_a, requester=self.bob,
                technician=self.tomas, admin=self.paula,
            )  # fmt: skip
        self.assertEqual(ticket.status, TicketStatus.CLOSED)
        self.assertEqual(Survey.objects.get(ticket=ticket).score, 5)
        self.login(self.paula)
        with frozen(at(2026, 11, 30, 9, 0)):
            stats = self.client.get("/o/ccbages/helpdesk/stats/?year=2026&month=11")
        self.assertContains(stats, "5,0 (1")  # the satisfaction average (Catalan decimals)

    def test_the_command_needs_debug_and_the_demo_users(self) -> None:
        with self.assertRaises(CommandError):
            call_command("helpdesk_demo_ticket", stdout=StringIO())
        with override_settings(DEBUG=True), self.assertRaises(CommandError):
            call_command("helpdesk_demo_ticket", stdout=StringIO())  # no seed_demo users here
