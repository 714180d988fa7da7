"""The receipt (justificant) of a registry entry: a PDF issued at registration (art. 16.3)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone
from fpdf import FPDF

from ajunta.core.documents import document_store, new_verification_code
from ajunta.core.models import Document, EniDocumentType


def receipt_issue(*, org: Any, actor: Any, entry: Any) -> Document:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    lines = [
        org.name,
        f"{entry.number}",
        f"{timezone.localtime(entry.filed_at):%Y-%m-%d %H:%M:%S}",
        f"{timezone.localtime(entry.effective_at):%Y-%m-%d %H:%M:%S}",
        entry.summary,
    ]
    for line in lines:
        pdf.multi_cell(
            0, 6, line.encode("latin-1", "replace").decode("latin-1"), new_x="LMARGIN", new_y="NEXT"
        )
    code = new_verification_code()
    pdf.multi_cell(0, 6, code, new_x="LMARGIN", new_y="NEXT")
    content = bytes(pdf.output())
    return document_store(
        org=org,
        actor=actor,
        uploaded_file=ContentFile(content, name=f"{entry.number.replace('/', '-')}.pdf"),
        document_type=EniDocumentType.TD09,
        verification_code=code,
    )
