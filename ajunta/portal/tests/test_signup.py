"""Citizens open a local account, are logged in, and log in again later with their e-mail."""

from __future__ import annotations

from axes.utils import reset as axes_reset
from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.test import override_settings

from ajunta.core.models import AuditEvent, RoleAssignment, User
from ajunta.portal import services
from ajunta.portal.tests.helpers import HOME_URL, SIGNUP_URL, PortalTestCase

GOOD = {
    "first_name": "Laia",
    "surnames": "Serra  i Bosch",
    "nif": "11111111-h",
    "email": "Laia.Serra@Example.org",
    "password1": "un cavall blau corre pel prat",
    "password2": "un cavall blau corre pel prat",
    "privacy": "on",
}


@override_settings(LANGUAGE_CODE="en")
class SignupTests(PortalTestCase):
    def setUp(self) -> None:
        super().setUp()
        axes_reset()

    def test_the_page_is_public_and_accessible(self) -> None:
        response = self.client.get(SIGNUP_URL)
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, '<label for="id_nif">')
        self.assertContains(response, 'aria-describedby="id_nif_helptext"')
        self.assertNotContains(response, "<script>")  # no inline JS under the CSP

    def test_valid_signup_creates_a_citizen_logs_in_and_goes_home(self) -> None:
        response = self.client.post(SIGNUP_URL, GOOD)
        self.assertRedirects(response, HOME_URL)
        user = User.objects.get(username="laia.serra@example.org")
        self.assertEqual(user.nif, "11111111H")
        self.assertEqual((user.first_name, user.last_name), ("Laia", "Serra i Bosch"))
        self.assertEqual(user.email, "Laia.Serra@example.org")
        self.assertFalse(RoleAssignment.objects.filter(user=user).exists())
        self.assertEqual(int(self.client.session[SESSION_KEY]), user.pk)
        self.assertTrue(
            AuditEvent.objects.filter(action="portal.citizen.signup", actor=user).exists()
        )
        self.assertEqual(self.client.get(HOME_URL).status_code, 200)

    def test_a_nie_is_accepted(self) -> None:
        response = self.client.post(SIGNUP_URL, {**GOOD, "nif": "x1234567l"})
        self.assertRedirects(response, HOME_URL)
        self.assertEqual(User.objects.get(username="laia.serra@example.org").nif, "X1234567L")

    def test_then_logs_in_with_the_e_mail_address(self) -> None:
        self.client.post(SIGNUP_URL, GOOD)
        self.client.post("/accounts/logout/")
        response = self.client.post(
            "/accounts/login/",
            {"username": "laia.serra@example.org", "password": GOOD["password1"], "next": HOME_URL},
        )
        self.assertRedirects(response, HOME_URL)

    def test_a_bad_nif_is_refused_on_its_field(self) -> None:
        response = self.client.post(SIGNUP_URL, {**GOOD, "nif": "11111111J"})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "This NIF/NIE is not valid", status_code=400)
        self.assertContains(response, 'id="id_nif_error"', status_code=400)
        self.assertContains(response, 'aria-invalid="true"', status_code=400)
        self.assertFalse(User.objects.filter(email__iexact=GOOD["email"]).exists())

    def test_a_company_tax_code_is_refused(self) -> None:
        response = self.client.post(SIGNUP_URL, {**GOOD, "nif": "B64717838"})
        self.assertContains(response, "NIF or NIE of a person", status_code=400)

    def test_a_duplicate_e_mail_is_refused(self) -> None:
        response = self.client.post(SIGNUP_URL, {**GOOD, "email": "NURIA@example.org"})
        self.assertContains(response, "e-mail address already exists", status_code=400)
        self.assertEqual(User.objects.filter(email__iexact="nuria@example.org").count(), 1)

    def test_a_duplicate_nif_is_refused(self) -> None:
        response = self.client.post(SIGNUP_URL, {**GOOD, "nif": "12345678z"})
        self.assertContains(response, "NIF/NIE already exists", status_code=400)
        self.assertFalse(User.objects.filter(email__iexact=GOOD["email"]).exists())

    def test_passwords_must_match_and_be_strong(self) -> None:
        response = self.client.post(SIGNUP_URL, {**GOOD, "password2": "something else entirely"})
        self.assertContains(response, "not the same", status_code=400)
        response = self.client.post(SIGNUP_URL, {**GOOD, "password1": "laia", "password2": "laia"})
        self.assertContains(response, "too short", status_code=400)
        self.assertFalse(User.objects.filter(email__iexact=GOOD["email"]).exists())

    def test_the_privacy_notice_must_be_accepted(self) -> None:
        data = {k: v for k, v in GOOD.items() if k != "privacy"}
        response = self.client.post(SIGNUP_URL, data)
        self.assertContains(response, 'id="id_privacy_error"', status_code=400)
        self.assertFalse(User.objects.filter(email__iexact=GOOD["email"]).exists())

    def test_a_logged_in_user_goes_to_their_area(self) -> None:
        self.client.force_login(self.nuria)
        self.assertRedirects(self.client.get(SIGNUP_URL), HOME_URL)

    def test_the_service_refuses_what_the_form_would(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            services.citizen_signup(
                first_name="Laia", surnames="Serra", nif="12345678Z",
                email="nuria@example.org", password=GOOD["password1"],
            )  # fmt: skip
        self.assertEqual(set(caught.exception.message_dict), {"nif"})
        with self.assertRaises(ValidationError) as caught:
            services.citizen_signup(
                first_name="Laia", surnames="Serra", nif="11111111H",
                email="nuria@example.org", password=GOOD["password1"],
            )  # fmt: skip
        self.assertEqual(set(caught.exception.message_dict), {"email"})


class LoginPageTests(PortalTestCase):
    def test_login_page_links_to_signup_without_an_oidc_button(self) -> None:
        response = self.client.get("/accounts/login/")
        self.assertContains(response, f'href="{SIGNUP_URL}"')
        self.assertNotContains(response, "/oidc/")
        self.assertNotContains(response, "OpenID Connect")

    def test_signup_page_has_no_oidc_button(self) -> None:
        response = self.client.get(SIGNUP_URL)
        self.assertNotContains(response, "/oidc/")
        self.assertNotContains(response, "OpenID Connect")


class SurnameTests(PortalTestCase):
    def test_split(self) -> None:
        cases = {
            "García López": ("García", "López"),
            "de la Fuente Puig": ("de la Fuente", "Puig"),
            "Puig i Cadafalch": ("Puig", "Cadafalch"),
            "Ortega y Gasset": ("Ortega", "Gasset"),
            "Smith": ("Smith", ""),
            "García-Lorca del Río": ("García-Lorca", "del Río"),
            "": ("", ""),
        }
        for text, expected in cases.items():
            with self.subTest(text=text):
                self.assertEqual(services.split_surnames(text), expected)
