"""PDFs of the case module: a decree, the decrees book for a period, a document generated from a
template. Built with core.pdf; signing is the caller's business (cases.signing)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ajunta.core.pdf import PdfBuilder


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return ""
    return date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def decree_pdf(*, org: Any, decree: Any) -> bytes:
    title = _("Decree %(number)s") % {"number": decree.number}
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(org.name)
    doc.heading(title, level=2)
    rows = [
        (_("Number"), decree.number),
        (_("Title"), decree.title),
        (_("Signed by the mayor"), f"{decree.signed_by.get_full_name() if decree.signed_by else ''} · {_when(decree.signed_at)}"),
        (_("Taken note of by the secretary"), f"{decree.noted_by.get_full_name() if decree.noted_by else ''} · {_when(decree.noted_at)}"),
    ]  # fmt: skip
    if decree.case_id:
        rows.insert(1, (_("Case file"), decree.case.number))
    doc.key_values(rows)
    doc.spacer(4)
    for paragraph in decree.body.split("\n\n"):
        doc.paragraph(paragraph.strip())
    return doc.to_bytes()


def decree_book_pdf(
    *, org: Any, decrees: Iterable[Any], date_from: dt.date | None, date_to: dt.date | None
) -> bytes:
    title = _("Decrees book")
    period = " - ".join(d.isoformat() for d in (date_from, date_to) if d)
    doc = PdfBuilder(
        title=title, author=org.name, landscape=True, footer_text=f"{org.name} · {title} {period}"
    )
    doc.heading(f"{org.name} · {title}")
    if period:
        doc.paragraph(_("Period: %(period)s") % {"period": period}, muted=True)
    rows = [
        (
            decree.number,
            _when(decree.noted_at),
            decree.title,
            decree.case.number if decree.case_id else "",
            decree.signed_by.get_full_name() if decree.signed_by else "",
        )
        for decree in decrees
    ]
    doc.table(
        [_("Number"), _("Date"), _("Title"), _("Case file"), _("Signed by")],
        rows,
        widths=(14, 18, 48, 16, 22),
    )
    if not rows:
        doc.paragraph(_("No decrees in this period."))
    return doc.to_bytes()


def generated_document_pdf(*, org: Any, title: str, text: str) -> bytes:
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(org.name)
    doc.heading(title, level=2)
    for paragraph in text.split("\n\n"):
        doc.paragraph(paragraph.strip())
    return doc.to_bytes()
