"""Bad input is never a 500: a corpus of hostile JSON bodies against every write operation.

The operations come from the OpenAPI schema (every POST, PUT and PATCH), so a new endpoint is
covered without touching this file. Path parameters are filled with a real object's id read from
the list endpoint above them, so the body reaches the object's own code rather than a 404. The
caller holds every role in a municipality and in the provider of the demo data; each operation is
sent to the first of the two where it exists. Each answer must be
below 500, in JSON, and an answer that refuses (4xx) must leave every table as it was.
"""

from __future__ import annotations

import json
import logging
import re
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.db import connection
from django.test import TestCase, override_settings
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from ajunta.assets import services as assets_services
from ajunta.core.jsonbody import JSONBodyError, check_shape, json_loads_bounded
from ajunta.core.models import Role, RoleAssignment, User
from ajunta.tenants.models import Organization

DEEP = 1000
HUGE_STRING = "A" * (1024 * 1024)
# Tables a request touches by design, whatever its body: sessions, login throttling.
IGNORED_TABLES = ("django_session", "axes_")


def field_names(schema: dict[str, Any], operation: dict[str, Any]) -> list[str]:
    """The JSON request body's property names (several bodies: their union)."""
    content = operation.get("requestBody", {}).get("content", {})
    names: list[str] = []
    for body in content.values():
        ref = body.get("schema", {}).get("$ref", "")
        component = schema["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {})
        for name in component.get("properties", {}):
            if name not in names:
                names.append(name)
    return names or ["name"]


def corpus(fields: list[str]) -> list[tuple[str, bytes]]:
    """(label, raw body) pairs; the values go into every field the operation takes."""

    def every(value: str) -> bytes:
        return ("{" + ",".join(f'"{name}": {value}' for name in fields) + "}").encode()

    first = fields[0]
    return [
        ("deep arrays", b"[" * DEEP + b"]" * DEEP),
        ("deep inside a field", every("[" * DEEP + "]" * DEEP)),
        ("1e400", every("1e400")),
        ("NaN", every("NaN")),
        ("10**5000", every("1" + "0" * 5000)),
        ("10**30", every("1" + "0" * 30)),
        ("invalid UTF-8", every('"\xff\xfe"').replace("\xff\xfe".encode(), b"\xff\xfe")),
        ("raw NUL", every('"a\x00b"')),
        ("escaped NUL", every('"a\\u0000b"')),
        ("duplicate keys", f'{{"{first}": "a", "{first}": "b"}}'.encode()),
        ("huge string", every(json.dumps(HUGE_STRING))),
        ("objects", every('{"$ne": null}')),
        ("lists", every('[{"id": 1}, null]')),
        ("negative", every("-1")),
        ("empty string", every('""')),
        ("top-level list", b"[]"),
        ("top-level string", b'"text"'),
        ("top-level number", b"1"),
        ("top-level null", b"null"),
        ("not JSON", b"{'single': quotes}"),
    ]


class BoundedJSONTests(TestCase):
    """The parser alone: each refusal says why, and what is fine still parses."""

    def setUp(self) -> None:
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def test_refuses_deep_nesting_before_parsing(self):
        with self.assertRaisesMessage(JSONBodyError, "nested more than 64 levels"):
            json_loads_bounded(b"[" * 65 + b"]" * 65)
        self.assertEqual(json_loads_bounded(b"[" * 64 + b"]" * 64), json.loads("[" * 64 + "]" * 64))

    def test_brackets_inside_strings_do_not_count(self):
        text = json.dumps({"a": "[" * 500 + '\\"{' * 100})
        self.assertEqual(json_loads_bounded(text.encode()), json.loads(text))

    @override_settings(JSON_MAX_ITEMS=10)
    def test_refuses_too_many_items(self):
        check_shape(b"[1,2,3,4,5,6,7,8,9]")
        with self.assertRaisesMessage(JSONBodyError, "more than 10 keys and items"):
            json_loads_bounded(b"[1,2,3,4,5,6,7,8,9,10,11]")

    @override_settings(JSON_MAX_BODY_BYTES=10)
    def test_refuses_a_body_too_large(self):
        with self.assertRaisesMessage(JSONBodyError, "larger than"):
            json_loads_bounded(b'"' + b"a" * 10 + b'"')

    def test_refuses_numbers_that_do_not_fit_nan_duplicates_and_nul(self):
        for raw, message in [
            (b"[1e400]", "too large"),
            (b"[NaN]", "not a number JSON allows"),
            (b"[" + b"9" * 5000 + b"]", "not valid JSON"),
            (b'{"a": 1, "a": 2}', "appears twice"),
            (b'["a\\u0000"]', "NUL"),
            (b'["\xff"]', "not UTF-8"),
        ]:
            with self.subTest(raw=raw[:20]), self.assertRaisesMessage(JSONBodyError, message):
                json_loads_bounded(raw)

    def test_an_escaped_backslash_before_u0000_is_text_not_nul(self):
        self.assertEqual(json_loads_bounded(b'["\\\\u0000"]'), ["\\u0000"])

    def test_strip_nul_drops_it(self):
        self.assertEqual(json_loads_bounded(b'["a\\u0000b"]', strip_nul=True), ["ab"])


class NastyInputTests(TestCase):
    """Every write operation of the API, and the inventory agent's endpoint, against the corpus."""

    user: User
    targets: list[Organization]

    @classmethod
    def setUpTestData(cls) -> None:
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=StringIO())
        cls.user = User.objects.create_user("nasty", password="x")
        cls.targets = [Organization.objects.get(slug=slug) for slug in ("manresa", "ccbages")]
        for org in cls.targets:
            for role in Role:
                RoleAssignment.objects.get_or_create(organization=org, user=cls.user, role=role)

    def setUp(self) -> None:
        # A 500 is collected with the others rather than raised; its log line would be noise.
        self.client = APIClient(raise_request_exception=False)
        self.client.force_authenticate(self.user)
        self.tables = [
            name
            for name in connection.introspection.table_names()
            if not name.startswith(IGNORED_TABLES)
        ]
        self.counts = self.row_counts()
        logger = logging.getLogger("django.request")
        level = logger.level
        logger.setLevel(logging.CRITICAL)
        self.addCleanup(logger.setLevel, level)

    def row_counts(self) -> tuple[int, ...]:
        """Every table's row count, in one query."""
        quote = connection.ops.quote_name
        sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in self.tables)
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return tuple(cursor.fetchone())

    def changed_tables(self, before: tuple[int, ...], after: tuple[int, ...]) -> list[str]:
        return [t for t, b, a in zip(self.tables, before, after, strict=True) if a != b]

    def fill_path(self, path: str, org: Organization) -> str:
        """The path with {org_slug} and each id taken from the list endpoint above it."""
        path = path.replace("{org_slug}", org.slug)
        while match := re.search(r"\{(\w+)\}", path):
            listing = path[: match.start()]
            answer = self.client.get(listing, {"page_size": 1})
            value = "1"
            if answer.status_code == 200:
                rows = answer.json()
                rows = rows.get("results", rows) if isinstance(rows, dict) else rows
                if rows and isinstance(rows, list) and isinstance(rows[0], dict):
                    value = str(rows[0].get("id", rows[0].get("pk", 1)))
            path = path[: match.start()] + value + path[match.end() :]
        return path

    def send(self, method: str, path: str, body: bytes, label: str, failures: list[str]) -> None:
        answer = getattr(self.client, method)(path, data=body, content_type="application/json")
        before, self.counts = self.counts, self.row_counts()
        where = f"{method.upper()} {path} [{label}]"
        if answer.status_code >= 500:
            failures.append(f"{where}: {answer.status_code}")
        elif answer.status_code >= 400:
            if "json" not in answer.get("Content-Type", ""):
                failures.append(f"{where}: {answer.status_code} not JSON")
            changed = self.changed_tables(before, self.counts)
            if changed:
                failures.append(f"{where}: {answer.status_code} but wrote {changed}")

    def test_no_write_operation_answers_5xx_or_writes_half(self):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        operations = [
            (method, path, operation)
            for path, item in schema["paths"].items()
            for method, operation in item.items()
            if method in {"post", "put", "patch"}
        ]
        self.assertGreater(len(operations), 60)
        failures: list[str] = []
        for method, template, operation in operations:
            path = self.target_path(method, template)
            self.counts = self.row_counts()  # the reads above may have written (receipts)
            for label, body in corpus(field_names(schema, operation)):
                self.send(method, path, body, label, failures)
        self.assertEqual(failures, [], "\n".join(failures))

    def target_path(self, method: str, template: str) -> str:
        """The path in the first organization where the operation exists (the municipality's
        modules, else the provider's), so that each body is sent once, where it is read."""
        for org in self.targets:
            path = self.fill_path(template, org)
            probe = getattr(self.client, method)(path, data=b"[]", content_type="application/json")
            if probe.status_code != 404:
                return path
        return path

    def test_the_agent_endpoint_answers_4xx_in_json(self):
        org = next(org for org in self.targets if org.slug == "manresa")
        _token, key = assets_services.agent_token_rotate(org=org, actor=None)
        client = APIClient(raise_request_exception=False)
        url = reverse("assets_agent", kwargs={"org_slug": org.slug})
        failures: list[str] = []
        for label, body in corpus(["action", "deviceid", "content"]):
            before = self.row_counts()
            answer = client.post(
                url, data=body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
            )
            if answer.status_code >= 500 or "json" not in answer.get("Content-Type", ""):
                failures.append(f"{label}: {answer.status_code}")
            elif answer.status_code >= 400 and self.changed_tables(before, self.row_counts()):
                failures.append(f"{label}: {answer.status_code} but wrote")
        self.assertEqual(failures, [], "\n".join(failures))
