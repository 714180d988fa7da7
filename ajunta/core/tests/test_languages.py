"""Which language a request speaks (core.languages), dates in European order, and audit events
rendered as sentences in the reader's language (core.activity)."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.conf import settings
from django.test import RequestFactory, SimpleTestCase
from django.urls import reverse
from django.utils import formats, translation

from ajunta.core.activity import sentence
from ajunta.core.audit import audit_record
from ajunta.core.languages import choose_language, content_languages, language_for
from ajunta.core.models import Role, User
from ajunta.core.testing import TenantTestCase, make_org, make_user
from ajunta.tenants.models import Organization

# 23:45 in Madrid on 7 December 2026.
LATE_EVENING = dt.datetime(2026, 12, 7, 22, 45, tzinfo=dt.UTC)


class ChoiceOrderTests(SimpleTestCase):
    """explicit choice > user's preference > organization > Accept-Language > settings default."""

    def request(self, path: str = "/o/x/", cookie: str = "", header: str = "", user: str = ""):
        request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE=header)
        if cookie:
            request.COOKIES[settings.LANGUAGE_COOKIE_NAME] = cookie
        request.user = User(username="u", preferred_language=user)
        return request

    def test_each_step_wins_over_the_ones_after_it(self) -> None:
        soria = Organization(language="es")  # unsaved: only its language
        cases = [
            # (cookie, user preference, organization, Accept-Language, expected)
            ("en", "ca", soria, "ca", "en"),
            ("", "en", soria, "ca", "en"),
            ("", "", soria, "en", "es"),
            ("", "", None, "en-GB,en;q=0.8", "en"),
            ("", "", None, "", settings.LANGUAGE_CODE),
            ("fr", "", None, "de", settings.LANGUAGE_CODE),  # unknown languages are skipped
        ]
        for cookie, preference, org, header, expected in cases:
            with self.subTest(cookie=cookie, preference=preference, org=org, header=header):
                request = self.request(cookie=cookie, header=header, user=preference)
                self.assertEqual(choose_language(request, org=org), expected)

    def test_the_api_takes_accept_language_first_and_ignores_the_cookie(self) -> None:
        soria = Organization(language="es")
        request = self.request("/api/v1/o/x/", cookie="ca", header="en", user="ca")
        self.assertEqual(choose_language(request, org=soria), "en")
        request = self.request("/api/v1/o/x/", cookie="ca")
        self.assertEqual(choose_language(request, org=soria), "es")

    def test_mail_outside_a_request_follows_the_user_then_the_organization(self) -> None:
        soria = Organization(language="es")
        self.assertEqual(language_for(user=User(preferred_language=""), org=soria), "es")
        self.assertEqual(language_for(user=User(preferred_language="en"), org=soria), "en")

    def test_content_falls_back_to_the_site_languages_outside_an_organization(self) -> None:
        self.assertEqual(content_languages()[0], settings.LANGUAGE_CODE)
        self.assertEqual(set(content_languages()), {"ca", "es", "en"})


class DateFormatTests(SimpleTestCase):
    def test_every_language_writes_the_day_first_on_a_24_hour_clock(self) -> None:
        moment = dt.datetime(2026, 12, 7, 23, 45)
        for language in ("ca", "es", "en"):
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(
                    formats.date_format(moment, "SHORT_DATETIME_FORMAT"), "07/12/2026 23:45"
                )
                self.assertEqual(formats.date_format(moment, "SHORT_DATE_FORMAT"), "07/12/2026")
        with translation.override("en"):
            self.assertEqual(formats.date_format(moment, "DATE_FORMAT"), "7 December 2026")
            self.assertEqual(
                formats.date_format(moment, "DATETIME_FORMAT"), "7 December 2026, 23:45"
            )

    def test_english_reads_typed_dates_day_first(self) -> None:
        with translation.override("en"):
            self.assertEqual(formats.get_format("DATE_INPUT_FORMATS")[0], "%d/%m/%Y")


class ActivitySentenceTests(SimpleTestCase):
    def test_an_action_code_reads_as_a_sentence_in_the_readers_language(self) -> None:
        params = {"title": "Impressores"}
        expected = {
            "en": "Núria Puig saved the article Impressores",
            "es": "Núria Puig ha guardado el artículo Impressores",
            "ca": "Núria Puig ha desat l'article Impressores",
        }
        for language, text in expected.items():
            with self.subTest(language=language), translation.override(language):
                self.assertEqual(
                    sentence("helpdesk.article.save", params, actor="Núria Puig"), text
                )

    def test_a_code_without_its_own_sentence_reads_by_its_verb_never_raw(self) -> None:
        with translation.override("es"):
            text = sentence("newmodule.thing.create", {"name": "X"}, actor="Ana")
        self.assertEqual(text, "Ana ha creado X")
        with translation.override("en"):
            self.assertEqual(sentence("newmodule.thing.frobnicate", {}, actor="Ana"), "Ana: ")


class DashboardActivityTests(TenantTestCase):
    def test_recent_activity_is_sentences_with_european_dates_in_english(self) -> None:
        with time_machine.travel(LATE_EVENING, tick=False):
            audit_record(
                org=self.org_a, actor=self.alice, action="registry.unit.create",
                object_type="registry.unit", object_id="1", changes={"name": "Urbanisme"},
            )  # fmt: skip
        self.alice.preferred_language = "en"
        self.alice.save(update_fields=["preferred_language"])
        self.client.force_login(self.alice)
        page = self.client.get(reverse("dashboard", args=[self.org_a.slug]))
        self.assertContains(page, "07/12/2026 23:45")
        self.assertContains(page, "alice created the unit Urbanisme")
        self.assertNotContains(page, "<code>registry.unit.create</code>")
        self.assertEqual(page["Content-Language"], "en")


class OrganizationLanguageTests(TenantTestCase):
    def test_a_user_without_a_preference_reads_the_organizations_language(self) -> None:
        soria = make_org(
            "almazan", autonomous_community_code="07", province_code="42", language="es"
        )
        javier = make_user("javier", soria, Role.MUNICIPAL_ADMIN)
        self.client.force_login(javier)
        page = self.client.get(reverse("dashboard", args=[soria.slug]), HTTP_ACCEPT_LANGUAGE="ca")
        self.assertEqual(page["Content-Language"], "es")
        # Bages (Catalan) for the same browser: Catalan.
        self.client.force_login(self.alice)
        page = self.client.get(reverse("dashboard", args=[self.org_a.slug]))
        self.assertEqual(page["Content-Language"], settings.LANGUAGE_CODE)

    def test_the_switcher_wins_over_the_organization(self) -> None:
        soria = make_org(
            "almazan", autonomous_community_code="07", province_code="42", language="es"
        )
        javier = make_user("javier", soria, Role.MUNICIPAL_ADMIN)
        self.client.force_login(javier)
        self.client.post(reverse("set_language"), {"language": "en", "next": "/"})
        page = self.client.get(reverse("dashboard", args=[soria.slug]))
        self.assertEqual(page["Content-Language"], "en")
