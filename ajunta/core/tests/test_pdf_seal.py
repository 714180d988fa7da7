"""The PDF helper (Unicode text, tables across pages) and PAdES seals (make_test_seal, checks)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import SimpleNamespace

import pypdf
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, TestCase, override_settings
from django.utils import translation

from ajunta.core import seal
from ajunta.core.pdf import PdfBuilder, printable
from ajunta.core.testing import make_org
from ajunta.tenants.models import OrganizationKind


def pdf_text(content: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def page_texts(content: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(content)).pages]


ALPHA = SimpleNamespace(slug="alpha", name="Ajuntament d'Alpha")
BETA = SimpleNamespace(slug="beta", name="Ajuntament de Beta")


class PdfBuilderTests(SimpleTestCase):
    def test_catalan_spanish_and_other_latin_text_renders(self) -> None:
        names = [
            "Núria Col·lell i Peña",
            "Ramón Muñoz Ibáñez",
            "François Çelik Øster",
            "Łukasz Wałęsa Šťastný",
            "Nguyễn Thị Ánh",
        ]
        doc = PdfBuilder(title="Prova d'accents")
        doc.heading("Sol·licitud de llicència")
        doc.key_values([("Interessada", names[0]), ("Import", "1.234,56 €")])
        doc.table(["Nom", "Lloc"], [[name, "Sant Llorenç de Morunys"] for name in names[1:]])
        text = pdf_text(doc.to_bytes())
        for expected in [*names, "Sol·licitud de llicència", "1.234,56 €", "Sant Llorenç"]:
            self.assertIn(expected, text)

    def test_each_document_gets_its_own_copy_of_the_fonts(self) -> None:
        # The faces are prepared once per process; a second document must not inherit the
        # first one's glyph subset, or its letters would come out wrong.
        first = PdfBuilder(title="u")
        first.paragraph("àèéíòóúç")
        first_text = pdf_text(first.to_bytes())
        second = PdfBuilder(title="d")
        second.paragraph("ÑÁÉÍÓÚ l·l — zqxkw")
        second_text = pdf_text(second.to_bytes())
        self.assertIn("àèéíòóúç", first_text)
        self.assertIn("ÑÁÉÍÓÚ l·l — zqxkw", second_text)

    def test_printable_composes_and_replaces_what_the_font_lacks(self) -> None:
        self.assertEqual(printable("Nu\u0301ria"), "Núria")  # decomposed accent composed
        self.assertEqual(printable("Ωmega 中"), "?mega ?")
        self.assertEqual(printable("a\x00b\tc\nd"), "ab c\nd")
        self.assertEqual(printable(None), "")

    def test_table_header_is_repeated_on_every_page_and_long_words_wrap(self) -> None:
        doc = PdfBuilder(title="Llibre", landscape=True)
        rows = [[f"E/2026/{n:06d}", "x" * 300, "Núria"] for n in range(1, 80)]
        doc.table(["Número", "Resum", "Interessat"], rows, widths=[1, 3, 1])
        pages = page_texts(doc.to_bytes())
        self.assertGreater(len(pages), 2)
        for page in pages:
            self.assertIn("Número", page)
        self.assertIn("E/2026/000079", pages[-1])

    def test_footer_numbers_the_pages(self) -> None:
        def build() -> list[str]:
            doc = PdfBuilder(title="Peu", footer_text="CSV ABCDE-FGHIJ")
            doc.table(["n"], [[str(n)] for n in range(120)])
            return [page.replace("\n", " ") for page in page_texts(doc.to_bytes())]

        with translation.override("en"):
            pages = build()
        self.assertIn("CSV ABCDE-FGHIJ", pages[0])
        self.assertIn(f"1 of {len(pages)}", pages[0])
        with translation.override("ca"):
            pages = build()
        self.assertIn(f"Pàgina 1 de {len(pages)}", pages[0])


class SealTestCase(TestCase):
    """Each test gets an empty SEAL_DIR of its own."""

    def setUp(self) -> None:
        super().setUp()
        self.seal_dir = Path(tempfile.mkdtemp(prefix="ajunta-test-seals-"))
        self.addCleanup(shutil.rmtree, self.seal_dir, ignore_errors=True)
        override = override_settings(
            SEAL_DIR=self.seal_dir, SEAL_PASSPHRASE="", SEAL_PLATFORM_FALLBACK=True
        )
        override.enable()
        self.addCleanup(override.disable)

    def make_seal(self, *args: str) -> str:
        out = io.StringIO()
        call_command("make_test_seal", "--force", *args, stdout=out)
        return out.getvalue()

    def pdf(self, text: str = "Justificant de Núria") -> bytes:
        doc = PdfBuilder(title="Prova")
        doc.paragraph(text)
        return doc.to_bytes()


class SealTests(SealTestCase):
    def test_without_a_seal_the_pdf_is_returned_unsealed(self) -> None:
        content = self.pdf()
        self.assertFalse(seal.seal_available(ALPHA))
        self.assertEqual(seal.seal_pdf(content, org=ALPHA), content)
        self.assertFalse(seal.verify_pdf_signature(content).signed)

    def test_platform_seal_signs_and_validates_with_the_test_certificate_as_root(self) -> None:
        self.make_seal("--organization-name", "Consell Comarcal del Bages")
        content = self.pdf()
        sealed = seal.seal_pdf(content, org=ALPHA, reason="Justificant")
        check = seal.verify_pdf_signature(sealed)
        self.assertTrue(check.ok, check)
        self.assertEqual(check.signer, "Consell Comarcal del Bages")
        self.assertIn("Justificant de Núria", pdf_text(sealed))
        # Trusted only because the test certificate is the trust root here.
        self.assertFalse(seal.verify_pdf_signature(sealed, trust_roots=[]).trusted)

    def test_a_changed_byte_breaks_the_seal(self) -> None:
        self.make_seal()
        sealed = bytearray(seal.seal_pdf(self.pdf(), org=ALPHA))
        sealed[200] ^= 0x01  # inside the signed byte range
        check = seal.verify_pdf_signature(bytes(sealed))
        self.assertTrue(check.signed)
        self.assertFalse(check.intact)
        self.assertFalse(check.ok)

    def test_an_organizations_own_seal_takes_precedence(self) -> None:
        self.make_seal("--organization-name", "Consell Comarcal")
        self.make_seal("--org", "alpha", "--organization-name", "Ajuntament d'Alpha")
        self.assertEqual(seal.seal_holder(ALPHA), "Ajuntament d'Alpha")
        self.assertEqual(seal.seal_holder(BETA), "Consell Comarcal")
        check = seal.verify_pdf_signature(seal.seal_pdf(self.pdf(), org=ALPHA))
        self.assertTrue(check.ok)
        self.assertEqual(check.signer, "Ajuntament d'Alpha")

    def test_outside_development_the_platform_seal_never_stands_in_for_a_member(self) -> None:
        self.make_seal("--organization-name", "Consell Comarcal")
        self.make_seal("--org", "alpha", "--organization-name", "Ajuntament d'Alpha")
        with override_settings(SEAL_PLATFORM_FALLBACK=False):
            self.assertEqual(seal.seal_holder(ALPHA), "Ajuntament d'Alpha")
            self.assertTrue(seal.seal_is_own(ALPHA))
            self.assertFalse(seal.seal_available(BETA))  # no seal of its own: unsealed
            content = self.pdf()
            self.assertEqual(seal.seal_pdf(content, org=BETA), content)
        self.assertTrue(seal.seal_available(BETA))  # the demo's stand-in
        self.assertFalse(seal.seal_is_own(BETA))

    def test_an_unreadable_seal_is_reported_and_documents_go_unsealed(self) -> None:
        (self.seal_dir / "platform.p12").write_bytes(b"not a PKCS#12 file")
        with self.assertLogs("ajunta.core.seal", level="ERROR"):
            self.assertFalse(seal.seal_available(ALPHA))
        content = self.pdf()
        self.assertEqual(seal.seal_pdf(content, org=ALPHA), content)

    def test_a_passphrase_protected_seal(self) -> None:
        with override_settings(SEAL_PASSPHRASE="s3cret passphrase"):
            self.make_seal()
            self.assertTrue(seal.verify_pdf_signature(seal.seal_pdf(self.pdf(), org=ALPHA)).ok)
        with self.assertLogs("ajunta.core.seal", level="ERROR"):  # the wrong passphrase
            self.assertFalse(seal.seal_available(ALPHA))


class MakeTestSealTests(SealTestCase):
    def test_refuses_without_debug_unless_forced(self) -> None:
        with override_settings(DEBUG=False), self.assertRaises(CommandError):
            call_command("make_test_seal", stdout=io.StringIO())
        self.assertFalse((self.seal_dir / "platform.p12").exists())
        with override_settings(DEBUG=True):
            call_command("make_test_seal", stdout=io.StringIO())
        self.assertTrue((self.seal_dir / "platform.p12").exists())

    def test_is_idempotent_and_says_it_is_a_test_seal(self) -> None:
        self.make_seal()
        path = self.seal_dir / "platform.p12"
        first = path.read_bytes()
        self.assertIn("already exists", self.make_seal())
        self.assertEqual(path.read_bytes(), first)
        self.assertEqual(path.stat().st_mode & 0o777, 0o600)
        certificate = seal.installed_seal_certificates()[0]
        self.assertIn("TEST seal", certificate.subject.native["common_name"])
        self.assertEqual(certificate.public_key.bit_size, 2048)

    def test_names_the_provider_as_the_organization(self) -> None:
        make_org("bages", name="Consell Comarcal del Bages", kind=OrganizationKind.COUNTY_COUNCIL,
                 is_provider=True)  # fmt: skip
        self.make_seal()
        subject = seal.installed_seal_certificates()[0].subject.native
        self.assertEqual(subject["organization_name"], "Consell Comarcal del Bages")


def test_a_web_worker_starts_without_pyhanko_nor_xmlschema() -> None:
    """pyHanko and xmlschema (some 35 MB) load on the first seal or the first XML to validate,
    not when a worker imports every view: the budget is 200 MB per worker (docs/performance.md)."""
    code = (
        "import sys, django; django.setup(); "
        "from django.urls import get_resolver; get_resolver().url_patterns; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyhanko', 'pyhanko_certvalidator', 'xmlschema')))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "ajunta.settings", "DEBUG": "1"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.strip() == "[]", result.stdout
