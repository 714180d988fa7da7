from django.core.cache import cache
from django.test import TestCase, override_settings

from ajunta.core.models import User
from ajunta.portal.views import SIGNUPS_PER_HOUR


@override_settings(LANGUAGE_CODE="en")
class SignupRateLimitTests(TestCase):
    """Sign-up answers whether a NIF or e-mail is taken: one address may ask only so often."""

    def setUp(self):
        cache.clear()
        self.addCleanup(cache.clear)

    def test_the_eleventh_attempt_in_an_hour_is_refused_without_creating_anything(self):
        bad = {"first_name": "A", "surnames": "B", "nif": "12345678A", "email": "x@example.org"}
        for _ in range(SIGNUPS_PER_HOUR):
            self.assertEqual(self.client.post("/portal/signup/", bad).status_code, 400)
        good = {
            "first_name": "Marta", "surnames": "Ferrer Puig", "nif": "12345678Z",
            "email": "marta@example.org", "password1": "una contrasenya llarga 2026",
            "password2": "una contrasenya llarga 2026", "privacy": "on",
        }  # fmt: skip
        response = self.client.post("/portal/signup/", good)
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "Too many attempts", status_code=429)
        self.assertFalse(User.objects.filter(email="marta@example.org").exists())
