"""Uploads: ZIP-based files inspected without unpacking, type from content, polyglots, names.

The hostile files are built byte by byte (`core.testing_archives`) so that their headers can lie;
the office documents in `data/` were written by LibreOffice (see data/README.md).
"""

from __future__ import annotations

import io
import random
import stat
import zipfile
import zlib
from pathlib import Path
from typing import Any
from unittest import mock

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from ajunta.core import archives
from ajunta.core import documents as docs
from ajunta.core.models import AuditEvent, Document
from ajunta.core.testing_archives import (
    DOCUMENT_XML,
    DOCX_CONTENT_TYPES,
    HOSTILE_UPLOADS,
    MIB,
    PDF,
    XLSX_CONTENT_TYPES,
    RawEntry,
    bomb_docx,
    docx,
    entry,
    lying_docx,
    raw_zip,
    zeros_stream,
)
from ajunta.core.tests.test_documents import PNG, DocumentsTestCase

DATA = Path(__file__).parent / "data"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ODT_MIME = "application/vnd.oasis.opendocument.text"
ODS_MIME = "application/vnd.oasis.opendocument.spreadsheet"
ODT = raw_zip(
    [entry("mimetype", ODT_MIME.encode(), method=0), entry("content.xml", b"<office:document/>")]
)


class UploadTestCase(DocumentsTestCase):
    def refused(self, content: bytes, name: str = "file.docx") -> tuple[str, str]:
        """(code, message) of the refusal; checks nothing was written."""
        before = AuditEvent.objects.count()
        message = self.refused_message(content, name=name)
        with self.assertRaises(Exception) as caught:
            self.store(content, name=name)
        code = caught.exception.error_dict["file"][0].code  # type: ignore[attr-defined]
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(Document.objects.exists())
        self.assertEqual(AuditEvent.objects.count(), before)
        return code, message


class RealOfficeDocumentTests(UploadTestCase):
    def test_documents_written_by_libreoffice_are_stored_with_their_type(self) -> None:
        cases = [
            ("acta.docx", DOCX_MIME),
            ("acta.odt", ODT_MIME),
            ("pressupost.xlsx", XLSX_MIME),
            ("pressupost.ods", ODS_MIME),
        ]
        for name, mime in cases:
            with self.subTest(name=name):
                document = self.store((DATA / name).read_bytes(), name=name)
                self.assertEqual((document.content_type, document.name), (mime, name))

    def test_docx_whose_content_types_come_last_is_told_by_its_content(self) -> None:
        # LibreOffice writes [Content_Types].xml last: the first bytes alone look like any ZIP.
        content = (DATA / "acta.docx").read_bytes()
        self.assertNotIn(b"[Content_Types].xml", content[:2000])
        self.assertEqual(self.store(content, name="acta").content_type, DOCX_MIME)

    def test_docx_named_zip_is_stored_as_docx_named_docx(self) -> None:
        document = self.store((DATA / "acta.docx").read_bytes(), name="acta.zip")
        self.assertEqual((document.content_type, document.name), (DOCX_MIME, "acta.docx"))
        event = AuditEvent.objects.get(action="document.store")
        self.assertEqual(event.changes["submitted_name"], "acta.zip")

    def test_a_plain_zip_is_a_zip_whatever_its_name(self) -> None:
        content = raw_zip([entry("word/document.xml", DOCUMENT_XML)])
        code, message = self.refused(content, name="acta.docx")
        self.assertEqual(code, "type_not_allowed")
        self.assertIn("application/zip", message)

    def test_presentations_and_chart_data_embedded_in_a_document(self) -> None:
        pptx_types = DOCX_CONTENT_TYPES.replace(
            b"/word/document.xml", b"/ppt/presentation.xml"
        ).replace(b"wordprocessingml.document", b"presentationml.presentation")
        pptx = raw_zip(
            [entry("[Content_Types].xml", pptx_types), entry("ppt/presentation.xml", b"<p/>")]
        )
        document = self.store(pptx, name="ple.pptx")
        self.assertEqual(document.content_type, DOCX_MIME.replace("wordprocessingml.document",
                                                                  "presentationml.presentation"))  # fmt: skip
        # Word keeps a chart's data as a workbook inside the document: inspected, accepted.
        workbook = raw_zip(
            [entry("[Content_Types].xml", XLSX_CONTENT_TYPES), entry("xl/workbook.xml", b"<w/>")]
        )
        with_chart = docx(entry("word/embeddings/Microsoft_Excel_Worksheet.xlsx", workbook))
        self.assertEqual(self.store(with_chart, name="informe.docx").content_type, DOCX_MIME)


class BombTests(UploadTestCase):
    def test_a_one_megabyte_docx_that_unpacks_to_a_gibibyte_is_refused_unread(self) -> None:
        content = bomb_docx(gib=1)
        self.assertLess(len(content), 1_100_000)
        with mock.patch.object(archives, "_item_chunks", wraps=archives._item_chunks) as reads:
            code, message = self.refused(content, name="acta.docx")
        self.assertEqual(code, "archive_too_large")
        self.assertIn("unpacks to more than", message)
        reads.assert_not_called()  # refused on what the central directory declares

    @override_settings(DOCUMENT_ARCHIVE_MAX_RATIO=50)
    def test_compression_ratio_is_bounded(self) -> None:
        stream = zeros_stream(8)
        content = raw_zip(
            [
                entry("[Content_Types].xml", DOCX_CONTENT_TYPES),
                RawEntry("word/document.xml", stream, size=8 * MIB, crc=0),
            ]
        )
        code, message = self.refused(content)
        self.assertEqual(code, "archive_ratio")
        self.assertIn("50 to 1", message)

    def test_small_files_may_compress_well(self) -> None:
        content = docx(entry("word/blank.xml", b" " * 500_000))  # below the 1 MiB floor
        self.assertEqual(self.store(content).content_type, DOCX_MIME)

    def test_declared_sizes_that_lie_are_caught_after_reading_no_more_than_declared(self) -> None:
        produced = []
        original = archives._item_chunks

        def counting(*args: Any) -> Any:
            for chunk in original(*args):
                produced.append(len(chunk))
                yield chunk

        content = lying_docx(mib=64, declared=1000)  # 64 MiB of zeros behind a 1,000-byte claim
        with mock.patch.object(archives, "_item_chunks", side_effect=counting):
            code, _message = self.refused(content)
        self.assertEqual(code, "archive_inconsistent")
        self.assertLessEqual(sum(produced), 2 * 1000 + len(DOCX_CONTENT_TYPES))

    def test_compressed_size_crc_and_stream_lies_are_refused(self) -> None:
        good = entry("word/document.xml", DOCUMENT_XML)
        cases = {
            "stream longer than declared": RawEntry(
                good.name, good.data[:-3], size=good.size, crc=good.crc
            ),
            "wrong CRC": RawEntry(good.name, good.data, size=good.size, crc=good.crc ^ 1),
            "bytes hidden after the stream": RawEntry(
                good.name, good.data + b"hidden", size=good.size, crc=good.crc
            ),
            "stored entry with two sizes": RawEntry(
                good.name, DOCUMENT_XML, size=10, crc=good.crc, method=0
            ),
        }
        for label, lying in cases.items():
            with self.subTest(label):
                content = raw_zip([entry("[Content_Types].xml", DOCX_CONTENT_TYPES), lying])
                code, _message = self.refused(content)
                self.assertIn(code, {"archive_inconsistent", "invalid_archive"})

    def test_overlapping_entries_are_refused(self) -> None:
        # Fifield's non-recursive bomb: many central-directory entries share one local file.
        shared = entry("word/document.xml", DOCUMENT_XML)
        copies = [RawEntry(f"part{n}.xml", shared.data, shared.size, shared.crc) for n in range(3)]
        content = raw_zip(
            [entry("[Content_Types].xml", DOCX_CONTENT_TYPES), *copies], offsets=[0, 0, 0, 0]
        )
        code, _message = self.refused(content)
        self.assertIn(code, {"archive_hidden_data", "archive_inconsistent"})

    @override_settings(DOCUMENT_ARCHIVE_MAX_ENTRIES=50)
    def test_number_of_items_is_bounded(self) -> None:
        content = docx(*[entry(f"word/media/{n}.xml", b"<x/>") for n in range(60)])
        self.assertEqual(self.refused(content)[0], "archive_too_many_entries")


class StructureTests(UploadTestCase):
    def test_nested_archives_are_refused(self) -> None:
        inner_zip = raw_zip([entry("a.txt", b"a")])
        gzip = b"\x1f\x8b\x08\x00" + b"\x00" * 600
        tar = b"x" * 257 + b"ustar\x0000" + b"\x00" * 300
        deeper = raw_zip(
            [
                entry("[Content_Types].xml", XLSX_CONTENT_TYPES),
                entry("xl/workbook.xml", b"<w/>"),
                entry("xl/embeddings/more.docx", docx()),
            ]
        )
        cases = {
            "a ZIP in a DOCX": docx(entry("word/media/image1.png", inner_zip)),
            "gzip in a DOCX": docx(entry("word/media/a.bin", gzip)),
            "tar in a DOCX": docx(entry("word/media/a.bin", tar)),
            "a DOCX in a ZIP": raw_zip([entry("acta.docx", docx())]),
            "two levels of office documents": docx(entry("word/embeddings/x.xlsx", deeper)),
        }
        for label, content in cases.items():
            with self.subTest(label):
                code, message = self.refused(content)
                self.assertEqual(code, "archive_nested")
                self.assertIn("another archive", message)

    def test_traversal_absolute_and_repeated_names_are_refused(self) -> None:
        for name in (
            "../../etc/passwd",
            "word/../../x.xml",
            "/etc/passwd",
            "C:/Windows/x.dll",
            "..\\..\\x.bat",
            "word/a\x01.xml",
            "word/document.xml",  # a second one
            "WORD/Document.xml",
        ):
            with self.subTest(name=name):
                code, _message = self.refused(docx(entry(name, b"<x/>")))
                self.assertEqual(code, "archive_unsafe_name")

    def test_symbolic_links_are_refused(self) -> None:
        link = entry("word/link.xml", b"/etc/passwd", method=0)
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        self.assertEqual(self.refused(docx(link))[0], "archive_unsafe_name")

    def test_encrypted_invalid_and_unusual_archives_are_refused_gracefully(self) -> None:
        encrypted = entry("word/document.xml", DOCUMENT_XML)
        encrypted.flags = 0x01
        bzip2 = io.BytesIO()
        with zipfile.ZipFile(bzip2, "w", zipfile.ZIP_BZIP2) as archive:
            archive.writestr("[Content_Types].xml", DOCX_CONTENT_TYPES)
        good = docx()
        cases = {
            "encrypted": (
                raw_zip([entry("[Content_Types].xml", DOCX_CONTENT_TYPES), encrypted]),
                "encrypted",
            ),
            "bzip2": (bzip2.getvalue(), "archive_compression_method"),
            "truncated": (good[: len(good) // 2], None),
            "garbled central directory": (good[:-40] + b"\xff" * 18 + good[-22:], None),
            "end record only": (b"PK\x05\x06" + b"\xff" * 18, None),
            "bad deflate": (
                docx(RawEntry("word/x.xml", b"\xff" * 40, size=100, crc=0)),
                "invalid_archive",
            ),
            "XML bomb in [Content_Types].xml": (
                raw_zip(
                    [
                        entry(
                            "[Content_Types].xml",
                            b'<!DOCTYPE t [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Types>&b;</Types>',
                        )
                    ]
                ),
                "invalid_archive",
            ),
        }
        for label, (content, expected) in cases.items():
            with self.subTest(label):
                code, message = self.refused(content)
                if expected:
                    self.assertEqual(code, expected)
                self.assertTrue(message)

    def test_garbled_office_documents_are_refused_never_raised(self) -> None:
        # 400 copies of a real DOCX and ODT, each with a few bytes changed (a fixed seed): each
        # answers a type or a ValidationError, never another exception.
        randomizer = random.Random(14)
        originals = [(DATA / "acta.docx").read_bytes(), (DATA / "acta.odt").read_bytes()]
        outcomes = {"accepted": 0, "refused": 0}
        for n in range(400):
            content = bytearray(originals[n % 2])
            for _ in range(randomizer.randint(1, 4)):
                content[randomizer.randrange(len(content))] = randomizer.randrange(256)
            try:
                archives.inspect_zip(io.BytesIO(bytes(content)), size=len(content))
                outcomes["accepted"] += 1
            except ValidationError:
                outcomes["refused"] += 1
        self.assertGreater(outcomes["refused"], 300)

    def test_data_hidden_between_items_or_in_a_long_comment_is_refused(self) -> None:
        items = [entry("[Content_Types].xml", DOCX_CONTENT_TYPES), entry("word/document.xml", DOCUMENT_XML)]  # fmt: skip
        for label, content in {
            "between items": raw_zip(items, between=b"hidden PNG or PDF here"),
            "in the comment": raw_zip(items, comment=b"x" * 2000),
        }.items():
            with self.subTest(label):
                self.assertEqual(self.refused(content)[0], "archive_hidden_data")

    def test_macros_are_refused(self) -> None:
        docm_types = DOCX_CONTENT_TYPES.replace(
            b"vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
            b"vnd.ms-word.document.macroEnabled.main+xml",
        )
        cases = {
            "docm": docx(content_types=docm_types),
            "vbaProject.bin in a docx": docx(entry("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")),
            "Basic module in an odt": raw_zip(
                [
                    entry("mimetype", ODT_MIME.encode(), method=0),
                    entry("Basic/Standard/Module1.xml", b"<script:module/>"),
                ]
            ),
        }
        for label, content in cases.items():
            with self.subTest(label):
                self.assertEqual(self.refused(content)[0], "macros")

    def test_unknown_or_ambiguous_packages_are_refused(self) -> None:
        both = raw_zip(
            [
                entry("mimetype", ODT_MIME.encode(), method=0),
                entry("[Content_Types].xml", DOCX_CONTENT_TYPES),
                entry("word/document.xml", DOCUMENT_XML),
            ]
        )
        cases = {
            "no main part": docx(content_types=b"<Types/>"),
            "main part missing": raw_zip([entry("[Content_Types].xml", DOCX_CONTENT_TYPES)]),
            "both OOXML and ODF": both,
            "odf with a strange mimetype": raw_zip([entry("mimetype", b"text/html", method=0)]),
        }
        for label, content in cases.items():
            with self.subTest(label):
                code, _message = self.refused(content)
                self.assertIn(code, {"archive_unknown", "archive_inconsistent"})
        epub = raw_zip([entry("mimetype", b"application/epub+zip", method=0)])
        self.assertEqual(self.refused(epub)[0], "archive_unknown")


class PolyglotTests(UploadTestCase):
    def test_files_that_are_also_zips_are_refused(self) -> None:
        cases = {
            "a PDF with a DOCX appended": (PDF + docx(), "PDF"),
            "a PNG with a ZIP appended": (PNG + raw_zip([entry("a.txt", b"a")]), "PNG"),
            "a DOCX whose first item starts a PDF": (
                raw_zip(
                    [
                        entry("a.pdf", PDF, method=0),
                        entry("[Content_Types].xml", DOCX_CONTENT_TYPES),
                        entry("word/document.xml", DOCUMENT_XML),
                    ]
                ),
                "PDF",
            ),
        }
        for label, (content, detected) in cases.items():
            with self.subTest(label):
                code, message = self.refused(content, name="acta.pdf")
                self.assertEqual(code, "polyglot")
                self.assertIn(f"{detected} and a ZIP archive", message)

    def test_a_pdf_with_zip_like_bytes_inside_is_still_a_pdf(self) -> None:
        content = PDF.replace(b"%%EOF", b"(PK\x05\x06 is just text here)\n%%EOF")
        self.assertEqual(self.store(content, name="a.pdf").content_type, "application/pdf")


class NameTests(UploadTestCase):
    def test_names_end_in_an_extension_of_the_type_found(self) -> None:
        cases = [
            ("foto.JPEG", "image/jpeg", "foto.JPEG"),
            ("foto.jpg", "image/jpeg", "foto.jpg"),
            ("plànol.tiff", "image/tiff", "plànol.tiff"),
            ("factura.pdf", "image/png", "factura.png"),
            ("acta.zip", DOCX_MIME, "acta.docx"),
            ("dades.bin", "application/pdf", "dades.pdf"),
            ("informe", "application/pdf", "informe.pdf"),
            ("Acta 3.2.2026", "application/pdf", "Acta 3.2.2026.pdf"),
            ("notes.md", "text/plain", "notes.md"),
            ("pagina.html", "text/plain", "pagina.txt"),
            ("signatura.xsig", "application/xml", "signatura.xsig"),
            ("x" * 254 + ".zip", DOCX_MIME, "x" * 250 + ".docx"),
        ]
        for name, mime, expected in cases:
            with self.subTest(name=name):
                self.assertEqual(docs.conform_filename(name, mime), expected)

    def test_every_accepted_type_has_extensions(self) -> None:
        self.assertEqual(set(docs.EXTENSIONS), set(docs.ALLOWED_TYPES))


class HostileUploadsTests(UploadTestCase):
    def test_every_hostile_upload_is_refused_with_a_message_and_nothing_written(self) -> None:
        for name, content in HOSTILE_UPLOADS.items():
            with self.subTest(name=name):
                code, message = self.refused(content, name=name)
                self.assertNotEqual(code, "type_not_allowed")
                self.assertTrue(message)

    def test_refusals_are_translated(self) -> None:
        with translation.override("ca"):
            message = self.refused_message(bomb_docx(), name="x.docx")
        self.assertIn("no es pot acceptar", message)

    def test_zlib_sanity_of_the_bomb_builder(self) -> None:
        inflater = zlib.decompressobj(-zlib.MAX_WBITS)
        self.assertEqual(len(inflater.decompress(zeros_stream(2))), 2 * MIB)
        self.assertTrue(inflater.eof)
        self.assertEqual(ODT[:4], b"PK\x03\x04")
