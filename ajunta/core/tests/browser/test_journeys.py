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
from zoneinfo import ZoneInfo

import time_machine
from django.test import override_settings

from ajunta.core.testing import make_org, use_temporary_media
from ajunta.core.tests.browser.base import BrowserTestCase, browser
from ajunta.portal.tests.helpers import PDF, make_citizen
from ajunta.registry.models import RegistryEntry

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
        nuria = make_citizen("nuria")
        self.sign_in(nuria, mfa=False)
        page = self.go("/portal/", "portal home")
        page.get_by_role("navigation", name="Citizen portal").get_by_role(
            "link", name="File an application"
        ).click()
        self.check("filing form")
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
        page.get_by_role("button", name="File the application").click()
        self.check("filing receipt page")
        entry = RegistryEntry.objects.get(filer=nuria)
        self.assertEqual(entry.organization, self.town)
        self.assertIn(entry.number, page.get_by_role("main").inner_text())
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the receipt (PDF)").click()
        path = download.value.path()
        with open(path, "rb") as receipt:
            self.assertEqual(receipt.read(5), b"%PDF-")
        page.get_by_role("link", name="My filings").click()
        self.check("my filings")
        self.assertIn(entry.number, page.get_by_role("main").inner_text())
