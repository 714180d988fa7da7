"""Shared setup: a temporary SEAL_DIR with a TEST authority trusted by the server, and TEST
personal certificates for Alice (the secretary) and Bob (the mayor, here), who have NIFs."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from django.core.cache import cache
from django.core.files.base import ContentFile
from django.test import Client, override_settings

from ajunta.core.documents import document_store
from ajunta.core.pdf import PdfBuilder
from ajunta.core.testing import TenantTestCase, speaking, use_temporary_media
from ajunta.signatures.test_certificates import (
    ensure_person_certificate,
    load_or_create_authority,
    person_file,
)

ALICE_NIF = "12345678Z"
BOB_NIF = "87654321X"


def pdf_bytes(text: str = "Decret de prova") -> bytes:
    doc = PdfBuilder(title=text)
    doc.paragraph(text)
    return doc.to_bytes()


class SignaturesTestCase(TenantTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.alice.nif = ALICE_NIF
        cls.alice.save(update_fields=["nif"])
        cls.bob.nif = BOB_NIF
        cls.bob.save(update_fields=["nif"])

    def setUp(self) -> None:
        super().setUp()
        cache.clear()  # the servlets' rate-limit counters
        self.media = use_temporary_media(self)
        seal_dir = Path(tempfile.mkdtemp(prefix="ajunta-test-signatures-"))
        self.addCleanup(shutil.rmtree, seal_dir, ignore_errors=True)
        override = override_settings(
            SEAL_DIR=seal_dir, SEAL_PASSPHRASE="", SIGNATURES_TRUSTED_CA_DIR=seal_dir / "trusted",
            SEAL_PLATFORM_FALLBACK=False,
            LANGUAGE_CODE="en",  # the assertions read the English source text
        )  # fmt: skip
        override.enable()
        self.addCleanup(override.disable)
        self.authority = load_or_create_authority()
        for user in (self.alice, self.bob):
            ensure_person_certificate(user, self.authority)

    def login(self, user: object) -> Client:  # type: ignore[override]
        return speaking(super().login(user), "en")  # type: ignore[arg-type]

    def p12(self, user: object) -> bytes:
        return person_file(user.get_username()).read_bytes()  # type: ignore[attr-defined]

    def stored_pdf(self, text: str = "Decret de prova") -> object:
        return document_store(org=self.org_a, actor=self.alice,
                              uploaded_file=ContentFile(pdf_bytes(text), name="decret.pdf"),
                              document_type="TD01")  # fmt: skip
