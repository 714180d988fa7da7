"""Citizen identity through OpenID Connect: claim mapping (no network) and the login button."""

from __future__ import annotations

from unittest import mock

from django.core.exceptions import SuspiciousOperation
from django.test import RequestFactory, override_settings
from django.urls import include, path

from ajunta.core.models import AuditEvent, User
from ajunta.core.testing import find_unscoped_views
from ajunta.portal.oidc import CitizenOIDCBackend
from ajunta.portal.tests.helpers import SIGNUP_URL, PortalTestCase, make_citizen

# The project's URLs with the identity provider's, as ajunta.portal.urls adds them when configured.
urlpatterns = [
    path("portal/oidc/", include("mozilla_django_oidc.urls")),
    path("", include("ajunta.urls")),
]

OIDC = {
    "OIDC_RP_CLIENT_ID": "ajunta",
    "OIDC_RP_CLIENT_SECRET": "secret",
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "https://idp.example/auth",
    "OIDC_OP_TOKEN_ENDPOINT": "https://idp.example/token",
    "OIDC_OP_USER_ENDPOINT": "https://idp.example/userinfo",
    "OIDC_OP_JWKS_ENDPOINT": "https://idp.example/jwks",
    "OIDC_PROVIDER_NAME": "Cl@ve",
}
CLAIMS = {
    "sub": "a1",
    "given_name": "Marta",
    "family_name": "Soler  Camps",
    "email": "marta@example.org",
    "email_verified": True,
    "nif": "44444444a",
}


@override_settings(ROOT_URLCONF=__name__, **OIDC)
class ClaimMappingTests(PortalTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.backend = CitizenOIDCBackend()

    def login_with(self, claims: dict) -> User | None:
        """The backend's whole authentication of a callback, with the provider's answers mocked."""
        request = RequestFactory().get("/portal/oidc/callback/", {"code": "c", "state": "s"})
        request.session = self.client.session
        backend = self.backend
        with (
            mock.patch.object(
                backend, "get_token", return_value={"id_token": "i", "access_token": "a"}
            ),
            mock.patch.object(backend, "verify_token", return_value={"sub": "a1"}),
            mock.patch.object(backend, "get_userinfo", return_value=claims),
        ):
            return backend.authenticate(request, nonce=None)

    def test_create_user_from_claims(self) -> None:
        user = self.backend.create_user(CLAIMS)
        self.assertEqual(
            (user.first_name, user.last_name, user.email, user.nif),
            ("Marta", "Soler Camps", "marta@example.org", "44444444A"),
        )
        self.assertTrue(user.username.startswith("oidc-"))
        self.assertFalse(user.has_usable_password())
        self.assertFalse(user.role_assignments.exists())
        self.assertTrue(
            AuditEvent.objects.filter(action="portal.citizen.create_from_identity").exists()
        )

    def test_a_new_person_gets_an_account(self) -> None:
        user = self.login_with(CLAIMS)
        assert user is not None
        self.assertEqual(user.nif, "44444444A")
        self.assertEqual(self.login_with(CLAIMS), user)  # the second login finds it
        self.assertEqual(User.objects.filter(nif="44444444A").count(), 1)

    def test_an_existing_account_is_found_by_nif_first(self) -> None:
        # Núria's NIF with another e-mail address: it is Núria, and her names follow the provider.
        claims = {**CLAIMS, "nif": "12345678Z", "email": "nuria.new@example.org"}
        self.assertEqual(list(self.backend.filter_users_by_claims(claims)), [self.nuria])
        user = self.login_with(claims)
        self.assertEqual(user, self.nuria)
        self.nuria.refresh_from_db()
        self.assertEqual(
            (self.nuria.first_name, self.nuria.last_name, self.nuria.email, self.nuria.nif),
            ("Marta", "Soler Camps", "nuria.new@example.org", "12345678Z"),
        )

    def test_then_by_e_mail_and_the_nif_is_filled_in(self) -> None:
        citizen = make_citizen("marta", nif="", email="MARTA@example.org")
        self.assertEqual(list(self.backend.filter_users_by_claims(CLAIMS)), [citizen])
        self.assertEqual(self.login_with(CLAIMS), citizen)
        citizen.refresh_from_db()
        self.assertEqual(citizen.nif, "44444444A")

    def test_an_unverified_e_mail_finds_nobody(self) -> None:
        make_citizen("marta", nif="", email="marta@example.org")
        claims = {**CLAIMS, "nif": "", "email_verified": False}
        self.assertEqual(list(self.backend.filter_users_by_claims(claims)), [])

    def test_an_e_mail_of_an_account_with_another_nif_is_refused(self) -> None:
        claims = {**CLAIMS, "email": "nuria@example.org"}  # Núria's e-mail, Marta's NIF
        with self.assertRaises(SuspiciousOperation):
            self.backend.filter_users_by_claims(claims)
        self.assertIsNone(self.login_with(claims))
        self.nuria.refresh_from_db()
        self.assertEqual(self.nuria.first_name, "Núria")

    def test_update_user_keeps_a_known_nif_and_an_e_mail_of_another_account(self) -> None:
        claims = {**CLAIMS, "nif": "11111111H", "email": "pere@example.org"}
        user = self.backend.update_user(self.nuria, claims)
        self.assertEqual((user.nif, user.email), ("12345678Z", "nuria@example.org"))
        self.assertEqual(user.first_name, "Marta")

    def test_nothing_to_change_writes_nothing(self) -> None:
        claims = {"given_name": "Núria", "family_name": "Puig i Soler", "nif": "12345678Z"}
        before = AuditEvent.objects.count()
        self.backend.update_user(self.nuria, claims)
        self.assertEqual(AuditEvent.objects.count(), before)

    def test_an_invalid_nif_claim_is_ignored(self) -> None:
        identity = self.backend.identity({**CLAIMS, "nif": "44444444B"})
        self.assertEqual(identity["nif"], "")
        self.assertTrue(self.backend.verify_claims({**CLAIMS, "nif": "44444444B"}))
        self.assertFalse(self.backend.verify_claims({"nif": "44444444B", "given_name": "X"}))

    def test_prefixed_nif_claims(self) -> None:
        for raw in ("ES/ES/44444444A", "IDESP-44444444A", "44444444-a"):
            with self.subTest(raw=raw):
                self.assertEqual(self.backend.identity({"nif": raw})["nif"], "44444444A")

    @override_settings(OIDC_NIF_CLAIM="dni")
    def test_the_nif_claim_name_is_configurable(self) -> None:
        claims = {**CLAIMS, "nif": "", "dni": "X1234567L"}
        self.assertEqual(self.backend.create_user(claims).nif, "X1234567L")


class LoginButtonTests(PortalTestCase):
    def test_without_oidc_there_is_no_button(self) -> None:
        for url in ("/accounts/login/", SIGNUP_URL):
            with self.subTest(url=url):
                response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
                self.assertNotContains(response, "Log in with")
                self.assertNotContains(response, "/oidc/")

    @override_settings(ROOT_URLCONF=__name__, **OIDC)
    def test_with_oidc_the_login_and_signup_pages_offer_it(self) -> None:
        for url in ("/accounts/login/", SIGNUP_URL):
            with self.subTest(url=url):
                response = self.client.get(url, HTTP_ACCEPT_LANGUAGE="en")
                self.assertContains(response, "Log in with Cl@ve")
                self.assertContains(response, 'href="/portal/oidc/authenticate/?next=/portal/"')

    @override_settings(ROOT_URLCONF=__name__, **OIDC)
    def test_the_button_keeps_where_the_user_was_going(self) -> None:
        response = self.client.get("/accounts/login/?next=/portal/file/")
        self.assertContains(response, 'href="/portal/oidc/authenticate/?next=/portal/file/"')

    @override_settings(ROOT_URLCONF=__name__, **OIDC)
    def test_the_provider_urls_are_on_the_user_scoped_list(self) -> None:
        self.assertEqual(find_unscoped_views(__name__), [])
