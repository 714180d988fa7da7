"""The yearly decrees book closed with its diligence (issue 18, item 6): sealed, verifiable,
refused for a running year or twice, and immutable in the database."""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pypdf
import time_machine
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction
from django.test import override_settings

from ajunta.cases import books, services
from ajunta.cases.models import DecreeBookClosure
from ajunta.cases.tests.test_eni_notifications import SealedTestCase
from ajunta.core.documents import document_open, format_verification_code
from ajunta.core.integrity import verify_records
from ajunta.core.seal import verify_pdf_signature
from ajunta.core.testing import speaking

MADRID = ZoneInfo("Europe/Madrid")


def text_of(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "") for page in reader.pages).split())


@override_settings(LANGUAGE_CODE="ca")
class DecreeBookClosureTests(SealedTestCase):
    def decree(self, title: str) -> None:
        decree = services.decree_create(org=self.org_a, actor=self.bob, title=title, body="RESOLC")
        services.decree_sign(org=self.org_a, actor=self.bob, decree=decree)
        services.decree_take_note(org=self.org_a, actor=self.alice, decree=decree)

    def test_a_closed_year_states_its_decrees_and_is_sealed(self) -> None:
        with time_machine.travel(dt.datetime(2026, 4, 7, 10, tzinfo=MADRID), tick=False):
            self.decree("Primer")
            self.decree("Segon")
        with time_machine.travel(dt.datetime(2027, 1, 4, 9, tzinfo=MADRID), tick=False):
            self.decree("De l'any següent")  # 2027/0001: not in the 2026 book
            closure = books.decree_book_close(org=self.org_a, actor=self.alice, year=2026)
        self.assertEqual((closure.decree_count, closure.first_number, closure.last_number),
                         (2, "2026/0001", "2026/0002"))  # fmt: skip
        with document_open(org=self.org_a, document=closure.document) as handle:
            content = handle.read()
        self.assertTrue(verify_pdf_signature(content).ok)
        self.assertTrue(closure.document.is_registered)
        text = text_of(content)
        self.assertIn("Diligència de tancament", text)
        self.assertIn("2026/0001", text)
        self.assertIn("2026/0002", text)
        self.assertNotIn("2027/0001", text)
        self.assertIn("4 de gener de 2027", text)
        self.assertIn(format_verification_code(closure.document.verification_code or ""), text)
        self.assertTrue(verify_records([self.org_a]).ok)

    def test_a_running_year_or_a_closed_one_is_refused(self) -> None:
        last_minute = dt.datetime(2026, 12, 31, 23, 59, tzinfo=MADRID)
        with time_machine.travel(last_minute, tick=False), self.assertRaises(ValidationError):
            books.decree_book_close(org=self.org_a, actor=self.alice, year=2026)
        with time_machine.travel(dt.datetime(2027, 1, 1, 0, 1, tzinfo=MADRID), tick=False):
            closure = books.decree_book_close(org=self.org_a, actor=self.alice, year=2026)
            self.assertEqual(closure.decree_count, 0)
            with self.assertRaises(ValidationError):
                books.decree_book_close(org=self.org_a, actor=self.alice, year=2026)

    def test_the_database_refuses_to_change_a_closure(self) -> None:
        with time_machine.travel(dt.datetime(2027, 2, 1, 9, tzinfo=MADRID), tick=False):
            closure = books.decree_book_close(org=self.org_a, actor=self.alice, year=2026)
        with self.assertRaises(DatabaseError), transaction.atomic():
            DecreeBookClosure.objects.filter(pk=closure.pk).update(decree_count=7)

    def test_pages_close_and_download_and_other_organizations_see_nothing(self) -> None:
        url = f"/o/{self.org_a.slug}/cases/decrees/books/"
        with time_machine.travel(dt.datetime(2027, 2, 1, 9, tzinfo=MADRID), tick=False):
            client = speaking(self.login(self.alice), "ca")
            self.assertContains(client.get(url), "Tanca el llibre amb la diligència")
            self.assertEqual(client.post(url, {"year": "x"}).status_code, 400)
            self.assertRedirects(client.post(url, {"year": "2026"}), url)
            self.assertEqual(client.post(url, {"year": "2026"}).status_code, 400)
            # The session was opened on the frozen day: it is read on that day too.
            download = client.get(f"{url}2026.pdf")
            self.assertEqual(download.status_code, 200)
        charlie = self.login(self.charlie)
        self.assertEqual(charlie.get(f"{url}2026.pdf").status_code, 404)
        self.assertEqual(self.login(self.bob).post(url, {"year": "2025"}).status_code, 403)
