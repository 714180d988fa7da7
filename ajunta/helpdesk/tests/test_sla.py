"""SLA clocks in business hours: due times, pauses, changes mid-ticket, breaches, escalation."""

from __future__ import annotations

import datetime as dt
import io

from django.core import mail
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ajunta.core.models import BusinessHours, Counter, LocalHoliday
from ajunta.core.testing import use_temporary_media
from ajunta.helpdesk import services
from ajunta.helpdesk.models import (
    EscalationEvent,
    FollowUp,
    SlaBreach,
    Ticket,
    TicketStatus,
)
from ajunta.helpdesk.tests.base import HelpdeskTestCase, at, frozen
from ajunta.tenants import services as tenant_services


class DueTimeTests(HelpdeskTestCase):
    def test_friday_afternoon_incident_is_due_next_business_day(self) -> None:
        # Business hours default to Monday-Friday 08:00-15:00: 10 minutes on Friday, 3h50 on Monday.
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
        self.assertEqual(ticket.priority, 3)
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 23, 11, 50))
        self.assertEqual(ticket.own_due_at, at(2026, 11, 23, 8, 50))
        self.assertEqual(ticket.number, "2026-000001")

    def test_provider_business_hours_and_holidays_count(self) -> None:
        for weekday in range(5):
            BusinessHours.objects.create(
                organization=self.provider, weekday=weekday, opens="09:00", closes="14:00"
            )
        # Tuesday 8 December 2026 is a national holiday (Immaculate Conception).
        with frozen(at(2026, 12, 7, 13, 0)):
            ticket = self.open_ticket()
        self.assertEqual(ticket.resolve_due_at, at(2026, 12, 9, 12, 0))  # 1 h Monday, 3 h Wednesday

    def test_pending_pauses_the_resolve_clock(self) -> None:
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
        with frozen(at(2026, 11, 20, 14, 55)):
            services.ticket_set_status(
                org=self.provider, actor=self.tomas, ticket=ticket, status="pending"
            )
        # Still paused on Monday at 11:55: no breach, no escalation.
        with frozen(at(2026, 11, 23, 11, 55)):
            self.assertEqual(services.sla_escalate()["breaches"], 0)
        self.assertFalse(SlaBreach.objects.filter(kind="resolve").exists())
        # The requester answers on Monday at 10:00 (as if): 5 min Friday + 2 h Monday paused.
        with frozen(at(2026, 11, 23, 10, 0)):
            services.followup_add(org=self.org_a, actor=self.bob, ticket=ticket, body="Fet.")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, TicketStatus.IN_PROGRESS)
        self.assertEqual(ticket.paused_business_seconds, 7500)
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 23, 13, 55))

    def test_priority_change_mid_ticket_keeps_paused_time(self) -> None:
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
        with frozen(at(2026, 11, 20, 14, 55)):
            services.ticket_set_status(
                org=self.provider, actor=self.tomas, ticket=ticket, status="pending"
            )
        with frozen(at(2026, 11, 23, 10, 0)):
            services.ticket_set_status(
                org=self.provider, actor=self.tomas, ticket=ticket, status="in_progress"
            )
            # Impact 5 with urgency 3: priority 4, 120 business minutes.
            ticket = services.ticket_classify(
                org=self.provider, actor=self.tomas, ticket=ticket, impact=5
            )
        self.assertEqual(ticket.priority, 4)
        # 14:50 Fri + 2h target + 2h05 paused = 10 min Fri + 3h55 Monday = 11:55.
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 23, 11, 55))

    def test_target_change_recomputes_open_tickets(self) -> None:
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
        services.sla_target_set(
            org=self.provider, actor=self.paula, level="standard", priority=3,
            own_minutes=60, resolve_minutes=480,
        )  # fmt: skip
        ticket.refresh_from_db()
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 24, 8, 50))

    def test_holiday_added_later_moves_open_tickets(self) -> None:
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
        LocalHoliday.objects.create(organization=self.provider, date="2026-11-23", name="Festa")
        self.assertEqual(services.sla_recompute(provider=self.provider), 1)
        ticket.refresh_from_db()
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 24, 11, 50))
        self.assertEqual(services.sla_recompute(provider=self.provider), 0)

    def test_the_members_agreement_level_chooses_the_targets(self) -> None:
        services.sla_target_set(
            org=self.provider, actor=self.paula, level="priority", priority=3,
            own_minutes=30, resolve_minutes=120,
        )  # fmt: skip
        helpdesk = tenant_services.catalogue_service_create(
            org=self.provider, actor=self.paula, code="helpdesk", name="Suport", module="helpdesk"
        )
        with frozen(at(2026, 11, 20, 14, 50)):
            standard = self.open_ticket()
            agreement = tenant_services.agreement_create(
                org=self.provider, actor=self.paula, member=self.org_a, title="Conveni 2026-2029",
                start_date=dt.date(2026, 1, 1), end_date=dt.date(2029, 12, 31),
                services=[helpdesk], sla_level="priority",
            )  # fmt: skip
            premium = self.open_ticket()
        self.assertEqual(agreement.sla_level, "priority")
        self.assertEqual(premium.sla_level, "priority")
        self.assertEqual(premium.resolve_due_at, at(2026, 11, 23, 9, 50))  # 2 business hours
        # The ticket opened before the agreement takes its level in the nightly recompute.
        with frozen(at(2026, 11, 20, 15, 0)):
            self.assertEqual(services.sla_recompute(provider=self.provider), 1)
        standard.refresh_from_db()
        self.assertEqual(
            (standard.sla_level, standard.resolve_due_at), ("priority", at(2026, 11, 23, 9, 50))
        )

    def test_a_level_without_its_own_target_uses_the_standard_one(self) -> None:
        helpdesk = tenant_services.catalogue_service_create(
            org=self.provider, actor=self.paula, code="helpdesk", name="Suport", module="helpdesk"
        )
        with frozen(at(2026, 11, 20, 14, 50)):
            tenant_services.agreement_create(
                org=self.provider, actor=self.paula, member=self.org_a, title="Conveni",
                start_date=dt.date(2026, 1, 1), end_date=dt.date(2029, 12, 31),
                services=[helpdesk], sla_level="priority",
            )  # fmt: skip
            ticket = self.open_ticket()
        self.assertEqual(ticket.sla_level, "priority")  # no "priority" targets here
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 23, 11, 50))  # the standard 4 h

    def test_solving_late_records_the_breach(self) -> None:
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
        with frozen(at(2026, 11, 23, 12, 30)):
            services.ticket_solve(
                org=self.provider, actor=self.tomas, ticket=ticket, solution="Canviat el tòner."
            )
        self.assertEqual(set(SlaBreach.objects.values_list("kind", flat=True)), {"own", "resolve"})


class EscalationTests(HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.group = services.group_create(
            org=cls.provider, actor=cls.paula, name="Suport", members=[cls.tomas, cls.teresa]
        )
        services.escalation_rule_create(
            org=cls.provider, actor=cls.paula, kind="resolve", percent=75, action="notify"
        )
        services.escalation_rule_create(
            org=cls.provider, actor=cls.paula, kind="resolve", percent=100,
            action="raise_priority",
        )  # fmt: skip

    def test_escalation_fires_when_late_once(self) -> None:
        with frozen(at(2026, 11, 20, 14, 50)):
            ticket = self.open_ticket()
            services.ticket_assign(
                org=self.provider, actor=self.paula, ticket=ticket, technician=self.tomas
            )
        with frozen(at(2026, 11, 23, 9, 0)):  # 2h10 of 4h: nothing yet
            self.assertEqual(services.sla_escalate(), {"breaches": 0, "escalations": 0})
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True), frozen(at(2026, 11, 23, 12, 0)):
            counts = services.sla_escalate()
        self.assertEqual(counts, {"breaches": 1, "escalations": 2})
        ticket.refresh_from_db()
        self.assertEqual(ticket.priority, 4)  # raised: its clock is recomputed
        self.assertTrue(any("SLA" in m.subject for m in mail.outbox))
        self.assertEqual(mail.outbox[0].to, ["tomas@example.org"])
        with frozen(at(2026, 11, 23, 12, 5)):
            again = services.sla_escalate()
        self.assertEqual(again["breaches"], 1)  # the new, earlier due instant, once
        with frozen(at(2026, 11, 23, 12, 10)):
            self.assertEqual(services.sla_escalate()["breaches"], 0)
        self.assertEqual(SlaBreach.objects.filter(ticket=ticket).count(), 2)

    def test_reassign_rule_uses_round_robin(self) -> None:
        services.escalation_rule_create(
            org=self.provider, actor=self.paula, kind="own", percent=100, action="reassign",
            group=self.group,
        )  # fmt: skip
        with frozen(at(2026, 11, 23, 8, 0)):
            first, second = self.open_ticket(), self.open_ticket()
        with frozen(at(2026, 11, 23, 9, 30)):
            call_command("helpdesk_run", "escalate", stdout=io.StringIO())
        first.refresh_from_db()
        second.refresh_from_db()
        self.assertEqual({first.assigned_to, second.assigned_to}, {self.tomas, self.teresa})
        self.assertEqual(EscalationEvent.objects.filter(action="reassign").count(), 2)


class LifecycleTests(HelpdeskTestCase):
    def test_solve_reopen_accept(self) -> None:
        with frozen(at(2026, 11, 23, 9, 0)):
            ticket = self.open_ticket()
        with frozen(at(2026, 11, 23, 10, 0)):
            services.ticket_solve(
                org=self.provider, actor=self.tomas, ticket=ticket, solution="Reiniciada.",
                minutes_spent=20,
            )  # fmt: skip
        with frozen(at(2026, 11, 23, 11, 0)):
            ticket = services.ticket_reopen(
                org=self.org_a, actor=self.bob, ticket=ticket, reason="Torna a fallar."
            )
        self.assertEqual((ticket.status, ticket.reopen_count), (TicketStatus.IN_PROGRESS, 1))
        # The hour it stood solved does not count: 4h target + 1h paused.
        self.assertEqual(ticket.resolve_due_at, at(2026, 11, 23, 14, 0))
        services.ticket_solve(
            org=self.provider, actor=self.tomas, ticket=ticket, solution="Ara sí."
        )
        ticket = services.ticket_accept(org=self.org_a, actor=self.bob, ticket=Ticket.objects.get())
        self.assertEqual(ticket.status, TicketStatus.CLOSED)
        with self.assertRaises(ValidationError):
            services.ticket_reopen(org=self.org_a, actor=self.bob, ticket=ticket, reason="No")

    def test_auto_close_after_business_days(self) -> None:
        with frozen(at(2026, 11, 20, 10, 0)):  # Friday
            ticket = self.open_ticket()
            services.ticket_solve(org=self.provider, actor=self.tomas, ticket=ticket, solution="Ok")
        # Five business days after Friday: Friday 27 at 10:00.
        with frozen(at(2026, 11, 27, 9, 59)):
            self.assertEqual(services.tickets_auto_close(), 0)
        with frozen(at(2026, 11, 27, 10, 0)):
            self.assertEqual(services.tickets_auto_close(), 1)
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, TicketStatus.CLOSED)

    def test_private_followups_and_time_only_from_staff(self) -> None:
        ticket = self.open_ticket()
        with self.assertRaises(ValidationError):
            services.followup_add(
                org=self.org_a, actor=self.bob, ticket=ticket, body="x", is_private=True
            )
        services.followup_add(
            org=self.provider, actor=self.tomas, ticket=ticket, body="Nota interna",
            is_private=True, minutes_spent=15,
        )  # fmt: skip
        self.assertEqual(FollowUp.objects.get().minutes_spent, 15)

    def test_bad_input_writes_nothing_and_takes_no_number(self) -> None:
        with self.assertRaises(ValidationError) as raised:
            self.open_ticket(urgency=9, title="")
        self.assertIn("urgency", raised.exception.message_dict)
        self.assertIn("title", raised.exception.message_dict)
        self.assertFalse(Ticket.objects.exists())
        self.assertFalse(Counter.objects.filter(series="helpdesk.ticket").exists())

    def test_a_ticket_takes_its_number_before_storing_attachments(self) -> None:
        # Lock order: the provider's counter, then the member's audit-chain head (which storing
        # a document appends to). The other order lets a ticket with attachments and one
        # without, from the same member, deadlock on PostgreSQL.
        use_temporary_media(self)
        upload = SimpleUploadedFile("log.txt", b"no carrier\n", content_type="text/plain")
        with CaptureQueriesContext(connection) as queries:
            self.open_ticket(attachments=[upload])
        sql = [q["sql"] for q in queries.captured_queries]
        counter = next(i for i, q in enumerate(sql) if "core_counter" in q)
        chain = next(i for i, q in enumerate(sql) if "core_auditchain" in q)
        self.assertLess(counter, chain)

    def test_other_members_ticket_is_not_reachable(self) -> None:
        ticket = self.open_ticket()
        with self.assertRaises(Ticket.DoesNotExist):
            services.followup_add(org=self.org_b, actor=self.charlie, ticket=ticket, body="Hola")

    def test_round_robin_assignment(self) -> None:
        group = services.group_create(
            org=self.provider, actor=self.paula, name="Xarxes", members=[self.tomas, self.teresa]
        )
        chosen = [
            services.ticket_assign(
                org=self.provider, actor=self.paula, ticket=self.open_ticket(), group=group,
                round_robin=True,
            ).assigned_to
            for _ in range(3)
        ]  # fmt: skip
        self.assertEqual(chosen, [self.tomas, self.teresa, self.tomas])

    def test_on_behalf_of_a_member(self) -> None:
        ticket = services.ticket_create(
            org=self.provider, actor=self.tomas, member=self.org_a, requester=self.bob,
            title="Trucada", description="L'alcalde no té correu.", channel="phone",
        )  # fmt: skip
        self.assertEqual((ticket.organization, ticket.requester), (self.org_a, self.bob))
        with self.assertRaises(ValidationError):
            services.ticket_create(
                org=self.provider, actor=self.tomas, member=self.org_a, requester=self.charlie,
                title="x", description="y",
            )  # fmt: skip


class NotificationTests(HelpdeskTestCase):
    def test_events_reach_the_right_people_in_their_language(self) -> None:
        self.bob.preferred_language = "es"
        self.bob.save(update_fields=["preferred_language"])
        with self.captureOnCommitCallbacks(execute=True):
            ticket = self.open_ticket()
        self.assertEqual(
            sorted(m.to[0] for m in mail.outbox),
            ["paula@example.org", "teresa@example.org", "tomas@example.org"],
        )
        self.assertTrue(all(ticket.number in m.subject for m in mail.outbox))
        mail.outbox.clear()
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_assign(
                org=self.provider, actor=self.paula, ticket=ticket, technician=self.tomas
            )
            services.ticket_solve(
                org=self.provider, actor=self.tomas, ticket=ticket, solution="Fet"
            )
        self.assertEqual([m.to[0] for m in mail.outbox], ["tomas@example.org", "bob@example.org"])
        self.assertIn("Incidencia resuelta", mail.outbox[1].subject)
        self.assertIn(f"/o/alpha/helpdesk/tickets/{ticket.pk}/", mail.outbox[1].body)
