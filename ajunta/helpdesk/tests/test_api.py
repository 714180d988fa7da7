"""Helpdesk API: opening tickets (own and on behalf), actions, refusals as 400, isolation."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ajunta.core.testing import TenantIsolationMixin, api_ids, use_temporary_media
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.helpdesk import selectors, services
from ajunta.helpdesk.api import TicketDetailSerializer
from ajunta.helpdesk.models import FollowUp, Ticket, TicketStatus
from ajunta.helpdesk.tests.base import HelpdeskTestCase

BASE = "/api/v1/o/{slug}/helpdesk/tickets/"


class TicketApiTests(HelpdeskTestCase):
    def setUp(self) -> None:
        self.media = use_temporary_media(self)

    def test_member_opens_and_follows_a_ticket(self) -> None:
        client = self.api(self.bob)
        response = client.post(
            BASE.format(slug="alpha"),
            {"title": "Sense xarxa", "description": "Cap ordinador té xarxa.", "urgency": 5,
             "category": self.printers.pk},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(
            (body["municipality"], body["priority"], body["channel"]), ("alpha", 4, "api")
        )
        pk = body["id"]
        response = client.post(
            BASE.format(slug="alpha") + f"{pk}/followups/",
            {"body": "Ara tampoc hi ha telèfon.", "attachments": [SimpleUploadedFile("log.txt", b"no carrier\n")]},
            format="multipart",
        )  # fmt: skip
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(len(response.json()["attachments"]), 1)
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                refused = client.post(
                    BASE.format(slug="alpha") + f"{pk}/followups/",
                    {"body": "Adjunt", "attachments": [SimpleUploadedFile(name, content)]},
                    format="multipart",
                )
                self.assertEqual(refused.status_code, 400, refused.content)
        self.assertEqual(FollowUp.objects.filter(ticket_id=pk, body="Adjunt").count(), 0)
        # Staff actions are refused to the municipality (403 in its own organization).
        self.assertEqual(
            client.post(BASE.format(slug="alpha") + f"{pk}/solve/", {"solution": "x"}).status_code,
            403,
        )

    def test_a_retried_post_with_its_idempotency_key_opens_one_ticket(self) -> None:
        client = self.api(self.bob)
        body = {"title": "Sense xarxa", "description": "Cap ordinador té xarxa.", "urgency": 3}
        url = BASE.format(slug="alpha")
        first = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        self.assertEqual(first.status_code, 201, first.content)
        again = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        self.assertEqual(again.status_code, 200, again.content)
        self.assertEqual(again.json()["id"], first.json()["id"])
        other = client.post(url, {**body, "urgency": 5}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        self.assertEqual(other.status_code, 422, other.content)
        self.assertIn(first.json()["number"], other.json()["detail"])
        self.assertEqual(Ticket.objects.filter(title="Sense xarxa").count(), 1)
        # Another user's same key is theirs; no key at all is a new ticket each time.
        self.assertEqual(
            self.api(self.alice).post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1").status_code,
            201,
        )  # fmt: skip
        self.assertEqual(client.post(url, body, format="json").status_code, 201)
        self.assertEqual(Ticket.objects.filter(title="Sense xarxa").count(), 3)
        too_long = client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY="k" * 81)
        self.assertEqual(too_long.status_code, 400)

    def test_a_racing_retry_gets_the_first_ticket(self) -> None:
        # The second call's insert meets the unique constraint: it answers the first ticket.
        common = {"org": self.org_a, "actor": self.bob, "title": "Impressora",
                  "description": "No imprimeix.", "idempotency_key": "k-2",
                  "idempotency_digest": "d"}  # fmt: skip
        first = services.ticket_create(**common)
        from unittest import mock

        with mock.patch("ajunta.helpdesk.services._ticket_for_key", side_effect=[None, first]):
            second = services.ticket_create(**common)
        self.assertEqual(second.pk, first.pk)
        self.assertEqual(Ticket.objects.filter(title="Impressora").count(), 1)
        with self.assertRaises(services.IdempotencyKeyReused):
            services.ticket_create(**{**common, "idempotency_digest": "other"})

    def test_opening_answers_the_whole_ticket_in_bounded_queries(self) -> None:
        group = services.group_create(org=self.provider, actor=self.paula, name="Sistemes")
        self.open_ticket()  # the provider's counter and the member's audit chain exist from now
        client = self.api(self.bob)
        payload = {"title": "Sense xarxa", "description": "Res.", "category": self.printers.pk}
        with CaptureQueriesContext(connection) as opening:
            response = client.post(BASE.format(slug="alpha"), payload, format="json")
        self.assertEqual(response.status_code, 201, response.content)
        # role, category, provider (2), requester check, settings, agreement, SLA target,
        # calendar (2), number, insert and audit chain (7), the ticket and its lists (5); the
        # e-mails go after the commit, which a TestCase never reaches
        self.assertLessEqual(len(opening.captured_queries), 22)
        body = response.json()
        self.assertEqual(
            (body["requester"], body["category"], body["technician"], body["group"]),
            ("bob", "Hardware > Printers", None, None),
        )
        # The relations left out of the join are read when set, and answered the same.
        ticket = Ticket.objects.get(pk=body["id"])
        services.ticket_assign(
            org=self.provider, actor=self.paula, ticket=ticket, technician=self.tomas, group=group
        )
        detail = client.get(BASE.format(slug="alpha") + f"{ticket.pk}/").json()
        everything = (
            selectors.tickets(org=self.org_a).select_related("created_by").get(pk=ticket.pk)
        )
        expected = TicketDetailSerializer(everything, context={"staff": False}).data
        for field in ("municipality", "category", "requester", "technician", "group", "service"):
            self.assertEqual(detail[field], expected[field], field)
        self.assertEqual((detail["technician"], detail["group"]), ("tomas", "Sistemes"))

    def test_bad_input_is_a_400_and_writes_nothing(self) -> None:
        client = self.api(self.bob)
        for payload in ({"title": "", "description": "x"}, {"title": "x", "description": "y", "urgency": 8},
                        {"title": "x", "description": "y", "category": 999999}):  # fmt: skip
            response = client.post(BASE.format(slug="alpha"), payload, format="json")
            self.assertEqual(response.status_code, 400, payload)
        self.assertFalse(Ticket.objects.exists())

    def test_provider_opens_on_behalf_and_solves(self) -> None:
        client = self.api(self.tomas)
        response = client.post(
            BASE.format(slug="ccbages"),
            {"title": "Certificat caducat", "description": "El de la seu.", "member": "alpha",
             "requester": "bob", "ticket_type": "request"},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 201, response.content)
        pk = response.json()["id"]
        self.assertEqual(response.json()["requester"], "bob")
        url = BASE.format(slug="ccbages") + f"{pk}/"
        self.assertEqual(client.post(url + "assign/", {"technician": "teresa"}).status_code, 200)
        self.assertEqual(client.post(url + "assign/", {"technician": "bob"}).status_code, 400)
        self.assertEqual(client.post(url + "classify/", {"impact": 5}).json()["priority"], 4)
        self.assertEqual(client.post(url + "status/", {"status": "closed"}).status_code, 400)
        self.assertEqual(client.post(url + "status/", {"status": "pending"}).json()["paused"], True)
        response = client.post(url + "tasks/", {"description": "Renovar", "minutes_spent": 25})
        self.assertEqual(response.json()["tasks"][0]["minutes_spent"], 25)
        response = client.post(url + "solve/", {"solution": "Renovat", "minutes_spent": 10})
        self.assertEqual(response.json()["status"], TicketStatus.SOLVED)
        member = self.api(self.bob)
        member_url = BASE.format(slug="alpha") + f"{pk}/"
        self.assertEqual(member.get(member_url).json()["tasks"], [])
        self.assertEqual(member.post(member_url + "reopen/", {}).status_code, 400)
        response = member.post(member_url + "reopen/", {"reason": "Encara surt l'avís."})
        self.assertEqual(response.json()["reopen_count"], 1)

    def test_member_must_be_a_member_and_requester_theirs(self) -> None:
        client = self.api(self.tomas)
        response = client.post(
            BASE.format(slug="ccbages"), {"title": "x", "description": "y"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        response = client.post(
            BASE.format(slug="ccbages"),
            {"title": "x", "description": "y", "member": "alpha", "requester": "charlie"},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)


class ApiIsolationTests(TenantIsolationMixin, HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ticket_a = services.ticket_create(
            org=cls.org_a, actor=cls.bob, title="A", description="a"
        )
        cls.ticket_b = services.ticket_create(
            org=cls.org_b, actor=cls.charlie, title="B", description="b"
        )
        cls.isolation_ids_a = {str(cls.ticket_a.pk)}
        cls.isolation_ids_b = {str(cls.ticket_b.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        url = BASE.format(slug=slug) + f"{self.ticket_a.pk}/"
        return [("GET", url), ("POST", url + "survey/"), ("POST", url + "solve/"),
                ("POST", url + "tasks/"), ("POST", url + "assign/")]  # fmt: skip

    def isolation_list_urls(self, slug: str) -> list[tuple[str, object]]:
        return [
            (BASE.format(slug=slug), api_ids()),
            (BASE.format(slug=slug) + "?queue=open", api_ids()),
        ]

    def test_categories_and_articles_and_time_report(self) -> None:
        services.article_save(org=self.provider, actor=self.paula, title="Internal", body="x")
        public = services.article_save(
            org=self.provider, actor=self.paula, title="Public", body="y", is_public=True
        )
        client = self.api(self.bob)
        self.assertEqual(
            len(client.get("/api/v1/o/alpha/helpdesk/categories/").json()["results"]), 2
        )
        self.assertEqual(
            api_ids()(client.get("/api/v1/o/alpha/helpdesk/articles/")), {str(public.pk)}
        )
        self.assertEqual(
            client.get("/api/v1/o/alpha/helpdesk/reports/time/?year=2026").status_code, 403
        )
        self.assertEqual(
            self.api(self.charlie).get("/api/v1/o/alpha/helpdesk/categories/").status_code, 404
        )


class SettingsApiTests(HelpdeskTestCase):
    def test_categories_and_sla_targets(self) -> None:
        admin = self.api(self.paula)
        response = admin.post(
            "/api/v1/o/ccbages/helpdesk/categories/",
            {"name": "Toner", "parent_id": self.printers.pk},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["full_name"], "Hardware > Printers > Toner")
        self.assertEqual(
            admin.post(
                "/api/v1/o/ccbages/helpdesk/categories/",
                {"name": "Toner", "parent_id": self.printers.pk},
                format="json",
            ).status_code,
            400,
        )
        self.assertEqual(
            self.api(self.tomas)
            .post("/api/v1/o/ccbages/helpdesk/categories/", {"name": "X"}, format="json")
            .status_code,
            403,
        )
        self.assertEqual(
            self.api(self.alice)
            .post("/api/v1/o/alpha/helpdesk/categories/", {"name": "X"}, format="json")
            .status_code,
            403,
        )
        url = "/api/v1/o/ccbages/helpdesk/sla-targets/"
        self.assertEqual(len(self.api(self.tomas).get(url).json()), 4)
        payload = {"level": "premium", "priority": 5, "own_minutes": 10, "resolve_minutes": 30}
        self.assertEqual(self.api(self.tomas).put(url, payload, format="json").status_code, 403)
        self.assertEqual(admin.put(url, payload, format="json").status_code, 200)
        self.assertEqual(admin.put(url, {**payload, "priority": 9}, format="json").status_code, 400)
        self.assertEqual(
            self.api(self.bob).get("/api/v1/o/alpha/helpdesk/sla-targets/").status_code, 403
        )
        self.assertEqual(self.api(self.charlie).get(url).status_code, 404)

    def test_preferences(self) -> None:
        client = self.api(self.bob)
        url = "/api/v1/o/alpha/helpdesk/preferences/"
        self.assertTrue(all(client.get(url).json().values()))
        response = client.patch(url, {"solved": False}, format="json")
        self.assertEqual(response.json()["solved"], False)
        self.assertEqual(response.json()["followup"], True)
        self.assertEqual(self.api(self.charlie).get(url).status_code, 404)
