"""The journeys of issue 15 in a real browser, checked page by page (see base.py).

1. a citizen files an application in the portal and downloads the receipt;
2. a clerk registers an entry, opens a case from it, signs a document and notifies it, and the
   citizen accepts the notification;
3. a technician works a ticket to solved;
4. the provider admits a member (a membership application approved).

Selectors are roles and visible names (English), so that restyling does not break them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings

from ajunta.cases.models import Case, Notification, NotificationStatus
from ajunta.cases.tests.factories import make_procedure
from ajunta.core.models import Role
from ajunta.core.testing import make_org, make_user, use_temporary_media
from ajunta.core.tests.browser.base import BrowserTestCase, browser
from ajunta.helpdesk import services as helpdesk_services
from ajunta.helpdesk.models import TicketStatus
from ajunta.portal.tests.helpers import PASSWORD, PDF, make_citizen
from ajunta.registry.models import RegistryEntry
from ajunta.tenants import services as tenants_services
from ajunta.tenants.models import MembershipStatus, OrganizationKind
from ajunta.tenants.testing import make_provider

pytestmark = browser

MADRID = ZoneInfo("Europe/Madrid")
# A Tuesday morning in office hours; the clock ticks on from there (deadlines count from it).
TUESDAY_10 = dt.datetime(2026, 12, 1, 10, 0, tzinfo=MADRID)


@override_settings(LANGUAGE_CODE="en")
class JourneyTests(BrowserTestCase):
    def setUp(self) -> None:
        traveller = time_machine.travel(TUESDAY_10, tick=True)
        traveller.start()
        self.addCleanup(traveller.stop)
        super().setUp()
        self.media = use_temporary_media(self)
        self.town = make_org("alpha", name="Ajuntament d'Alpha", language="en")

    def test_a_citizen_files_an_application_and_downloads_the_receipt(self) -> None:
        # A citizen's username is her e-mail; she logs in with a password alone (no second factor).
        nuria = make_citizen("nuria@example.org", email="nuria@example.org")
        page = self.go("/portal/", "login")
        page.get_by_role("textbox", name="E-mail or username").fill("nuria@example.org")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        self.follow(page.get_by_role("button", name="Log in", exact=True), "portal home")
        self.assertEqual(page.url, self.url("/portal/"))
        portal = page.get_by_role("navigation", name="Citizen portal")
        self.follow(portal.get_by_role("link", name="File an application"), "filing form")
        page.get_by_role("combobox", name="Municipality").select_option(label="Ajuntament d'Alpha")
        page.get_by_role("combobox", name="What is it about?").select_option(
            label="Request for a certificate"
        )
        page.get_by_label("Statement of facts (I state)").fill("I live at carrer Major, 3.")
        page.get_by_label("Request (I ask)").fill("A certificate of residence.")
        page.get_by_role("button", name="Attached documents").set_input_files(
            files=[{"name": "lease.pdf", "mimeType": "application/pdf", "buffer": PDF}]
        )
        page.get_by_label("I declare that the information I give is true").check()
        self.follow(page.get_by_role("button", name="File the application"), "filing receipt page")
        entry = RegistryEntry.objects.get(filer=nuria)
        self.assertEqual(entry.organization, self.town)
        self.assertIn(entry.number, page.get_by_role("main").inner_text())
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the receipt (PDF)").click()
        path = download.value.path()
        with open(path, "rb") as receipt:
            self.assertEqual(receipt.read(5), b"%PDF-")
        self.follow(page.get_by_role("link", name="My filings"), "my filings")
        self.assertIn(entry.number, page.get_by_role("main").inner_text())

    def test_a_clerk_registers_opens_a_case_signs_and_notifies_and_the_citizen_accepts(
        self,
    ) -> None:
        nuria = make_citizen("nuria", nif="12345678Z")
        marta = make_user("marta", self.town, Role.MUNICIPAL_ADMIN, first_name="Marta")
        procedure = make_procedure(self.town, marta, code="MINOR-WORKS", name="Minor works licence")
        self.sign_in(marta)
        page = self.go("/o/alpha/registry/", "registry book")
        self.go("/o/alpha/registry/entries/new/", "new registry entry")
        page.get_by_role("textbox", name="Epigraph").fill("Application for a minor works licence")
        page.get_by_role("textbox", name="Summary").fill("Kitchen refurbishment at carrer Major, 3")
        party = page.get_by_role("group", name="Party 1")
        party.get_by_role("textbox", name="Document number").fill("12345678Z")
        party.get_by_role("textbox", name="Name or company name").fill("Núria")
        party.get_by_role("textbox", name="First surname").fill("Puig")
        party.get_by_text("Address and contact").click()  # the compact party block folds them
        party.get_by_role("textbox", name="E-mail").fill("nuria@example.org")
        self.follow(page.get_by_role("button", name="Register", exact=True), "registry entry")
        entry = RegistryEntry.objects.get(organization=self.town, direction="in")

        self.follow(
            page.get_by_role("link", name="Open a case file from this entry"), "new case file"
        )
        page.get_by_role("combobox", name="Procedure").select_option(str(procedure.pk))
        self.follow(page.get_by_role("button", name="Open the case file"), "case file")
        case = Case.objects.get(organization=self.town, origin_entry=entry)

        actions = page.get_by_role("navigation", name="Actions on this case file")
        actions.get_by_role("link", name="Write a document from a template").click()
        form = page.locator("#case-action")
        form.get_by_role("textbox", name="Title").fill("Request to complete the application")
        form.get_by_role("combobox", name="Document type").select_option("TD06")
        form.get_by_role("textbox", name="Text").fill("Case file $case_number: bring the budget.")
        self.check("case file, writing a document")
        self.follow(form.get_by_role("button", name="Create the PDF"), "case file with a document")
        self.follow(
            page.get_by_role("link", name="Request to complete the application"), "case document"
        )
        self.follow(page.get_by_role("button", name="Sign this document"), "case document signed")
        page.get_by_role("combobox", name="Notify to").select_option(index=1)
        self.follow(
            page.get_by_role("button", name="Send the notification"), "case document notified"
        )
        notification = Notification.objects.get(organization=self.town, case_document__case=case)
        self.assertEqual(notification.status, NotificationStatus.AVAILABLE)

        self.sign_in(nuria, mfa=False)
        self.go("/portal/notifications/", "my notifications")
        self.follow(
            page.get_by_role("link", name="Request to complete the application"), "notification"
        )
        self.follow(page.get_by_role("button", name="Accept and open"), "notification accepted")
        notification.refresh_from_db()
        self.assertEqual(notification.status, NotificationStatus.ACCEPTED)
        self.assertIsNotNone(notification.accessed_at)

    def test_a_technician_works_a_ticket_to_solved(self) -> None:
        provider = make_provider(
            "ccbages", name="Consell Comarcal del Bages", kind=OrganizationKind.COUNTY_COUNCIL,
            members=(self.town,), language="en",
        )  # fmt: skip
        clerk = make_user("bob", self.town, Role.MUNICIPAL_STAFF, first_name="Bob")
        tomas = make_user("tomas", provider, Role.PROVIDER_TECHNICIAN, first_name="Tomàs")
        printers = helpdesk_services.category_create(org=provider, actor=None, name="Printers")
        ticket = helpdesk_services.ticket_create(
            org=self.town, actor=clerk, category=printers,
            title="The printer does not print", description="Paper jam in tray 2.",
        )  # fmt: skip
        self.sign_in(tomas)
        page = self.go("/o/ccbages/helpdesk/", "helpdesk queue")
        tickets = (
            page.get_by_role("table")
            .get_by_role("row")
            .filter(has_text="The printer does not print")
        )
        self.follow(tickets.get_by_role("link", name=ticket.number), "ticket")

        def card(title: str) -> Any:
            return page.locator("form").filter(has=page.get_by_role("heading", name=title))

        card("Assign").get_by_role("combobox", name="Technician").select_option(str(tomas.pk))
        self.follow(card("Assign").get_by_role("button", name="Assign"), "ticket assigned")
        ticket.refresh_from_db()
        self.assertEqual(ticket.assigned_to, tomas)
        solve = card("Solve")
        solve.get_by_role("textbox", name="Solution").fill("Cleared the jam; the roller was worn.")
        solve.get_by_label("Time spent (minutes)").fill("20")
        self.follow(solve.get_by_role("button", name="Give the solution"), "ticket solved")
        ticket.refresh_from_db()
        self.assertEqual(ticket.status, TicketStatus.SOLVED)

    def test_the_provider_admits_a_member(self) -> None:
        provider = make_provider(
            "ccbages", name="Consell Comarcal del Bages", kind=OrganizationKind.COUNTY_COUNCIL,
            language="en",
        )  # fmt: skip
        paula = make_user("paula", provider, Role.PROVIDER_ADMIN, first_name="Paula")
        membership = tenants_services.membership_apply(
            org=provider, actor=None, applicant_name="Ajuntament de Castellnou de Bages",
            applicant_kind=OrganizationKind.MUNICIPALITY, ine_code="080620", population=1300,
            contact_email="alcaldia@castellnou.example.org",
        )  # fmt: skip
        self.sign_in(paula)
        page = self.go("/o/ccbages/members/", "members dashboard")
        self.follow(
            page.get_by_role("link", name="Members and applications").first,
            "members and applications",
        )
        self.follow(
            page.get_by_role("link", name="Ajuntament de Castellnou de Bages"),
            "membership application",
        )
        # The page's actions are visible buttons; "Approve" opens its form in place (htmx).
        page.get_by_role("link", name="Approve").click()
        page.get_by_role("combobox", name="New status").select_option("active")
        page.get_by_role("textbox", name="Reason").fill("Approved by the plenary on 26 November.")
        self.follow(page.get_by_role("button", name="Save"), "membership approved")
        membership.refresh_from_db()
        self.assertEqual(membership.status, MembershipStatus.ACTIVE)
        self.assertEqual(membership.member.ine_code, "080620")
