"""Procedure names in the reader's language, falling back to the organization's; API messages in
the language of Accept-Language, else of the organization (docs/design.md, "Languages")."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from ajunta.cases import services
from ajunta.cases.models import Procedure
from ajunta.cases.tests.factories import make_case, make_procedure
from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_org, make_user, speaking
from ajunta.tenants.models import OrganizationKind

TRANSLATIONS = {
    "es": {"name": "Licencia de obras menores", "description": "Obras sin proyecto."},
    "en": {"name": "Minor works licence", "description": "Works without a project."},
}


class SoriaReadsSpanishTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_org(
            "ccbages", kind=OrganizationKind.COUNTY_COUNCIL, is_provider=True, language="ca"
        )
        cls.soria = make_org(
            "almazan", name="Ayuntamiento de Almazán", autonomous_community_code="07",
            province_code="42", language="es",
        )  # fmt: skip
        cls.javier = make_user("javier", cls.soria, Role.MUNICIPAL_ADMIN)
        with translation.override("ca"):
            cls.template = make_procedure(
                cls.provider, code="OBRES-MENORS", is_template=True,
                description="Obres sense projecte.", translations=TRANSLATIONS,
            )  # fmt: skip
            cls.adopted = services.procedure_adopt(
                org=cls.soria, actor=cls.javier, template=cls.template
            )
            # Written by a Catalan-speaking clerk, never translated: it falls back.
            cls.untranslated = make_procedure(cls.soria, code="LOCAL", name="Ús del local social")

    def test_a_soria_user_sees_spanish_procedure_names(self) -> None:
        self.client.force_login(self.javier)
        page = self.client.get(
            reverse("cases_procedures", args=["almazan"]), HTTP_ACCEPT_LANGUAGE="ca"
        )
        self.assertEqual(page["Content-Language"], "es")
        self.assertContains(page, "Licencia de obras menores")
        self.assertNotContains(page, "Llicència d&#x27;obres menors")
        self.assertContains(page, "Ús del local social")  # no Spanish text: the one there is

    def test_the_case_list_reads_the_procedure_in_the_readers_language(self) -> None:
        make_case(self.soria, self.javier, self.adopted)
        client = self.client
        client.force_login(self.javier)
        url = reverse("cases_list", args=["almazan"])
        client.get(url)  # the session settles
        with CaptureQueriesContext(connection) as one_case:
            client.get(url)
        make_case(self.soria, self.javier, self.untranslated)
        make_case(self.soria, self.javier, self.adopted)
        with self.assertNumQueries(len(one_case.captured_queries)):  # one query for the names
            spanish = client.get(url)
        self.assertContains(spanish, "Licencia de obras menores", count=2)
        self.assertContains(spanish, "Ús del local social")
        english = speaking(client, "en").get(reverse("cases_list", args=["almazan"]))
        self.assertContains(english, "Minor works licence")

    def test_adopting_copies_every_language_and_others_fall_back_to_the_organizations(self) -> None:
        adopted = Procedure.objects.get(pk=self.adopted.pk)
        self.assertEqual(
            (adopted.name_ca, adopted.name_es, adopted.name_en),
            ("Llicència d'obres menors", "Licencia de obras menores", "Minor works licence"),
        )
        with translation.override("en"):
            self.assertEqual(
                Procedure.objects.get(pk=self.untranslated.pk).name, "Ús del local social"
            )

    def test_another_organization_gets_404_on_the_procedure(self) -> None:
        self.client.force_login(self.charlie)
        page = self.client.get(reverse("cases_procedure", args=["almazan", self.adopted.pk]))
        self.assertEqual(page.status_code, 404)


class ApiMessageLanguageTests(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.soria = make_org(
            "almazan", autonomous_community_code="07", province_code="42", language="es"
        )
        cls.javier = make_user("javier", cls.soria, Role.MUNICIPAL_ADMIN)
        cls.url = "/api/v1/o/almazan/cases/procedures/"

    def test_an_api_error_speaks_english_when_asked(self) -> None:
        response = self.api(self.javier).post(
            self.url, {}, format="json", HTTP_ACCEPT_LANGUAGE="en"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Language"], "en")
        self.assertIn("This field is required.", str(response.json()))

    def test_without_the_header_an_api_error_speaks_the_organizations_language(self) -> None:
        response = self.api(self.javier).post(self.url, {}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(response["Content-Language"], "es")
        body = str(response.json())
        self.assertNotIn("This field is required.", body)
        self.assertIn("obligatorio", body)

    def test_a_catalan_organization_answers_in_catalan_without_the_header(self) -> None:
        response = self.api(self.alice).post("/api/v1/o/alpha/cases/procedures/", {}, format="json")
        self.assertEqual(response["Content-Language"], "ca")
        self.assertIn("obligatori", str(response.json()))

    def test_another_organization_gets_404(self) -> None:
        response = self.api(self.charlie).post(self.url, {}, format="json")
        self.assertEqual(response.status_code, 404)
