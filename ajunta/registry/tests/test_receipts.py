"""The receipt of a filing: what it states, that it matches the stored files, its CSV and seal,
and that a filing whose receipt fails leaves nothing behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pypdf
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.utils import timezone, translation

from ajunta.core.documents import document_open, format_verification_code
from ajunta.core.models import AuditEvent, Document, EniDocumentType
from ajunta.core.seal import verify_pdf_signature
from ajunta.core.testing import TenantTestCase, files_under, use_temporary_media
from ajunta.registry import receipts, services, tasks
from ajunta.registry.models import EntryAttachment, RegistryEntry
from ajunta.registry.receipts import mask_id_number, receipt_pdf

MADRID = ZoneInfo("Europe/Madrid")
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TEXT = "Memòria tècnica de l'obra — façana i balcó\n".encode()
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
    "first_surname": "Col·lell", "second_surname": "Peña",
}  # fmt: skip
FRANCOIS = {
    "role": "representative", "represents": 0, "person_type": "natural", "id_type": "E",
    "id_number": "X1234567L", "name": "François", "first_surname": "Çelik",
}  # fmt: skip


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def squeezed_words(content: bytes) -> str:
    """A PDF's text with every run of white space (line breaks too) as one space."""
    return " ".join(pdf_text(content).split())


def squeezed(text: str) -> str:
    """Text without white space: a hash or a long name may wrap onto two lines."""
    return re.sub(r"\s+", "", text)


# The assertions read the English source text; the product default is Catalan.
@override_settings(LANGUAGE_CODE="en")
class ReceiptTestCase(TenantTestCase):
    """Every test gets an empty temporary MEDIA_ROOT and an empty SEAL_DIR."""

    def setUp(self) -> None:
        super().setUp()
        cache.clear()
        self.media = use_temporary_media(self)
        self.seal_dir = Path(tempfile.mkdtemp(prefix="ajunta-test-seals-"))
        self.addCleanup(shutil.rmtree, self.seal_dir, ignore_errors=True)
        override = override_settings(
            SEAL_DIR=self.seal_dir, SEAL_PASSPHRASE="", SEAL_PLATFORM_FALLBACK=True
        )
        override.enable()
        self.addCleanup(override.disable)
        translation.activate("en")
        self.addCleanup(translation.deactivate)

    def stored_files(self) -> list[str]:
        return files_under(self.media)

    def file_entry(self, **overrides: Any) -> RegistryEntry:
        values: dict[str, Any] = {
            "direction": "in", "channel": "electronic", "epigraph": "Instància genèrica",
            "summary": "Sol·licitud de llicència d'obres menors a la plaça Major",
            "parties": [NURIA, FRANCOIS],
            "attachments": [
                {"file": SimpleUploadedFile("sol·licitud signada.pdf", PDF)},
                {"file": SimpleUploadedFile("memòria.txt", TEXT)},
            ],
        }  # fmt: skip
        values.update(overrides)
        with self.captureOnCommitCallbacks(execute=True):  # the receipt follows the commit
            return services.registry_entry_create(org=self.org_a, actor=self.bob, **values)

    def receipt_bytes(self, entry: RegistryEntry) -> bytes:
        assert entry.receipt is not None
        with document_open(org=self.org_a, document=entry.receipt) as handle:
            return handle.read()


class ReceiptContentTests(ReceiptTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.org_a.dir3_code = "L01080193"
        cls.org_a.save(update_fields=["dir3_code"])

    def test_the_receipt_states_the_filing(self) -> None:
        entry = self.file_entry()
        text = pdf_text(self.receipt_bytes(entry))
        for expected in [
            "Registry receipt", "Ajuntament d'Alpha", "L01080193", entry.number, "Incoming",
            "Electronic", "Instància genèrica",
            "Núria Col·lell Peña", "François Çelik", "***4567**", "****4567*",
        ]:  # fmt: skip
            self.assertIn(expected, text)
        self.assertIn(squeezed(entry.summary), squeezed(text))
        # Identity numbers appear masked only.
        self.assertNotIn("12345678Z", text)
        self.assertNotIn("X1234567L", text)
        filed = timezone.localtime(entry.filed_at, MADRID)
        self.assertIn(filed.strftime("%H:%M:%S"), text)

    def test_attachment_hashes_match_the_stored_files(self) -> None:
        entry = self.file_entry()
        text = squeezed(pdf_text(self.receipt_bytes(entry)))
        attachments = EntryAttachment.objects.filter(entry=entry).select_related("document")
        self.assertEqual(len(attachments), 2)
        for attachment in attachments:
            with document_open(org=self.org_a, document=attachment.document) as handle:
                stored = handle.read()
            digest = hashlib.sha256(stored).hexdigest()
            self.assertEqual(digest, attachment.document.sha256)
            self.assertIn(digest, text)
            self.assertIn(squeezed(attachment.document.name), text)
            self.assertIn(f"{len(stored)}bytes", text)

    def test_the_receipt_is_a_registered_acknowledgement_with_a_verification_code(self) -> None:
        entry = self.file_entry()
        receipt = Document.objects.get(pk=entry.receipt_id)
        self.assertEqual(receipt.document_type, EniDocumentType.TD09)
        self.assertEqual(receipt.content_type, "application/pdf")
        self.assertIsNotNone(receipt.registered_at)
        self.assertRegex(receipt.verification_code or "", r"^[A-Z2-7]{20}$")
        content = self.receipt_bytes(entry)
        self.assertEqual(hashlib.sha256(content).hexdigest(), receipt.sha256)
        text = pdf_text(content)
        self.assertIn(format_verification_code(receipt.verification_code or ""), text)
        self.assertIn(f"{settings.SITE_URL}/verify/", text)

    def test_the_receipt_is_fetched_by_its_code_byte_for_byte(self) -> None:
        entry = self.file_entry()
        receipt = Document.objects.get(pk=entry.receipt_id)
        printed = format_verification_code(receipt.verification_code or "").lower()
        page = self.client.get("/verify/", {"code": printed})
        self.assertEqual(page.status_code, 200)
        self.assertContains(page, receipt.sha256)
        self.assertContains(page, "Acknowledgement of receipt")
        download = self.client.get(f"/verify/{printed}/download/")
        self.assertEqual(download.status_code, 200)
        self.assertEqual(b"".join(download.streaming_content), self.receipt_bytes(entry))

    def test_a_filing_on_a_non_business_day_says_when_it_counts_from(self) -> None:
        sunday = dt.datetime(2026, 3, 1, 10, 15, 2, tzinfo=MADRID)
        with mock.patch("django.utils.timezone.now", return_value=sunday.astimezone(dt.UTC)):
            entry = self.file_entry()
        text = pdf_text(self.receipt_bytes(entry))
        self.assertIn("10:15:02", text)
        self.assertIn("Counts from", text)
        self.assertIn("00:00:00", text)  # the first hour of Monday 2 March
        self.assertIn("article 31.2.b", text)

    def test_a_business_day_filing_has_no_such_note(self) -> None:
        monday = dt.datetime(2026, 3, 2, 9, 0, tzinfo=MADRID)
        with mock.patch("django.utils.timezone.now", return_value=monday.astimezone(dt.UTC)):
            entry = self.file_entry()
        self.assertNotIn("Counts from", pdf_text(self.receipt_bytes(entry)))

    def test_the_receipt_speaks_the_filers_language(self) -> None:
        with translation.override("es"):
            entry = self.file_entry(attachments=[])
        # Spanish dates whatever the catalogue holds: the month is written out by Django.
        filed = timezone.localtime(entry.filed_at, MADRID)
        with translation.override("es"):
            month = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                     "septiembre", "octubre", "noviembre", "diciembre"][filed.month - 1]  # fmt: skip
        self.assertIn(month, pdf_text(self.receipt_bytes(entry)))

    def test_catalan_and_spanish_dates_with_their_prepositions(self) -> None:
        cases = [
            (dt.datetime(2026, 12, 7, 10, 0, tzinfo=MADRID), "ca", "7 de desembre de 2026"),
            (dt.datetime(2027, 4, 7, 10, 0, tzinfo=MADRID), "ca", "7 d'abril de 2027"),
            (dt.datetime(2027, 8, 2, 10, 0, tzinfo=MADRID), "ca", "2 d'agost de 2027"),
            (dt.datetime(2026, 12, 7, 10, 0, tzinfo=MADRID), "es", "7 de diciembre de 2026"),
        ]
        for moment, language, expected in cases:
            with self.subTest(expected), translation.override(language):
                with mock.patch("django.utils.timezone.now", return_value=moment):
                    entry = self.file_entry(attachments=[])
                self.assertIn(expected, squeezed_words(self.receipt_bytes(entry)))

    def test_the_qr_code_opens_the_verification_page_with_the_code(self) -> None:
        with mock.patch.object(
            receipts.PdfBuilder, "qr_code", autospec=True,
            side_effect=receipts.PdfBuilder.qr_code,
        ) as qr_code:  # fmt: skip
            entry = self.file_entry(attachments=[])
        receipt = Document.objects.get(pk=entry.receipt_id)
        link = qr_code.call_args.args[1]
        printed = format_verification_code(receipt.verification_code or "")
        self.assertEqual(link, f"{settings.SITE_URL}/verify/?code={printed}")
        page = self.client.get(link.removeprefix(settings.SITE_URL))
        self.assertContains(page, receipt.sha256)

    def test_an_outgoing_entry_names_its_addressee(self) -> None:
        entry = self.file_entry(
            direction="out", parties=[], attachments=[],
            addressee_name="Diputació de Barcelona", addressee_dir3="L02000008",
        )  # fmt: skip
        text = pdf_text(self.receipt_bytes(entry))
        self.assertIn("Outgoing", text)
        self.assertIn("Diputació de Barcelona (L02000008)", text)
        self.assertIn("No documents were attached.", text)

    def test_receipt_rendering_stays_fast(self) -> None:
        # It runs inside every filing, under the numbering lock. Measured at about 25-35 ms on a
        # 2-core machine; the bound only catches a regression such as parsing the fonts again.
        entry = self.file_entry()
        parties = list(entry.parties.order_by("position"))
        attachments = list(entry.attachments.select_related("document").order_by("position"))
        timings = []
        for _ in range(5):
            start = time.perf_counter()
            receipt_pdf(org=self.org_a, entry=entry, parties=parties, attachments=attachments,
                        code="ABCDEFGHIJKLMNOPQRST")  # fmt: skip
            timings.append(time.perf_counter() - start)
        self.assertLess(min(timings), 0.25)


class SealedReceiptTests(ReceiptTestCase):
    def test_with_a_seal_configured_the_receipt_signature_validates(self) -> None:
        call_command("make_test_seal", "--force", "--organization-name", "Consell Comarcal",
                     stdout=io.StringIO())  # fmt: skip
        entry = self.file_entry()
        content = self.receipt_bytes(entry)
        check = verify_pdf_signature(content)
        self.assertTrue(check.ok, check)
        self.assertEqual(check.signer, "Consell Comarcal")
        self.assertIn("electronic seal of Consell Comarcal", pdf_text(content))

    def test_the_councils_own_seal_in_catalan_and_spanish(self) -> None:
        call_command("make_test_seal", "--force", "--org", self.org_a.slug,
                     "--organization-name", "Ajuntament d'Alpha", stdout=io.StringIO())  # fmt: skip
        with override_settings(SEAL_PLATFORM_FALLBACK=False):
            with translation.override("ca"):
                content = self.receipt_bytes(self.file_entry())
            self.assertEqual(verify_pdf_signature(content).signer, "Ajuntament d'Alpha")
            self.assertIn("segell electrònic de l'Ajuntament d'Alpha", squeezed_words(content))
            with translation.override("es"):
                content = self.receipt_bytes(self.file_entry())
            self.assertIn("sello electrónico del Ajuntament d'Alpha", squeezed_words(content))

    def test_without_a_seal_the_receipt_is_still_issued(self) -> None:
        entry = self.file_entry()
        content = self.receipt_bytes(entry)
        self.assertFalse(verify_pdf_signature(content).signed)
        self.assertNotIn("electronic seal", pdf_text(content))
        self.assertIn(entry.number, pdf_text(content))


class FailedReceiptTests(ReceiptTestCase):
    """The filing is registered before its receipt is rendered: a failing render loses nothing."""

    def test_a_failing_receipt_keeps_the_filing_and_is_issued_when_next_asked(self) -> None:
        with (
            mock.patch.object(receipts, "receipt_pdf", side_effect=RuntimeError("boom")),
            self.assertLogs(level="ERROR"),
        ):
            entry = self.file_entry()
        entry.refresh_from_db()
        self.assertEqual((entry.sequence, entry.receipt), (1, None))
        attachment_files = self.stored_files()
        receipt = services.registry_entry_receipt_issue(org=self.org_a, actor=None, entry=entry)
        self.assertTrue(self.receipt_bytes(entry).startswith(b"%PDF"))
        self.assertEqual(len(self.stored_files()), len(attachment_files) + 1)
        # Asking again returns the same receipt: one per entry.
        again = services.registry_entry_receipt_issue(
            org=self.org_a, actor=None, entry=RegistryEntry.objects.get(pk=entry.pk)
        )
        self.assertEqual(again.pk, receipt.pk)
        self.assertEqual(self.file_entry().sequence, 2)

    def test_a_receipt_failing_after_its_file_was_stored_takes_the_file_away(self) -> None:
        with (
            mock.patch.object(receipts, "document_register", side_effect=RuntimeError("boom")),
            self.assertLogs(level="ERROR"),
        ):
            entry = self.file_entry()
        documents = Document.objects.filter(organization=self.org_a)
        self.assertFalse(documents.filter(document_type=EniDocumentType.TD09).exists())
        self.assertEqual(sorted(self.stored_files()), sorted(d.file.name for d in documents))
        entry.refresh_from_db()
        self.assertIsNone(entry.receipt)
        self.assertIsNotNone(
            services.registry_entry_receipt_issue(org=self.org_a, actor=None, entry=entry)
        )


class DeferredReceiptTests(ReceiptTestCase):
    """With a worker, the filing only queues its receipt; the worker's job issues it."""

    @override_settings(CELERY_TASK_ALWAYS_EAGER=False)
    def test_the_filing_queues_its_receipt_after_commit(self) -> None:
        with mock.patch.object(tasks.registry_receipt_issue, "delay") as delay:
            entry = self.file_entry()
        delay.assert_called_once_with(entry.pk, self.bob.pk)
        entry.refresh_from_db()
        self.assertIsNone(entry.receipt)
        self.assertEqual(len(tasks.registry_receipt_issue(entry.pk, self.bob.pk)), 64)
        entry.refresh_from_db()
        self.assertTrue(self.receipt_bytes(entry).startswith(b"%PDF"))
        events = AuditEvent.objects.filter(organization=self.org_a, action="registry.entry.receipt")
        self.assertEqual([e.actor_id for e in events], [self.bob.pk])


class MaskTests(TenantTestCase):
    def test_identity_numbers_show_four_middle_characters(self) -> None:
        self.assertEqual(mask_id_number("12345678Z", "N"), "***4567**")
        self.assertEqual(mask_id_number("X1234567L", "E"), "****4567*")
        self.assertEqual(mask_id_number("B12345674", "C"), "B12345674")  # a company
        self.assertEqual(mask_id_number("PA1234567", "P"), "***2345**")
        self.assertEqual(mask_id_number("123", "X"), "***")
