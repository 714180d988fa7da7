"""The public /verify/ page: codes found however typed, neutral answers, checked downloads, limits."""

from __future__ import annotations

import re
from pathlib import Path
from unittest import mock

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import SimpleTestCase, override_settings
from django.urls import reverse

from ajunta.core import verify_views
from ajunta.core.documents import document_store, format_verification_code
from ajunta.core.models import Document, EniDocumentType
from ajunta.core.ratelimit import rate_limit_exceeded
from ajunta.core.testing import TenantTestCase, use_temporary_media

CONTENT = "Justificant de registre de Núria Col·lell — E/2026/000001\n".encode()
NOT_FOUND = "There is no document with that code"


@override_settings(LANGUAGE_CODE="en")
class VerifyTestCase(TenantTestCase):
    document: Document
    code: str

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.addCleanup(cache.clear)
        self.media = use_temporary_media(self)
        self.code = "ABCDEFGHIJKLMNOPQRS2"
        self.document = document_store(
            org=self.org_a,
            actor=self.bob,
            uploaded_file=SimpleUploadedFile("justificant.txt", CONTENT),
            document_type=EniDocumentType.TD09,
            verification_code=self.code,
        )

    def lookup(self, code: str, **extra: str) -> object:
        return self.client.get(reverse("verify"), {"code": code}, **extra)


class VerifyPageTests(VerifyTestCase):
    def test_the_form_is_public(self) -> None:
        response = self.client.get(reverse("verify"))
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="code"')
        self.assertContains(response, '<label for="id_code">')
        self.assertNotContains(response, NOT_FOUND)

    def test_a_valid_code_shows_what_the_document_is_however_it_is_typed(self) -> None:
        printed = format_verification_code(self.code)
        for typed in (self.code, printed, printed.lower(), " abcde fghij klmno pqrs2 "):
            response = self.lookup(typed)
            self.assertEqual(response.status_code, 200, typed)  # type: ignore[attr-defined]
            for expected in (
                "justificant.txt", self.document.sha256, "Ajuntament d&#x27;Alpha",
                "Acknowledgement of receipt", printed,
                reverse("verify_download", args=[self.code]),
            ):  # fmt: skip
                self.assertContains(response, expected)  # type: ignore[arg-type]

    def test_wrong_codes_all_get_the_same_neutral_answer(self) -> None:
        bodies = set()
        for wrong in ("ABCDEFGHIJKLMNOPQRS3", "short", "ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ", "x" * 64, "<b>"):
            response = self.lookup(wrong)
            self.assertEqual(response.status_code, 404, wrong)  # type: ignore[attr-defined]
            self.assertContains(response, NOT_FOUND, status_code=404)  # type: ignore[arg-type]
            self.assertNotContains(response, "Document found", status_code=404)  # type: ignore[arg-type]
            body = response.content.decode()  # type: ignore[attr-defined]
            # What may differ: the code echoed in the form, and the per-response CSRF token.
            body = re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", body)
            bodies.add(body)
        self.assertEqual(len(bodies), 1)

    def test_documents_of_any_organization_are_found_by_their_code(self) -> None:
        other = document_store(
            org=self.org_b, actor=self.charlie, uploaded_file=SimpleUploadedFile("b.txt", CONTENT),
            verification_code="BBBBBCCCCCDDDDDEEEEE",
        )  # fmt: skip
        response = self.lookup("bbbbb-ccccc-ddddd-eeeee")
        self.assertContains(response, "Ajuntament de Beta")  # type: ignore[arg-type]
        self.assertContains(response, other.sha256)  # type: ignore[arg-type]

    def test_a_document_without_a_code_cannot_be_reached(self) -> None:
        plain = document_store(
            org=self.org_a, actor=self.bob, uploaded_file=SimpleUploadedFile("p.txt", b"plain\n")
        )
        self.assertIsNone(plain.verification_code)
        self.assertEqual(self.lookup("").status_code, 200)  # type: ignore[attr-defined]
        self.assertEqual(self.client.get("/verify/None/download/").status_code, 404)

    def test_only_reads_are_answered(self) -> None:
        self.assertEqual(self.client.post(reverse("verify"), {"code": self.code}).status_code, 405)
        download = reverse("verify_download", args=[self.code])
        self.assertEqual(self.client.post(download).status_code, 405)

    def test_spanish_page(self) -> None:
        response = self.lookup(self.code, HTTP_ACCEPT_LANGUAGE="es")
        self.assertContains(response, 'lang="es"')  # type: ignore[arg-type]


class VerifyDownloadTests(VerifyTestCase):
    def test_the_download_is_byte_identical(self) -> None:
        for typed in (self.code, format_verification_code(self.code).lower()):
            response = self.client.get(reverse("verify_download", args=[typed]))
            self.assertEqual(response.status_code, 200)
            self.assertEqual(b"".join(response.streaming_content), CONTENT)  # type: ignore[attr-defined]
            self.assertEqual(response["Content-Type"], "text/plain")
            self.assertIn("attachment", response["Content-Disposition"])
            self.assertIn("justificant.txt", response["Content-Disposition"])
            self.assertEqual(response["Cache-Control"], "no-store")

    def test_a_wrong_code_is_a_404_with_the_neutral_message(self) -> None:
        response = self.client.get(reverse("verify_download", args=["ABCDEFGHIJKLMNOPQRS3"]))
        self.assertContains(response, NOT_FOUND, status_code=404)

    def test_a_stored_file_that_no_longer_matches_its_hash_is_not_served(self) -> None:
        Path(self.media, self.document.file.name).write_bytes(b"tampered\n")
        with self.assertLogs("ajunta.core.documents", level="ERROR"):
            response = self.client.get(reverse("verify_download", args=[self.code]))
        self.assertEqual(response.status_code, 503)
        self.assertNotIn(b"tampered", response.content)


class VerifyRateLimitTests(VerifyTestCase):
    def test_lookups_are_limited_per_client_address(self) -> None:
        limit = verify_views.LOOKUP_LIMIT
        for index in range(limit):
            code = self.code if index % 2 else "ABCDEFGHIJKLMNOPQRS3"
            self.assertIn(self.lookup(code).status_code, (200, 404))  # type: ignore[attr-defined]
        response = self.lookup(self.code)
        self.assertEqual(response.status_code, 429)  # type: ignore[attr-defined]
        self.assertContains(response, "Too many checks", status_code=429)  # type: ignore[arg-type]
        self.assertNotContains(response, self.document.sha256, status_code=429)  # type: ignore[arg-type]
        self.assertEqual(response["Retry-After"], str(verify_views.LOOKUP_WINDOW))  # type: ignore[index]
        download = self.client.get(reverse("verify_download", args=[self.code]))
        self.assertEqual(download.status_code, 429)
        # Another address still gets through.
        other = self.lookup(self.code, REMOTE_ADDR="203.0.113.9")
        self.assertEqual(other.status_code, 200)  # type: ignore[attr-defined]

    def test_opening_the_empty_form_does_not_count(self) -> None:
        for _ in range(verify_views.LOOKUP_LIMIT + 5):
            self.assertEqual(self.client.get(reverse("verify")).status_code, 200)
        self.assertEqual(self.lookup(self.code).status_code, 200)  # type: ignore[attr-defined]

    def test_the_limit_message_is_translated(self) -> None:
        with mock.patch.object(verify_views, "LOOKUP_LIMIT", 0):
            response = self.lookup(self.code, HTTP_ACCEPT_LANGUAGE="es")
        self.assertEqual(response.status_code, 429)  # type: ignore[attr-defined]
        self.assertContains(response, 'lang="es"', status_code=429)  # type: ignore[arg-type]


class RateLimitTests(SimpleTestCase):
    def setUp(self) -> None:
        cache.clear()
        self.addCleanup(cache.clear)

    def test_counts_per_key_within_the_window(self) -> None:
        results = [rate_limit_exceeded("k", limit=3, window=600) for _ in range(5)]
        self.assertEqual(results, [False, False, False, True, True])
        self.assertFalse(rate_limit_exceeded("another", limit=3, window=600))

    def test_a_new_window_starts_afresh(self) -> None:
        with mock.patch("ajunta.core.ratelimit.time.time", return_value=1_000_000.0):
            self.assertFalse(rate_limit_exceeded("k", limit=1, window=60))
            self.assertTrue(rate_limit_exceeded("k", limit=1, window=60))
        with mock.patch("ajunta.core.ratelimit.time.time", return_value=1_000_060.0):
            self.assertFalse(rate_limit_exceeded("k", limit=1, window=60))
