"""What the portal tests share: citizens, a temporary file storage, uploads and a filing."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse

from ajunta.core.models import User
from ajunta.core.testing import TenantTestCase, files_under, make_user, use_temporary_media
from ajunta.portal import services

PASSWORD = "correct horse battery staple"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64


def make_citizen(username: str, nif: str = "12345678Z", email: str = "", **fields: Any) -> User:
    """A user with no role; e-mail <username>@example.org unless given."""
    values = {"first_name": "Núria", "last_name": "Puig i Soler", "nif": nif, **fields}
    user = make_user(username, None, **values)
    if email:
        user.email = email
        user.save(update_fields=["email"])
    return user


def pdf(name: str = "informe.pdf", content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


class PortalTestCase(TenantTestCase):
    """Organizations A and B (municipalities) with Alice, Bob and Charlie as staff, plus two
    citizens with no role: Núria and Pere, who must never see each other's filings.

    Each test gets an empty temporary storage, so stored files can be counted."""

    nuria: User
    pere: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.nuria = make_citizen("nuria")
        cls.pere = make_citizen("pere", nif="87654321X", first_name="Pere", last_name="Vila")

    def setUp(self) -> None:
        super().setUp()
        self.media = use_temporary_media(self)

    def stored_files(self) -> list[str]:
        return files_under(self.media)

    def file_for(self, citizen: User, org: Any = None, **fields: Any) -> Any:
        values: dict[str, Any] = {
            "epigraph": "Sol·licitud genèrica",
            "expone": "Visc al carrer Major, 3.",
            "solicita": "Un certificat d'empadronament.",
            **fields,
        }
        # The receipt is issued right after the filing commits: let that happen inside the test.
        with TestCase.captureOnCommitCallbacks(execute=True):
            return services.application_file(citizen=citizen, org=org or self.org_a, **values)

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "municipality": self.org_a.pk,
            "epigraph": "certificate",
            "summary": "",
            "expone": "Visc al carrer Major, 3, des del 2019.",
            "solicita": "Demano un certificat d'empadronament col·lectiu.",
            "declaration": "on",
            "idempotency_key": "",
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}


FILE_URL = "/portal/file/"
HOME_URL = "/portal/"
SIGNUP_URL = "/portal/signup/"


def filing_url(entry: Any) -> str:
    return reverse("portal_filing", args=[entry.pk])


def document_url(entry: Any, document: Any) -> str:
    return reverse("portal_document", args=[entry.pk, document.pk])
