"""Helpdesk pages: isolation between members, the provider's view of all, forms and their errors."""

from __future__ import annotations

import io
import re
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from ajunta.core.models import Document
from ajunta.core.testing import TenantIsolationMixin, use_temporary_media
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.helpdesk import services
from ajunta.helpdesk.models import FollowUp, Ticket, TicketStatus
from ajunta.helpdesk.tests.base import HelpdeskTestCase, at, frozen


def page_ids(response: Any) -> set[str]:
    return set(re.findall(r'data-ticket-id="(\d+)"', response.content.decode()))


def api_ticket_ids(response: Any) -> set[str]:
    return {str(row["id"]) for row in response.json()["results"]}


class HelpdeskIsolationTests(TenantIsolationMixin, HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ticket_a = services.ticket_create(
            org=cls.org_a, actor=cls.bob, title="A", description="a"
        )
        cls.ticket_b = services.ticket_create(
            org=cls.org_b, actor=cls.charlie, title="B", description="b"
        )
        cls.task_a = services.task_add(
            org=cls.provider, actor=cls.tomas, ticket=cls.ticket_a, description="Anar-hi"
        )
        cls.isolation_ids_a = {str(cls.ticket_a.pk)}
        cls.isolation_ids_b = {str(cls.ticket_b.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        pk = self.ticket_a.pk
        base = f"/o/{slug}/helpdesk/tickets/{pk}/"
        api = f"/api/v1/o/{slug}/helpdesk/tickets/{pk}/"
        return [
            ("GET", base),
            ("POST", base + "followup/"),
            ("POST", base + "accept/"),
            ("POST", base + "reopen/"),
            ("POST", base + f"tasks/{self.task_a.pk}/done/"),
            ("GET", base + "attachments/1/"),
            ("GET", api),
            ("POST", api + "followups/"),
            ("POST", api + "accept/"),
            ("POST", api + "reopen/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [
            (f"/o/{slug}/helpdesk/", page_ids),
            (f"/o/{slug}/helpdesk/?queue=all&status=new", page_ids),
            (f"/api/v1/o/{slug}/helpdesk/tickets/", api_ticket_ids),
        ]

    def test_provider_sees_every_members_tickets(self) -> None:
        self.login(self.tomas)
        Ticket.objects.filter(pk=self.ticket_a.pk).update(resolve_due_at=at(2020, 1, 7, 12, 0))
        late = self.client.get("/o/ccbages/helpdesk/?queue=all")
        self.assertContains(late, '<span class="badge warn">', count=1)
        response = self.client.get("/o/ccbages/helpdesk/?queue=all")
        self.assertEqual(page_ids(response), {str(self.ticket_a.pk), str(self.ticket_b.pk)})
        response = self.client.get("/o/ccbages/helpdesk/?queue=all&member=beta")
        self.assertEqual(page_ids(response), {str(self.ticket_b.pk)})
        response = self.client.get("/o/ccbages/helpdesk/?queue=all&member=nowhere")
        self.assertContains(response, "id_member_error")
        self.assertEqual(
            self.client.get(f"/o/ccbages/helpdesk/tickets/{self.ticket_b.pk}/").status_code, 200
        )

    def test_municipal_user_gets_404_under_the_providers_slug(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.get("/o/ccbages/helpdesk/").status_code, 404)
        self.assertEqual(
            self.client.get(f"/o/ccbages/helpdesk/tickets/{self.ticket_a.pk}/").status_code, 404
        )

    def test_municipal_user_gets_403_on_staff_actions(self) -> None:
        self.login(self.bob)
        url = f"/o/alpha/helpdesk/tickets/{self.ticket_a.pk}/solve/"
        self.assertEqual(self.client.post(url, {"solution": "x"}).status_code, 403)
        self.assertEqual(self.client.get("/o/alpha/helpdesk/stats/").status_code, 403)
        self.assertEqual(self.client.get("/o/alpha/helpdesk/settings/").status_code, 403)

    def test_private_followups_never_shown_to_the_municipality(self) -> None:
        services.followup_add(
            org=self.provider, actor=self.tomas, ticket=self.ticket_a, body="Contrasenya: xyz",
            is_private=True,
        )  # fmt: skip
        self.login(self.bob)
        page = self.client.get(f"/o/alpha/helpdesk/tickets/{self.ticket_a.pk}/").content.decode()
        self.assertNotIn("Contrasenya", page)
        self.assertNotIn("Anar-hi", page)  # internal tasks neither
        api = self.api(self.bob).get(f"/api/v1/o/alpha/helpdesk/tickets/{self.ticket_a.pk}/")
        self.assertNotIn("Contrasenya", api.content.decode())
        self.login(self.tomas)
        page = self.client.get(f"/o/ccbages/helpdesk/tickets/{self.ticket_a.pk}/").content.decode()
        self.assertIn("Contrasenya", page)


class QueueQueryTests(HelpdeskTestCase):
    def test_queue_page_and_api_take_fixed_queries(self) -> None:
        for n in range(3):
            services.ticket_assign(
                org=self.provider, actor=self.paula, ticket=self.open_ticket(title=f"T{n}"),
                technician=self.tomas,
            )  # fmt: skip
        self.login(self.tomas)
        # session, user, OTP device, role, count, organization switcher, the service filter's
        # choices, rows
        with self.assertNumQueries(8):
            response = self.client.get("/o/ccbages/helpdesk/?queue=mine")
        self.assertEqual(len(page_ids(response)), 3)
        for n in range(4):
            services.ticket_assign(
                org=self.provider, actor=self.paula, ticket=self.open_ticket(title=f"U{n}"),
                technician=self.tomas,
            )  # fmt: skip
        with self.assertNumQueries(8):
            response = self.client.get("/o/ccbages/helpdesk/?queue=mine")
        self.assertEqual(len(page_ids(response)), 7)
        client = self.api(self.tomas)
        with self.assertNumQueries(3):
            response = client.get("/api/v1/o/ccbages/helpdesk/tickets/?queue=open")
        self.assertEqual(response.json()["count"], 7)
        for n in range(5):
            self.open_ticket(title=f"More {n}")
        with self.assertNumQueries(3):
            client.get("/api/v1/o/ccbages/helpdesk/tickets/?queue=open")


class TicketPageTests(HelpdeskTestCase):
    def setUp(self) -> None:
        self.media = use_temporary_media(self)

    def test_open_a_ticket_with_an_attachment(self) -> None:
        self.login(self.bob)
        upload = SimpleUploadedFile("error.txt", b"Error 0x80070005\n", content_type="text/plain")
        response = self.client.post(
            "/o/alpha/helpdesk/tickets/new/",
            {"ticket_type": "incident", "category": self.printers.pk, "urgency": "4",
             "title": "No imprimeix", "description": "Des d'ahir.", "attachments": [upload]},
        )  # fmt: skip
        ticket = Ticket.objects.get()
        self.assertRedirects(response, f"/o/alpha/helpdesk/tickets/{ticket.pk}/")
        self.assertEqual(
            (ticket.organization, ticket.requester, ticket.priority), (self.org_a, self.bob, 4)
        )
        attachment = ticket.attachments.get()
        download = self.client.get(
            f"/o/alpha/helpdesk/tickets/{ticket.pk}/attachments/{attachment.pk}/"
        )
        self.assertEqual(b"".join(download.streaming_content), b"Error 0x80070005\n")

    def test_bad_form_answers_400_and_writes_nothing(self) -> None:
        self.login(self.bob)
        upload = SimpleUploadedFile("x.exe", b"MZ\x90\x00" + b"\x00" * 100)
        response = self.client.post(
            "/o/alpha/helpdesk/tickets/new/",
            {"ticket_type": "incident", "urgency": "3", "title": "Virus", "description": "?",
             "attachments": [upload]},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Ticket.objects.exists())
        response = self.client.post("/o/alpha/helpdesk/tickets/new/", {"urgency": "7"})
        self.assertEqual(response.status_code, 400)

    def test_hostile_attachments_answer_400_and_write_nothing(self) -> None:
        self.login(self.bob)
        documents = Document.objects.count()
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                response = self.client.post(
                    "/o/alpha/helpdesk/tickets/new/",
                    {"ticket_type": "incident", "urgency": "3", "title": "Adjunt",
                     "description": "?", "attachments": [SimpleUploadedFile(name, content)]},
                )  # fmt: skip
                self.assertEqual(response.status_code, 400)
                self.assertFalse(Ticket.objects.exists())
                self.assertEqual(Document.objects.count(), documents)

    def test_provider_opens_on_behalf_and_works_the_ticket(self) -> None:
        self.login(self.tomas)
        response = self.client.post(
            "/o/ccbages/helpdesk/tickets/new/",
            {"member": self.org_a.pk, "requester_username": "bob", "channel": "phone",
             "ticket_type": "request", "urgency": "3", "title": "Alta usuari",
             "description": "Nou administratiu."},
        )  # fmt: skip
        ticket = Ticket.objects.get()
        self.assertRedirects(response, f"/o/ccbages/helpdesk/tickets/{ticket.pk}/")
        self.assertEqual((ticket.requester, ticket.created_by), (self.bob, self.tomas))
        base = f"/o/ccbages/helpdesk/tickets/{ticket.pk}/"
        self.assertEqual(
            self.client.post(base + "assign/", {"technician": self.tomas.pk}).status_code, 302
        )
        self.assertEqual(
            self.client.post(
                base + "classify/", {"impact": "5", "urgency": "3", "ticket_type": "request"}
            ).status_code,
            302,
        )
        self.assertEqual(
            self.client.post(
                base + "followup/",
                {"body": "Fet a mitges", "minutes_spent": "30", "is_private": "on"},
            ).status_code,
            302,
        )
        self.assertEqual(
            self.client.post(
                base + "task/", {"description": "Crear compte", "minutes_spent": "10"}
            ).status_code,
            302,
        )
        self.assertEqual(self.client.post(base + "status/", {"status": "pending"}).status_code, 302)
        self.assertEqual(
            self.client.post(
                base + "solve/", {"solution": "Creat", "minutes_spent": "5"}
            ).status_code,
            302,
        )
        ticket.refresh_from_db()
        self.assertEqual((ticket.status, ticket.priority), (TicketStatus.SOLVED, 4))
        self.assertEqual(self.client.post(base + "solve/", {"solution": "Again"}).status_code, 400)
        self.assertEqual(self.client.post(base + "nonsense/", {}).status_code, 404)
        self.login(self.bob)
        response = self.client.post(
            f"/o/alpha/helpdesk/tickets/{ticket.pk}/accept/", {"comment": "Gràcies"}
        )
        self.assertEqual(response.status_code, 302)
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, TicketStatus.CLOSED)

    def test_survey_is_answered_once(self) -> None:
        with frozen(at(2026, 11, 23, 9, 0)):
            ticket = self.open_ticket()
            services.ticket_solve(org=self.provider, actor=self.tomas, ticket=ticket, solution="Ok")
            services.ticket_accept(org=self.org_a, actor=self.bob, ticket=ticket)
        with frozen(at(2026, 11, 24, 10, 0)):
            self.assertEqual(services.surveys_send(), 1)
        self.login(self.bob)
        # The answer comes in November too: the statistics below read November's answers.
        with frozen(at(2026, 11, 25, 9, 30)):
            self.assertContains(
                self.client.get(f"/o/alpha/helpdesk/tickets/{ticket.pk}/"), 'id="survey-h"'
            )
            url = f"/o/alpha/helpdesk/tickets/{ticket.pk}/survey/"
            self.assertEqual(self.client.post(url, {"score": "9"}).status_code, 400)
            self.assertEqual(
                self.client.post(url, {"score": "5", "comment": "Ràpid"}).status_code, 302
            )
            self.assertEqual(self.client.post(url, {"score": "4"}).status_code, 400)
            self.assertNotContains(
                self.client.get(f"/o/alpha/helpdesk/tickets/{ticket.pk}/"), 'id="survey-h"'
            )
        self.login(self.paula)
        stats = self.client.get("/o/ccbages/helpdesk/stats/?year=2026&month=11")
        self.assertContains(stats, "5,0 (1")  # the satisfaction average (Catalan decimals)


class ReportPageTests(HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        with frozen(at(2026, 11, 23, 9, 0)):
            cls.ticket_a = services.ticket_create(
                org=cls.org_a, actor=cls.bob, title="A", description="a"
            )
            cls.ticket_b = services.ticket_create(
                org=cls.org_b, actor=cls.charlie, title="B", description="b"
            )
            services.followup_add(
                org=cls.provider, actor=cls.tomas, ticket=cls.ticket_a, body="x", minutes_spent=90
            )
            services.ticket_solve(org=cls.provider, actor=cls.tomas, ticket=cls.ticket_b, solution="y", minutes_spent=45)  # fmt: skip

    def test_time_spent_in_the_municipalitys_monthly_report(self) -> None:
        self.login(self.alice)
        page = self.client.get("/o/alpha/helpdesk/reports/time/?year=2026&month=11")
        self.assertContains(page, "1.50")
        self.assertNotContains(page, "Ajuntament de Beta")
        csv_response = self.client.get(
            "/o/alpha/helpdesk/reports/time/?year=2026&month=11&format=csv"
        )
        self.assertIn("Tomàs,", csv_response.content.decode())
        self.assertNotIn("Beta", csv_response.content.decode())
        pdf = self.client.get("/o/alpha/helpdesk/reports/monthly.pdf?year=2026&month=11")
        self.assertEqual(pdf["Content-Type"], "application/pdf")
        self.assertTrue(pdf.content.startswith(b"%PDF"))
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        self.assertIn("1.50", text)  # Tomàs's hour and a half for Alpha
        self.assertIn(self.ticket_a.number, text)  # on one line: its column fits it
        self.assertNotIn("Beta", text)
        self.login(self.bob)  # municipal staff: no reports
        self.assertEqual(self.client.get("/o/alpha/helpdesk/reports/time/").status_code, 403)

    def test_provider_reports_and_statistics(self) -> None:
        self.login(self.paula)
        page = self.client.get("/o/ccbages/helpdesk/reports/time/?year=2026&month=11")
        self.assertContains(page, "Ajuntament de Beta")
        self.assertContains(page, "2.25")
        page = self.client.get("/o/ccbages/helpdesk/reports/time/?year=2026&month=11&member=alpha")
        self.assertNotContains(page, "Ajuntament de Beta")
        self.assertContains(page, "member=alpha")
        stats = self.client.get("/o/ccbages/helpdesk/stats/?year=2026")
        self.assertContains(stats, "<svg")
        pdf = self.client.get(
            "/o/ccbages/helpdesk/reports/monthly.pdf?year=2026&month=11&member=beta"
        )
        self.assertEqual(pdf.status_code, 200)
        api = self.api(self.paula).get(
            "/api/v1/o/ccbages/helpdesk/reports/time/?year=2026&month=11"
        )
        self.assertEqual(sum(r["minutes"] for r in api.json()["rows"]), 135)
        self.assertEqual(
            self.api(self.paula).get("/api/v1/o/ccbages/helpdesk/reports/time/?year=x").status_code,
            400,
        )


class SettingsAndKnowledgeBaseTests(HelpdeskTestCase):
    def test_settings_page_forms(self) -> None:
        self.login(self.paula)
        self.assertEqual(self.client.get("/o/ccbages/helpdesk/settings/").status_code, 200)
        response = self.client.post(
            "/o/ccbages/helpdesk/settings/", {"form": "category", "name": "Xarxa"}
        )
        self.assertEqual(response.status_code, 302)
        response = self.client.post(
            "/o/ccbages/helpdesk/settings/", {"form": "category", "name": "Xarxa"}
        )
        self.assertEqual(response.status_code, 400)
        matrix = {f"m_{u}_{i}": "5" for u in range(1, 6) for i in range(1, 6)}
        response = self.client.post(
            "/o/ccbages/helpdesk/settings/",
            {
                "form": "settings",
                "auto_close_business_days": "3",
                "survey_delay_hours": "0",
                "survey_rate_percent": "50",
                **matrix,
            },
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.open_ticket(urgency=1).priority, 5)
        self.login(self.tomas)  # technicians do not change settings
        self.assertEqual(self.client.get("/o/ccbages/helpdesk/settings/").status_code, 403)

    def test_public_and_internal_articles(self) -> None:
        services.article_save(
            org=self.provider,
            actor=self.paula,
            title="Reiniciar el router",
            body="Prem **reset**.",
            is_public=True,
        )
        services.article_save(
            org=self.provider, actor=self.paula, title="Claus del CPD", body="Secret"
        )
        self.login(self.bob)
        page = self.client.get("/o/alpha/helpdesk/kb/?q=router")
        self.assertContains(page, "Reiniciar el router")
        self.assertNotContains(self.client.get("/o/alpha/helpdesk/kb/"), "Claus del CPD")
        self.login(self.tomas)
        self.assertContains(self.client.get("/o/ccbages/helpdesk/kb/"), "Claus del CPD")

    def test_notification_preferences(self) -> None:
        self.login(self.bob)
        self.assertEqual(self.client.get("/o/alpha/helpdesk/preferences/").status_code, 200)
        self.client.post("/o/alpha/helpdesk/preferences/", {"assigned": "on"})
        ticket = self.open_ticket()
        with self.captureOnCommitCallbacks(execute=True):
            services.ticket_solve(org=self.provider, actor=self.tomas, ticket=ticket, solution="x")
        from django.core import mail

        self.assertFalse([m for m in mail.outbox if "bob@example.org" in m.to])
        self.assertEqual(FollowUp.objects.filter(kind="solution").count(), 1)


class MorePageTests(HelpdeskTestCase):
    def test_article_new_edit_and_link(self) -> None:
        self.login(self.paula)
        response = self.client.get("/o/ccbages/helpdesk/kb/new/")
        self.assertEqual(response.status_code, 200)
        response = self.client.post(
            "/o/ccbages/helpdesk/kb/new/",
            {"title": "VPN", "body": "<script>alert(1)</script>**Connecteu**", "is_public": "on"},
        )
        article = services.selectors.articles(org=self.provider).get()
        self.assertRedirects(response, f"/o/ccbages/helpdesk/kb/{article.pk}/")
        page = self.client.get(f"/o/ccbages/helpdesk/kb/{article.pk}/").content.decode()
        self.assertIn("<strong>Connecteu</strong>", page)
        self.assertNotIn("<script>alert", page)
        response = self.client.post(
            f"/o/ccbages/helpdesk/kb/{article.pk}/edit/", {"title": "", "body": "x"}
        )
        self.assertEqual(response.status_code, 400)
        ticket = self.open_ticket()
        response = self.client.post(
            f"/o/ccbages/helpdesk/tickets/{ticket.pk}/link/", {"article": article.pk}
        )
        self.assertEqual(response.status_code, 302)
        self.login(self.bob)
        self.assertContains(self.client.get(f"/o/alpha/helpdesk/tickets/{ticket.pk}/"), "VPN")
        self.assertEqual(self.client.get("/o/alpha/helpdesk/kb/new/").status_code, 403)

    def test_settings_groups_rules_targets_and_category_toggle(self) -> None:
        self.login(self.paula)
        url = "/o/ccbages/helpdesk/settings/"
        self.assertEqual(
            self.client.post(
                url, {"form": "group", "name": "N1", "members": [self.tomas.pk]}
            ).status_code,
            302,
        )
        group = services.selectors.groups(provider=self.provider).get()
        self.assertEqual(
            self.client.post(
                url, {"form": "rule", "kind": "own", "percent": "100", "action": "reassign"}
            ).status_code,
            400,
        )
        self.assertEqual(
            self.client.post(
                url,
                {
                    "form": "rule",
                    "kind": "own",
                    "percent": "100",
                    "action": "reassign",
                    "group": group.pk,
                },
            ).status_code,
            302,
        )
        self.assertEqual(
            self.client.post(
                url,
                {
                    "form": "sla",
                    "level": "standard",
                    "priority": "1",
                    "own_minutes": "600",
                    "resolve_minutes": "60",
                },
            ).status_code,
            400,
        )
        self.assertEqual(
            self.client.post(
                url,
                {
                    "form": "sla",
                    "level": "standard",
                    "priority": "1",
                    "own_minutes": "60",
                    "resolve_minutes": "600",
                },
            ).status_code,
            302,
        )
        self.assertEqual(self.client.post(url, {"form": "bogus"}).status_code, 400)
        response = self.client.post(
            f"/o/ccbages/helpdesk/settings/categories/{self.printers.pk}/active/",
            {"is_active": "0"},
        )
        self.assertEqual(response.status_code, 302)
        self.printers.refresh_from_db()
        self.assertFalse(self.printers.is_active)
        self.assertEqual(
            self.client.post(
                f"/o/ccbages/helpdesk/settings/categories/{self.printers.pk}/active/", {}
            ).status_code,
            302,
        )

    def test_task_done_and_htmx_queue(self) -> None:
        ticket = self.open_ticket()
        task = services.task_add(
            org=self.provider, actor=self.tomas, ticket=ticket, description="Anar-hi"
        )
        self.login(self.tomas)
        url = f"/o/ccbages/helpdesk/tickets/{ticket.pk}/tasks/{task.pk}/done/"
        self.assertEqual(self.client.post(url, {"minutes_spent": "30"}).status_code, 302)
        task.refresh_from_db()
        self.assertEqual((task.is_done, task.minutes_spent), (True, 30))
        self.client.post(url, {"minutes_spent": "30"})  # twice: refused with a message, no change
        task.refresh_from_db()
        self.assertEqual(task.minutes_spent, 30)
        response = self.client.get("/o/ccbages/helpdesk/?queue=all", headers={"HX-Request": "true"})
        self.assertNotContains(response, "<html")
        self.assertContains(response, 'id="queue-results"')
        self.login(self.bob)
        self.assertEqual(
            self.client.post(
                f"/o/alpha/helpdesk/tickets/{ticket.pk}/tasks/{task.pk}/done/"
            ).status_code,
            403,
        )
        dashboard = self.client.get("/o/alpha/")
        self.assertContains(dashboard, "/o/alpha/helpdesk/")


class ReportIsolationTests(ReportPageTests):
    def test_member_b_reports_never_show_a(self) -> None:
        self.login(self.charlie)
        page = self.client.get("/o/beta/helpdesk/reports/time/?year=2026&month=11")
        self.assertContains(page, "0.75")
        self.assertNotContains(page, "Alpha")
        api = self.api(self.charlie).get("/api/v1/o/beta/helpdesk/reports/time/?year=2026&month=11")
        self.assertEqual([r["municipality"] for r in api.json()["rows"]], ["Ajuntament de Beta"])
        self.assertEqual(self.client.get("/o/alpha/helpdesk/reports/time/").status_code, 404)
        self.assertEqual(self.client.get("/o/alpha/helpdesk/reports/monthly.pdf").status_code, 404)
        self.assertEqual(self.client.get("/o/ccbages/helpdesk/stats/").status_code, 404)

    def test_lists_take_fixed_queries(self) -> None:
        for n in range(3):
            services.article_save(
                org=self.provider, actor=self.paula, title=f"A{n}", body="x", is_public=True
            )
        client = self.api(self.bob)
        with self.assertNumQueries(4):  # role, provider, count, rows
            response = client.get("/api/v1/o/alpha/helpdesk/articles/")
        self.assertEqual(response.json()["count"], 3)
        with self.assertNumQueries(4):
            client.get("/api/v1/o/alpha/helpdesk/categories/")


class TicketPageQueryTests(HelpdeskTestCase):
    def test_ticket_page_queries_do_not_grow_with_its_history(self) -> None:
        ticket = self.open_ticket()
        self.login(self.tomas)
        url = f"/o/ccbages/helpdesk/tickets/{ticket.pk}/"

        def add(n: int) -> None:
            for i in range(n):
                services.followup_add(
                    org=self.provider,
                    actor=self.tomas,
                    ticket=ticket,
                    body=f"F{i}",
                    minutes_spent=5,
                )
                services.task_add(
                    org=self.provider, actor=self.tomas, ticket=ticket, description=f"T{i}"
                )

        add(2)
        with CaptureQueriesContext(connection) as first:
            self.client.get(url)
        add(4)
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(url)
        self.assertContains(response, "F3")
