"""The registry book: CSV (streamed, spreadsheet-safe) and PDF (official, with annulled entries)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import shutil
import tempfile
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pypdf
from django.core.management import call_command
from django.test import override_settings
from django.utils import translation

from ajunta.core.seal import verify_pdf_signature
from ajunta.core.testing import TenantTestCase, use_temporary_media
from ajunta.registry import selectors, services
from ajunta.registry.exports import book_csv, book_pdf
from ajunta.registry.models import InterestedParty, RegistryEntry

MADRID = ZoneInfo("Europe/Madrid")
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z", "name": "Núria",
    "first_surname": "Col·lell", "second_surname": "Peña",
}  # fmt: skip
REASON = "Duplicat per error — la sol·licitud ja constava amb el número anterior"


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def csv_rows(lines: Any) -> list[list[str]]:
    text = "".join(lines)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


# The assertions read the English source text; the product default is Catalan.
@override_settings(LANGUAGE_CODE="en")
class BookTestCase(TenantTestCase):
    def setUp(self) -> None:
        super().setUp()
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

    def file_entry(self, org: Any = None, actor: Any = None, **overrides: Any) -> RegistryEntry:
        values: dict[str, Any] = {
            "direction": "in", "channel": "electronic", "epigraph": "Instància genèrica",
            "summary": "Sol·licitud de llicència d'obres", "parties": [NURIA],
        }  # fmt: skip
        values.update(overrides)
        return services.registry_entry_create(
            org=org or self.org_a, actor=actor or self.bob, **values
        )

    def many_entries(self, count: int) -> None:
        """`count` incoming entries written directly (no receipts): for volume, not for rules."""
        start = dt.datetime(2026, 1, 5, 9, 0, tzinfo=MADRID)
        entries = RegistryEntry.objects.bulk_create(
            RegistryEntry(
                organization=self.org_a, direction="in", year=2026, sequence=1000 + n,
                number=f"E/2026/{1000 + n:06d}", filed_at=start + dt.timedelta(minutes=n),
                effective_at=start + dt.timedelta(minutes=n), channel="in_person",
                epigraph="Instància", summary=f"Petició número {n} de la Núria",
            )
            for n in range(count)
        )  # fmt: skip
        InterestedParty.objects.bulk_create(
            InterestedParty(
                organization=self.org_a, entry=entry, person_type="natural", id_type="N",
                id_number="12345678Z", name="Núria", first_surname="Col·lell",
            )
            for entry in entries
        )  # fmt: skip


class BookCsvTests(BookTestCase):
    def test_lists_entries_in_order_of_receipt_with_annulled_ones_and_their_reason(self) -> None:
        first = self.file_entry()
        second = self.file_entry(summary="Queixa pel soroll a la plaça")
        out = self.file_entry(direction="out", parties=[], addressee_name="Diputació de Lleida")
        services.registry_entry_annul(org=self.org_a, actor=self.alice, entry=second, reason=REASON)
        self.file_entry(org=self.org_b, actor=self.charlie, summary="De Beta")
        rows = csv_rows(book_csv(selectors.entries(org=self.org_a)))
        header, body = rows[0], rows[1:]
        self.assertEqual(header[0], "Number")
        self.assertEqual([r[0] for r in body], [first.number, second.number, out.number])
        by_number = {r[0]: dict(zip(header, r, strict=True)) for r in body}
        annulled = by_number[second.number]
        self.assertEqual(annulled["Status"], "Annulled")
        self.assertEqual(annulled["Annulment reason"], REASON)
        self.assertTrue(annulled["Annulled at"])
        self.assertEqual(by_number[first.number]["Status"], "Registered")
        self.assertEqual(
            by_number[first.number]["Interested parties"], "Núria Col·lell Peña (12345678Z)"
        )
        self.assertEqual(by_number[out.number]["Direction"], "Outgoing")
        self.assertEqual(by_number[out.number]["Addressee"], "Diputació de Lleida")
        filed = dt.datetime.fromisoformat(by_number[first.number]["Filed at"])
        self.assertEqual(filed, first.filed_at.replace(microsecond=0))
        self.assertEqual(filed.utcoffset(), first.filed_at.astimezone(MADRID).utcoffset())
        self.assertNotIn("De Beta", "".join(book_csv(selectors.entries(org=self.org_a))))

    def test_cells_a_spreadsheet_would_run_are_neutralised(self) -> None:
        self.file_entry(summary='=HYPERLINK("http://example.org","clic")')
        row = csv_rows(book_csv(selectors.entries(org=self.org_a)))[1]
        self.assertIn('\'=HYPERLINK("http://example.org","clic")', row)

    def test_is_streamed_in_a_constant_number_of_queries(self) -> None:
        self.many_entries(3)
        with self.assertNumQueries(2):  # entries + their parties
            lines = list(book_csv(selectors.entries(org=self.org_a)))
        self.assertEqual(len(lines), 4)
        InterestedParty.objects.all().delete()
        RegistryEntry.objects.all().delete()
        self.many_entries(40)
        with self.assertNumQueries(2):
            lines = list(book_csv(selectors.entries(org=self.org_a)))
        self.assertEqual(len(lines), 41)

    def test_the_generator_does_not_read_before_it_is_consumed(self) -> None:
        with self.assertNumQueries(0):
            lines = book_csv(selectors.entries(org=self.org_a))
        with self.assertNumQueries(1):  # no entries: no parties to fetch
            self.assertEqual(len(list(lines)), 1)  # the header only


class BookPdfTests(BookTestCase):
    def test_the_book_shows_every_entry_with_annulled_ones_and_their_reason(self) -> None:
        first = self.file_entry()
        second = self.file_entry(summary="Queixa pel soroll a la plaça")
        services.registry_entry_annul(org=self.org_a, actor=self.alice, entry=second, reason=REASON)
        content = book_pdf(
            org=self.org_a,
            rows=selectors.entries(org=self.org_a),
            date_from=dt.date(2026, 1, 1),
            date_to=dt.date(2026, 12, 31),
        )
        text = pdf_text(content)
        squeezed = " ".join(text.split())
        for expected in [
            "Registry book", "Ajuntament d'Alpha", first.number, second.number,
            "Núria Col·lell Peña (12345678Z)", "Registered", "Annulled on",
            "2 entries: 2 incoming, 0 outgoing. 1 of them is annulled.",
        ]:  # fmt: skip
            self.assertIn(expected, squeezed)
        self.assertIn(" ".join(REASON.split()), squeezed)
        self.assertIn("From 1 January 2026 to 31 December 2026", squeezed)
        self.assertFalse(verify_pdf_signature(content).signed)

    def test_a_long_period_runs_onto_pages_that_repeat_the_header(self) -> None:
        self.many_entries(150)
        content = book_pdf(org=self.org_a, rows=selectors.entries(org=self.org_a))
        pages = [p.extract_text() or "" for p in pypdf.PdfReader(io.BytesIO(content)).pages]
        self.assertGreater(len(pages), 3)
        for page in pages:
            self.assertIn("Interested parties", page)
        self.assertIn("E/2026/001149", pages[-1])
        self.assertIn("All entries", pages[0])

    def test_the_book_is_sealed_when_a_seal_is_configured(self) -> None:
        call_command("make_test_seal", "--force", stdout=io.StringIO())
        self.many_entries(2)
        content = book_pdf(org=self.org_a, rows=selectors.entries(org=self.org_a))
        self.assertTrue(verify_pdf_signature(content).ok)
        unsealed = book_pdf(org=self.org_a, rows=selectors.entries(org=self.org_a), seal=False)
        self.assertFalse(verify_pdf_signature(unsealed).signed)
