"""seed_demo: real Bages municipalities, one demo user per role, safe to run twice, DEBUG only."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.core.management import CommandError, call_command
from django.test import Client, TestCase, override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.test import APIClient

from ajunta.core.calendar import calendar_for
from ajunta.core.models import AuditEvent, LocalHoliday, RoleAssignment, User
from ajunta.tenants.models import Organization, OrganizationKind

DEMO_USERNAMES = {
    "provider.admin", "provider.tech", "secretaria.manresa", "staff.manresa", "regidora.manresa",
    "secretaria.agrupada", "secretario.almazan", "ciutada",
}  # fmt: skip


def seed() -> str:
    out = StringIO()
    with override_settings(DEBUG=True):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "users": User.objects.count(),
        "roles": RoleAssignment.objects.count(),
        "audit events": AuditEvent.objects.count(),
        "local holidays": LocalHoliday.objects.count(),
        "devices": TOTPDevice.objects.count(),
    }


class SeedDemoRefusedTests(TestCase):
    @override_settings(DEBUG=False)
    def test_refused_without_debug(self):
        with self.assertRaises(CommandError):
            call_command("seed_demo", stdout=StringIO())
        self.assertEqual(Organization.objects.count(), 0)
        self.assertEqual(User.objects.count(), 0)


class SeedDemoTests(TestCase):
    output: str

    @classmethod
    def setUpTestData(cls) -> None:
        cls.output = seed()

    def test_creates_the_provider_the_30_bages_municipalities_and_three_others(self):
        self.assertEqual(Organization.objects.count(), 35)  # and the sponsoring Diputació
        [provider] = Organization.objects.filter(is_provider=True)
        self.assertEqual(provider.slug, "ccbages")
        self.assertEqual(provider.kind, OrganizationKind.COUNTY_COUNCIL)
        bages = Organization.objects.filter(kind=OrganizationKind.MUNICIPALITY, comarca="Bages")
        self.assertEqual(bages.count(), 30)
        self.assertEqual(
            set(Organization.objects.exclude(comarca="Bages").values_list("slug", flat=True)),
            {"almazan", "medinaceli", "abella-de-la-conca", "diba"},
        )

    def test_members_fees_agreements_and_pages(self):
        from ajunta.tenants import selectors

        provider = Organization.objects.get(slug="ccbages")
        self.assertEqual(selectors.active_members(org=provider).count(), 33)
        fees = {line.member.slug: line for line in selectors.fees_for_year(org=provider, year=2026)}
        self.assertEqual(fees["talamanca"].member_amount, 0)  # under 1,000: the sponsor pays
        self.assertEqual(fees["talamanca"].payer.slug, "diba")
        self.assertEqual(fees["manresa"].payer.slug, "manresa")
        talamanca = Organization.objects.get(slug="talamanca")
        self.assertTrue(talamanca.uses_module("registry"))
        self.assertFalse(talamanca.uses_module("cases"))
        self.assertEqual(
            {p.language for p in selectors.public_pages(org=provider).filter(slug="home")},
            {"ca", "es", "en"},
        )

    def test_demo_pages_show_the_members_module_and_the_public_site(self):
        from ajunta.core.testing import verify_mfa

        client = Client()
        verify_mfa(client, User.objects.get(username="provider.admin"))
        page = client.get("/o/ccbages/members/")
        self.assertContains(page, "<svg")
        self.assertContains(
            client.get("/o/ccbages/members/fees/?year=2026"), "Diputació de Barcelona"
        )
        home = Client().get("/", HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(home, "Bienvenidos al Consell Comarcal del Bages")
        self.assertContains(Client().get("/members/?q=Talamanca"), "Talamanca")

    def test_soria_reads_the_demo_in_spanish_and_bages_in_catalan(self):
        from ajunta.cases.models import Procedure
        from ajunta.core.testing import verify_mfa

        almazan, manresa = (Organization.objects.get(slug=s) for s in ("almazan", "manresa"))
        self.assertEqual((almazan.language, manresa.language), ("es", "ca"))
        adopted = Procedure.objects.get(organization=almazan, code="OBRES-MENORS")
        self.assertEqual(
            (adopted.name_ca, adopted.name_es, adopted.name_en),
            ("Llicència d'obres menors", "Licencia de obras menores", "Minor works licence"),
        )
        client = Client()
        verify_mfa(client, User.objects.get(username="secretario.almazan"))
        page = client.get("/o/almazan/cases/procedures/", HTTP_ACCEPT_LANGUAGE="ca")
        self.assertContains(page, "Licencia de obras menores")
        self.assertNotContains(page, "Llicència d&#x27;obres menors")

    def test_municipalities_carry_real_ine_and_dir3_codes(self):
        manresa = Organization.objects.get(slug="manresa")
        self.assertEqual(manresa.ine_code, "081136")
        self.assertEqual(manresa.dir3_code, "L01081136")
        self.assertEqual((manresa.population, manresa.population_year), (78245, 2020))
        self.assertEqual((manresa.province_code, manresa.autonomous_community_code), ("08", "09"))
        for org in Organization.objects.filter(kind=OrganizationKind.MUNICIPALITY):
            with self.subTest(org=org.slug):
                org.full_clean()
                self.assertEqual(org.dir3_code, f"L01{org.ine_code}")
                self.assertEqual(org.province_code, org.ine_code[:2])

    def test_members_from_elsewhere(self):
        almazan = Organization.objects.get(slug="almazan")
        self.assertEqual(almazan.name, "Almazán")
        self.assertEqual(almazan.ine_code[:5], "42020")
        self.assertEqual((almazan.province_code, almazan.autonomous_community_code), ("42", "07"))
        abella = Organization.objects.get(slug="abella-de-la-conca")
        self.assertEqual((abella.ine_code, abella.comarca), ("250019", "Pallars Jussà"))
        self.assertEqual(abella.population_year, 2020)
        self.assertTrue(abella.population)
        pont = Organization.objects.get(ine_code="081825")
        self.assertEqual(pont.name, "el Pont de Vilomara i Rocafort")

    def test_creation_is_audited_per_organization(self):
        for org in Organization.objects.all():
            with self.subTest(org=org.slug):
                self.assertTrue(
                    AuditEvent.objects.filter(
                        organization=org, action="organization.create"
                    ).exists()
                )

    def test_running_twice_changes_nothing(self):
        before = counts()
        seed()
        self.assertEqual(counts(), before)

    def test_prints_every_demo_user_and_the_password(self):
        printed = set(re.findall(r"^\s+([a-z]+(?:\.[a-z]+)?)\s{2,}", self.output, re.M))
        self.assertEqual(printed, DEMO_USERNAMES)
        self.assertIsNotNone(re.search(r"password is: (\S+)", self.output))

    def test_the_summary_ends_with_the_password_and_no_line_repeats(self):
        lines = [line for line in self.output.splitlines() if line.strip()]
        self.assertRegex(lines[-1], r"password is: \S+$")
        self.assertEqual(len(lines), len(set(lines)), "a line printed twice")
        self.assertIn(f"(log in at {settings.SITE_URL}/login/)", self.output)
        self.assertNotIn("Task ", self.output)

    def test_serve_demo_prints_the_same_summary_once_the_server_listens(self):
        from ajunta.tenants.management.commands.serve_demo import Command as ServeDemo

        out = StringIO()
        command = ServeDemo(stdout=out)
        command.addr = "127.0.0.1"
        with override_settings(SITE_URL="http://127.0.0.1:8000"):
            command.on_bind(8123)
            # receipts print the address actually served (issue 18), not the default port
            self.assertEqual(settings.SITE_URL, "http://127.0.0.1:8123")
        lines = [line for line in out.getvalue().splitlines() if line.strip()]
        self.assertIn("log in at http://127.0.0.1:8123/login/", lines[1])
        self.assertRegex(lines[-1], r"password is: \S+$")
        with self.assertRaises(CommandError):
            call_command("serve_demo", "--noreload", stdout=StringIO())  # DEBUG is off

    def test_every_demo_user_can_log_in_with_the_printed_password(self):
        password = re.search(r"password is: (\S+)", self.output).group(1)
        axes_reset()
        for username in DEMO_USERNAMES:
            with self.subTest(username=username):
                client = Client()
                response = client.post(
                    "/accounts/login/", {"username": username, "password": password}
                )
                self.assertEqual(response.status_code, 302)
                user = User.objects.get(username=username)
                self.assertEqual(client.session[SESSION_KEY], str(user.pk))

    def test_each_user_sees_only_their_organizations(self):
        expected = {
            "provider.admin": {"ccbages"},
            "provider.tech": {"ccbages", "manresa", "navarcles"},
            "secretaria.manresa": {"manresa"},
            "staff.manresa": {"manresa"},
            "regidora.manresa": {"manresa"},
            "secretaria.agrupada": {"mura", "talamanca", "rajadell"},
            "secretario.almazan": {"almazan"},
            "ciutada": set(),
        }
        self.assertEqual(set(expected), DEMO_USERNAMES)
        for username, slugs in expected.items():
            with self.subTest(username=username):
                client = APIClient()
                client.force_authenticate(User.objects.get(username=username))
                response = client.get("/api/v1/organizations/")
                self.assertEqual(response.status_code, 200)
                self.assertEqual({row["slug"] for row in response.json()}, slugs)

    def test_provider_users_have_a_confirmed_device(self):
        for username in ("provider.admin", "provider.tech"):
            self.assertTrue(
                TOTPDevice.objects.filter(user__username=username, confirmed=True).exists()
            )
        self.assertFalse(TOTPDevice.objects.filter(user__username="ciutada").exists())

    def test_demo_totp_prints_a_code_the_device_accepts(self):
        out = StringIO()
        with override_settings(DEBUG=True):
            call_command("demo_totp", "provider.admin", stdout=out)
        device = TOTPDevice.objects.get(user__username="provider.admin")
        self.assertTrue(device.verify_token(out.getvalue().strip()))
        with self.assertRaises(CommandError):
            call_command("demo_totp", "provider.admin", stdout=StringIO())

    def test_manresa_has_its_local_holidays_and_catalan_holidays(self):
        manresa = Organization.objects.get(slug="manresa")
        self.assertEqual(
            set(LocalHoliday.objects.filter(organization=manresa).values_list("date", flat=True)),
            {dt.date(2026, 2, 23), dt.date(2026, 8, 31)},
        )
        days = calendar_for(manresa).holidays_in(2026)
        self.assertIn(dt.date(2026, 9, 11), days)
        self.assertIn(dt.date(2026, 8, 31), days)

    def test_almazan_follows_castilla_y_leon_not_catalonia(self):
        almazan = Organization.objects.get(slug="almazan")
        days = calendar_for(almazan).holidays_in(2026)
        self.assertNotIn(dt.date(2026, 9, 11), days)
        self.assertNotIn(dt.date(2026, 8, 31), days)
        self.assertIn(dt.date(2026, 4, 23), days)  # Día de Castilla y León
        self.assertFalse(LocalHoliday.objects.filter(organization=almazan).exists())
