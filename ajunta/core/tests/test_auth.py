"""Logging in and out, password reset, lockout, second factor, API tokens, API docs and headers."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from unittest import mock
from urllib.parse import parse_qs, urlsplit

from axes.utils import reset as axes_reset
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.core.management import CommandError, call_command
from django.test import Client, override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ajunta.core import services
from ajunta.core.models import AuditEvent, Role, RoleAssignment, User
from ajunta.core.testing import TenantTestCase, make_org, make_user
from ajunta.tenants.models import OrganizationKind

PASSWORD = "correct horse battery staple"
LOGIN = "/accounts/login/"
MFA = "/accounts/mfa/"


def log_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(LOGIN, {"username": username, "password": password, **extra})


def current_token(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_token(device: TOTPDevice) -> str:
    """A code outside the device's tolerance window, so it can never be accepted by chance."""
    device.refresh_from_db()
    valid = set()
    for drift in range(device.drift - device.tolerance, device.drift + device.tolerance + 1):
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, drift)
        valid.add(f"{totp.token():0{device.digits}d}")
    return next(code for code in ("000000", "111111", "222222", "333333") if code not in valid)


def without_csrf(response) -> str:
    """The page's HTML with its (per-response masked) CSRF tokens blanked out."""
    html = response.content.decode()
    html = re.sub(r'("X-CSRFToken": ")[^"]+', r"\1", html)
    return re.sub(r'(name="csrfmiddlewaretoken" value=")[^"]+', r"\1", html)


class AxesResetMixin:
    def setUp(self) -> None:
        super().setUp()  # type: ignore[misc]
        axes_reset()


class LoginTests(AxesResetMixin, TenantTestCase):
    def test_login_page_has_username_and_password_fields(self):
        response = self.client.get(LOGIN)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="username"')
        self.assertContains(response, 'name="password"')
        self.assertContains(response, 'type="password"')

    def test_login_shortcut_redirects_to_the_login_page_keeping_next(self):
        response = self.client.get("/login/?next=/home/")
        self.assertRedirects(response, LOGIN + "?next=/home/", fetch_redirect_response=False)
        self.assertEqual(response.status_code, 302)

    def test_correct_password_lands_on_the_only_organizations_dashboard(self):
        response = self.client.post(LOGIN, {"username": "alice", "password": PASSWORD}, follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.redirect_chain[-1][0], "/o/alpha/")
        self.assertEqual(response.request["PATH_INFO"], "/o/alpha/")
        self.assertEqual(self.client.session[SESSION_KEY], str(self.alice.pk))

    def test_user_with_two_organizations_lands_on_the_switcher(self):
        RoleAssignment.objects.create(
            organization=self.org_b, user=self.bob, role=Role.ELECTED_MEMBER
        )
        response = self.client.post(LOGIN, {"username": "bob", "password": PASSWORD}, follow=True)
        self.assertEqual(response.request["PATH_INFO"], "/home/")
        self.assertContains(response, "/o/alpha/")
        self.assertContains(response, "/o/beta/")

    def test_wrong_password_rerenders_with_an_error_and_no_session(self):
        response = log_in(self.client, "alice", "not the password")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].non_field_errors())
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_login_ignores_a_next_url_on_another_host(self):
        response = log_in(self.client, "alice", next="https://evil.example/steal")
        self.assertEqual(response.status_code, 302)
        self.assertFalse(response["Location"].startswith("https://evil.example"))

    def test_logout_by_post_ends_the_session(self):
        self.login(self.alice)
        self.assertEqual(self.client.get("/o/alpha/").status_code, 200)
        response = self.client.post("/accounts/logout/")
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertNotIn(SESSION_KEY, self.client.session)
        response = self.client.get("/o/alpha/")
        self.assertEqual(response.status_code, 302)
        self.assertTrue(response["Location"].startswith(LOGIN))

    def test_logout_by_get_is_refused_and_keeps_the_session(self):
        self.login(self.alice)
        response = self.client.get("/accounts/logout/")
        self.assertEqual(response.status_code, 405)
        self.assertEqual(self.client.session[SESSION_KEY], str(self.alice.pk))


class PasswordResetTests(AxesResetMixin, TenantTestCase):
    def test_reset_link_sets_a_new_password(self):
        response = self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        self.assertRedirects(response, "/accounts/password/reset/sent/")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["alice@example.org"])
        match = re.search(
            r"https?://[^/\s]+(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body
        )
        self.assertIsNotNone(match, mail.outbox[0].body)

        response = self.client.get(match.group(1), follow=True)
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["validlink"])
        new_password = "a brand new long passphrase 7"
        response = self.client.post(
            response.request["PATH_INFO"],
            {"new_password1": new_password, "new_password2": new_password},
        )
        self.assertRedirects(response, "/accounts/password/reset/done/")

        self.assertEqual(log_in(self.client, "alice", PASSWORD).status_code, 200)  # old one fails
        self.assertNotIn(SESSION_KEY, self.client.session)
        self.assertEqual(log_in(self.client, "alice", new_password).status_code, 302)
        self.assertEqual(self.client.session[SESSION_KEY], str(self.alice.pk))

    def test_reset_link_works_only_once(self):
        self.client.post("/accounts/password/reset/", {"email": "alice@example.org"})
        path = re.search(r"(/accounts/password/reset/[^/\s]+/[^/\s]+/)", mail.outbox[0].body).group(
            1
        )
        form_url = self.client.get(path, follow=True).request["PATH_INFO"]
        new_password = "a brand new long passphrase 7"
        data = {"new_password1": new_password, "new_password2": new_password}
        self.assertEqual(self.client.post(form_url, data).status_code, 302)
        response = Client().get(path, follow=True)
        self.assertFalse(response.context["validlink"])

    def test_unknown_email_sends_nothing_and_shows_the_same_page(self):
        known = self.client.post(
            "/accounts/password/reset/", {"email": "alice@example.org"}, follow=True
        )
        mail.outbox.clear()
        unknown = self.client.post(
            "/accounts/password/reset/", {"email": "nobody@example.org"}, follow=True
        )
        self.assertEqual(len(mail.outbox), 0)
        self.assertEqual(unknown.redirect_chain, known.redirect_chain)
        self.assertTemplateUsed(unknown, "registration/password_reset_done.html")
        self.assertEqual(without_csrf(unknown), without_csrf(known))


class LockoutTests(AxesResetMixin, TenantTestCase):
    def fail(self, username: str, times: int) -> None:
        for _ in range(times):
            log_in(self.client, username, "wrong password")

    def test_after_five_failures_even_the_right_password_is_refused(self):
        self.fail("alice", 5)
        response = log_in(self.client, "alice")
        self.assertEqual(response.status_code, 429)
        self.assertTemplateUsed(response, "registration/locked_out.html")
        self.assertNotIn(SESSION_KEY, self.client.session)

    def test_four_failures_do_not_lock(self):
        self.fail("alice", 4)
        response = log_in(self.client, "alice")
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.session[SESSION_KEY], str(self.alice.pk))

    def test_success_resets_the_failure_count(self):
        self.fail("alice", 4)
        log_in(self.client, "alice")
        self.client.post("/accounts/logout/")
        self.fail("alice", 4)
        self.assertEqual(log_in(self.client, "alice").status_code, 302)

    def test_lockout_is_per_username_not_for_everyone_at_that_address(self):
        self.fail("alice", 5)
        self.assertEqual(log_in(self.client, "bob").status_code, 302)

    def test_reset_lifts_the_lockout(self):
        self.fail("alice", 5)
        axes_reset(username="alice")
        self.assertEqual(log_in(self.client, "alice").status_code, 302)


class MFATests(AxesResetMixin, TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_org(
            "ccb", name="Consell Comarcal", kind=OrganizationKind.COUNTY_COUNCIL, is_provider=True
        )
        cls.nuria = make_user("nuria", cls.provider, Role.PROVIDER_ADMIN)

    def enrol_page(self):
        log_in(self.client, "nuria")
        response = self.client.get(MFA)
        device = TOTPDevice.objects.get(user=self.nuria, confirmed=False)
        return response, device

    def test_provider_admin_is_sent_to_mfa_after_login(self):
        response = self.client.post(LOGIN, {"username": "nuria", "password": PASSWORD}, follow=True)
        self.assertEqual(response.request["PATH_INFO"], MFA)
        self.assertEqual(self.client.session[SESSION_KEY], str(self.nuria.pk))
        response = self.client.get("/o/ccb/")
        self.assertRedirects(response, f"{MFA}?next=/o/ccb/", fetch_redirect_response=False)

    def test_the_public_website_needs_no_second_factor(self):
        log_in(self.client, "nuria")
        self.assertEqual(self.client.get("/").status_code, 200)  # the provider's public home
        self.assertRedirects(
            self.client.get("/o/ccb/"), f"{MFA}?next=/o/ccb/", fetch_redirect_response=False
        )

    def test_first_visit_shows_a_qr_code_and_the_secret(self):
        response, device = self.enrol_page()
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "<svg")
        self.assertContains(response, services.totp_secret_base32(device))
        self.assertFalse(response.context["enrolled"])

    def test_reloading_the_enrolment_page_keeps_the_same_secret(self):
        self.enrol_page()
        self.client.get(MFA)
        self.assertEqual(TOTPDevice.objects.filter(user=self.nuria).count(), 1)

    def test_wrong_code_shows_an_error_and_confirms_nothing(self):
        _response, device = self.enrol_page()
        response = self.client.post(MFA, {"token": wrong_token(device)})
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.context["form"].errors["token"])
        device.refresh_from_db()
        self.assertFalse(device.confirmed)
        self.assertFalse(AuditEvent.objects.filter(action="user.mfa.enable").exists())
        self.assertEqual(self.client.get("/o/ccb/").status_code, 302)

    def test_correct_code_confirms_the_device_and_opens_the_dashboard(self):
        _response, device = self.enrol_page()
        response = self.client.post(f"{MFA}?next=/o/ccb/", {"token": current_token(device)})
        self.assertRedirects(response, "/o/ccb/", fetch_redirect_response=False)
        device.refresh_from_db()
        self.assertTrue(device.confirmed)
        event = AuditEvent.objects.get(action="user.mfa.enable")
        self.assertEqual(event.actor, self.nuria)
        self.assertEqual(event.object_id, str(device.pk))
        self.assertEqual(self.client.get("/o/ccb/").status_code, 200)

    def test_next_to_another_host_is_not_followed(self):
        _response, device = self.enrol_page()
        response = self.client.post(
            MFA, {"token": current_token(device), "next": "https://evil.example/"}
        )
        self.assertEqual(response.status_code, 302)
        self.assertEqual(response["Location"], "/home/")

    def test_session_api_call_before_verification_answers_403_json(self):
        log_in(self.client, "nuria")
        response = self.client.get("/api/v1/me/")
        self.assertEqual(response.status_code, 403)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertIn("detail", response.json())

    def test_verified_session_reaches_the_api(self):
        _response, device = self.enrol_page()
        self.client.post(MFA, {"token": current_token(device)})
        response = self.client.get("/api/v1/me/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["username"], "nuria")

    def test_enrolled_user_must_verify_again_on_the_next_login(self):
        _response, device = self.enrol_page()
        self.client.post(MFA, {"token": current_token(device)})
        self.client.post("/accounts/logout/")
        log_in(self.client, "nuria")
        self.assertEqual(self.client.get("/o/ccb/").status_code, 302)
        response = self.client.get(MFA)
        self.assertTrue(response.context["enrolled"])
        self.assertNotContains(response, "<svg")

    def test_municipal_user_without_a_device_is_not_asked(self):
        log_in(self.client, "alice")
        self.assertEqual(self.client.get("/o/alpha/").status_code, 200)
        self.assertEqual(self.client.get("/api/v1/me/").status_code, 200)

    @override_settings(MFA_REQUIRED_FOR_ALL_STAFF=True)
    def test_municipal_user_is_asked_when_required_for_all_staff(self):
        log_in(self.client, "alice")
        response = self.client.get("/o/alpha/")
        self.assertRedirects(response, f"{MFA}?next=/o/alpha/", fetch_redirect_response=False)
        self.assertEqual(self.client.get("/api/v1/me/").status_code, 403)

    @override_settings(MFA_REQUIRED_FOR_ALL_STAFF=True)
    def test_user_without_any_role_is_not_asked_even_then(self):
        make_user("citizen")
        log_in(self.client, "citizen")
        self.assertEqual(self.client.get("/portal/").status_code, 200)

    def test_user_who_enrolled_voluntarily_must_verify(self):
        device = TOTPDevice.objects.create(user=self.alice, name="phone", confirmed=True)
        log_in(self.client, "alice")
        response = self.client.get("/o/alpha/")
        self.assertRedirects(response, f"{MFA}?next=/o/alpha/", fetch_redirect_response=False)
        response = self.client.get(MFA)
        self.assertTrue(response.context["enrolled"])
        self.client.post(MFA, {"token": current_token(device)})
        self.assertEqual(self.client.get("/o/alpha/").status_code, 200)
        self.assertFalse(AuditEvent.objects.filter(action="user.mfa.enable").exists())

    def test_redirect_to_mfa_keeps_the_whole_query_string(self):
        log_in(self.client, "nuria")
        response = self.client.get("/o/ccb/audit/?action=role&page=2")
        query = parse_qs(urlsplit(response["Location"]).query)
        self.assertEqual(query["next"], ["/o/ccb/audit/?action=role&page=2"])

    def test_login_and_logout_pages_stay_reachable_before_verification(self):
        log_in(self.client, "nuria")
        response = self.client.post("/accounts/logout/")
        self.assertRedirects(response, LOGIN, fetch_redirect_response=False)
        self.assertNotIn(SESSION_KEY, self.client.session)


class APITokenTests(TenantTestCase):
    def issue(self, username: str) -> str:
        out = StringIO()
        call_command("issue_token", username, stdout=out, stderr=StringIO())
        return out.getvalue().strip()

    def token_client(self, key: str) -> APIClient:
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    def test_issue_token_prints_a_40_hex_key(self):
        self.assertRegex(self.issue("alice"), r"^[0-9a-f]{40}$")

    def test_token_reaches_own_organization_only(self):
        client = self.token_client(self.issue("alice"))
        response = client.get("/api/v1/o/alpha/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["slug"], "alpha")
        self.assertEqual(client.get("/api/v1/o/beta/").status_code, 404)
        self.assertEqual(client.get("/api/v1/o/no-such-org/").status_code, 404)

    def test_bogus_token_answers_401(self):
        self.issue("alice")
        response = self.token_client("0" * 40).get("/api/v1/o/alpha/")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(APIClient().get("/api/v1/o/alpha/").status_code, 401)

    def test_a_token_stops_working_after_its_lifetime(self):
        key = self.issue("alice")
        client = self.token_client(key)
        issued = Token.objects.get(key=key).created
        with mock.patch("django.utils.timezone.now", return_value=issued + dt.timedelta(days=364)):
            self.assertEqual(client.get("/api/v1/me/").status_code, 200)
        with mock.patch("django.utils.timezone.now", return_value=issued + dt.timedelta(days=365)):
            response = client.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertEqual(response.status_code, 401)
        self.assertIn("expired", response.json()["detail"])
        with (
            override_settings(API_TOKEN_TTL_DAYS=0),
            mock.patch("django.utils.timezone.now", return_value=issued + dt.timedelta(days=3650)),
        ):
            self.assertEqual(client.get("/api/v1/me/").status_code, 200)

    def test_issuing_says_until_when_the_token_works(self):
        err = StringIO()
        call_command("issue_token", "alice", stdout=StringIO(), stderr=err)
        self.assertRegex(err.getvalue(), r"^Valid until \d{4}-\d{2}-\d{2} ")

    def test_issuing_again_replaces_the_old_key(self):
        old = self.issue("alice")
        new = self.issue("alice")
        self.assertNotEqual(old, new)
        self.assertEqual(self.token_client(old).get("/api/v1/me/").status_code, 401)
        self.assertEqual(self.token_client(new).get("/api/v1/me/").status_code, 200)

    def test_issuing_is_audited(self):
        self.issue("alice")
        event = AuditEvent.objects.get(action="user.api_token.issue")
        self.assertEqual(event.changes["user"], "alice")
        self.assertIs(event.changes["second_factor"], False)

    def test_unknown_or_inactive_username_is_refused(self):
        with self.assertRaises(CommandError):
            self.issue("nobody")
        User.objects.filter(pk=self.bob.pk).update(is_active=False)
        with self.assertRaises(CommandError):
            self.issue("bob")

    def test_me_and_organizations_list_exactly_the_users_roles(self):
        client = self.token_client(self.issue("alice"))
        me = client.get("/api/v1/me/")
        self.assertEqual(me.status_code, 200)
        self.assertEqual(me.json()["username"], "alice")
        self.assertEqual(me.json()["email"], "alice@example.org")
        response = client.get("/api/v1/organizations/")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(
            [(row["slug"], row["roles"]) for row in response.json()],
            [("alpha", [Role.MUNICIPAL_ADMIN])],
        )

    def test_organizations_lists_every_role_in_every_organization(self):
        RoleAssignment.objects.create(
            organization=self.org_b, user=self.alice, role=Role.ELECTED_MEMBER
        )
        RoleAssignment.objects.create(
            organization=self.org_a, user=self.alice, role=Role.MUNICIPAL_STAFF
        )
        make_org("gamma")
        response = self.token_client(self.issue("alice")).get("/api/v1/organizations/")
        self.assertEqual(
            {row["slug"]: row["roles"] for row in response.json()},
            {
                "alpha": sorted([Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF]),
                "beta": [Role.ELECTED_MEMBER],
            },
        )

    def test_organizations_query_count_does_not_grow_with_organizations(self):
        client = self.token_client(self.issue("alice"))
        with self.assertNumQueries(3):  # token+user, organizations, roles
            client.get("/api/v1/organizations/")
        for slug in ("gamma", "delta", "epsilon"):
            RoleAssignment.objects.create(
                organization=make_org(slug), user=self.alice, role=Role.MUNICIPAL_STAFF
            )
        with self.assertNumQueries(3):
            response = client.get("/api/v1/organizations/")
        self.assertEqual(len(response.json()), 4)


class APIDocsTests(TenantTestCase):
    def test_schema_is_served_and_valid(self):
        from drf_spectacular.generators import SchemaGenerator
        from drf_spectacular.validation import validate_schema

        response = self.client.get("/api/schema/")
        self.assertEqual(response.status_code, 200)
        schema = SchemaGenerator().get_schema(request=None, public=True)
        validate_schema(schema)
        self.assertIn("/api/v1/o/{org_slug}/", schema["paths"])
        self.assertIn("/api/v1/me/", schema["paths"])
        self.assertIn("patch", schema["paths"]["/api/v1/o/{org_slug}/"])

    def test_swagger_ui_loads_nothing_from_a_cdn(self):
        response = self.client.get("/api/docs/")
        self.assertEqual(response.status_code, 200)
        html = response.content.decode().lower()
        for marker in ("cdn", "jsdelivr", "unpkg"):
            self.assertNotIn(marker, html)
        self.assertIn("/static/", html)


class SecurityHeaderTests(TenantTestCase):
    def assert_secure_headers(self, response) -> None:
        csp = response["Content-Security-Policy"]
        self.assertIn("default-src 'self'", csp)
        self.assertIn("frame-ancestors 'none'", csp)
        self.assertNotIn("unsafe-inline", csp)
        self.assertEqual(response["X-Frame-Options"], "DENY")
        self.assertEqual(response["X-Content-Type-Options"], "nosniff")

    def test_login_page_sends_security_headers(self):
        self.assert_secure_headers(self.client.get(LOGIN))

    def test_tenant_page_sends_security_headers(self):
        self.login(self.alice)
        self.assert_secure_headers(self.client.get("/o/alpha/"))
