"""Shared setup of the case tests: procedures and cases in organizations A and B."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from ajunta.cases import services
from ajunta.cases.models import Case, Procedure
from ajunta.core.pdf import PdfBuilder
from ajunta.core.testing import TenantTestCase, use_temporary_media

PARTY = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z",
    "name": "Núria", "first_surname": "Puig", "email": "nuria@example.org",
}  # fmt: skip


def make_procedure(org: Any, actor: Any = None, **fields: Any) -> Procedure:
    values = {
        "code": "LLIC-OBRES", "name": "Llicència d'obres menors", "deadline_value": 10,
        "deadline_unit": "business_days", "silence_effect": "positive",
        "phases": "inici: Inici\ninstruccio: Instrucció\nresolucio: Resolució",
        "required_documents": "Projecte\nPressupost",
    }  # fmt: skip
    values.update(fields)
    return services.procedure_create(org=org, actor=actor, **values)


def make_case(org: Any, actor: Any, procedure: Procedure, **fields: Any) -> Case:
    values: dict[str, Any] = {"subject": "Reforma de la cuina", "parties": [PARTY]}
    values.update(fields)
    return services.case_open(org=org, actor=actor, procedure=procedure, **values)


def pdf_upload(text: str = "Informe tècnic", name: str = "informe.pdf") -> SimpleUploadedFile:
    doc = PdfBuilder(title=text)
    doc.paragraph(text)
    return SimpleUploadedFile(name, doc.to_bytes(), content_type="application/pdf")


class CasesTestCase(TenantTestCase):
    """A has a procedure and a case; B has its own, which A must never see."""

    procedure_a: Procedure
    procedure_b: Procedure
    case_a: Case
    case_b: Case

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.procedure_a = make_procedure(cls.org_a, cls.alice)
        cls.procedure_b = make_procedure(cls.org_b, cls.charlie, code="B-PROC", name="Beta")
        cls.case_a = make_case(cls.org_a, cls.alice, cls.procedure_a, responsible=cls.bob)
        cls.case_b = make_case(cls.org_b, cls.charlie, cls.procedure_b, subject="Secret de Beta")

    def setUp(self) -> None:
        super().setUp()
        self.media = use_temporary_media(self)
