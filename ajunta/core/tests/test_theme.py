"""The provider's look from settings: /theme.css maps the colours onto Bootstrap's custom
properties; the header shows the name and logo; a bad colour never reaches the stylesheet."""

from django.test import TestCase, override_settings


class ThemeTests(TestCase):
    @override_settings(BRAND_NAME="Diputación de Soria", BRAND_PRIMARY="#7a1f2b",
                       BRAND_LOGO_URL="https://example.org/soria.svg")  # fmt: skip
    def test_the_provider_colours_become_bootstrap_custom_properties(self):
        css = self.client.get("/theme.css")
        self.assertEqual(css["Content-Type"], "text/css; charset=utf-8")
        self.assertContains(css, "--bs-primary:#7a1f2b;--bs-primary-rgb:122, 31, 43;")
        self.assertContains(css, "--bs-btn-bg:#7a1f2b")
        page = self.client.get("/accounts/login/")
        self.assertContains(page, '<link rel="stylesheet" href="/theme.css">')
        # the logo carries the name (the text beside it hides on phones)
        self.assertContains(
            page, '<img src="https://example.org/soria.svg" alt="Diputación de Soria">'
        )

    @override_settings(BRAND_PRIMARY="red;} body{display:none")
    def test_a_colour_that_is_not_hex_falls_back_to_the_default(self):
        css = self.client.get("/theme.css").content.decode()
        self.assertIn("--bs-primary:#0b4f8a;", css)
        self.assertNotIn("display:none", css)

    def test_the_login_field_says_e_mail_since_citizens_log_in_with_it(self):
        page = self.client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en")
        self.assertContains(page, "E-mail or username")
        self.assertContains(page, 'autocomplete="username"')
