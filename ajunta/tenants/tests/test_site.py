"""The provider's public website (issue 24, item 1): identity, legal pages, the accessibility
statement with its way to report a barrier, figures from the data, the logo."""

from __future__ import annotations

import datetime as dt

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from ajunta.core.models import AuditEvent, Role, User
from ajunta.core.testing import make_org, make_user, speaking, use_temporary_media, verify_mfa
from ajunta.tenants import services
from ajunta.tenants.models import MembershipStatus, Organization, OrganizationKind, SiteIdentity
from ajunta.tenants.testing import make_provider

# The smallest valid PNG (1x1, transparent).
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


class SiteTests(TestCase):
    artes: Organization
    mura: Organization
    solsona: Organization
    provider: Organization
    admin: User
    identity: SiteIdentity

    @classmethod
    def setUpTestData(cls) -> None:
        cls.artes = make_org("artes", name="Artés", population=5600, comarca="Bages")
        cls.mura = make_org("mura", name="Mura", population=230, comarca="Bages")
        cls.solsona = make_org("solsona", name="Solsona", population=9000, comarca="Solsonès")
        cls.provider = make_provider(
            "consell", name="Consell Comarcal", members=(cls.artes, cls.mura, cls.solsona)
        )
        # An application still waiting is not a member: it is in no figure.
        services.membership_apply(
            org=cls.provider, actor=None, applicant_name="Navàs", applicant_kind="municipality",
            ine_code="081419", population=6000, contact_name="Anna", contact_email="a@example.org",
        )  # fmt: skip
        cls.admin = make_user("admin", cls.provider, Role.PROVIDER_ADMIN)
        cls.identity = services.site_identity_save(
            org=cls.provider, actor=cls.admin, legal_name="Consell Comarcal del Bages",
            address="Carrer Major, 1", postcode="08241", town="Manresa", phone="938 000 000",
            email="info@example.org", opening_hours="De dilluns a divendres, de 9 a 14 h",
            mastodon="https://mastodon.example.org/@consell", dpo_email="dpd@example.org",
            accessibility_conformance="partial",
            accessibility_exceptions="Alguns PDF antics.\nEl mapa antic de serveis.",
            accessibility_statement_date=dt.date(2026, 1, 15),
            translations={
                "ca": {"opening_hours": "De dilluns a divendres, de 9 a 14 h"},
                "es": {"opening_hours": "De lunes a viernes, de 9 a 14 h"},
            },
        )  # fmt: skip

    def setUp(self) -> None:
        cache.clear()
        self.media = use_temporary_media(self)

    def test_the_footer_carries_the_identity_in_the_visitors_language(self) -> None:
        page = speaking(Client(), "es").get("/")
        for text in ("Carrer Major, 1", "08241 Manresa", "info@example.org", "De lunes a viernes",
                     'href="/legal/accessibility/"', 'href="/portal/file/"', 'href="/verify/"',
                     'href="/board/"', "Mastodon"):  # fmt: skip
            self.assertContains(page, text)
        self.assertContains(speaking(Client(), "ca").get("/"), "De dilluns a divendres")

    def test_figures_come_from_the_data(self) -> None:
        home = Client().get("/")
        self.assertEqual(home.context["figures"]["members"], 3)
        self.assertEqual(home.context["figures"]["municipalities"], 3)
        self.assertEqual(home.context["figures"]["population"], 5600 + 230 + 9000)
        members = speaking(Client(), "en").get("/members/")
        self.assertContains(members, "Members by comarca")
        self.assertContains(members, "Solsonès")
        self.assertEqual(
            members.context["figures"]["members"],
            self.provider_memberships().filter(status=MembershipStatus.ACTIVE).count(),
        )

    def provider_memberships(self):  # type: ignore[no-untyped-def]
        from ajunta.tenants import selectors

        return selectors.memberships(org=self.provider)

    def test_the_legal_pages(self) -> None:
        client = speaking(Client(), "en")
        for which, text in (
            ("notice", "Law 34/2002"), ("privacy", "dpd@example.org"),
            ("cookies", "sessionid"), ("accessibility", "partially compliant"),
        ):  # fmt: skip
            with self.subTest(which=which):
                self.assertContains(client.get(f"/legal/{which}/"), text)
        self.assertEqual(client.get("/legal/terms/").status_code, 404)
        statement = client.get("/legal/accessibility/")
        self.assertContains(statement, "<li>El mapa antic de serveis.</li>", html=True)
        self.assertContains(statement, "15 January 2026")
        self.assertContains(
            statement, f"/portal/file/?epigraph=accessibility&amp;municipality={self.provider.pk}"
        )
        # A page the provider writes itself takes the generated one's place.
        services.public_page_save(
            org=self.provider, actor=self.admin, slug="legal-notice", language="en",
            title="Legal notice", body="Our own **legal notice**.",
        )  # fmt: skip
        own = client.get("/legal/notice/")
        self.assertContains(own, "<strong>legal notice</strong>", html=True)
        self.assertNotContains(own, "Law 34/2002")

    def test_a_barrier_is_reported_through_the_registry_of_the_provider(self) -> None:
        citizen = make_user("nuria", None, first_name="Núria", last_name="Puig", nif="12345678Z")
        client = Client()
        client.force_login(citizen)
        form = client.get(
            f"/portal/file/?epigraph=accessibility&municipality={self.provider.pk}"
        ).context["form"]
        self.assertEqual(form["epigraph"].value(), "accessibility")
        self.assertEqual(str(form["municipality"].value()), str(self.provider.pk))
        self.assertIn(self.provider, form.fields["municipality"].queryset)

    def test_only_a_provider_has_a_website_identity(self) -> None:
        with self.assertRaises(ValidationError):
            services.site_identity_save(org=self.artes, actor=None, address="Plaça, 1")
        with self.assertRaises(ValidationError):
            services.site_identity_save(org=self.provider, actor=self.admin, email="not an e-mail")
        self.assertEqual(AuditEvent.objects.filter(action="site.identity.create").count(), 1)

    def test_the_provider_admin_sets_the_identity_and_the_logo(self) -> None:
        client = Client()
        verify_mfa(client, self.admin)
        page = client.get("/o/consell/members/site/identity/")
        self.assertContains(page, 'value="Carrer Major, 1"')
        bad = client.post("/o/consell/members/site/identity/", {
            "legal_name": "Consell", "accessibility_conformance": "partial",
            "logo": SimpleUploadedFile("escut.txt", b"not an image", content_type="text/plain"),
        })  # fmt: skip
        self.assertEqual(bad.status_code, 400)
        done = client.post("/o/consell/members/site/identity/", {
            "legal_name": "Consell Comarcal del Bages", "address": "Plaça Nova, 2",
            "accessibility_conformance": "full",
            "logo": SimpleUploadedFile("escut.png", PNG, content_type="image/png"),
        })  # fmt: skip
        self.assertRedirects(done, "/o/consell/members/site/identity/")
        logo = Client().get("/site/logo")
        self.assertEqual(logo.status_code, 200)
        self.assertEqual(logo["Content-Type"], "image/png")
        self.assertEqual(logo["X-Content-Type-Options"], "nosniff")
        home = Client().get("/")
        self.assertContains(home, 'src="/site/logo"')
        self.assertContains(home, "Plaça Nova, 2")
        # Members of the provider's organization without the permission, and other bodies, cannot.
        clerk = make_user("clerk", self.artes, Role.MUNICIPAL_ADMIN)
        other = Client()
        other.force_login(clerk)
        self.assertEqual(other.get("/o/consell/members/site/identity/").status_code, 404)


class NoProviderSiteTests(TestCase):
    def test_no_logo_without_a_provider(self) -> None:
        make_org("solo", kind=OrganizationKind.MUNICIPALITY)
        self.assertEqual(Client().get("/site/logo").status_code, 404)
        self.assertEqual(Client().get("/legal/notice/").status_code, 404)
