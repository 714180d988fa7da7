"""Registry API: filing (JSON and multipart, idempotent), listing, detail, annul, rectify,
acknowledge, receipt download, permissions and tenant isolation."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from io import StringIO
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from ajunta.core.models import Counter, Document, Role
from ajunta.core.testing import (
    TenantIsolationMixin,
    TenantTestCase,
    api_ids,
    make_user,
    use_temporary_media,
)
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.registry import services
from ajunta.registry.models import EntryStatus, InterestedParty, RegistryEntry, Unit

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z",
    "name": "Núria", "first_surname": "Puig", "email": "nuria@example.org",
}  # fmt: skip
GESTORIA = {
    "role": "representative", "represents": 0, "person_type": "legal", "id_type": "C",
    "id_number": "B12345674", "name": "Gestoria Bages SL",
}  # fmt: skip


def b64(content: bytes) -> str:
    return base64.b64encode(content).decode()


def filing(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "direction": "in",
        "channel": "in_person",
        "epigraph": "Llicència d'obres",
        "summary": "Sol·licitud de llicència d'obres menors",
        "expone": "Que vull reformar la cuina.",
        "solicita": "Llicència.",
        "parties": [NURIA, GESTORIA],
        "attachments": [
            {"name": "sol·licitud.pdf", "content_base64": b64(PDF), "validity": "04", "kind": "01"},
            {"name": "plànol.png", "content_base64": b64(PNG)},
        ],
    }
    body.update(overrides)
    return body


# The assertions read the messages' English source text; the product default is Catalan.
@override_settings(LANGUAGE_CODE="en")
class RegistryAPITestCase(TenantTestCase):
    """Each test gets an empty temporary storage, so nothing is written into the repository."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.unit = Unit.objects.create(organization=cls.org_a, name="Urbanisme")
        cls.unit_b = Unit.objects.create(organization=cls.org_b, name="Secretaria")
        cls.year = timezone.localdate().year

    def setUp(self) -> None:
        super().setUp()
        self.media = use_temporary_media(self)

    def url(self, suffix: str = "", slug: str = "alpha") -> str:
        return f"/api/v1/o/{slug}/registry/entries/{suffix}"

    def post(self, body: dict[str, Any], user: Any = None, **extra: Any) -> Any:
        return self.api(user or self.bob).post(self.url(), body, format="json", **extra)

    def register(self, org: Any = None, actor: Any = None, **fields: Any) -> RegistryEntry:
        values: dict[str, Any] = {
            "direction": "in", "channel": "electronic", "epigraph": "Instància",
            "summary": "Instància genèrica", "parties": [NURIA],
        }  # fmt: skip
        values.update(fields)
        with self.captureOnCommitCallbacks(execute=True):  # the receipt follows the commit
            return services.registry_entry_create(
                org=org or self.org_a, actor=actor or self.bob, **values
            )

    def stored_files(self) -> list[str]:
        return [name for _root, _dirs, names in os.walk(self.media) for name in names]

    def counter(self, direction: str = "in") -> int:
        row = Counter.objects.filter(
            organization=self.org_a, series=f"registry.{direction}", year=self.year
        ).first()
        return row.last_value if row else 0

    def assert_nothing_written(self) -> None:
        self.assertEqual(RegistryEntry.objects.count(), 0)
        self.assertEqual(InterestedParty.objects.count(), 0)
        self.assertEqual(Document.objects.count(), 0)
        self.assertEqual(self.counter(), 0)
        self.assertEqual(self.stored_files(), [])


class CreateTests(RegistryAPITestCase):
    def test_incoming_entry_with_parties_and_base64_attachments(self) -> None:
        response = self.post(filing(destination_unit=self.unit.pk))
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["number"], f"E/{self.year}/000001")
        self.assertEqual(body["direction"], "in")
        self.assertEqual(body["status"], "registered")
        self.assertEqual(body["destination_unit"], {"id": self.unit.pk, "name": "Urbanisme"})
        nuria, gestoria = body["parties"]
        self.assertEqual(nuria["full_name"], "Núria Puig")
        self.assertEqual(nuria["representatives"][0]["id_number"], "B12345674")
        self.assertEqual(gestoria["represents"], 0)
        self.assertEqual(gestoria["role"], "representative")
        first, second = body["attachments"]
        self.assertEqual(first["name"], "sol·licitud.pdf")
        self.assertEqual(first["sha256"], hashlib.sha256(PDF).hexdigest())
        self.assertEqual(first["size"], len(PDF))
        self.assertEqual(first["content_type"], "application/pdf")
        self.assertEqual((first["validity"], first["kind"]), ("04", "01"))
        self.assertEqual((second["validity"], second["kind"]), ("01", "02"))
        self.assertTrue(
            first["download_url"].endswith(
                f"/api/v1/o/alpha/documents/{first['document']}/download/"
            )
        )
        download = self.api(self.bob).get(first["download_url"])
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), PDF)
        # The receipt is rendered after the filing commits; asking for the entry issues it at once.
        receipt = self.api(self.bob).get(self.url(f"{body['id']}/")).json()["receipt"]
        self.assertEqual(len(receipt["verification_code"]), 20)
        self.assertTrue(receipt["download_url"].endswith(self.url(f"{body['id']}/receipt/")))
        entry = RegistryEntry.objects.get()
        self.assertEqual(entry.created_by, self.bob)
        self.assertEqual(str(entry.receipt_id), receipt["id"])

    def test_outgoing_entry_is_numbered_in_its_own_series(self) -> None:
        self.post(filing())
        response = self.post(
            filing(direction="out", parties=[], attachments=[], addressee_name="Consell Comarcal")
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["number"], f"S/{self.year}/000001")
        self.assertEqual(response.json()["addressee_name"], "Consell Comarcal")
        response = self.post(filing())
        self.assertEqual(response.json()["number"], f"E/{self.year}/000002")

    def test_multipart_with_data_part_and_file_parts(self) -> None:
        data = filing(attachments=[{"name": "escrit.pdf", "validity": "02"}, {}])
        response = self.api(self.bob).post(
            self.url(),
            {
                "data": json.dumps(data),
                "attachments": [
                    SimpleUploadedFile("a.pdf", PDF),
                    SimpleUploadedFile("plànol.png", PNG),
                ],
            },
            format="multipart",
        )
        self.assertEqual(response.status_code, 201, response.content)
        first, second = response.json()["attachments"]
        self.assertEqual((first["name"], first["validity"]), ("escrit.pdf", "02"))
        self.assertEqual((second["name"], second["content_type"]), ("plànol.png", "image/png"))
        self.assertEqual(second["sha256"], hashlib.sha256(PNG).hexdigest())

    def test_multipart_without_metadata_and_with_bad_json(self) -> None:
        data = filing()
        del data["attachments"]
        response = self.api(self.bob).post(
            self.url(),
            {"data": json.dumps(data), "attachments": [SimpleUploadedFile("a.pdf", PDF)]},
            format="multipart",
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["attachments"][0]["name"], "a.pdf")
        response = self.api(self.bob).post(self.url(), {"data": "{not json"}, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("data", response.json())

    def test_malformed_json_body_is_a_400(self) -> None:
        response = self.api(self.bob).post(self.url(), "{not json", content_type="application/json")
        self.assertEqual(response.status_code, 400)
        self.assertEqual(RegistryEntry.objects.count(), 0)
        response = self.api(self.bob).post(self.url(), [1, 2], format="json")
        self.assertEqual(response.status_code, 400)

    def test_token_authentication(self) -> None:
        out = StringIO()
        call_command("issue_token", "bob", stdout=out)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {out.getvalue().strip()}")
        response = client.post(self.url(), filing(), format="json")
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(client.get(self.url()).json()["count"], 1)
        self.assertEqual(APIClient().get(self.url()).status_code, 401)


class IdempotencyTests(RegistryAPITestCase):
    def test_retry_with_the_same_key_registers_once(self) -> None:
        first = self.post(filing(), HTTP_IDEMPOTENCY_KEY="7f9c1c1e-retry")
        self.assertEqual(first.status_code, 201)
        again = self.post(filing(), HTTP_IDEMPOTENCY_KEY="7f9c1c1e-retry")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(RegistryEntry.objects.count(), 1)
        self.assertEqual(self.counter(), 1)

    def test_same_key_with_another_body_answers_422_and_registers_nothing(self) -> None:
        first = self.post(filing(), HTTP_IDEMPOTENCY_KEY="k1")
        other = self.post(
            filing(summary="Una altra instància"),
            HTTP_IDEMPOTENCY_KEY="k1",
            HTTP_ACCEPT_LANGUAGE="en",
        )
        self.assertEqual(other.status_code, 422, other.content)
        self.assertIn(first.json()["number"], other.json()["detail"])
        self.assertIn("different body", other.json()["detail"])
        self.assertEqual(RegistryEntry.objects.count(), 1)
        self.assertEqual(self.counter(), 1)
        # The first body still replays, however its keys are ordered.
        again = self.post(dict(reversed(list(filing().items()))), HTTP_IDEMPOTENCY_KEY="k1")
        self.assertEqual(again.status_code, 200)
        self.assertEqual(again.json()["id"], first.json()["id"])

    def test_same_key_with_another_file_part_answers_422(self) -> None:
        def send(content: bytes) -> Any:
            data = filing()
            del data["attachments"]
            return self.api(self.bob).post(
                self.url(),
                {"data": json.dumps(data), "attachments": [SimpleUploadedFile("a.pdf", content)]},
                format="multipart",
                HTTP_IDEMPOTENCY_KEY="k2",
            )

        self.assertEqual(send(PDF).status_code, 201)
        self.assertEqual(send(PDF).status_code, 200)
        self.assertEqual(send(PDF + b"%changed\n").status_code, 422)
        self.assertEqual(RegistryEntry.objects.count(), 1)

    def test_a_racing_retry_with_another_body_is_refused_by_the_service(self) -> None:
        values = {"direction": "in", "channel": "electronic", "epigraph": "Instància",
                  "summary": "Primera", "parties": [NURIA], "idempotency_key": "k3"}  # fmt: skip
        first = services.registry_entry_create(
            org=self.org_a, actor=self.bob, idempotency_digest="a" * 64, **values
        )
        same = services.registry_entry_create(
            org=self.org_a, actor=self.bob, idempotency_digest="a" * 64, **values
        )
        self.assertEqual(same.pk, first.pk)
        with self.assertRaises(services.IdempotencyKeyReused):
            services.registry_entry_create(
                org=self.org_a, actor=self.bob, idempotency_digest="b" * 64, **values
            )
        self.assertEqual(RegistryEntry.objects.count(), 1)

    def test_an_entry_from_before_digests_still_replays(self) -> None:
        first = self.post(filing(), HTTP_IDEMPOTENCY_KEY="k4")
        RegistryEntry.objects.filter(pk=first.json()["id"]).update(idempotency_digest="")
        other = self.post(filing(summary="Una altra"), HTTP_IDEMPOTENCY_KEY="k4")
        self.assertEqual(other.status_code, 200)
        self.assertEqual(other.json()["id"], first.json()["id"])

    def test_the_key_belongs_to_its_user(self) -> None:
        self.post(filing(), HTTP_IDEMPOTENCY_KEY="k1")
        response = self.post(filing(), user=self.alice, HTTP_IDEMPOTENCY_KEY="k1")
        self.assertEqual(response.status_code, 201)
        self.assertEqual(self.counter(), 2)

    def test_key_longer_than_80_characters_is_refused(self) -> None:
        response = self.post(filing(), HTTP_IDEMPOTENCY_KEY="k" * 81)
        self.assertEqual(response.status_code, 400)
        self.assertIn("Idempotency-Key", response.json())
        self.assert_nothing_written()


class RefusedFilingTests(RegistryAPITestCase):
    def assert_refused(self, body: dict[str, Any], *keys: str) -> dict[str, Any]:
        response = self.post(body)
        self.assertEqual(response.status_code, 400, response.content)
        errors = response.json()
        for key in keys:
            self.assertIn(key, errors)
        self.assert_nothing_written()
        return errors

    def test_bad_nif(self) -> None:
        party = {**NURIA, "id_number": "12345678A"}
        errors = self.assert_refused(filing(parties=[party]), "parties[0].id_number")
        self.assertIn("not valid", errors["parties[0].id_number"][0])

    def test_shape_errors_of_parties_use_the_same_keys(self) -> None:
        party = {**NURIA, "person_type": "robot"}
        del party["id_type"]
        self.assert_refused(
            filing(parties=[NURIA, party]), "parties[1].person_type", "parties[1].id_type"
        )
        self.assert_refused(filing(parties=["Núria"]), "parties[0]")

    def test_missing_summary(self) -> None:
        body = filing()
        del body["summary"]
        self.assert_refused(body, "summary")
        self.assert_refused(filing(summary="   "), "summary")

    def test_too_many_attachments(self) -> None:
        attachments = [{"name": f"{i}.pdf", "content_base64": b64(PDF)} for i in range(6)]
        errors = self.assert_refused(filing(attachments=attachments), "attachments")
        self.assertIn("At most 5", errors["attachments"][0])

    @override_settings(REGISTRY_MAX_ATTACHMENT_BYTES=1000, REGISTRY_MAX_TOTAL_BYTES=1500)
    def test_oversize_attachment_and_total(self) -> None:
        big = [{"name": "big.pdf", "content_base64": b64(PDF + b"0" * 1000)}]
        errors = self.assert_refused(filing(attachments=big), "attachments[0]")
        self.assertIn("big.pdf", errors["attachments[0]"][0])
        two = [{"name": f"{i}.pdf", "content_base64": b64(PDF + b"0" * 800)} for i in range(2)]
        self.assert_refused(filing(attachments=two), "attachments")

    @override_settings(REGISTRY_MAX_ATTACHMENT_BYTES=1000, REGISTRY_MAX_TOTAL_BYTES=1500)
    def test_oversize_multipart_file(self) -> None:
        response = self.api(self.bob).post(
            self.url(),
            {
                "data": json.dumps(filing(attachments=[])),
                "attachments": [SimpleUploadedFile("big.pdf", PDF + b"0" * 1000)],
            },
            format="multipart",
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("attachments[0]", response.json())
        self.assert_nothing_written()

    @override_settings(REGISTRY_MAX_TOTAL_BYTES=1500)
    def test_a_body_larger_than_any_filing_is_refused_unread(self) -> None:
        body = filing(expone="x" * (1024 * 1024 + 10_000))
        response = self.post(body)
        self.assertEqual(response.status_code, 413)
        self.assert_nothing_written()

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
    def test_json_body_is_bounded_by_the_filing_limits_not_the_form_limit(self) -> None:
        content = PDF + b"0" * 20_000
        response = self.post(
            filing(attachments=[{"name": "a.pdf", "content_base64": b64(content)}])
        )
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["attachments"][0]["size"], len(content))

    @override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=10_000)
    def test_oversize_multipart_data_part_is_a_413(self) -> None:
        data = json.dumps(filing(expone="x" * 20_000))
        response = self.api(self.bob).post(self.url(), {"data": data}, format="multipart")
        self.assertEqual(response.status_code, 413)
        self.assert_nothing_written()

    def test_bad_base64(self) -> None:
        attachments = [
            {"name": "a.pdf", "content_base64": b64(PDF)},
            {"name": "b.pdf", "content_base64": "not*base64!"},
        ]
        self.assert_refused(filing(attachments=attachments), "attachments[1].content_base64")
        self.assert_refused(
            filing(attachments=[{"name": "a.pdf", "content_base64": ""}]),
            "attachments[0].content_base64",
        )
        self.assert_refused(
            filing(attachments=[{"content_base64": b64(PDF)}]), "attachments[0].name"
        )

    def test_base64_wrapped_in_lines_is_accepted(self) -> None:
        wrapped = base64.encodebytes(PDF + b"0" * 200).decode()
        self.assertIn("\n", wrapped)
        response = self.post(filing(attachments=[{"name": "a.pdf", "content_base64": wrapped}]))
        self.assertEqual(response.status_code, 201, response.content)

    def test_unknown_unit_or_unit_of_another_organization(self) -> None:
        for unit in (999_999, self.unit_b.pk, "Urbanisme"):
            errors = self.assert_refused(filing(destination_unit=unit), "destination_unit")
            self.assertEqual(
                errors["destination_unit"], ["Choose one of this organization's units."]
            )

    def test_outgoing_entry_needs_its_addressee(self) -> None:
        self.assert_refused(filing(direction="out"), "addressee_name")

    def test_type_not_accepted(self) -> None:
        exe = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
        self.assert_refused(filing(attachments=[{"name": "x.exe", "content_base64": b64(exe)}]))

    def test_hostile_attachments_are_a_400_and_write_nothing(self) -> None:
        # Zip bombs, lying sizes, nested archives, traversal names, polyglots (core.testing_archives).
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name, body="json"):
                errors = self.assert_refused(
                    filing(attachments=[{"name": name, "content_base64": b64(content)}])
                )
                self.assertIn(name, json.dumps(errors, ensure_ascii=False))
            with self.subTest(name=name, body="multipart"):
                response = self.api(self.bob).post(
                    self.url(),
                    {
                        "data": json.dumps(filing(attachments=[])),
                        "attachments": [SimpleUploadedFile(name, content)],
                    },
                    format="multipart",
                )
                self.assertEqual(response.status_code, 400, response.content)
                self.assert_nothing_written()


class ListTests(RegistryAPITestCase):
    def setUp(self) -> None:
        super().setUp()
        self.licence = self.register(
            epigraph="Llicència d'obres", summary="Reforma de la cuina", destination_unit=self.unit
        )
        self.request = self.register(
            channel="in_person", summary="Ajut de menjador escolar",
            parties=[{**NURIA, "id_type": "E", "id_number": "X1234567L", "name": "Ahmed",
                      "first_surname": "Benali"}],
        )  # fmt: skip
        self.outgoing = self.register(
            direction="out", parties=[], summary="Tramesa del conveni", addressee_name="Consell"
        )
        self.register(org=self.org_b, actor=self.charlie, summary="Reforma a Beta")

    def ids(self, query: str = "", user: Any = None) -> set[int]:
        response = self.api(user or self.bob).get(self.url(query))
        self.assertEqual(response.status_code, 200, response.content)
        return {row["id"] for row in response.json()["results"]}

    def test_rows_are_compact_and_newest_first(self) -> None:
        response = self.api(self.bob).get(self.url())
        rows = response.json()["results"]
        self.assertEqual(response.json()["count"], 3)
        self.assertEqual(
            [row["id"] for row in rows], [self.outgoing.pk, self.request.pk, self.licence.pk]
        )
        licence = rows[2]
        self.assertEqual(licence["number"], f"E/{self.year}/000001")
        self.assertEqual(licence["parties"], ["Núria Puig"])
        self.assertEqual(licence["destination_unit"], {"id": self.unit.pk, "name": "Urbanisme"})
        self.assertNotIn("attachments", licence)
        self.assertNotIn("expone", licence)

    def test_filters(self) -> None:
        today = timezone.localdate().isoformat()
        self.assertEqual(self.ids("?direction=out"), {self.outgoing.pk})
        self.assertEqual(self.ids("?channel=in_person"), {self.request.pk})
        self.assertEqual(self.ids(f"?unit={self.unit.pk}"), {self.licence.pk})
        self.assertEqual(self.ids("?number=000001&direction=in"), {self.licence.pk})
        self.assertEqual(self.ids("?party=X1234567L"), {self.request.pk})
        self.assertEqual(self.ids("?party=Puig"), {self.licence.pk})
        self.assertEqual(self.ids("?subject=cuina"), {self.licence.pk})
        self.assertEqual(len(self.ids(f"?date_from={today}&date_to={today}")), 3)
        self.assertEqual(self.ids("?date_to=2000-01-01"), set())
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=self.request, reason="Duplicat"
        )
        self.assertEqual(self.ids("?status=annulled"), {self.request.pk})

    def test_full_text_search(self) -> None:
        self.assertEqual(self.ids("?q=menjador"), {self.request.pk})
        self.assertEqual(self.ids("?q=BENALI ajut"), {self.request.pk})
        self.assertEqual(self.ids("?q=nuria reforma"), {self.licence.pk})
        self.assertEqual(self.ids("?q=reforma beta"), set())

    def test_bad_filters_are_a_400(self) -> None:
        for query in ("?date_from=yesterday", "?direction=sideways", "?unit=abc"):
            self.assertEqual(self.api(self.bob).get(self.url(query)).status_code, 400, query)

    def test_query_count_does_not_grow_with_entries(self) -> None:
        client = self.api(self.bob)
        with self.assertNumQueries(4):  # roles+org, count, page, parties
            client.get(self.url())
        for index in range(17):
            self.register(summary=f"Instància {index}", parties=[NURIA, GESTORIA])
        with self.assertNumQueries(4):
            response = client.get(self.url())
        self.assertEqual(len(response.json()["results"]), 20)

    def test_provider_technician_gets_403(self) -> None:
        technician = make_user("tina", self.org_a, Role.PROVIDER_TECHNICIAN)
        self.assertEqual(self.api(technician).get(self.url()).status_code, 403)
        self.assertEqual(self.api(technician).get(self.url(f"{self.licence.pk}/")).status_code, 403)


class EntryActionTests(RegistryAPITestCase):
    def setUp(self) -> None:
        super().setUp()
        self.entry = self.register(
            destination_unit=self.unit,
            attachments=[{"file": SimpleUploadedFile("a.pdf", PDF)}],
        )

    def test_detail(self) -> None:
        response = self.api(self.bob).get(self.url(f"{self.entry.pk}/"))
        self.assertEqual(response.status_code, 200)
        body = response.json()
        self.assertEqual(body["number"], self.entry.number)
        self.assertEqual(body["parties"][0]["id_number"], "12345678Z")
        self.assertEqual(body["attachments"][0]["sha256"], hashlib.sha256(PDF).hexdigest())
        self.assertEqual(body["receipt"]["verification_code"], self.entry.receipt.verification_code)
        self.assertIsNone(body["rectifies"])
        self.assertEqual(body["rectified_by"], [])
        self.assertIsNone(body["acknowledged_at"])
        self.assertEqual(self.api(self.bob).get(self.url("999999/")).status_code, 404)
        self.assertEqual(self.api(self.bob).get(self.url("abc/")).status_code, 404)

    def test_annul(self) -> None:
        path = self.url(f"{self.entry.pk}/annul/")
        self.assertEqual(self.api(self.bob).post(path, {"reason": "Duplicat"}).status_code, 403)
        response = self.api(self.alice).post(path, {"reason": ""}, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.json())
        response = self.api(self.alice).post(path, {"reason": "Duplicat"}, format="json")
        self.assertEqual(response.status_code, 200, response.content)
        body = response.json()
        self.assertEqual(body["status"], EntryStatus.ANNULLED)
        self.assertEqual(body["annulment_reason"], "Duplicat")
        self.assertEqual(body["annulled_by"], "alice")
        again = self.api(self.alice).post(path, {"reason": "Duplicat"}, format="json")
        self.assertEqual(again.status_code, 400)
        self.assertIn("detail", again.json())

    def test_rectify(self) -> None:
        path = self.url(f"{self.entry.pk}/rectify/")
        body = filing(summary="Reforma de la cuina i del bany")
        del body["direction"]
        response = self.api(self.bob).post(path, body, format="json")
        self.assertEqual(response.status_code, 400)
        self.assertIn("reason", response.json())
        response = self.api(self.bob).post(
            path, {**body, "reason": "Faltava el bany"}, format="json"
        )
        self.assertEqual(response.status_code, 201, response.content)
        new = response.json()
        self.assertEqual(new["number"], f"E/{self.year}/000002")
        self.assertEqual(new["rectifies"], {"id": self.entry.pk, "number": self.entry.number})
        self.assertEqual(new["rectification_reason"], "Faltava el bany")
        original = self.api(self.bob).get(self.url(f"{self.entry.pk}/")).json()
        self.assertEqual(original["rectified_by"], [{"id": new["id"], "number": new["number"]}])
        self.assertEqual(original["summary"], "Instància genèrica")

    def test_rectify_an_annulled_entry_is_refused(self) -> None:
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=self.entry, reason="x"
        )
        response = self.api(self.bob).post(
            self.url(f"{self.entry.pk}/rectify/"), {**filing(), "reason": "y"}, format="json"
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(RegistryEntry.objects.count(), 1)

    def test_acknowledge(self) -> None:
        path = self.url(f"{self.entry.pk}/acknowledge/")
        response = self.api(self.bob).post(path)
        self.assertEqual(response.status_code, 200, response.content)
        self.assertEqual(response.json()["acknowledged_by"], "bob")
        self.assertIsNotNone(response.json()["acknowledged_at"])
        self.assertEqual(self.api(self.bob).post(path).status_code, 400)
        unrouted = self.register()
        response = self.api(self.bob).post(self.url(f"{unrouted.pk}/acknowledge/"))
        self.assertEqual(response.status_code, 400)

    def test_receipt_is_the_checked_pdf(self) -> None:
        response = self.api(self.bob).get(self.url(f"{self.entry.pk}/receipt/"))
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Content-Type"], "application/pdf")
        self.assertTrue(response["Content-Disposition"].startswith("attachment"))
        content = b"".join(response.streaming_content)
        self.assertTrue(content.startswith(b"%PDF"))
        self.assertEqual(hashlib.sha256(content).hexdigest(), self.entry.receipt.sha256)
        response = self.api(self.bob).get(
            self.url(f"{self.entry.pk}/receipt/"), HTTP_ACCEPT="application/pdf"
        )
        self.assertEqual(response.status_code, 200)

    def test_altered_receipt_is_not_served(self) -> None:
        path = os.path.join(self.media, self.entry.receipt.file.name)
        with open(path, "ab") as stored:
            stored.write(b"tampered")
        response = self.api(self.bob).get(self.url(f"{self.entry.pk}/receipt/"))
        self.assertEqual(response.status_code, 500)
        self.assertEqual(response.json()["detail"].split()[0], "This")

    def test_entries_are_never_changed_or_deleted(self) -> None:
        client = self.api(self.alice)
        path = self.url(f"{self.entry.pk}/")
        self.assertEqual(client.patch(path, {"summary": "x"}, format="json").status_code, 405)
        self.assertEqual(client.put(path, filing(), format="json").status_code, 405)
        self.assertEqual(client.delete(path).status_code, 405)
        self.assertEqual(client.delete(self.url()).status_code, 405)
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.summary, "Instància genèrica")


class UnitTests(RegistryAPITestCase):
    def test_list_and_create(self) -> None:
        path = "/api/v1/o/alpha/registry/units/"
        response = self.api(self.bob).get(path)
        self.assertEqual(response.status_code, 200)
        self.assertEqual([row["name"] for row in response.json()["results"]], ["Urbanisme"])
        created = self.api(self.bob).post(path, {"name": "Secretaria"}, format="json")
        self.assertEqual(created.status_code, 403)
        created = self.api(self.alice).post(
            path, {"name": "Secretaria", "dir3_code": "L01080193"}, format="json"
        )
        self.assertEqual(created.status_code, 201, created.content)
        self.assertEqual(created.json()["dir3_code"], "L01080193")
        self.assertTrue(Unit.objects.filter(organization=self.org_a, name="Secretaria").exists())
        duplicate = self.api(self.alice).post(path, {"name": "Secretaria"}, format="json")
        self.assertEqual(duplicate.status_code, 400)
        bad = self.api(self.alice).post(path, {"name": "X", "dir3_code": "nope"}, format="json")
        self.assertEqual(bad.status_code, 400)
        self.assertIn("dir3_code", bad.json())


class RegistryAPIIsolationTests(TenantIsolationMixin, RegistryAPITestCase):
    def setUp(self) -> None:
        super().setUp()
        self.entry_a = self.register(destination_unit=self.unit)
        self.entry_b = self.register(org=self.org_b, actor=self.charlie)
        self.isolation_ids_a = {str(self.entry_a.pk)}
        self.isolation_ids_b = {str(self.entry_b.pk)}

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        base = f"/api/v1/o/{slug}/registry/entries/{self.entry_a.pk}/"
        return [
            ("GET", base),
            ("POST", f"{base}annul/"),
            ("POST", f"{base}rectify/"),
            ("POST", f"{base}acknowledge/"),
            ("GET", f"{base}receipt/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [(f"/api/v1/o/{slug}/registry/entries/", api_ids())]

    def test_units_list_is_the_organizations_own(self) -> None:
        rows = self.api(self.charlie).get("/api/v1/o/beta/registry/units/").json()["results"]
        self.assertEqual([row["id"] for row in rows], [self.unit_b.pk])
        self.assertEqual(
            self.api(self.charlie).get("/api/v1/o/alpha/registry/units/").status_code, 404
        )

    def test_nothing_happened_to_a_entry(self) -> None:
        self.test_other_organization_gets_404_on_objects()
        self.entry_a.refresh_from_db()
        self.assertEqual(self.entry_a.status, EntryStatus.REGISTERED)
        self.assertIsNone(self.entry_a.acknowledged_at)
        self.assertEqual(RegistryEntry.objects.filter(organization=self.org_a).count(), 1)
