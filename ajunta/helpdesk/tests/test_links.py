"""The helpdesk wired to the inventory and the services catalogue: a ticket's affected assets and
an asset's tickets, service requests from the catalogue, and the support hours agreed vs spent."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ajunta.assets import services as asset_services
from ajunta.core.models import AuditEvent
from ajunta.core.testing import TenantIsolationMixin
from ajunta.helpdesk import services
from ajunta.helpdesk.models import Ticket, TicketAsset, TicketType
from ajunta.helpdesk.tests.base import HelpdeskTestCase
from ajunta.tenants import services as tenant_services
from ajunta.tenants.models import RequestableBy


def page_ids(response: Any) -> set[str]:
    return set(re.findall(r'data-ticket-id="(\d+)"', response.content.decode()))


def api_ids(response: Any) -> set[str]:
    return {str(row["id"]) for row in response.json()["results"]}


class LinksTestCase(HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.pc_a = asset_services.asset_create(
            org=cls.org_a, actor=cls.alice, kind="desktop", name="PC Secretaria",
            inventory_tag="AJ-0001",
        )  # fmt: skip
        cls.printer_a = asset_services.asset_create(
            org=cls.org_a, actor=cls.alice, kind="printer", name="Impressora planta baixa"
        )
        cls.old_a = asset_services.asset_create(
            org=cls.org_a, actor=cls.alice, kind="laptop", name="Portàtil vell", status="retired"
        )
        cls.pc_b = asset_services.asset_create(
            org=cls.org_b, actor=cls.charlie, kind="desktop", name="PC Beta"
        )
        cls.backups = tenant_services.catalogue_service_create(
            org=cls.provider, actor=cls.paula, code="backups", name="Còpies de seguretat"
        )
        cls.internal = tenant_services.catalogue_service_create(
            org=cls.provider, actor=cls.paula, code="internal", name="Servei intern",
            requestable_by=RequestableBy.PROVIDER,
        )  # fmt: skip


# --- services ------------------------------------------------------------------------------------
class TicketAssetServiceTests(LinksTestCase):
    def test_member_names_its_own_assets(self) -> None:
        ticket = self.open_ticket(assets=[self.pc_a, self.printer_a.pk])
        links = TicketAsset.objects.filter(ticket=ticket)
        self.assertEqual({link.asset_id for link in links}, {self.pc_a.pk, self.printer_a.pk})
        self.assertTrue(all(link.organization_id == self.org_a.pk for link in links))

    def test_another_organizations_asset_is_refused_and_nothing_written(self) -> None:
        before = (Ticket.objects.count(), TicketAsset.objects.count())
        with self.assertRaises(ValidationError) as caught:
            self.open_ticket(assets=[self.pc_a, self.pc_b])
        self.assertIn("assets", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            self.open_ticket(assets=["not a number"])
        self.assertEqual((Ticket.objects.count(), TicketAsset.objects.count()), before)

    def test_provider_on_behalf_names_the_members_assets_only(self) -> None:
        ticket = services.ticket_create(
            org=self.provider, actor=self.tomas, title="T", description="d", member=self.org_a,
            channel="phone", assets=[self.pc_a.pk],
        )  # fmt: skip
        self.assertEqual([link.asset_id for link in ticket.affected_assets.all()], [self.pc_a.pk])
        with self.assertRaises(ValidationError) as caught:
            services.ticket_create(
                org=self.provider, actor=self.tomas, title="T", description="d",
                member=self.org_a, channel="phone", assets=[self.pc_b.pk],
            )  # fmt: skip
        self.assertIn("assets", caught.exception.message_dict)

    def test_assets_set_replaces_the_list_audited(self) -> None:
        ticket = self.open_ticket(assets=[self.pc_a])
        services.ticket_assets_set(
            org=self.org_a, actor=self.bob, ticket=ticket, assets=[self.printer_a]
        )
        self.assertEqual(
            list(TicketAsset.objects.filter(ticket=ticket).values_list("asset_id", flat=True)),
            [self.printer_a.pk],
        )
        event = AuditEvent.objects.filter(action="helpdesk.ticket.assets").get()
        self.assertEqual(event.changes["added"], [self.printer_a.pk])
        self.assertEqual(event.changes["removed"], [self.pc_a.pk])
        services.ticket_assets_set(org=self.provider, actor=self.tomas, ticket=ticket, assets=[])
        self.assertFalse(TicketAsset.objects.filter(ticket=ticket).exists())
        with self.assertRaises(ValidationError):
            services.ticket_assets_set(
                org=self.provider, actor=self.tomas, ticket=ticket, assets=[self.pc_b]
            )
        with self.assertRaises(Ticket.DoesNotExist):
            services.ticket_assets_set(
                org=self.org_b, actor=self.charlie, ticket=ticket, assets=[self.pc_b]
            )


class ServiceRequestServiceTests(LinksTestCase):
    def test_a_requestable_service_makes_a_request(self) -> None:
        ticket = self.open_ticket(service="backups")
        self.assertEqual(ticket.service, self.backups)
        self.assertEqual(ticket.ticket_type, TicketType.REQUEST)
        ticket = self.open_ticket(service=self.backups, ticket_type=TicketType.INCIDENT)
        self.assertEqual(ticket.ticket_type, TicketType.REQUEST)

    def test_a_request_for_a_service_stays_a_request(self) -> None:
        ticket = self.open_ticket(service="backups")
        with self.assertRaises(ValidationError) as caught:
            services.ticket_classify(
                org=self.provider, actor=self.tomas, ticket=ticket, ticket_type="incident"
            )
        self.assertIn("ticket_type", caught.exception.message_dict)

    def test_services_the_member_may_not_request_are_refused(self) -> None:
        tenant_services.catalogue_service_create(
            org=self.org_b, actor=self.charlie, code="foreign", name="D'un altre"
        )
        for service in ("internal", "nowhere", "foreign"):
            with self.subTest(service=service), self.assertRaises(ValidationError) as caught:
                self.open_ticket(service=service)
            self.assertIn("service", caught.exception.message_dict)
        tenant_services.catalogue_service_update(
            org=self.provider, actor=self.paula, service=self.backups, is_active=False
        )
        with self.assertRaises(ValidationError):
            self.open_ticket(service="backups")
        self.assertFalse(Ticket.objects.exists())


# --- pages ---------------------------------------------------------------------------------------
@override_settings(LANGUAGE_CODE="en")
class LinkPagesTests(TenantIsolationMixin, LinksTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.ticket_a = services.ticket_create(
            org=cls.org_a, actor=cls.bob, title="A", description="a", assets=[cls.pc_a]
        )
        cls.ticket_b = services.ticket_create(
            org=cls.org_b, actor=cls.charlie, title="B", description="b", assets=[cls.pc_b]
        )
        cls.isolation_ids_a = {str(cls.ticket_a.pk)}
        cls.isolation_ids_b = {str(cls.ticket_b.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        return [
            ("GET", f"/o/{slug}/helpdesk/assets/{self.pc_a.pk}/tickets/"),
            ("GET", f"/api/v1/o/{slug}/helpdesk/assets/{self.pc_a.pk}/tickets/"),
            ("POST", f"/o/{slug}/helpdesk/tickets/{self.ticket_a.pk}/assets/"),
            ("POST", f"/api/v1/o/{slug}/helpdesk/tickets/{self.ticket_a.pk}/assets/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [
            (f"/o/{slug}/helpdesk/?queue=all", page_ids),
            (f"/api/v1/o/{slug}/helpdesk/tickets/?queue=all", api_ids),
        ]

    def test_new_ticket_form_offers_the_members_active_assets_and_services(self) -> None:
        self.client.force_login(self.bob)
        page = self.client.get("/o/alpha/helpdesk/tickets/new/").content.decode()
        self.assertIn("PC Secretaria (AJ-0001)", page)
        self.assertIn("Impressora planta baixa", page)
        self.assertNotIn("Portàtil vell", page)  # retired
        self.assertNotIn("PC Beta", page)
        self.assertIn("Request a service", page)
        self.assertIn("/o/alpha/helpdesk/tickets/new/?service=backups", page)
        self.assertNotIn("Servei intern", page)
        chosen = self.client.get("/o/alpha/helpdesk/tickets/new/?service=backups")
        self.assertContains(chosen, '<option value="backups" selected>')

    def test_new_ticket_form_opens_a_request_with_assets(self) -> None:
        self.client.force_login(self.bob)
        data = {
            "ticket_type": "incident", "urgency": "3", "title": "Restaurar carpeta",
            "description": "Cal recuperar-la.", "service": "backups",
            "assets": [str(self.pc_a.pk), str(self.printer_a.pk)],
        }  # fmt: skip
        response = self.client.post("/o/alpha/helpdesk/tickets/new/", data)
        self.assertEqual(response.status_code, 302)
        ticket = Ticket.objects.get(title="Restaurar carpeta")
        self.assertEqual(ticket.service, self.backups)
        self.assertEqual(ticket.ticket_type, TicketType.REQUEST)
        self.assertEqual(
            {link.asset_id for link in ticket.affected_assets.all()},
            {self.pc_a.pk, self.printer_a.pk},
        )
        page = self.client.get(f"/o/alpha/helpdesk/tickets/{ticket.pk}/")
        self.assertContains(page, "Còpies de seguretat")
        self.assertContains(page, f'href="/o/alpha/assets/{self.pc_a.pk}/"')

    def test_new_ticket_form_refuses_another_organizations_asset(self) -> None:
        self.client.force_login(self.bob)
        data = {"ticket_type": "incident", "urgency": "3", "title": "X", "description": "y",
                "assets": [str(self.pc_b.pk)], "service": "internal"}  # fmt: skip
        response = self.client.post("/o/alpha/helpdesk/tickets/new/", data)
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "id_assets_error", status_code=400)
        self.assertContains(response, "id_service_error", status_code=400)
        self.assertFalse(Ticket.objects.filter(title="X").exists())

    def test_member_changes_the_assets_of_its_ticket(self) -> None:
        self.client.force_login(self.bob)
        url = f"/o/alpha/helpdesk/tickets/{self.ticket_a.pk}/"
        page = self.client.get(url)
        self.assertContains(page, "Change the equipment")
        response = self.client.post(url + "assets/", {"assets": [str(self.printer_a.pk)]})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            [link.asset_id for link in self.ticket_a.affected_assets.all()], [self.printer_a.pk]
        )
        refused = self.client.post(url + "assets/", {"assets": [str(self.pc_b.pk)]})
        self.assertEqual(refused.status_code, 400)
        self.assertContains(refused, "id_assets_error", status_code=400)

    def test_provider_changes_the_assets_on_behalf_of_the_member(self) -> None:
        self.login(self.tomas)
        url = f"/o/ccbages/helpdesk/tickets/{self.ticket_a.pk}/"
        page = self.client.get(url).content.decode()
        self.assertIn("Impressora planta baixa", page)  # the member's assets are offered
        self.assertNotIn("PC Beta", page)
        self.assertIn(f'href="/o/ccbages/assets/{self.pc_a.pk}/"', page)
        response = self.client.post(
            url + "assets/", {"assets": [str(self.pc_a.pk), str(self.printer_a.pk)]}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.ticket_a.affected_assets.count(), 2)

    def test_asset_tickets_partial(self) -> None:
        self.client.force_login(self.bob)
        response = self.client.get(f"/o/alpha/helpdesk/assets/{self.pc_a.pk}/tickets/")
        self.assertEqual(page_ids(response), {str(self.ticket_a.pk)})
        self.assertNotContains(response, "<html")
        empty = self.client.get(f"/o/alpha/helpdesk/assets/{self.printer_a.pk}/tickets/")
        self.assertContains(empty, "No ticket names this asset.")
        self.assertEqual(
            self.client.get(f"/o/alpha/helpdesk/assets/{self.pc_b.pk}/tickets/").status_code, 404
        )
        self.client.force_login(self.charlie)
        self.assertEqual(
            self.client.get(f"/o/beta/helpdesk/assets/{self.pc_a.pk}/tickets/").status_code, 404
        )
        response = self.client.get(f"/o/beta/helpdesk/assets/{self.pc_b.pk}/tickets/")
        self.assertEqual(page_ids(response), {str(self.ticket_b.pk)})
        self.login(self.tomas)
        response = self.client.get(f"/o/ccbages/helpdesk/assets/{self.pc_a.pk}/tickets/")
        self.assertEqual(page_ids(response), {str(self.ticket_a.pk)})

    def test_asset_page_loads_its_tickets_with_htmx(self) -> None:
        self.client.force_login(self.bob)
        page = self.client.get(f"/o/alpha/assets/{self.pc_a.pk}/")
        self.assertContains(page, f'hx-get="/o/alpha/helpdesk/assets/{self.pc_a.pk}/tickets/"')
        self.assertContains(page, 'hx-trigger="load"')

    def test_provider_queue_filters_by_service(self) -> None:
        request = self.open_ticket(service="backups", title="Petició")
        self.login(self.tomas)
        response = self.client.get("/o/ccbages/helpdesk/?queue=all&service=backups")
        self.assertEqual(page_ids(response), {str(request.pk)})
        self.assertContains(response, "Còpies de seguretat")
        api = self.api(self.tomas).get("/api/v1/o/ccbages/helpdesk/tickets/?service=backups")
        self.assertEqual(api_ids(api), {str(request.pk)})
        bad = self.api(self.tomas).get("/api/v1/o/ccbages/helpdesk/tickets/?service=nowhere")
        self.assertEqual(bad.status_code, 400)

    def test_ticket_page_queries_do_not_grow_with_its_assets(self) -> None:
        self.login(self.tomas)
        ticket = self.open_ticket(assets=[self.pc_a])
        url = f"/o/ccbages/helpdesk/tickets/{ticket.pk}/"
        with CaptureQueriesContext(connection) as first:
            self.client.get(url)
        services.ticket_assets_set(
            org=self.provider, actor=self.tomas, ticket=ticket, assets=[self.pc_a, self.printer_a]
        )
        with self.assertNumQueries(len(first.captured_queries)):
            response = self.client.get(url)
        self.assertContains(response, "Impressora planta baixa")


# --- API -----------------------------------------------------------------------------------------
class LinkApiTests(LinksTestCase):
    def test_create_with_assets_and_service_then_set_assets(self) -> None:
        client = self.api(self.bob)
        response = client.post(
            "/api/v1/o/alpha/helpdesk/tickets/",
            {"title": "T", "description": "d", "assets": [self.pc_a.pk], "service": "backups"},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["assets"], [self.pc_a.pk])
        self.assertEqual(body["service"], "backups")
        self.assertEqual(body["ticket_type"], "request")
        url = f"/api/v1/o/alpha/helpdesk/tickets/{body['id']}/"
        changed = client.post(url + "assets/", {"assets": [self.printer_a.pk]}, format="json")
        self.assertEqual(changed.status_code, 200, changed.content)
        self.assertEqual(changed.json()["assets"], [self.printer_a.pk])
        self.assertEqual(client.get(url).json()["assets"], [self.printer_a.pk])

    def test_bad_assets_and_services_answer_400_and_write_nothing(self) -> None:
        client = self.api(self.bob)
        for payload in (
            {"assets": [self.pc_b.pk]},
            {"assets": ["x"]},
            {"assets": "nope"},
            {"service": "internal"},
            {"service": "nowhere"},
        ):
            with self.subTest(payload=payload):
                response = client.post(
                    "/api/v1/o/alpha/helpdesk/tickets/",
                    {"title": "T", "description": "d", **payload},
                    format="json",
                )
                self.assertEqual(response.status_code, 400, response.content)
        self.assertFalse(Ticket.objects.exists())
        ticket = self.open_ticket(assets=[self.pc_a])
        url = f"/api/v1/o/alpha/helpdesk/tickets/{ticket.pk}/assets/"
        refused = client.post(url, {"assets": [self.pc_b.pk]}, format="json")
        self.assertEqual(refused.status_code, 400)
        self.assertIn("assets", refused.json())
        self.assertEqual([a.asset_id for a in ticket.affected_assets.all()], [self.pc_a.pk])

    def test_provider_on_behalf_and_asset_tickets(self) -> None:
        client = self.api(self.tomas)
        response = client.post(
            "/api/v1/o/ccbages/helpdesk/tickets/",
            {"title": "T", "description": "d", "member": "alpha", "assets": [self.pc_a.pk]},
            format="json",
        )
        self.assertEqual(response.status_code, 201, response.content)
        refused = client.post(
            "/api/v1/o/ccbages/helpdesk/tickets/",
            {"title": "T", "description": "d", "member": "alpha", "assets": [self.pc_b.pk]},
            format="json",
        )
        self.assertEqual(refused.status_code, 400)
        listed = client.get(f"/api/v1/o/ccbages/helpdesk/assets/{self.pc_a.pk}/tickets/")
        self.assertEqual(api_ids(listed), {str(response.json()["id"])})
        mine = self.api(self.bob).get(f"/api/v1/o/alpha/helpdesk/assets/{self.pc_a.pk}/tickets/")
        self.assertEqual(api_ids(mine), {str(response.json()["id"])})
        other = self.api(self.charlie)
        self.assertEqual(
            other.get(f"/api/v1/o/beta/helpdesk/assets/{self.pc_a.pk}/tickets/").status_code, 404
        )

    def test_asset_tickets_take_fixed_queries(self) -> None:
        client = self.api(self.bob)
        url = f"/api/v1/o/alpha/helpdesk/assets/{self.pc_a.pk}/tickets/"
        self.open_ticket(assets=[self.pc_a])
        with CaptureQueriesContext(connection) as first:
            client.get(url)
        for n in range(4):
            self.open_ticket(assets=[self.pc_a], title=f"T{n}")
        with self.assertNumQueries(len(first.captured_queries)):
            response = client.get(url)
        self.assertEqual(response.json()["count"], 5)


# --- support hours -------------------------------------------------------------------------------
@override_settings(LANGUAGE_CODE="en")
class SupportHoursTests(LinksTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        today = timezone.localdate()
        # An agreement switches on the modules of its services: the helpdesk must be one.
        support = tenant_services.catalogue_service_create(
            org=cls.provider, actor=cls.paula, code="support", name="Suport", module="helpdesk"
        )
        tenant_services.agreement_create(
            org=cls.provider, actor=cls.paula, member=cls.org_a, title="Conveni",
            start_date=dt.date(today.year, 1, 1), end_date=dt.date(today.year, 12, 31),
            support_hours_per_year=40, services=[support],
        )  # fmt: skip
        ticket = services.ticket_create(org=cls.org_a, actor=cls.bob, title="T", description="d")
        services.followup_add(
            org=cls.provider, actor=cls.tomas, ticket=ticket, body="Fet", minutes_spent=90
        )
        cls.year = today.year

    def test_member_page_and_csv_show_agreed_and_spent(self) -> None:
        self.client.force_login(self.alice)
        page = self.client.get(f"/o/alpha/helpdesk/reports/time/?year={self.year}")
        self.assertContains(page, "Hours agreed")
        self.assertContains(page, "<dd>40</dd>", html=False)
        self.assertContains(page, "1.50")
        csv_text = self.client.get(
            f"/o/alpha/helpdesk/reports/time/?year={self.year}&format=csv"
        ).content.decode()
        lines = csv_text.strip().splitlines()
        self.assertEqual(lines[-2], f"{self.year},,,Support hours agreed,,40")
        self.assertEqual(lines[-1], f"{self.year},,,Support hours spent,90,1.50")

    def test_provider_sees_them_for_one_member(self) -> None:
        self.login(self.paula)
        whole = self.client.get(f"/o/ccbages/helpdesk/reports/time/?year={self.year}")
        self.assertNotContains(whole, "Hours agreed")
        page = self.client.get(f"/o/ccbages/helpdesk/reports/time/?year={self.year}&member=alpha")
        self.assertContains(page, "Hours agreed")
        self.assertContains(page, "<dd>40</dd>", html=False)
        api = self.api(self.paula).get(
            f"/api/v1/o/ccbages/helpdesk/reports/time/?year={self.year}&member=alpha"
        )
        self.assertEqual(api.json()["support"], {"agreed_hours": 40, "spent_minutes": 90})
        beta = self.api(self.paula).get(
            f"/api/v1/o/ccbages/helpdesk/reports/time/?year={self.year}&member=beta"
        )
        self.assertEqual(beta.json()["support"], {"agreed_hours": None, "spent_minutes": 0})

    def test_member_without_an_agreement(self) -> None:
        self.client.force_login(self.charlie)
        page = self.client.get(f"/o/beta/helpdesk/reports/time/?year={self.year}")
        self.assertContains(page, "No figure in the agreement in force")


class DemoTests(TestCase):
    def test_demo_tickets_name_assets_and_a_service(self) -> None:
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=StringIO())
            call_command("seed_demo", stdout=StringIO())  # twice: nothing doubles
        self.assertEqual(TicketAsset.objects.count(), 2)
        request = Ticket.objects.get(service__code="video-meetings")
        self.assertEqual(request.ticket_type, TicketType.REQUEST)


class AssetPageWithoutHelpdeskTests(LinksTestCase):
    def test_no_tickets_fragment_where_the_helpdesk_is_not_used(self) -> None:
        inventory = tenant_services.catalogue_service_create(
            org=self.provider, actor=self.paula, code="inventory", name="Inventari", module="assets"
        )
        today = timezone.localdate()
        tenant_services.agreement_create(
            org=self.provider, actor=self.paula, member=self.org_a, title="Conveni",
            start_date=today - dt.timedelta(days=1), end_date=today + dt.timedelta(days=300),
            services=[inventory],
        )  # fmt: skip
        self.client.force_login(self.bob)
        page = self.client.get(f"/o/alpha/assets/{self.pc_a.pk}/")
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, "helpdesk/assets/")


@override_settings(LANGUAGE_CODE="en")
class ProviderNewTicketTests(LinksTestCase):
    def test_provider_form_offers_services_members_may_request(self) -> None:
        self.login(self.tomas)
        page = self.client.get("/o/ccbages/helpdesk/tickets/new/")
        self.assertContains(page, '<option value="backups">')
        self.assertNotContains(page, "Servei intern")
        data = {
            "member": str(self.org_a.pk), "channel": "phone", "ticket_type": "incident",
            "urgency": "3", "title": "Per telèfon", "description": "d", "service": "backups",
        }  # fmt: skip
        response = self.client.post("/o/ccbages/helpdesk/tickets/new/", data)
        self.assertEqual(response.status_code, 302)
        ticket = Ticket.objects.get(title="Per telèfon")
        self.assertEqual((ticket.organization, ticket.service), (self.org_a, self.backups))
