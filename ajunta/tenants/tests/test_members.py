"""The members module: memberships, fees, catalogue, agreements, training, the public website."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.core import mail
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from ajunta.core.markdown import render_markdown
from ajunta.core.models import AuditEvent, Role
from ajunta.core.testing import (
    TenantIsolationMixin,
    TenantTestCase,
    api_ids,
    make_org,
    make_user,
    verify_mfa,
)
from ajunta.tenants import selectors, services
from ajunta.tenants.models import (
    Agreement,
    AgreementKind,
    CatalogueService,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    PublicPage,
)

# The clock of every provider test: a fixed day, so that no test reads the real date.
TODAY = dt.date(2026, 6, 15)
PROVIDER = {"kind": OrganizationKind.COUNTY_COUNCIL, "is_provider": True}


def member_of(
    provider: Organization, slug: str, ine: str, population: int, name: str = ""
) -> Organization:
    org = make_org(slug, name=name or slug.title(), ine_code=ine, population=population)
    services.membership_enter(org=provider, actor=None, member=org, start_date=dt.date(2020, 1, 1))
    return org


def service(org: Organization, code: str, module: str = "", **fields: Any) -> CatalogueService:
    return services.catalogue_service_create(
        org=org, actor=None, code=code, name=code.title(), module=module, **fields
    )


def ids(attr: str) -> Any:
    """Extractor for HTML lists: the values of data-<attr>-id attributes."""
    import re

    return lambda response: set(re.findall(rf'data-{attr}-id="(\d+)"', response.content.decode()))


@time_machine.travel(dt.datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Europe/Madrid")))
class ProviderTestCase(TenantTestCase):
    """A: the provider "alpha" (Alice admin, Bob technician) with member Artés; B: another provider
    "beta" (Charlie admin) with member Cardona. Each sees only its own members' records."""

    @classmethod
    def setUpTestData(cls) -> None:
        cls.org_a = make_org("alpha", name="Consell Comarcal Alpha", **PROVIDER)
        cls.org_b = make_org("beta", name="Consell Comarcal Beta", **PROVIDER)
        cls.alice = make_user("alice", cls.org_a, Role.PROVIDER_ADMIN)
        cls.bob = make_user("bob", cls.org_a, Role.PROVIDER_TECHNICIAN)
        cls.charlie = make_user("charlie", cls.org_b, Role.PROVIDER_ADMIN)
        cls.artes = member_of(cls.org_a, "artes", "080109", 5600, "Artés")
        cls.cardona = member_of(cls.org_b, "cardona", "080478", 4700)
        cls.diputacio = make_org(
            "diba", name="Diputació de Barcelona", kind=OrganizationKind.PROVINCIAL_COUNCIL
        )

    def login(self, user: Any) -> Client:
        """Provider roles always need the second factor: log in with it verified."""
        self.client = Client()
        verify_mfa(self.client, user)
        return self.client

    def _client_for(self, user: Any, path: str) -> Any:
        if path.startswith("/api/"):
            return self.api(user)
        client = Client()
        verify_mfa(client, user)
        return client


# --- the "done when" ----------------------------------------------------------------------
class JoiningEndToEndTests(ProviderTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_a_municipality_applies_is_approved_pays_nothing_and_sees_its_modules(self):
        provider = self.org_a
        registry = service(provider, "registry-platform", "registry")
        service(provider, "helpdesk", "helpdesk")
        services.fee_rule_create(
            org=provider, actor=None, valid_from=dt.date(2019, 1, 1), amount=Decimal("300")
        )
        services.fee_rule_create(
            org=provider, actor=None, valid_from=dt.date(2021, 1, 1), amount=Decimal("300"),
            max_population=999, payer="sponsor", sponsor=self.diputacio,
        )  # fmt: skip
        services.agreement_create(
            org=provider, actor=None, member=self.diputacio, kind=AgreementKind.SPONSORSHIP,
            title="Patrocini", start_date=dt.date(2021, 1, 1), end_date=dt.date(2031, 12, 31),
        )  # fmt: skip

        # 1. Applies on the public site, anonymously.
        response = Client().post(
            reverse("site_apply"),
            {
                "applicant_name": "Aguilar de Segarra", "applicant_kind": "municipality",
                "ine_code": "080023", "population": "280", "contact_name": "Secretaria",
                "contact_email": "secretaria@aguilar.example",
            },
        )  # fmt: skip
        self.assertEqual(response.status_code, 200, response.content.decode()[:500])
        membership = Membership.objects.get(organization=provider, ine_code="080023")
        self.assertEqual(membership.status, MembershipStatus.APPLIED)

        # 2. The provider approves it.
        client = self.login(self.alice)
        url = reverse("membership", args=[provider.slug, membership.pk])
        response = client.post(url, {"status": "active", "reason": "Ple del 3 de març"})
        self.assertEqual(response.status_code, 302)
        membership.refresh_from_db()
        member = membership.member
        self.assertEqual(membership.status, MembershipStatus.ACTIVE)
        self.assertEqual((member.ine_code, member.kind), ("080023", "municipality"))

        # 3. Its fee: zero for the member, charged to the sponsor.
        line = next(
            x for x in selectors.fees_for_year(org=provider, year=TODAY.year) if x.member == member
        )
        self.assertEqual(line.member_amount, Decimal("0"))
        self.assertEqual(line.payer, self.diputacio)
        self.assertEqual(line.amount, Decimal("300"))

        # 4. Before any agreement it uses only the provider's default modules: the helpdesk.
        self.assertFalse(member.uses_module("cases"))
        self.assertTrue(member.uses_module("helpdesk"))
        self.assertFalse(member.uses_module("members"))

        # 5. An agreement with one service: its staff then see exactly that module.
        response = client.post(
            reverse("agreements", args=[provider.slug]),
            {
                "member": member.pk, "kind": "services", "title": "Conveni 2026-2029",
                "start_date": f"{TODAY.year}-01-01", "end_date": f"{TODAY.year + 3}-12-31",
                "services": [registry.pk], "support_hours_per_year": "20", "sla_level": "standard",
            },
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        clerk = make_user("clerk", member, Role.MUNICIPAL_ADMIN)
        fresh = Organization.objects.get(pk=member.pk)
        used = {
            c for c in ("registry", "sir", "cases", "helpdesk", "assets") if fresh.uses_module(c)
        }
        self.assertEqual(used, {"registry"})
        page = self.login(clerk).get(reverse("dashboard", args=[member.slug]))
        self.assertContains(page, reverse("registry_book", args=[member.slug]))
        self.assertNotContains(page, f"/o/{member.slug}/cases/")
        self.assertEqual(self.client.get(f"/o/{member.slug}/cases/").status_code, 404)

        # 6. The public member list shows it, with its joining date.
        response = Client().get(reverse("site_members"), {"q": "Aguilar"})
        self.assertContains(response, "Aguilar de Segarra")
        # and the history is audited
        self.assertTrue(
            AuditEvent.objects.filter(organization=provider, action="membership.active").exists()
        )


# --- which modules a member uses ------------------------------------------------------------------
class UsesModuleTests(ProviderTestCase):
    def agreement(self, start: dt.date, end: dt.date, *codes: str, **kw: Any) -> Agreement:
        rows = [service(self.org_a, f"s-{c}", c) for c in codes]
        return services.agreement_create(
            org=self.org_a, actor=None, member=self.artes, title="C", start_date=start,
            end_date=end, services=rows, **kw,
        )  # fmt: skip

    def fresh(self) -> Organization:
        return Organization.objects.get(pk=self.artes.pk)

    def test_provider_uses_everything_members_included(self):
        self.assertTrue(self.org_a.uses_module("members"))
        self.assertTrue(self.org_a.uses_module("cases"))

    def test_no_agreement_means_only_the_default_modules(self):
        Organization.objects.filter(pk=self.artes.pk).update(agreement_modules=None)
        self.assertTrue(self.fresh().uses_module("helpdesk"))
        self.assertFalse(self.fresh().uses_module("assets"))
        self.assertFalse(self.fresh().uses_module("registry"))
        self.assertFalse(self.fresh().uses_module("members"))
        with self.settings(MEMBER_DEFAULT_MODULES=["helpdesk", "assets"]):
            self.assertTrue(self.fresh().uses_module("assets"))
            self.assertFalse(self.fresh().uses_module("cases"))

    def test_no_agreement_hides_the_module_pages(self):
        Organization.objects.filter(pk=self.artes.pk).update(agreement_modules=None)
        clerk = make_user("clerk-artes", self.artes, Role.MUNICIPAL_ADMIN)
        client = self.login(clerk)
        self.assertEqual(client.get(f"/o/{self.artes.slug}/cases/").status_code, 404)
        self.assertEqual(client.get(f"/o/{self.artes.slug}/assets/").status_code, 404)
        self.assertEqual(client.get(f"/o/{self.artes.slug}/helpdesk/").status_code, 200)

    def test_agreement_in_force_decides_without_a_query(self):
        self.agreement(TODAY - dt.timedelta(days=10), TODAY + dt.timedelta(days=10), "cases")
        org = self.fresh()
        with self.assertNumQueries(0):
            self.assertTrue(org.uses_module("cases"))
            self.assertFalse(org.uses_module("registry"))
            self.assertFalse(org.uses_module("helpdesk"))

    def test_ended_agreement_means_the_defaults_unless_extended(self):
        old = self.agreement(dt.date(2020, 1, 1), TODAY - dt.timedelta(days=1), "registry")
        self.assertFalse(self.fresh().uses_module("registry"))
        self.assertTrue(self.fresh().uses_module("helpdesk"))
        services.agreement_extend(org=self.org_a, actor=None, agreement=old)
        self.assertTrue(self.fresh().uses_module("registry"))
        self.assertEqual(selectors.agreement_in_force(self.artes, TODAY), old)
        # a new agreement replaces the extended one
        self.agreement(TODAY, TODAY + dt.timedelta(days=900), "helpdesk", sla_level="priority")
        self.assertFalse(self.fresh().uses_module("registry"))
        self.assertTrue(self.fresh().uses_module("helpdesk"))
        self.assertEqual(selectors.sla_level_for(self.artes, TODAY), "priority")

    def test_changing_a_services_module_reaches_its_members(self):
        self.agreement(TODAY, TODAY + dt.timedelta(days=10), "cases")
        svc = CatalogueService.objects.get(organization=self.org_a, code="s-cases")
        services.catalogue_service_update(org=self.org_a, actor=None, service=svc, module="assets")
        self.assertTrue(self.fresh().uses_module("assets"))
        self.assertFalse(self.fresh().uses_module("cases"))

    def test_annulled_agreement_does_not_count(self):
        a = self.agreement(TODAY, TODAY + dt.timedelta(days=10), "cases")
        services.agreement_annul(org=self.org_a, actor=None, agreement=a, reason="duplicate")
        self.assertFalse(self.fresh().uses_module("registry"))  # no agreement: the defaults
        self.assertTrue(self.fresh().uses_module("helpdesk"))
        self.assertEqual(selectors.sla_level_for(self.artes, TODAY), "standard")


# --- fees ------------------------------------------------------------------------------------------
class FeeTests(ProviderTestCase):
    def test_past_years_keep_their_rules_and_sponsor_needs_an_agreement(self):
        small = member_of(self.org_a, "aguilar", "080023", 280)
        services.fee_rule_create(
            org=self.org_a, actor=None, valid_from=dt.date(2019, 1, 1), amount=Decimal("150")
        )
        services.fee_rule_create(
            org=self.org_a, actor=None, valid_from=dt.date(2021, 1, 1), amount=Decimal("0"),
            max_population=999, payer="sponsor", sponsor=self.diputacio,
        )  # fmt: skip
        by_member = {x.member: x for x in selectors.fees_for_year(org=self.org_a, year=2020)}
        self.assertEqual(by_member[small].member_amount, Decimal("150"))
        by_member = {x.member: x for x in selectors.fees_for_year(org=self.org_a, year=2022)}
        self.assertEqual(by_member[small].amount, Decimal("0"))
        self.assertEqual(by_member[small].payer, small)  # no sponsorship agreement: the member
        self.assertEqual(by_member[self.artes].member_amount, Decimal("150"))

    def test_rule_needs_a_sponsor_when_a_sponsor_pays(self):
        response = self.api(self.alice).post(
            "/api/v1/o/alpha/members/fee-rules/",
            {"valid_from": "2026-01-01", "amount": "10", "payer": "sponsor"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("sponsor", response.json())

    def test_csv_and_pdf(self):
        services.fee_rule_create(
            org=self.org_a, actor=None, valid_from=dt.date(2019, 1, 1), amount=Decimal("150")
        )
        client = self.login(self.alice)
        response = client.get(reverse("fees_csv", args=["alpha", 2026]))
        self.assertEqual(response.status_code, 200)
        text = response.content.decode()
        self.assertIn("Artés", text)
        self.assertIn("150.00", text)
        self.assertNotIn("Cardona", text)
        response = client.get(reverse("fees_pdf", args=["alpha", 2026]))
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response.content.startswith(b"%PDF"))

    def test_fee_api_lists_only_own_members(self):
        response = self.api(self.alice).get("/api/v1/o/alpha/members/fees/?year=2026")
        self.assertEqual([r["member"] for r in response.json()["results"]], ["artes"])
        bad = self.api(self.alice).get("/api/v1/o/alpha/members/fees/?year=abc")
        self.assertEqual(bad.status_code, 400)


# --- CSV import ------------------------------------------------------------------------------------
CSV_WITH_BAD_ROWS = (
    "ine_code,name,population\n"
    "080180,Balsareny,3400\n"  # line 2: good
    "080181,Wrong check digit,100\n"  # line 3: bad INE check digit
    "080386,,1900\n"  # line 4: no name
    "080121,Avinyó,many\n"  # line 5: population not a number
    "080180,Balsareny again,3400\n"  # line 6: duplicate
)


class MemberImportTests(ProviderTestCase):
    def upload(self, text: str, dry_run: bool) -> Any:
        data: dict[str, Any] = {"file": SimpleUploadedFile("m.csv", text.encode(), "text/csv")}
        if dry_run:
            data["dry_run"] = "on"
        return self.login(self.alice).post(reverse("members_import", args=["alpha"]), data)

    def test_dry_run_reports_every_bad_row_and_imports_none(self):
        before = Organization.objects.count(), Membership.objects.count()
        response = self.upload(CSV_WITH_BAD_ROWS, dry_run=True)
        self.assertEqual(response.status_code, 400)
        report = response.context["report"]
        self.assertEqual([line for line, _r in report.errors], [3, 4, 5, 6])
        self.assertEqual((Organization.objects.count(), Membership.objects.count()), before)

    def test_bad_rows_block_the_real_import_too(self):
        before = Membership.objects.count()
        response = self.upload(CSV_WITH_BAD_ROWS, dry_run=False)
        self.assertEqual(response.status_code, 400)
        self.assertEqual(Membership.objects.count(), before)

    def test_good_file_imports_and_updates(self):
        text = "ine_code,name,population\n080180,Balsareny,3400\n080109,Artés,5700\n"
        response = self.upload(text, dry_run=False)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(
            Membership.objects.filter(
                organization=self.org_a, member__ine_code="080180", status="active"
            ).exists()
        )
        self.artes.refresh_from_db()
        self.assertEqual(self.artes.population, 5700)

    def test_api_import_answers_400_with_lines(self):
        upload = SimpleUploadedFile("m.csv", CSV_WITH_BAD_ROWS.encode(), "text/csv")
        response = self.api(self.alice).post(
            "/api/v1/o/alpha/members/memberships/import/", {"file": upload}, format="multipart"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual([r["line"] for r in response.json()["bad_rows"]], [3, 4, 5, 6])

    def test_not_csv_text(self):
        response = self.upload(
            "\xff\xfe".encode("latin-1").decode("latin-1") + "\x00", dry_run=True
        )
        self.assertEqual(response.status_code, 400)


# --- permissions and bad input --------------------------------------------------------------------
class PermissionTests(ProviderTestCase):
    def test_technician_reads_but_cannot_manage(self):
        client = self.login(self.bob)
        self.assertEqual(client.get(reverse("memberships", args=["alpha"])).status_code, 200)
        response = client.post(reverse("catalogue", args=["alpha"]), {"code": "x", "name": "X"})
        self.assertEqual(response.status_code, 403)

    def test_a_member_municipality_does_not_use_the_members_module(self):
        clerk = make_user("clerk", self.artes, Role.MUNICIPAL_ADMIN)
        response = self.login(clerk).get(reverse("members_dashboard", args=["artes"]))
        self.assertEqual(response.status_code, 403)  # no permission there
        # a provider technician with a role in the municipality: the module is not used there
        tech = make_user("tech", self.artes, Role.PROVIDER_TECHNICIAN)
        response = self.login(tech).get(reverse("members_dashboard", args=["artes"]))
        self.assertEqual(response.status_code, 404)
        api = self.api(tech).get("/api/v1/o/artes/members/memberships/")
        self.assertEqual(api.status_code, 404)

    def test_bad_agreement_dates_are_a_form_error_and_write_nothing(self):
        response = self.login(self.alice).post(
            reverse("agreements", args=["alpha"]),
            {"member": self.artes.pk, "kind": "services", "title": "X",
             "start_date": "2026-01-01", "end_date": "2025-01-01", "sla_level": "standard"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Agreement.objects.exists())

    def test_api_bad_input_is_400(self):
        api = self.api(self.alice)
        response = api.post(
            "/api/v1/o/alpha/members/catalogue/",
            {"code": "legal", "name": "Legal", "included_in_membership": False},
            format="json",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("price", response.json())
        response = api.post(
            "/api/v1/o/alpha/members/agreements/",
            {"member": "cardona", "title": "X", "start_date": "2026-01-01",
             "end_date": "2029-12-31", "services": ["nope"]},
            format="json",
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        response = api.post(
            f"/api/v1/o/alpha/members/memberships/{self.artes.memberships.get().pk}/status/",
            {"status": "suspended"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)  # no reason given
        self.assertEqual(self.artes.memberships.get().status, "active")

    def test_application_needs_ine_code_for_a_municipality(self):
        cache.clear()
        response = Client().post(
            reverse("site_apply"),
            {
                "applicant_name": "X",
                "applicant_kind": "municipality",
                "contact_email": "a@example.org",
            },
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Membership.objects.filter(applicant_name="X").exists())
        response = Client().post(
            reverse("site_apply"),
            {"applicant_name": "X", "applicant_kind": "municipality", "ine_code": "080181",
             "contact_email": "a@example.org"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)


# --- tenant isolation: every page and endpoint ----------------------------------------------------
class WithObjectsTestCase(ProviderTestCase):
    """Both providers with one object of each kind."""

    objects: dict[str, dict[str, Any]]

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        start = timezone.now() + dt.timedelta(days=3)
        cls.objects = {}
        for org, member in ((cls.org_a, cls.artes), (cls.org_b, cls.cardona)):
            svc = service(org, "registry-platform", "registry")
            agreement = services.agreement_create(
                org=org, actor=None, member=member, title="Conveni", start_date=TODAY,
                end_date=TODAY + dt.timedelta(days=1000), services=[svc],
            )  # fmt: skip
            rule = services.fee_rule_create(
                org=org, actor=None, valid_from=dt.date(2020, 1, 1), amount=Decimal("10")
            )
            session = services.training_session_create(
                org=org, actor=None, kind="group", title="Registre", starts_at=start,
                ends_at=start + dt.timedelta(hours=2),
            )  # fmt: skip
            page = services.public_page_save(
                org=org, actor=None, slug="history", language="ca", title="Història", body="x"
            )
            cls.objects[org.slug] = {
                "membership": member.memberships.get().pk, "service": svc.pk,
                "agreement": agreement.pk, "rule": rule.pk, "session": session.pk,
                "page": page.pk,
            }  # fmt: skip
        cls.isolation_ids_a = {str(v) for v in cls.objects["alpha"].values()}
        cls.isolation_ids_b = {str(v) for v in cls.objects["beta"].values()}


class IsolationTests(TenantIsolationMixin, WithObjectsTestCase):
    _client_for = ProviderTestCase._client_for

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        a = self.objects["alpha"]
        html = f"/o/{slug}/members"
        api = f"/api/v1/o/{slug}/members"
        return [
            ("GET", f"{html}/{a['membership']}/"),
            ("POST", f"{html}/{a['membership']}/"),
            ("GET", f"{html}/catalogue/{a['service']}/"),
            ("POST", f"{html}/catalogue/{a['service']}/"),
            ("GET", f"{html}/agreements/{a['agreement']}/"),
            ("POST", f"{html}/agreements/{a['agreement']}/"),
            ("GET", f"{html}/training/{a['session']}/"),
            ("POST", f"{html}/training/{a['session']}/"),
            ("GET", f"{html}/site/edit/?id={a['page']}"),
            ("GET", f"{api}/memberships/{a['membership']}/"),
            ("POST", f"{api}/memberships/{a['membership']}/status/"),
            ("GET", f"{api}/catalogue/{a['service']}/"),
            ("PATCH", f"{api}/catalogue/{a['service']}/"),
            ("GET", f"{api}/agreements/{a['agreement']}/"),
            ("POST", f"{api}/agreements/{a['agreement']}/extend/"),
            ("POST", f"{api}/agreements/{a['agreement']}/annul/"),
            ("GET", f"{api}/fee-rules/{a['rule']}/"),
            ("GET", f"{api}/training/{a['session']}/"),
            ("GET", f"{api}/training/{a['session']}/enrolments/"),
            ("POST", f"{api}/training/{a['session']}/attendance/"),
            ("GET", f"{api}/pages/{a['page']}/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        html = f"/o/{slug}/members"
        api = f"/api/v1/o/{slug}/members"
        return [
            (f"{html}/list/", ids("membership")),
            (f"{html}/catalogue/", ids("service")),
            (f"{html}/agreements/", ids("agreement")),
            (f"{html}/site/", ids("page")),
            (f"{api}/memberships/", api_ids()),
            (f"{api}/catalogue/", api_ids()),
            (f"{api}/agreements/", api_ids()),
            (f"{api}/fee-rules/", api_ids()),
            (f"{api}/training/", api_ids()),
            (f"{api}/pages/", api_ids()),
        ]

    # The mixin requires each list to show all of A's ids: each list shows one kind of row, so
    # compare per list instead.
    def test_lists_never_show_other_organizations_rows(self):
        kinds = ["membership", "service", "agreement", "page"] * 1 + [
            "membership", "service", "agreement", "rule", "session", "page",
        ]  # fmt: skip
        for (path, extract), kind in zip(self.isolation_list_urls("alpha"), kinds, strict=True):
            response = self._client_for(self.alice, path).get(path)
            self.assertEqual(response.status_code, 200, path)
            self.assertEqual(extract(response), {str(self.objects["alpha"][kind])}, path)
        for (path, extract), kind in zip(self.isolation_list_urls("beta"), kinds, strict=True):
            response = self._client_for(self.charlie, path).get(path)
            self.assertEqual(extract(response), {str(self.objects["beta"][kind])}, path)

    def test_fee_lists_and_calendar_show_only_own_rows(self):
        client = self.login(self.alice)
        fees = client.get(reverse("fees", args=["alpha"]))
        self.assertContains(fees, '<th scope="row">Artés</th>')
        self.assertNotContains(fees, '<th scope="row">Cardona</th>')
        month = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m")
        page = client.get(reverse("training_sessions", args=["alpha"]), {"month": month})
        self.assertContains(page, f"/training/{self.objects['alpha']['session']}/")
        self.assertNotContains(page, f"/training/{self.objects['beta']['session']}/")
        feed = client.get(reverse("training_feed", args=["alpha"]))
        self.assertContains(feed, f"training-{self.objects['alpha']['session']}@")
        self.assertNotContains(feed, f"training-{self.objects['beta']['session']}@")

    def test_other_provider_gets_404_on_every_page(self):
        client = self.login(self.charlie)
        for name in ("members_dashboard", "memberships", "fees", "catalogue", "agreements",
                     "training_sessions", "site_pages", "members_import", "membership_new"):  # fmt: skip
            self.assertEqual(client.get(reverse(name, args=["alpha"])).status_code, 404, name)


class QueryCountTests(ProviderTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        svc = service(cls.org_a, "helpdesk", "helpdesk")
        for i, code in enumerate(["080023", "080121", "080180", "080386"]):
            org = member_of(cls.org_a, f"m{i}", code, 300 + i * 1000)
            services.agreement_create(
                org=cls.org_a, actor=None, member=org, title=f"C{i}", start_date=TODAY,
                end_date=TODAY + dt.timedelta(days=100), services=[svc],
            )  # fmt: skip

    def test_lists_do_not_grow_with_rows(self):
        client = self.login(self.alice)
        api = self.api(self.alice)
        for path, expected in (
            (reverse("memberships", args=["alpha"]), 7),
            (reverse("agreements", args=["alpha"]), 10),
            (reverse("fees", args=["alpha"]), 10),
            (reverse("members_dashboard", args=["alpha"]), 13),
            (reverse("catalogue", args=["alpha"]), 6),
            (reverse("training_sessions", args=["alpha"]), 7),
            (reverse("site_pages", args=["alpha"]), 6),
        ):
            with self.assertNumQueries(expected):
                self.assertEqual(client.get(path).status_code, 200)
        for path, expected in (
            ("/api/v1/o/alpha/members/memberships/", 3),
            ("/api/v1/o/alpha/members/agreements/", 4),
            ("/api/v1/o/alpha/members/fees/", 4),
            ("/api/v1/o/alpha/members/catalogue/", 3),
            ("/api/v1/o/alpha/members/training/", 2),
            ("/api/v1/o/alpha/members/pages/", 2),
            ("/api/v1/o/alpha/members/fee-rules/", 2),
        ):
            with self.assertNumQueries(expected):
                self.assertEqual(api.get(path).status_code, 200)


# --- training ---------------------------------------------------------------------------------------
class TrainingTests(ProviderTestCase):
    def test_member_enrols_and_provider_records_attendance(self):
        start = timezone.now() + dt.timedelta(days=2)
        session = services.training_session_create(
            org=self.org_a, actor=None, kind="group", title="Seu electrònica", starts_at=start,
            ends_at=start + dt.timedelta(hours=2), max_population=6000, capacity=10,
        )  # fmt: skip
        clerk = make_user("clerk", self.artes, Role.MUNICIPAL_STAFF)
        client = self.login(clerk)
        month = timezone.localtime(start).strftime("%Y-%m")
        page = client.get(reverse("member_training", args=["artes"]), {"month": month})
        self.assertContains(page, "Seu electrònica")
        response = client.post(reverse("member_training", args=["artes"]), {"session": session.pk})
        self.assertEqual(response.status_code, 302)
        enrolment = session.enrolments.get()
        self.assertEqual(enrolment.member, self.artes)
        feed = client.get(reverse("member_training_feed", args=["artes"]))
        self.assertEqual(feed["Content-Type"], "text/calendar; charset=utf-8")
        self.assertContains(feed, "SUMMARY:Seu electr")
        # A council of another provider cannot enrol in it.
        outsider = make_user("outsider", self.cardona, Role.MUNICIPAL_STAFF)
        response = self.login(outsider).post(
            reverse("member_training", args=["cardona"]), {"session": session.pk}
        )
        self.assertEqual(response.status_code, 404)
        # The provider records attendance.
        response = self.login(self.bob).post(
            reverse("training_session", args=["alpha", session.pk]),
            {"enrolment": enrolment.pk, "attended": "yes"},
        )
        self.assertEqual(response.status_code, 302)
        enrolment.refresh_from_db()
        self.assertTrue(enrolment.attended)

    def test_group_session_for_small_councils_refuses_a_larger_one(self):
        start = timezone.now() + dt.timedelta(days=2)
        session = services.training_session_create(
            org=self.org_a, actor=None, kind="group", title="Petits", starts_at=start,
            ends_at=start + dt.timedelta(hours=1), max_population=500,
        )  # fmt: skip
        response = self.api(self.alice).post(
            f"/api/v1/o/alpha/members/training/{session.pk}/enrolments/",
            {"member": "artes"},
            format="json",
        )
        self.assertEqual(response.status_code, 400)


# --- agreements expiry alerts ------------------------------------------------------------------------
class ExpiryAlertTests(ProviderTestCase):
    def test_alert_sent_once(self):
        services.agreement_create(
            org=self.org_a, actor=None, member=self.artes, title="Conveni 2022-2025",
            start_date=dt.date(2022, 1, 1), end_date=TODAY + dt.timedelta(days=30),
        )  # fmt: skip
        call_command("agreement_expiry_alerts", stdout=open("/dev/null", "w"))  # noqa: SIM115
        self.assertEqual(len(mail.outbox), 1)
        self.assertIn("Conveni 2022-2025", mail.outbox[0].body)
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        self.assertEqual(services.agreement_expiry_alerts_send(), 0)


# --- public website -----------------------------------------------------------------------------------
class PublicSiteTests(ProviderTestCase):
    def setUp(self) -> None:
        cache.clear()

    def test_pages_in_the_visitors_language_with_fallback(self):
        for language, title in (("ca", "Qui som"), ("es", "Quiénes somos")):
            services.public_page_save(
                org=self.org_a, actor=None, slug="about", language=language, title=title,
                body="# Hola\n\nText", menu_order=1,
            )  # fmt: skip
        client = Client()
        self.assertContains(client.get("/about/about/", HTTP_ACCEPT_LANGUAGE="es"), "Quiénes somos")
        self.assertContains(client.get("/about/about/", HTTP_ACCEPT_LANGUAGE="en"), "Qui som")
        self.assertEqual(client.get("/about/nothing/").status_code, 404)
        home = client.get("/", HTTP_ACCEPT_LANGUAGE="ca")
        self.assertContains(home, 'href="/about/about/"')

    def test_markdown_is_sanitized(self):
        html = render_markdown(
            "Hola <script>alert(1)</script> [x](javascript:alert(1)) <b style='x'>b</b>"
        )
        self.assertNotIn("<script", html)
        self.assertNotIn("javascript:", html)
        self.assertNotIn("style=", html)

    def test_unpublished_pages_and_other_data_stay_hidden(self):
        services.public_page_save(
            org=self.org_a, actor=None, slug="draft", language="ca", title="Esborrany",
            body="x", published=False,
        )  # fmt: skip
        self.assertEqual(Client().get("/about/draft/").status_code, 404)
        members = Client().get("/members/")
        self.assertContains(members, "Artés")
        self.assertNotContains(members, "Cardona")  # a member of another provider

    def test_services_and_news(self):
        service(self.org_a, "legal", "", description="Informes jurídics")
        services.public_page_save(
            org=self.org_a, actor=None, slug="nou-conveni", language="ca", kind="news",
            title="Nou conveni", body="Signat.",
        )  # fmt: skip
        self.assertContains(Client().get("/services/"), "Informes jurídics")
        self.assertContains(Client().get("/news/"), "Nou conveni")
        self.assertContains(Client().get("/news/nou-conveni/"), "Signat.")

    def test_applications_are_rate_limited(self):
        client = Client()
        data = {
            "applicant_name": "X",
            "applicant_kind": "other_local_entity",
            "contact_email": "a@example.org",
        }
        codes = [client.post(reverse("site_apply"), data).status_code for _ in range(6)]
        self.assertEqual(codes[-1], 429)
        self.assertEqual(
            Membership.objects.filter(applicant_name="X").count(), 1
        )  # duplicates refused

    def test_staff_edit_pages(self):
        client = self.login(self.alice)
        response = client.post(
            reverse("site_page_edit", args=["alpha"]),
            {"slug": "home", "language": "en", "kind": "page", "title": "Welcome",
             "body": "Hello", "published": "on", "published_on": "2026-01-01"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        self.assertTrue(PublicPage.objects.filter(organization=self.org_a, slug="home").exists())
        self.assertContains(Client().get("/", HTTP_ACCEPT_LANGUAGE="en"), "Welcome")


class NoProviderTests(TestCase):
    def test_root_without_provider_goes_to_the_staff_side(self):
        self.assertEqual(Client().get("/").status_code, 302)
        self.assertEqual(Client().get("/members/").status_code, 404)


class PagesRenderTests(WithObjectsTestCase):
    """Every page of the module answers 200 to the provider's admin (and the forms render)."""

    def test_every_page_renders(self):
        a = self.objects["alpha"]
        client = self.login(self.alice)
        paths = [
            reverse("members_dashboard", args=["alpha"]),
            reverse("memberships", args=["alpha"]) + "?status=active&q=Art",
            reverse("membership_new", args=["alpha"]),
            reverse("members_import", args=["alpha"]),
            reverse("membership", args=["alpha", a["membership"]]),
            reverse("fees", args=["alpha"]) + "?year=2025",
            reverse("catalogue", args=["alpha"]),
            reverse("catalogue_service", args=["alpha", a["service"]]),
            reverse("agreements", args=["alpha"]),
            reverse("agreement", args=["alpha", a["agreement"]]),
            reverse("training_sessions", args=["alpha"]) + "?month=2026-13",
            reverse("training_session", args=["alpha", a["session"]]),
            reverse("site_pages", args=["alpha"]),
            reverse("site_page_edit", args=["alpha"]),
            reverse("site_page_edit", args=["alpha"]) + f"?id={a['page']}",
        ]
        for path in paths:
            self.assertEqual(client.get(path).status_code, 200, path)
        for path in ("/", "/about/history/", "/members/?q=x", "/services/", "/news/", "/join/"):
            self.assertEqual(Client().get(path).status_code, 200, path)

    def test_status_change_and_agreement_actions(self):
        a = self.objects["alpha"]
        client = self.login(self.alice)
        url = reverse("membership", args=["alpha", a["membership"]])
        self.assertEqual(client.post(url, {"status": "suspended"}).status_code, 400)  # no reason
        response = client.post(url, {"status": "suspended", "reason": "Impagament"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(client.post(url, {"status": "rejected", "reason": "x"}).status_code, 400)
        url = reverse("agreement", args=["alpha", a["agreement"]])
        self.assertEqual(client.post(url, {"extend": "1"}).status_code, 302)
        self.assertEqual(client.post(url, {"reason": ""}).status_code, 400)
        self.assertEqual(client.post(url, {"reason": "Duplicat"}).status_code, 302)
        self.assertEqual(Agreement.objects.get(pk=a["agreement"]).status, "annulled")
        self.assertFalse(Organization.objects.get(pk=self.artes.pk).agreement_modules)


class CalendarSubscriptionTests(WithObjectsTestCase):
    def test_the_secret_url_serves_the_feed_and_a_wrong_one_404(self):
        from ajunta.tenants.views import feed_token

        a = self.objects["alpha"]
        url = reverse("training_feed_public", args=["alpha", feed_token(self.org_a)])
        response = Client().get(url)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, f"training-{a['session']}@")
        self.assertNotContains(response, f"training-{self.objects['beta']['session']}@")
        wrong = reverse("training_feed_public", args=["alpha", feed_token(self.org_b)])
        self.assertEqual(Client().get(wrong).status_code, 404)
        # a member's feed lists its provider's sessions
        member_url = reverse("training_feed_public", args=["artes", feed_token(self.artes)])
        self.assertContains(Client().get(member_url), f"training-{a['session']}@")
        page = self.login(self.alice).get(reverse("training_sessions", args=["alpha"]))
        self.assertContains(page, url)


class MemberProfileTests(WithObjectsTestCase):
    def test_a_member_sees_its_membership_and_agreement(self):
        clerk = make_user("clerk", self.artes, Role.MUNICIPAL_STAFF)
        page = self.login(clerk).get(reverse("org_profile", args=["artes"]))
        self.assertContains(page, "Consell Comarcal Alpha")
        self.assertContains(page, "Conveni")
        self.assertContains(page, "Registry-Platform")
        self.assertNotContains(page, "Consell Comarcal Beta")


class OpenDataAndRequestableTests(WithObjectsTestCase):
    def test_public_member_list_and_catalogue(self):
        from rest_framework.test import APIClient

        anonymous = APIClient()
        rows = anonymous.get("/api/v1/site/members/").json()["results"]
        self.assertEqual([r["name"] for r in rows], ["Artés"])
        self.assertEqual(rows[0]["member_since"], "2020-01-01")
        codes = [r["code"] for r in anonymous.get("/api/v1/site/services/").json()["results"]]
        self.assertEqual(codes, ["registry-platform"])

    def test_requestable_services_follow_who_may_request(self):
        service(self.org_a, "broadband", "", requestable_by="small", included_in_membership=False,
                price=Decimal("1500"))  # fmt: skip
        service(self.org_a, "internal", "", requestable_by="provider")
        codes = {s.code for s in selectors.requestable_services(member=self.artes)}
        self.assertEqual(codes, {"registry-platform"})  # 5,600 inhabitants: not small
        small = member_of(self.org_a, "aguilar", "080023", 280)
        codes = {s.code for s in selectors.requestable_services(member=small)}
        self.assertEqual(codes, {"registry-platform", "broadband"})

    def test_a_member_that_left_rejoins_on_the_same_record(self):
        membership = self.artes.memberships.get()
        for status in ("left", "active"):
            services.membership_set_status(
                org=self.org_a, actor=None, membership=membership, status=status, reason="Ple",
                on=dt.date(2026, 3, 1) if status == "left" else dt.date(2026, 9, 1),
            )  # fmt: skip
        membership.refresh_from_db()
        self.assertEqual((membership.start_date, membership.end_date), (dt.date(2026, 9, 1), None))
        self.assertEqual(membership.events.count(), 3)


class NotificationTests(ProviderTestCase):
    def test_provider_admins_hear_of_applications_and_applicants_of_decisions(self):
        with self.captureOnCommitCallbacks(execute=True):
            membership = services.membership_apply(
                org=self.org_a, actor=None, applicant_name="Callús",
                applicant_kind="municipality", ine_code="080386", contact_email="s@callus.example",
            )  # fmt: skip
        self.assertEqual(mail.outbox[-1].to, ["alice@example.org"])
        self.assertIn("Callús", mail.outbox[-1].subject)
        with self.captureOnCommitCallbacks(execute=True):
            services.membership_set_status(
                org=self.org_a, actor=self.alice, membership=membership, status="rejected",
                reason="Fora de l'àmbit territorial.",
            )  # fmt: skip
        self.assertEqual(mail.outbox[-1].to, ["s@callus.example"])
        self.assertIn("Fora de l'àmbit", mail.outbox[-1].body)


class TrainingFormTests(ProviderTestCase):
    def test_schedule_a_visit_and_enrol_from_the_pages(self):
        client = self.login(self.bob)
        response = client.post(
            reverse("training_sessions", args=["alpha"]),
            {"kind": "visit", "title": "Visita", "starts_at": "2026-12-01T10:00",
             "ends_at": "2026-12-01T12:00", "visited": self.artes.pk},
        )  # fmt: skip
        self.assertEqual(response.status_code, 302)
        session = selectors.training_sessions(org=self.org_a).get()
        self.assertEqual(session.enrolments.get().member, self.artes)  # the visited member
        response = client.post(
            reverse("training_sessions", args=["alpha"]),
            {"kind": "visit", "title": "Sense membre", "starts_at": "2026-12-01T10:00",
             "ends_at": "2026-12-01T09:00"},
        )  # fmt: skip
        self.assertEqual(response.status_code, 400)
        self.assertEqual(selectors.training_sessions(org=self.org_a).count(), 1)
        response = client.post(
            reverse("training_session", args=["alpha", session.pk]),
            {"member": self.artes.pk, "participants": 2},
        )
        self.assertEqual(response.status_code, 400)  # already enrolled
        self.assertContains(response, "ja hi està inscrit", status_code=400)


class CommunityTests(ProviderTestCase):
    def test_an_approved_municipality_elsewhere_gets_its_own_autonomous_community(self):
        membership = services.membership_apply(
            org=self.org_a, actor=None, applicant_name="Medinaceli",
            applicant_kind="municipality", ine_code="421139", contact_email="a@example.org",
        )  # fmt: skip
        member = services.membership_approve(
            org=self.org_a, actor=self.alice, membership=membership
        ).member
        self.assertEqual((member.province_code, member.autonomous_community_code), ("42", "07"))


class DashboardApiAndPayerTests(ProviderTestCase):
    def test_dashboard_figures_and_totals_by_payer(self):
        small = member_of(self.org_a, "aguilar", "080023", 280, "Aguilar de Segarra")
        services.fee_rule_create(
            org=self.org_a, actor=None, valid_from=dt.date(2019, 1, 1), amount=Decimal("600")
        )
        services.fee_rule_create(
            org=self.org_a, actor=None, valid_from=dt.date(2021, 1, 1), amount=Decimal("300"),
            max_population=999, payer="sponsor", sponsor=self.diputacio,
        )  # fmt: skip
        services.agreement_create(
            org=self.org_a, actor=None, member=self.diputacio, kind="sponsorship", title="P",
            start_date=dt.date(2021, 1, 1), end_date=dt.date(2035, 1, 1),
        )  # fmt: skip
        data = self.api(self.alice).get("/api/v1/o/alpha/members/dashboard/?year=2026").json()
        self.assertEqual(data["members_by_status"]["active"], 2)
        self.assertEqual(data["active_members_by_population"]["0-499"], 1)
        self.assertEqual(Decimal(str(data["fees"]["paid_by_sponsors"])), Decimal("300"))
        self.assertEqual(Decimal(str(data["fees"]["total"])), Decimal("900"))
        self.assertEqual(
            self.api(self.charlie).get("/api/v1/o/alpha/members/dashboard/").status_code, 404
        )
        page = self.login(self.alice).get(reverse("fees", args=["alpha"]) + "?year=2026")
        by_payer = {p.slug: total for p, total, _n in page.context["by_payer"]}
        self.assertEqual(by_payer, {"diba": Decimal("300"), "artes": Decimal("600")})
        self.assertNotIn(small.slug, by_payer)


class ReceivesModuleTests(TestCase):
    """Organization.receives_module: the provider always; a member only under an agreement in force."""

    def test_provider_member_with_and_without_agreement(self):
        import time_machine

        from ajunta.core.testing import make_org
        from ajunta.tenants.testing import give_modules, make_provider

        with time_machine.travel(dt.datetime(2026, 6, 1, 10, tzinfo=dt.UTC), tick=False):
            town = make_org("town", agreement_modules=None)
            provider = make_provider(members=(town,))
            self.assertTrue(provider.receives_module("sir"))
            self.assertFalse(town.receives_module("sir"))  # no agreement on record
            give_modules(
                provider, town, ("sir",), start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31)
            )
            town.refresh_from_db()
            self.assertTrue(town.receives_module("sir"))
            self.assertFalse(town.receives_module("cases"))
        with time_machine.travel(dt.datetime(2027, 6, 1, 10, tzinfo=dt.UTC), tick=False):
            self.assertFalse(town.receives_module("sir"))  # the agreement ended


@time_machine.travel(dt.datetime(2026, 7, 1, 10, tzinfo=dt.UTC), tick=False)
class MembershipAtAGlanceTests(WithObjectsTestCase):
    """The membership page: status, dates, fee and agreement in a summary panel; each status
    change a visible button that opens its form in the action panel. The provider's language is
    Catalan, so the page is."""

    def url(self, slug: str = "alpha") -> str:
        return reverse("membership", args=[slug, self.objects[slug]["membership"]])

    @staticmethod
    def region(html: str, start: str, end: str) -> str:
        first = html.index(start)
        return html[first : html.index(end, first)]

    def test_the_summary_shows_status_dates_fee_and_agreement(self):
        html = self.login(self.bob).get(self.url()).content.decode()
        summary = self.region(html, 'class="card summary-panel"', "</section>")
        self.assertIn('<span class="badge ok">Activa</span>', summary)
        self.assertIn("Artés", summary)
        self.assertIn("01/01/2020", summary)  # member since
        self.assertIn("Quota 2026</dt><dd>10,00 €", summary)
        agreement = reverse("agreement", args=["alpha", self.objects["alpha"]["agreement"]])
        self.assertIn(f'<a href="{agreement}">Conveni</a>', summary)
        self.assertNotIn('class="action-bar"', html)  # a technician reads, does not decide

    def test_the_status_changes_are_visible_buttons_not_inside_details(self):
        html = self.login(self.alice).get(self.url()).content.decode()
        self.assertNotIn("<details", html)
        bar = self.region(html, '<nav class="action-bar"', "</nav>")
        url = self.url()
        for to, label in (("suspended", "Suspendre"), ("left", "Registrar-ne la baixa")):
            self.assertIn(f'btn-sm" href="{url}?to={to}"', bar)
            self.assertIn(f'hx-get="{url}?to={to}" hx-target="#membership-action"', bar)
            self.assertIn(f">{label}</a>", bar)
        self.assertNotIn("Aprovar", bar)
        # the form is not drawn until a button asks for it
        self.assertIn(
            '<div id="membership-action" class="action-panel" aria-live="polite"></div>', html
        )

    def test_an_application_offers_approve_and_reject(self):
        services.membership_apply(
            org=self.org_a, actor=None, applicant_name="Aguilar de Segarra",
            applicant_kind="municipality", ine_code="080023", population=280,
        )  # fmt: skip
        membership = Membership.objects.get(organization=self.org_a, ine_code="080023")
        url = reverse("membership", args=["alpha", membership.pk])
        html = self.login(self.alice).get(url).content.decode()
        summary = self.region(html, 'class="card summary-panel"', "</section>")
        self.assertIn('<span class="badge warn">Sol·licitada</span>', summary)
        bar = self.region(html, '<nav class="action-bar"', "</nav>")
        self.assertIn(f'class="btn btn-primary btn-sm" href="{url}?to=active"', bar)
        self.assertIn(">Aprovar</a>", bar)
        self.assertIn(">Rebutjar</a>", bar)

    def test_a_button_opens_the_form_inline_with_htmx_or_in_the_page_without(self):
        client = self.login(self.alice)
        partial = client.get(self.url() + "?to=suspended", headers={"HX-Request": "true"})
        self.assertEqual(partial.status_code, 200)
        self.assertNotContains(partial, "<html")
        self.assertContains(partial, f'action="{self.url()}"')
        self.assertContains(partial, '<option value="suspended" selected>')
        self.assertIn("HX-Request", partial["Vary"])
        page = client.get(self.url() + "?to=suspended")
        self.assertContains(page, "<html")
        panel = self.region(page.content.decode(), 'id="membership-action"', "</form>")
        self.assertIn('<option value="suspended" selected>', panel)
        # a change this membership cannot make, or a reader without the right, opens nothing
        for reader, query in ((client, "?to=rejected"), (self.login(self.bob), "?to=suspended")):
            html = reader.get(self.url() + query).content.decode()
            self.assertNotIn('name="reason"', html)

    def test_another_providers_membership_is_404_with_a_button_query(self):
        response = self.login(self.alice).get(self.url("beta") + "?to=suspended")
        self.assertEqual(response.status_code, 404)
