"""Telecom faults: operator, service, reference, the operator's clock, escalation, report (issue 19)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from ajunta.core.testing import speaking
from ajunta.helpdesk import telecom
from ajunta.helpdesk.models import TelecomFault
from ajunta.helpdesk.tests.base import HelpdeskTestCase

NOW = dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC)


@time_machine.travel(NOW, tick=False)
class TelecomTests(HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.movistar = telecom.telecom_operator_save(
            org=cls.provider, actor=cls.paula, name="Movistar", email="averies@operador.example", sla_hours=8,
        )  # fmt: skip

    def test_a_telecom_ticket_shows_the_reference_and_the_operators_clock(self) -> None:
        ticket = self.open_ticket(title="Sense línia a l'oficina de turisme")
        client = speaking(self.login(self.tomas), "en")
        url = f"/o/ccbages/helpdesk/tickets/{ticket.pk}/telecom/"
        response = client.post(url + "set/", {"operator": self.movistar.pk, "kind": "fault",
                                              "service": "fixed_line", "service_id": "938 000 000",
                                              "address": "Plaça Major 1"})  # fmt: skip
        self.assertEqual(response.status_code, 302)
        response = client.post(url + "escalate/", {"note": "Urgent: oficina tancada"})
        self.assertEqual(response.status_code, 302)
        (sent,) = mail.outbox
        self.assertEqual(sent.to, ["averies@operador.example"])
        self.assertIn(ticket.number, sent.subject)
        self.assertIn("938 000 000", sent.body)
        self.assertEqual(sent.extra_headers["X-Ajunta-Ticket"], ticket.number)
        fault = TelecomFault.objects.get(ticket=ticket)
        self.assertEqual(fault.operator_due_at, NOW + dt.timedelta(hours=8))
        client.post(url + "update/", {"operator_reference": "INC-MV-55555"})
        page = client.get(f"/o/ccbages/helpdesk/tickets/{ticket.pk}/").content.decode()
        self.assertIn("INC-MV-55555", page)
        self.assertIn('data-testid="operator-clock"', page)
        self.assertIn("(8 h)", page)
        # The member sees the reference and the clock too, but not the forms.
        member_page = speaking(self.login(self.bob), "en").get(
            f"/o/alpha/helpdesk/tickets/{ticket.pk}/"
        )
        self.assertContains(member_page, "INC-MV-55555")
        self.assertNotContains(member_page, "/telecom/escalate/")
        self.assertEqual(
            self.client.post(url.replace("ccbages", "alpha") + "escalate/").status_code, 403
        )
        # Re-escalating quotes the operator's reference; the clock does not restart.
        with time_machine.travel(NOW + dt.timedelta(hours=10), tick=False):
            client = speaking(self.login(self.tomas), "en")
            client.post(url + "escalate/", {})
            self.assertIn("INC-MV-55555", mail.outbox[-1].subject)
            self.assertEqual(
                TelecomFault.objects.get(ticket=ticket).operator_due_at, NOW + dt.timedelta(hours=8)
            )
            clock = telecom.operator_clock(TelecomFault.objects.get(ticket=ticket))
            self.assertTrue(clock["late"])
            report = client.get("/o/ccbages/helpdesk/telecom/report/").content.decode()
        self.assertIn(f'data-fault-ticket="{ticket.number}"', report)
        self.assertIn("Movistar", report)

    def test_report_counts_per_operator_and_municipality(self) -> None:
        vodafone = telecom.telecom_operator_save(org=self.provider, actor=self.paula, name="Vodafone",
                                                 email="noc@op2.example", sla_hours=24)  # fmt: skip
        for org, operator, kind in ((self.org_a, self.movistar, "fault"), (self.org_a, self.movistar, "coverage"),
                                    (self.org_b, vodafone, "fault")):  # fmt: skip
            ticket = self.open_ticket(
                org=org, actor=self.bob if org == self.org_a else self.charlie
            )
            fault = telecom.telecom_fault_set(org=self.provider, actor=self.tomas, ticket=ticket,
                                              operator=operator, kind=kind, service="mobile_line",
                                              address="Nucli urbà")  # fmt: skip
            telecom.telecom_escalate(org=self.provider, actor=self.tomas, fault=fault)
        with time_machine.travel(NOW + dt.timedelta(hours=12), tick=False):
            report = telecom.telecom_report(org=self.provider)
        by_operator = {
            r["operator__name"]: (r["faults"], r["coverage"], r["late"])
            for r in report["by_operator"]
        }
        self.assertEqual(by_operator, {"Movistar": (1, 1, 2), "Vodafone": (1, 0, 0)})
        by_town = {(r["organization__name"], r["operator__name"]): r["faults"] + r["coverage"]
                   for r in report["by_municipality"]}  # fmt: skip
        self.assertEqual(
            by_town, {("Ajuntament d'Alpha", "Movistar"): 2, ("Ajuntament de Beta", "Vodafone"): 1}
        )

    def test_refusals(self) -> None:
        ticket = self.open_ticket()
        with self.assertRaises(ValidationError):
            telecom.telecom_fault_set(org=self.org_a, actor=self.bob, ticket=ticket, operator=self.movistar,
                                      service="fixed_line", service_id="1")  # fmt: skip
        with self.assertRaises(ValidationError):
            telecom.telecom_fault_set(org=self.provider, actor=self.tomas, ticket=ticket,
                                      operator=self.movistar, service="fixed_line")  # fmt: skip
        with self.assertRaises(ValidationError):
            telecom.telecom_operator_save(org=self.provider, actor=self.paula, name="movistar",
                                          email="x@y.example", sla_hours=4)  # fmt: skip
        client = speaking(self.login(self.tomas), "en")
        bad = client.post(f"/o/ccbages/helpdesk/tickets/{ticket.pk}/telecom/set/",
                          {"operator": self.movistar.pk, "kind": "fault", "service": "fixed_line"})  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        self.assertContains(bad, "Give the line or circuit", status_code=400)
        self.assertEqual(
            client.post(f"/o/ccbages/helpdesk/tickets/{ticket.pk}/telecom/escalate/").status_code,
            404,
        )
        self.assertEqual(client.get("/o/alpha/helpdesk/telecom/report/").status_code, 404)
