"""API tokens (second factor at issue for providers, shorter life, listing and revocation by the
owner and the organization's admin) and Cache-Control on authenticated answers."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ajunta.core import services
from ajunta.core.audit import chain_key
from ajunta.core.models import AuditEvent, Role
from ajunta.core.testing import TenantTestCase, make_user
from ajunta.core.tests.test_auth import current_token, wrong_token
from ajunta.tenants.testing import make_provider

ISSUED = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


class ProviderTokenTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_provider("consell")
        cls.tech = make_user("tech", cls.provider, Role.PROVIDER_TECHNICIAN)

    def device(self) -> TOTPDevice:
        return TOTPDevice.objects.create(user=self.tech, name="app", confirmed=True)

    def issue(self, username: str, *args: str) -> str:
        out = StringIO()
        call_command("issue_token", username, *args, stdout=out, stderr=StringIO())
        return out.getvalue().strip()

    def test_a_provider_token_needs_a_verified_second_factor(self):
        device = self.device()
        with self.assertRaisesMessage(CommandError, "Pass --otp CODE"):
            self.issue("tech")
        with self.assertRaisesMessage(CommandError, "does not match"):
            self.issue("tech", "--otp", wrong_token(device))
        self.assertFalse(Token.objects.filter(user=self.tech).exists())
        device.refresh_from_db()
        device.throttle_reset()  # django-otp pauses a device after a wrong code
        key = self.issue("tech", "--otp", current_token(device))
        self.assertEqual(token_client(key).get("/api/v1/me/").status_code, 200)
        event = AuditEvent.objects.get(action="user.api_token.issue")
        self.assertIs(event.changes["second_factor"], True)

    def test_the_service_refuses_without_it(self):
        with self.assertRaises(ValidationError):
            services.api_token_issue(actor=None, user=self.tech)
        self.assertFalse(AuditEvent.objects.filter(action="user.api_token.issue").exists())

    @override_settings(API_TOKEN_TTL_DAYS=365, API_TOKEN_TTL_DAYS_PROVIDER=30)
    def test_a_provider_token_lives_30_days_and_a_municipal_one_a_year(self):
        with time_machine.travel(ISSUED, tick=False):
            tech = services.api_token_issue(actor=None, user=self.tech, second_factor_verified=True)
            bob = services.api_token_issue(actor=None, user=self.bob)
        for days, tech_status, bob_status in [(29, 200, 200), (30, 401, 200), (365, 401, 401)]:
            with self.subTest(days=days), time_machine.travel(ISSUED + dt.timedelta(days=days)):
                self.assertEqual(token_client(tech.key).get("/api/v1/me/").status_code, tech_status)
                self.assertEqual(token_client(bob.key).get("/api/v1/me/").status_code, bob_status)

    def test_roles_are_read_only_for_a_token_past_the_provider_life(self):
        with time_machine.travel(ISSUED, tick=False):
            key = services.api_token_issue(actor=None, user=self.bob).key
        client = token_client(key)
        with time_machine.travel(ISSUED + dt.timedelta(days=1)), self.assertNumQueries(1):
            client.get("/api/v1/me/")
        with time_machine.travel(ISSUED + dt.timedelta(days=40)), self.assertNumQueries(2):
            client.get("/api/v1/me/")


class TokenListAndRevokeTests(TenantTestCase):
    def setUp(self) -> None:
        with time_machine.travel(ISSUED, tick=False):
            self.bob_token = services.api_token_issue(actor=None, user=self.bob)
            self.charlie_token = services.api_token_issue(actor=None, user=self.charlie)

    def test_the_owner_sees_their_token_without_its_key_and_revokes_it(self):
        client = token_client(self.bob_token.key)
        with time_machine.travel(ISSUED + dt.timedelta(days=1)):
            shown = client.get("/api/v1/me/api-token/")
            self.assertEqual(shown.status_code, 200)
            self.assertEqual(shown.json()["username"], "bob")
            self.assertEqual(shown.json()["expires_at"], "2027-03-02T10:00:00+01:00")
            self.assertNotIn(self.bob_token.key, shown.content.decode())
            self.assertEqual(client.delete("/api/v1/me/api-token/").status_code, 204)
        self.assertFalse(Token.objects.filter(user=self.bob).exists())
        event = AuditEvent.objects.get(action="user.api_token.revoke")
        self.assertEqual((event.actor, event.changes), (self.bob, {"user": "bob"}))
        self.assertEqual(client.get("/api/v1/me/").status_code, 401)

    def test_the_admin_lists_and_revokes_only_their_organizations_tokens(self):
        client = self.api(self.alice)
        with self.assertNumQueries(3):  # roles, count, tokens with users
            rows = client.get("/api/v1/o/alpha/api-tokens/").json()["results"]
        self.assertEqual([row["username"] for row in rows], ["bob"])
        charlie_url = f"/api/v1/o/alpha/api-tokens/{self.charlie.pk}/"
        self.assertEqual(client.delete(charlie_url).status_code, 404)
        response = client.delete(f"/api/v1/o/alpha/api-tokens/{self.bob.pk}/")
        self.assertEqual(response.status_code, 204)
        self.assertFalse(Token.objects.filter(user=self.bob).exists())
        self.assertTrue(Token.objects.filter(user=self.charlie).exists())
        event = AuditEvent.objects.get(action="user.api_token.revoke")
        self.assertEqual((event.chain, event.actor), (chain_key(self.org_a), self.alice))

    def test_organization_b_gets_404_on_a_tokens(self):
        client = self.api(self.charlie)
        self.assertEqual(client.get("/api/v1/o/alpha/api-tokens/").status_code, 404)
        for slug in ("alpha", "beta"):
            url = f"/api/v1/o/{slug}/api-tokens/{self.bob.pk}/"
            self.assertEqual(client.delete(url).status_code, 404)
        self.assertTrue(Token.objects.filter(user=self.bob).exists())

    def test_staff_may_not_list_tokens(self):
        self.assertEqual(self.api(self.bob).get("/api/v1/o/alpha/api-tokens/").status_code, 403)

    def test_the_admin_page_lists_and_revokes(self):
        page = self.login(self.alice).get("/o/alpha/api-tokens/")
        self.assertContains(page, "bob")
        self.assertNotContains(page, "charlie")
        self.assertNotContains(page, self.bob_token.key)
        self.assertEqual(
            self.client.post("/o/alpha/api-tokens/", {"user": self.charlie.pk}).status_code, 404
        )
        response = self.client.post("/o/alpha/api-tokens/", {"user": self.bob.pk})
        self.assertRedirects(response, "/o/alpha/api-tokens/")
        self.assertFalse(Token.objects.filter(user=self.bob).exists())

    def test_organization_b_gets_404_on_the_page(self):
        client = self.login(self.charlie)
        self.assertEqual(client.get("/o/alpha/api-tokens/").status_code, 404)
        self.assertEqual(client.post("/o/beta/api-tokens/", {"user": self.bob.pk}).status_code, 404)
        self.assertTrue(Token.objects.filter(user=self.bob).exists())

    def test_the_owner_page_shows_and_revokes(self):
        client = self.login(self.bob)
        self.assertContains(client.get("/accounts/api-token/"), "2027-03-02")
        self.assertRedirects(client.post("/accounts/api-token/"), "/accounts/api-token/")
        self.assertFalse(Token.objects.filter(user=self.bob).exists())
        self.assertEqual(AuditEvent.objects.filter(action="user.api_token.revoke").count(), 1)


class NoStoreTests(TenantTestCase):
    def test_authenticated_pages_and_api_answers_are_not_stored(self):
        page = self.login(self.alice).get("/o/alpha/")
        self.assertEqual(page.status_code, 200)
        self.assertEqual(page["Cache-Control"], "private, no-store")
        key = services.api_token_issue(actor=None, user=self.alice).key
        answer = token_client(key).get("/api/v1/o/alpha/")
        self.assertEqual(answer.status_code, 200)
        self.assertEqual(answer["Cache-Control"], "private, no-store")
        refused = self.client.get("/o/beta/")
        self.assertEqual(refused.status_code, 404)
        self.assertEqual(refused["Cache-Control"], "private, no-store")

    def test_anonymous_pages_are_left_alone(self):
        page = self.client.get("/healthz")
        self.assertEqual(page.status_code, 200)
        self.assertNotIn("no-store", page.get("Cache-Control", ""))
