"""The provider's public website in a real browser: every page passes axe at desktop and phone
widths and fits a phone (see ajunta/core/tests/browser/base.py)."""

from __future__ import annotations

import datetime as dt

from django.test import override_settings

from ajunta.core.models import Role
from ajunta.core.testing import make_org, make_user
from ajunta.core.tests.browser.base import BrowserTestCase, browser
from ajunta.tenants import services
from ajunta.tenants.testing import make_provider

pytestmark = browser


@override_settings(LANGUAGE_CODE="en")
class PublicSiteJourneyTests(BrowserTestCase):
    def test_a_citizen_reads_the_website_and_finds_how_to_report_a_barrier(self) -> None:
        members = tuple(
            make_org(slug, name=name, population=population, comarca="Bages")
            for slug, name, population in (("artes", "Artés", 5600), ("mura", "Mura", 230))
        )
        provider = make_provider("consell", name="Consell Comarcal del Bages", members=members)
        admin = make_user("admin", provider, Role.PROVIDER_ADMIN)
        services.site_identity_save(
            org=provider, actor=admin, address="Carrer Major, 1", postcode="08241",
            town="Manresa", email="info@example.org", opening_hours="Monday to Friday, 9 to 14",
            accessibility_exceptions="Some old PDF documents.",
            accessibility_statement_date=dt.date(2026, 1, 15),
        )  # fmt: skip
        page = self.go("/", "home")
        page.get_by_text("inhabitants served").wait_for()
        self.follow(page.get_by_role("link", name="Members", exact=True), "members")
        for name, label in (
            ("Legal notice", "legal notice"), ("Privacy policy", "privacy"),
            ("Cookies", "cookies"), ("Accessibility", "accessibility statement"),
        ):  # fmt: skip
            self.follow(page.get_by_role("contentinfo").get_by_role("link", name=name), label)
        page.get_by_role("link", name="Report an accessibility barrier").wait_for()
