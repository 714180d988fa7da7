"""The OpenAPI schema says what the API answers (ajunta.core.schema, docs/security.md).

The live check is .ci/schemathesis (every operation, two roles); these tests pin the rules that make
the schema honest, so that a change which breaks one fails here first.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from ajunta.core.testing import TenantTestCase

ERROR_REF = {"$ref": "#/components/schemas/Error"}
METHODS = ("get", "post", "put", "patch", "delete")


class SchemaRulesTests(TenantTestCase):
    schema: dict[str, Any]

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.schema = SchemaGenerator().get_schema(request=None, public=True)

    def operations(self) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (method.upper(), path, operation)
            for path, item in self.schema["paths"].items()
            for method, operation in item.items()
            if method in METHODS
        ]

    def test_every_operation_is_tagged_with_its_module(self):
        modules = {tag["name"] for tag in settings.SPECTACULAR_SETTINGS["TAGS"]}
        self.assertEqual(
            modules,
            {"core", "tenants", "registry", "persons", "sir", "cases", "helpdesk", "assets"},
        )
        for method, path, operation in self.operations():
            with self.subTest(operation=f"{method} {path}"):
                self.assertEqual(len(operation["tags"]), 1)
                self.assertIn(operation["tags"][0], modules)
        tags = {op["tags"][0] for _m, path, op in self.operations() if "/registry/" in path}
        self.assertEqual(tags, {"registry"})
        tags = {op["tags"][0] for _m, path, op in self.operations() if "/members/" in path}
        self.assertEqual(tags, {"tenants"})

    def test_every_error_answer_is_documented_with_the_one_error_body(self):
        for method, path, operation in self.operations():
            responses = operation["responses"]
            with self.subTest(operation=f"{method} {path}"):
                if path.startswith("/api/v1/site/"):  # public, unauthenticated, throttled
                    self.assertNotIn("401", responses)
                    self.assertIn("429", responses)
                else:
                    self.assertIn("401", responses)
                    self.assertIn("403", responses)
                if "{" in path:
                    self.assertIn("404", responses)
                if method in ("POST", "PUT", "PATCH"):
                    self.assertIn("400", responses)
                for code, response in responses.items():
                    if code.startswith("4"):
                        self.assertEqual(
                            response["content"], {"application/json": {"schema": ERROR_REF}}
                        )
        error = self.schema["components"]["schemas"]["Error"]
        self.assertEqual(error["type"], "object")
        self.assertIn("detail", error["properties"])

    def test_a_list_documents_the_404_of_a_page_past_the_last(self):
        operation = self.schema["paths"]["/api/v1/me/"]["get"]
        self.assertNotIn("404", operation["responses"])  # no path parameter, no pages
        operation = self.schema["paths"]["/api/v1/site/members/"]["get"]
        self.assertIn("404", operation["responses"])

    def test_fields_answered_as_null_are_nullable(self):
        components = self.schema["components"]["schemas"]
        # default=None through an optional relation: a ticket without a group, a draft decree
        self.assertTrue(components["TicketDetail"]["properties"]["group"]["nullable"])
        self.assertTrue(components["CaseDecree"]["properties"]["case"]["nullable"])
        self.assertTrue(components["CaseDecree"]["properties"]["signed_by"]["nullable"])
        # a related field on a nullable column
        self.assertTrue(components["EntryDetail"]["properties"]["annulled_by"]["nullable"])
        # a required field stays non-nullable
        self.assertNotIn("nullable", components["TicketDetail"]["properties"]["title"])

    def test_blank_columns_of_read_only_fields_allow_the_empty_string(self):
        party = self.schema["components"]["schemas"]["Party"]["properties"]
        self.assertIn({"type": "string", "maxLength": 0}, party["email"]["oneOf"])
        self.assertIn(
            {"$ref": "#/components/schemas/BlankEnum"}, party["preferred_channel"]["oneOf"]
        )
        self.assertNotIn("oneOf", party["id_number"])  # not blank=True: always a value

    def test_a_download_documents_its_own_media_type(self):
        path = "/api/v1/o/{org_slug}/documents/{id}/download/"
        self.assertIn("*/*", self.schema["paths"][path]["get"]["responses"]["200"]["content"])


class ErrorAnswerTests(TenantTestCase):
    def test_an_unknown_api_path_answers_json_404(self):
        response = self.api(self.alice).get("/api/v1/o/alpha/registry/entries/0.5/")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json")
        self.assertEqual(set(response.json()), {"detail"})

    def test_a_post_to_an_unknown_api_path_answers_json_404_not_the_csrf_page(self):
        client = APIClient(enforce_csrf_checks=True)
        client.force_login(self.alice)  # a session, as a browser using the API has
        response = client.post("/api/v1/o/alpha/cases/files/0.5/documents/1/sign/", {})
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json")

    def test_options_describes_a_tenant_endpoint_instead_of_failing(self):
        # DRF's metadata describes POST on a clone of the request, which lost request.org: a 500.
        # assets/security/ is a collection's own action taking a PUT: DRF fetched "its object".
        for path in (
            "/api/v1/o/alpha/cases/files/",
            "/api/v1/o/alpha/registry/entries/",
            "/api/v1/o/alpha/assets/security/",
        ):
            with self.subTest(path=path):
                response = self.api(self.alice).options(path)
                self.assertEqual(response.status_code, 200)
                self.assertEqual(response["Content-Type"], "application/json")

    def test_an_id_that_is_not_a_number_matches_no_endpoint(self):
        # It reached the training session's query (a ValueError, a 500) before ids were int.
        for path in ("/api/v1/o/alpha/training/lg/enrol/", "/api/v1/o/alpha/registry/entries/lg/"):
            with self.subTest(path=path):
                response = self.api(self.alice).post(path, {})
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response["Content-Type"], "application/json")

    def test_the_error_of_a_download_is_json_even_when_a_file_is_asked_for(self):
        path = "/api/v1/o/alpha/documents/5a14c07d-df11-4b7f-9c55-eec582010707/download/"
        for query in ("?format=file", ""):
            with self.subTest(query=query):
                response = self.api(self.alice).get(path + query, HTTP_ACCEPT="*/*")
                self.assertEqual(response.status_code, 404)
                self.assertEqual(response["Content-Type"], "application/json")
                self.assertIn("detail", response.json())

    def test_a_download_refused_for_another_organization_is_json(self):
        path = "/api/v1/o/beta/documents/5a14c07d-df11-4b7f-9c55-eec582010707/download/"
        response = self.api(self.alice).get(path + "?format=file")
        self.assertEqual(response.status_code, 404)
        self.assertEqual(response["Content-Type"], "application/json")
