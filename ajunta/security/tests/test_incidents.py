"""Security incidents: the legal clocks, overdue alerts, export and PDF (issue 19, item 3)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from ajunta.core.models import AuditEvent
from ajunta.security import clocks, reports, selectors, services
from ajunta.security.models import SecurityIncident
from ajunta.security.tests.base import SecurityTestCase

AWARE = dt.datetime(2026, 1, 30, 22, 15, tzinfo=dt.UTC)


class ClockTests(SimpleTestCase):
    def incident(self, **fields) -> SecurityIncident:
        return SecurityIncident(aware_at=AWARE, detected_at=AWARE, **fields)

    def test_nis2_and_gdpr_terms(self) -> None:
        steps = clocks.steps(self.incident(significant=True, personal_data=True), AWARE)
        due = {s.code: s.due for s in steps}
        self.assertEqual(due["early_warning"], AWARE + dt.timedelta(hours=24))
        self.assertEqual(due["notification"], AWARE + dt.timedelta(hours=72))
        self.assertEqual(due["gdpr"], AWARE + dt.timedelta(hours=72))
        # one month after the notification's deadline while it is not sent: 2 Feb -> 2 Mar
        self.assertEqual(due["final_report"], dt.datetime(2026, 3, 2, 22, 15, tzinfo=dt.UTC))

    def test_final_report_counts_from_the_notification_date_to_date(self) -> None:
        sent = dt.datetime(2026, 1, 31, 10, tzinfo=dt.UTC)
        steps = clocks.steps(self.incident(significant=True, notification_at=sent), sent)
        final = next(s for s in steps if s.code == "final_report")
        self.assertEqual(final.due, dt.datetime(2026, 2, 28, 10, tzinfo=dt.UTC))  # no 31 February
        self.assertFalse(final.provisional)

    def test_states(self) -> None:
        later = AWARE + dt.timedelta(hours=30)
        steps = {s.code: s for s in clocks.steps(self.incident(significant=True), later)}
        self.assertEqual(steps["early_warning"].state, "overdue")
        self.assertEqual(steps["notification"].state, "pending")
        done_late = self.incident(significant=True, early_warning_at=AWARE + dt.timedelta(hours=25))
        self.assertEqual(clocks.steps(done_late, later)[0].state, "late")
        self.assertEqual(clocks.steps(self.incident(significant=False), later), [])


@override_settings(LANGUAGE_CODE="en")
class IncidentServiceTests(SecurityTestCase):
    def create(self, **fields) -> SecurityIncident:
        values = {"title": "Ransomware a l'equip de secretaria", "category": "malicious_code",
                  "level": "high", "detected_at": AWARE, "aware_at": AWARE,
                  "affected_services": "Registre, padró", "personal_data": True,
                  "personal_data_description": "Padró municipal"} | fields  # fmt: skip
        return services.incident_create(org=self.org_a, actor=self.alice,
                                         asset_ids=[self.old_winrar.pk], **values)  # fmt: skip

    def test_overdue_steps_alert_once_and_done_steps_stop_alerting(self) -> None:
        with time_machine.travel(AWARE + dt.timedelta(minutes=5), tick=False):
            incident = self.create()
        self.assertEqual(incident.number, "INC-2026-0001")
        self.assertTrue(AuditEvent.objects.filter(action="security.incident_create").exists())
        with time_machine.travel(AWARE + dt.timedelta(hours=20), tick=False):
            self.assertEqual(services.incident_alerts(), 0)  # nothing due yet
        with time_machine.travel(AWARE + dt.timedelta(hours=25), tick=False):
            self.assertEqual(services.incident_alerts(), 2)  # Alice (member) and Tina (provider)
            body = mail.outbox[0].body
            self.assertIn("INC-2026-0001", body)
            self.assertIn("Early warning", body)
            self.assertEqual(services.incident_alerts(), 0)  # told once
            services.incident_step_done(org=self.org_a, actor=self.alice, incident=incident,
                                        step="early_warning", reference="CCN-CERT #123")  # fmt: skip
            self.assertEqual([i.number for i, _ in selectors.overdue_incidents(org=self.org_a)], [])
        with time_machine.travel(AWARE + dt.timedelta(hours=73), tick=False):
            mail.outbox.clear()
            services.incident_alerts()
            self.assertIn("GDPR", mail.outbox[0].body)
            self.assertIn("Incident notification", mail.outbox[0].body)
            overdue = selectors.overdue_incidents(org=self.provider)
            self.assertEqual({s.code for s in overdue[0][1]}, {"notification", "gdpr"})

    def test_refusals(self) -> None:
        with time_machine.travel(AWARE, tick=False):
            with self.assertRaises(ValidationError) as caught:
                self.create(aware_at=AWARE - dt.timedelta(hours=1))
            self.assertIn("aware_at", caught.exception.message_dict)
            with self.assertRaises(ValidationError):
                self.create(
                    detected_at=AWARE + dt.timedelta(days=1), aware_at=AWARE + dt.timedelta(days=1)
                )
            with self.assertRaises(ValidationError) as caught:
                self.create(personal_data_description="")
            self.assertIn("personal_data_description", caught.exception.message_dict)
            with self.assertRaises(ValidationError):
                services.incident_create(org=self.org_a, actor=self.alice, asset_ids=[self.old_7zip_b.pk],
                                         title="x", category="other", detected_at=AWARE)  # fmt: skip
            incident = self.create()
            services.incident_step_done(org=self.org_a, actor=None, incident=incident, step="gdpr")
            with self.assertRaises(ValidationError):
                services.incident_step_done(
                    org=self.org_a, actor=None, incident=incident, step="gdpr"
                )
            with self.assertRaises(ValidationError):
                services.incident_step_done(
                    org=self.org_a, actor=None, incident=incident, step="nope"
                )

    def test_lucia_export_and_pdf(self) -> None:
        with time_machine.travel(AWARE + dt.timedelta(hours=2), tick=False):
            incident = self.create()
            services.incident_event_add(org=self.org_a, actor=self.alice, incident=incident,
                                        text="Equip desconnectat de la xarxa", action=True)  # fmt: skip
            data = reports.incident_lucia(incident, list(selectors.incident_events(incident=incident)),
                                          selectors.incident_assets(incident=incident))  # fmt: skip
            self.assertEqual(data["taxonomia"]["clasificacion"], "Contenido dañino")
            self.assertEqual(data["peligrosidad"], "ALTO")
            self.assertEqual(data["activos_afectados"][0]["nombre"], "PC-SECRETARIA")
            self.assertEqual(data["acciones_realizadas"], ["Equip desconnectat de la xarxa"])
            self.assertEqual({p["paso"] for p in data["plazos"]},
                             {"early_warning", "notification", "final_report", "gdpr"})  # fmt: skip
            client = self.login(self.alice)
            response = client.get(reverse("security_incident_pdf", args=["alpha", incident.pk]))
            self.assertEqual(response["Content-Type"], "application/pdf")
            self.assertTrue(response.content.startswith(b"%PDF"))
            response = client.get(reverse("security_incident_export", args=["alpha", incident.pk]))
            self.assertEqual(response.json()["referencia"], "INC-2026-0001")
