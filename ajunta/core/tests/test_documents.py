"""Documents: hashing, size limit, type sniffing, content addressing, immutability, integrity, access."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ajunta.core import documents as docs
from ajunta.core.audit import chain_key, verify_chain
from ajunta.core.models import AuditEvent, Document, EniDocumentType, EniOrigin, Role
from ajunta.core.testing import (
    TenantIsolationMixin,
    TenantTestCase,
    api_ids,
    files_under,
    make_user,
    speaking,
    use_temporary_media,
    verify_mfa,
)
from ajunta.core.testing_archives import DOCX_CONTENT_TYPES, HOSTILE_UPLOADS

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
TIFF = b"II*\x00\x08\x00\x00\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64
HTML = b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>\n'
XML = b'\xef\xbb\xbf  \n<?xml version="1.0" encoding="UTF-8"?>\n<expedient id="1"/>\n'
TEXT = "Acta de la sessió ordinària del Ple — 3 de març\n".encode()


def zip_bytes(entries: list[tuple[str, bytes]], stored_first: bool = False) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, content) in enumerate(entries):
            method = zipfile.ZIP_STORED if stored_first and index == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=method)
    return buffer.getvalue()


DOCX = zip_bytes(
    [
        ("[Content_Types].xml", DOCX_CONTENT_TYPES),
        ("_rels/.rels", b"<Relationships/>"),
        ("word/document.xml", b"<w:document/>"),
    ]
)
ODT = zip_bytes(
    [("mimetype", b"application/vnd.oasis.opendocument.text"), ("content.xml", b"<office/>")],
    stored_first=True,
)
EMPTY_ZIP = zip_bytes([])
PLAIN_ZIP = zip_bytes([("notes.txt", b"hello")])


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")  # the client's claim


# The assertions read the messages' English source text; the product default is Catalan.
@override_settings(LANGUAGE_CODE="en")
class DocumentsTestCase(TenantTestCase):
    """Each test gets an empty temporary storage, so nothing is written into the repository."""

    def setUp(self) -> None:
        super().setUp()
        self.media = use_temporary_media(self)

    def stored_files(self) -> list[str]:
        return files_under(self.media)

    def store(
        self, content: bytes = PDF, name: str = "informe.pdf", org: Any = None, **kw: Any
    ) -> Document:
        return docs.document_store(
            org=org or self.org_a, actor=self.bob, uploaded_file=upload(name, content), **kw
        )

    def refused_message(self, content: bytes, name: str = "file.pdf") -> str:
        with self.assertRaises(ValidationError) as caught:
            self.store(content, name=name)
        return " ".join(caught.exception.message_dict["file"])


class StoreTests(DocumentsTestCase):
    def test_hash_and_size_are_those_of_the_content(self) -> None:
        content = PDF + os.urandom(300_000)  # several chunks
        document = self.store(content)
        self.assertEqual(document.sha256, hashlib.sha256(content).hexdigest())
        self.assertEqual(document.size, len(content))
        self.assertEqual(document.content_type, "application/pdf")
        sha = document.sha256
        self.assertEqual(document.file.name, f"documents/{self.org_a.pk}/{sha[:2]}/{sha}")
        with open(os.path.join(self.media, document.file.name), "rb") as stored:
            self.assertEqual(stored.read(), content)
        self.assertEqual(document.created_by, self.bob)
        self.assertIsNone(document.registered_at)

    def test_eni_metadata_and_organization_dir3_default(self) -> None:
        self.org_a.dir3_code = "L01080193"
        self.org_a.save(update_fields=["dir3_code"])
        document = self.store(
            document_type=EniDocumentType.TD14, origin=EniOrigin.CITIZEN, elaboration_state="EE02"
        )
        document.refresh_from_db()
        self.assertEqual(
            (
                document.document_type,
                document.origin,
                document.elaboration_state,
                document.dir3_body,
            ),
            ("TD14", 0, "EE02", "L01080193"),
        )
        self.assertIsNotNone(document.capture_date)

    def test_unknown_eni_values_are_refused(self) -> None:
        with self.assertRaises(ValidationError) as caught:
            self.store(document_type="TD77", origin=5, dir3_body="nope")
        self.assertEqual(
            set(caught.exception.message_dict), {"document_type", "origin", "dir3_body"}
        )
        self.assertFalse(Document.objects.exists())

    def test_empty_file_is_refused(self) -> None:
        self.assertIn("empty", self.refused_message(b""))
        self.assertEqual(self.stored_files(), [])

    @override_settings(DOCUMENT_MAX_BYTES=100)
    def test_size_limit_refuses_and_writes_nothing(self) -> None:
        self.store(PDF.ljust(100, b"\n"))  # exactly the limit is fine
        self.assertEqual(len(self.stored_files()), 1)
        with self.assertRaises(ValidationError) as caught:
            self.store(PDF.ljust(101, b"\n"))
        self.assertEqual(caught.exception.message_dict["file"][0].split(" (")[0],
                         "The file is larger than the maximum allowed size")  # fmt: skip
        self.assertEqual(len(self.stored_files()), 1)
        self.assertEqual(Document.objects.count(), 1)
        self.assertEqual(AuditEvent.objects.filter(action="document.store").count(), 1)

    def test_size_limit_stops_reading_early(self) -> None:
        class Endless:
            """A stream with no declared size that never ends."""

            reads = 0

            def read(self, n: int = -1) -> bytes:
                self.reads += 1
                return b"a" * docs.CHUNK_SIZE

        stream = Endless()
        with (
            override_settings(DOCUMENT_MAX_BYTES=docs.CHUNK_SIZE * 2),
            self.assertRaises(ValidationError),
        ):
            docs.document_store(org=self.org_a, actor=self.bob, uploaded_file=stream, name="x.txt")
        self.assertEqual(stream.reads, 3)
        self.assertEqual(self.stored_files(), [])

    def test_filename_is_sanitized(self) -> None:
        cases = {
            "../../etc/passwd.txt": "passwd.txt",
            "C:\\Users\\secretari\\Decret núm. 12.txt": "Decret núm. 12.txt",
            "informe\x00\r\n.txt": "informe.txt",
            "..": "document",
        }
        for raw, expected in cases.items():
            self.assertEqual(docs.sanitize_filename(raw), expected, raw)
        long_name = "a" * 400 + ".pdf"
        clean = docs.sanitize_filename(long_name)
        self.assertEqual(len(clean), docs.NAME_MAX_LENGTH)
        self.assertTrue(clean.endswith(".pdf"))
        self.assertEqual(self.store(name="/tmp/../x/acta.pdf").name, "acta.pdf")


class SniffingTests(DocumentsTestCase):
    def test_allowed_types_are_detected_from_content(self) -> None:
        cases = [
            (PDF, "a.bin", "application/pdf"),
            (PNG, "a.bin", "image/png"),
            (JPEG, "a.bin", "image/jpeg"),
            (TIFF, "a.bin", "image/tiff"),
            (
                DOCX,
                "a.bin",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ),
            (ODT, "a.bin", "application/vnd.oasis.opendocument.text"),
            (XML, "a.bin", "application/xml"),
            (
                b"<Envelope><Header/><Body><Head>1</Head></Body></Envelope>",
                "soap.xml",
                "application/xml",
            ),
            (TEXT, "acta.txt", "text/plain"),
            (b"nom;import\nAjuntament;12,50\n", "dades.csv", "text/csv"),
        ]
        for content, name, expected in cases:
            with self.subTest(expected=expected):
                self.assertEqual(self.store(content, name=name).content_type, expected)

    def test_png_named_pdf_is_stored_as_png_with_its_extension(self) -> None:
        document = self.store(PNG, name="factura.pdf")
        self.assertEqual(document.content_type, "image/png")
        self.assertEqual(document.name, "factura.png")

    def test_utf8_split_across_chunks_is_still_text(self) -> None:
        content = ("a" + "à" * 40_000).encode()  # a 2-byte character straddles the chunk boundary
        self.assertEqual(self.store(content, name="long.txt").content_type, "text/plain")

    def test_refused_types_name_what_was_detected(self) -> None:
        cases = [
            (EXE, "application/x-msdownload"),
            (ELF, "application/x-executable"),
            (EMPTY_ZIP, "application/zip"),
            (PLAIN_ZIP, "application/zip"),
            (HTML, "HTML"),
            (b"  <html><p>hola</p></html>", "HTML"),
            (SVG, "SVG"),
            (
                b'<?xml version="1.0"?><!-- x --><h:html xmlns:h="http://www.w3.org/1999/xhtml"/>',
                "HTML",
            ),
            (b"<dades><script>alert(1)</script></dades>", "HTML"),
            (b"text with a \x00 NUL byte", "unknown type"),
            (b"latin-1 text: caf\xe9", "unknown type"),
        ]
        for content, detected in cases:
            with self.subTest(detected=detected):
                message = self.refused_message(content, name="innocent.pdf")
                self.assertIn(detected, message)
                self.assertIn("not accepted", message)
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(Document.objects.exists())


class ContentAddressingTests(DocumentsTestCase):
    def test_same_content_is_stored_once_with_two_rows(self) -> None:
        first = self.store(PDF, name="one.pdf")
        second = self.store(PDF, name="two.pdf")
        self.assertNotEqual(first.pk, second.pk)
        self.assertEqual(first.file.name, second.file.name)
        self.assertEqual(len(self.stored_files()), 1)
        events = AuditEvent.objects.filter(action="document.store").order_by("seq")
        self.assertEqual([e.changes["stored_now"] for e in events], [True, False])

    def test_each_organization_keeps_its_own_copy(self) -> None:
        mine = self.store(PDF)
        theirs = self.store(PDF, org=self.org_b)
        self.assertNotEqual(mine.file.name, theirs.file.name)
        self.assertEqual(len(self.stored_files()), 2)


class LifecycleTests(DocumentsTestCase):
    def test_register_once_then_immutable(self) -> None:
        document = self.store()
        docs.document_register(org=self.org_a, actor=self.alice, document=document)
        document.refresh_from_db()
        registered_at = document.registered_at
        self.assertIsNotNone(registered_at)
        with self.assertRaises(ValidationError):
            docs.document_register(org=self.org_a, actor=self.alice, document=document)
        with self.assertRaises(ValidationError):
            docs.document_update_metadata(
                org=self.org_a, actor=self.alice, document=document, document_type="TD01"
            )
        with self.assertRaises(ValidationError):
            docs.document_discard(org=self.org_a, actor=self.alice, document=document)
        document.refresh_from_db()
        self.assertEqual((document.registered_at, document.document_type), (registered_at, "TD99"))

    def test_update_metadata_before_registering_is_audited(self) -> None:
        document = self.store()
        docs.document_update_metadata(
            org=self.org_a, actor=self.bob, document=document, document_type="TD13", origin=0
        )
        document.refresh_from_db()
        self.assertEqual((document.document_type, document.origin), ("TD13", 0))
        event = AuditEvent.objects.get(action="document.update_metadata")
        self.assertEqual(event.changes, {"document_type": ["TD99", "TD13"], "origin": [1, 0]})
        with self.assertRaises(ValidationError):
            docs.document_update_metadata(
                org=self.org_a, actor=self.bob, document=document, sha256="0"
            )

    def test_other_organization_cannot_act_on_a_document(self) -> None:
        document = self.store()
        for service in (docs.document_register, docs.document_discard):
            with self.assertRaises(Document.DoesNotExist):
                service(org=self.org_b, actor=self.charlie, document=document)
        with self.assertRaises(Document.DoesNotExist):
            docs.document_open(org=self.org_b, document=document)

    def test_discard_deletes_the_file_only_when_no_one_else_shares_it(self) -> None:
        first = self.store(PDF, name="one.pdf")
        second = self.store(PDF, name="two.pdf")
        with self.captureOnCommitCallbacks(execute=True):
            docs.document_discard(org=self.org_a, actor=self.bob, document=first)
        self.assertEqual(len(self.stored_files()), 1)
        with self.captureOnCommitCallbacks(execute=True):
            docs.document_discard(org=self.org_a, actor=self.bob, document=second)
        self.assertEqual(self.stored_files(), [])
        self.assertFalse(Document.objects.exists())
        self.assertEqual(AuditEvent.objects.filter(action="document.discard").count(), 2)

    def test_every_write_is_audited_in_an_unbroken_chain(self) -> None:
        document = self.store()
        docs.document_update_metadata(
            org=self.org_a, actor=self.bob, document=document, document_type="TD02"
        )
        docs.document_register(org=self.org_a, actor=self.alice, document=document)
        other = self.store(TEXT, name="nota.txt")
        docs.document_discard(org=self.org_a, actor=self.bob, document=other)
        events = list(AuditEvent.objects.filter(organization=self.org_a).order_by("seq"))
        self.assertEqual(
            [e.action for e in events],
            ["document.store", "document.update_metadata", "document.register",
             "document.store", "document.discard"],
        )  # fmt: skip
        store = events[0]
        self.assertEqual((store.actor, store.object_id), (self.bob, str(document.pk)))
        self.assertEqual(store.changes["sha256"], document.sha256)
        self.assertTrue(verify_chain(chain_key(self.org_a)).ok)


class IntegrityTests(DocumentsTestCase):
    def test_open_returns_the_content(self) -> None:
        document = self.store()
        with docs.document_open(org=self.org_a, document=document) as handle:
            self.assertEqual(handle.read(), PDF)

    def test_altered_file_is_detected(self) -> None:
        document = self.store()
        tampered = bytearray(PDF)
        tampered[-3] ^= 0x01  # same size, one bit changed
        with open(os.path.join(self.media, document.file.name), "wb") as stored:
            stored.write(tampered)
        with self.assertRaises(docs.DocumentIntegrityError):
            docs.document_open(org=self.org_a, document=document)

    def test_missing_file_is_detected(self) -> None:
        document = self.store()
        os.remove(os.path.join(self.media, document.file.name))
        with self.assertRaises(docs.DocumentIntegrityError):
            docs.document_open(org=self.org_a, document=document)

    def test_download_of_altered_file_is_refused(self) -> None:
        document = self.store()
        with open(os.path.join(self.media, document.file.name), "ab") as stored:
            stored.write(b"appended")
        with self.assertLogs("ajunta.core.documents", "ERROR"):
            page = self.login(self.bob).get(
                reverse("document_download", args=[self.org_a.slug, document.pk])
            )
        self.assertEqual(page.status_code, 500)
        self.assertNotIn(b"appended", page.content)
        with self.assertLogs("ajunta.core.documents", "ERROR"):
            api = self.api(self.bob).get(
                f"/api/v1/o/{self.org_a.slug}/documents/{document.pk}/download/"
            )
        self.assertEqual(api.status_code, 500)
        self.assertEqual(api.json()["detail"].split(" ")[0], "This")


def page_ids(response: Any) -> set:
    return set(re.findall(r"/documents/([0-9a-f-]{36})/download/", response.content.decode()))


class DocumentAccessTests(TenantIsolationMixin, DocumentsTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.doc_a = self.store(PNG, name="plànol.png")
        self.doc_b = self.store(TEXT, name="beta.txt", org=self.org_b)
        self.isolation_ids_a = {str(self.doc_a.pk)}
        self.isolation_ids_b = {str(self.doc_b.pk)}
        self.technician = make_user("tina", self.org_a, Role.PROVIDER_TECHNICIAN)

    def isolation_object_urls(self, slug: str) -> list[tuple[str, str]]:
        pk = self.doc_a.pk
        return [
            ("GET", f"/o/{slug}/documents/{pk}/download/"),
            ("GET", f"/api/v1/o/{slug}/documents/{pk}/"),
            ("GET", f"/api/v1/o/{slug}/documents/{pk}/download/"),
        ]

    def isolation_list_urls(self, slug: str) -> list[tuple[str, Any]]:
        return [(f"/o/{slug}/documents/", page_ids), (f"/api/v1/o/{slug}/documents/", api_ids())]

    def download_url(self, document: Document, api: bool = False) -> str:
        if api:
            return f"/api/v1/o/{self.org_a.slug}/documents/{document.pk}/download/"
        return reverse("document_download", args=[self.org_a.slug, document.pk])

    def test_staff_downloads_as_attachment_with_sniffed_type(self) -> None:
        for response in (
            self.login(self.bob).get(self.download_url(self.doc_a)),
            self.api(self.bob).get(self.download_url(self.doc_a, api=True)),
            self.api(self.bob).get(
                self.download_url(self.doc_a, api=True), HTTP_ACCEPT="image/png"
            ),
        ):
            self.assertEqual(response.status_code, 200)
            self.assertEqual(response["Content-Type"], "image/png")
            self.assertEqual(response["X-Content-Type-Options"], "nosniff")
            self.assertTrue(response["Content-Disposition"].startswith("attachment;"))
            self.assertIn("pl%C3%A0nol.png", response["Content-Disposition"])
            self.assertEqual(b"".join(response.streaming_content), PNG)  # also closes the file

    def test_text_is_served_as_utf8_attachment(self) -> None:
        document = self.store(TEXT, name="nota.txt")
        response = self.login(self.bob).get(self.download_url(document))
        self.assertEqual(response["Content-Type"], "text/plain; charset=utf-8")
        self.assertEqual(b"".join(response.streaming_content), TEXT)

    def test_provider_technician_gets_403(self) -> None:
        verify_mfa(self.client, self.technician)  # provider roles always have a second factor
        for path in (reverse("documents", args=[self.org_a.slug]), self.download_url(self.doc_a)):
            self.assertEqual(self.client.get(path).status_code, 403, path)
        api = self.api(self.technician)
        for path in (
            f"/api/v1/o/{self.org_a.slug}/documents/",
            self.download_url(self.doc_a, api=True),
        ):
            self.assertEqual(api.get(path).status_code, 403, path)
        self.assertEqual(
            api.post(
                f"/api/v1/o/{self.org_a.slug}/documents/", {"file": upload("a.pdf", PDF)}
            ).status_code,
            403,
        )

    def test_unknown_document_is_404(self) -> None:
        missing = "00000000-0000-4000-8000-000000000000"
        self.assertEqual(
            self.login(self.bob)
            .get(f"/o/{self.org_a.slug}/documents/{missing}/download/")
            .status_code,
            404,
        )
        self.assertEqual(
            self.api(self.bob).get(f"/api/v1/o/{self.org_a.slug}/documents/{missing}/").status_code,
            404,
        )

    def test_anonymous_is_sent_to_login_or_refused(self) -> None:
        for path in (reverse("documents", args=[self.org_a.slug]), self.download_url(self.doc_a)):
            response = self.client.get(path)
            self.assertEqual(response.status_code, 302)
            self.assertTrue(response["Location"].startswith(reverse("login")))
        for path in (
            f"/api/v1/o/{self.org_a.slug}/documents/",
            self.download_url(self.doc_a, api=True),
        ):
            self.assertIn(self.api(None).get(path).status_code, (401, 403))

    def test_list_page_shows_documents_newest_first(self) -> None:
        newer = self.store(TEXT, name="nova.txt")
        page = self.login(self.bob).get(reverse("documents", args=[self.org_a.slug]))
        self.assertEqual(page.status_code, 200)
        content = page.content.decode()
        self.assertLess(content.index("nova.txt"), content.index("plànol.png"))
        self.assertContains(page, newer.sha256[:12])
        self.assertContains(page, 'enctype="multipart/form-data"')
        self.assertContains(page, 'name="document_type"')

    def test_list_query_count_does_not_grow(self) -> None:
        client = self.login(self.bob)
        api = self.api(self.bob)
        html_path = reverse("documents", args=[self.org_a.slug])
        api_path = f"/api/v1/o/{self.org_a.slug}/documents/"
        client.get(html_path)  # the session's first request caches what the middleware reads
        with CaptureQueriesContext(connection) as html_one:
            self.assertEqual(client.get(html_path).status_code, 200)
        with CaptureQueriesContext(connection) as api_one:
            self.assertEqual(api.get(api_path).status_code, 200)
        for n in range(4):
            self.store(PDF + str(n).encode(), name=f"{n}.pdf")
        with self.assertNumQueries(len(html_one)):
            self.assertEqual(len(page_ids(client.get(html_path))), 5)
        with self.assertNumQueries(len(api_one)):
            self.assertEqual(api.get(api_path).json()["count"], 5)


class UploadPageTests(DocumentsTestCase):
    def path(self) -> str:
        return reverse("documents", args=[self.org_a.slug])

    def test_upload_stores_and_redirects(self) -> None:
        response = self.login(self.bob).post(
            self.path(),
            {
                "file": upload("pla.pdf", PNG),
                "document_type": "TD13",
                "origin": "0",
                "elaboration_state": "EE01",
            },
        )
        self.assertRedirects(response, self.path())
        document = Document.objects.get()
        self.assertEqual(
            (document.content_type, document.document_type, document.origin),
            ("image/png", "TD13", 0),
        )
        self.assertEqual(document.organization, self.org_a)

    def test_refused_upload_shows_the_error_in_the_page(self) -> None:
        client = self.login(self.bob)
        fields = {"document_type": "TD99", "origin": "1", "elaboration_state": "EE01"}
        response = client.post(self.path(), {**fields, "file": upload("setup.pdf", EXE)})
        self.assertEqual(response.status_code, 400)
        self.assertContains(response, "application/x-msdownload", status_code=400)
        self.assertContains(response, "errorlist", status_code=400)
        with override_settings(DOCUMENT_MAX_BYTES=10):
            response = client.post(self.path(), {**fields, "file": upload("big.pdf", PDF)})
        self.assertContains(response, "maximum allowed size", status_code=400)
        response = client.post(self.path(), fields)
        self.assertEqual(response.status_code, 400)
        for name, content in HOSTILE_UPLOADS.items():
            response = client.post(self.path(), {**fields, "file": upload(name, content)})
            self.assertContains(response, "errorlist", status_code=400)
        response = client.post(
            self.path(), {**fields, "document_type": "XX", "file": upload("a.pdf", PDF)}
        )
        self.assertEqual(response.status_code, 400)
        self.assertFalse(Document.objects.exists())

    def test_errors_follow_the_users_language(self) -> None:
        client = speaking(self.login(self.bob), "es")
        response = client.post(
            self.path(), {"document_type": "TD99", "origin": "1", "elaboration_state": "EE01"}
        )
        self.assertContains(response, '<html lang="es"', status_code=400)

    def test_other_organization_and_technician_cannot_upload(self) -> None:
        technician = make_user("tina", self.org_a, Role.PROVIDER_TECHNICIAN)
        data = {
            "file": upload("a.pdf", PDF),
            "document_type": "TD99",
            "origin": "1",
            "elaboration_state": "EE01",
        }
        self.assertEqual(self.login(self.charlie).post(self.path(), data).status_code, 404)
        verify_mfa(self.client, technician)
        data["file"] = upload("a.pdf", PDF)
        self.assertEqual(self.client.post(self.path(), data).status_code, 403)
        self.assertFalse(Document.objects.exists())


class UploadApiTests(DocumentsTestCase):
    def path(self, slug: str = "alpha") -> str:
        return f"/api/v1/o/{slug}/documents/"

    def test_upload_returns_201_with_the_stored_facts(self) -> None:
        response = self.api(self.alice).post(
            self.path(),
            {"file": upload("../../informe.pdf", XML), "document_type": "TD11", "origin": "0"},
            format="multipart",
        )
        self.assertEqual(response.status_code, 201, response.content)
        body = response.json()
        self.assertEqual(body["name"], "informe.xml")  # named by its content, not its claim
        self.assertEqual(body["content_type"], "application/xml")
        self.assertEqual(body["size"], len(XML))
        self.assertEqual(body["sha256"], hashlib.sha256(XML).hexdigest())
        self.assertEqual(
            (body["document_type"], body["origin"], body["elaboration_state"]), ("TD11", 0, "EE01")
        )
        self.assertIsNone(body["registered_at"])
        detail = self.api(self.alice).get(f"{self.path()}{body['id']}/")
        self.assertEqual(detail.json()["sha256"], body["sha256"])

    def test_bad_uploads_answer_400_with_a_field_message(self) -> None:
        api = self.api(self.bob)
        response = api.post(self.path(), {"file": upload("x.pdf", ELF)}, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("application/x-executable", response.json()["file"][0])
        response = api.post(self.path(), {"file": upload("x.pdf", b"")}, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("file", response.json())
        response = api.post(self.path(), {"name": "x"}, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("file", response.json())
        response = api.post(
            self.path(), {"file": upload("x.pdf", PDF), "dir3_body": "bad"}, format="multipart"
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn("dir3_body", response.json())
        with override_settings(DOCUMENT_MAX_BYTES=10):
            response = api.post(self.path(), {"file": upload("x.pdf", PDF)}, format="multipart")
        self.assertEqual(response.status_code, 400)
        self.assertIn("maximum allowed size", response.json()["file"][0])
        self.assertEqual(api.post(self.path(), {"file": "x"}, format="json").status_code, 415)
        for name, content in HOSTILE_UPLOADS.items():
            response = api.post(self.path(), {"file": upload(name, content)}, format="multipart")
            self.assertEqual(response.status_code, 400)
            self.assertIn("file", response.json())
        self.assertFalse(Document.objects.exists())

    def test_other_organization_cannot_upload(self) -> None:
        response = self.api(self.charlie).post(
            self.path(), {"file": upload("a.pdf", PDF)}, format="multipart"
        )
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Document.objects.exists())
