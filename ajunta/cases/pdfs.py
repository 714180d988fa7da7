"""PDFs of the case module: a decree, the decrees book for a period, a document generated from a
template. Built with core.pdf; signing is the caller's business (cases.signing)."""

from __future__ import annotations

import datetime as dt
import io
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


def decree_pdf(*, org: Any, decree: Any, signers: tuple[str, str] | None = None) -> bytes:
    """The decree as signed. Sent for personal signatures it has no number yet: the number comes
    when the secretary's signature enters it in the book, and the book binds it to this PDF."""
    if decree.number:
        title = _("Decree %(number)s") % {"number": decree.number}
    else:
        title = _("Decree: %(title)s") % {"title": decree.title}
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(org.name)
    doc.heading(title, level=2)
    rows = [
        (_("Number"), decree.number or _("given when it enters the decrees book")),
        (_("Title"), decree.title),
        (_("Signed by the mayor"), f"{decree.signed_by.get_full_name() if decree.signed_by else ''} · {_when(decree.signed_at)}"),
        (_("Taken note of by the secretary"), f"{decree.noted_by.get_full_name() if decree.noted_by else ''} · {_when(decree.noted_at)}"),
    ]  # fmt: skip
    if signers is not None:  # signed in person: the dates are in the signatures themselves
        electronic = _("%(name)s, with an electronic signature")
        rows[2] = (_("Signed by the mayor"), electronic % {"name": signers[0]})
        rows[3] = (_("Attested by the secretary"), electronic % {"name": signers[1]})
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


def page_count(content: bytes, content_type: str) -> int:
    """Pages of a PDF (folios of the index); any other file counts as one."""
    if content_type != "application/pdf":
        return 1
    try:
        from pyhanko.pdf_utils.reader import PdfFileReader

        reader = PdfFileReader(io.BytesIO(content), strict=False)
        return max(int(reader.root["/Pages"]["/Count"]), 1)
    except Exception:  # a damaged PDF still takes one folio in the index
        return 1


def foliated_index_pdf(*, org: Any, case: Any, rows: list[tuple[Any, int]]) -> bytes:
    """The case's index with each document's folios (first and last page), type and hash."""
    title = _("Index of case file %(number)s") % {"number": case.number}
    doc = PdfBuilder(
        title=title, author=org.name, landscape=True, footer_text=f"{org.name} · {title}"
    )
    doc.heading(f"{org.name} · {title}")
    doc.key_values([
        (_("Subject"), case.subject),
        (_("Procedure"), f"{case.procedure.code} · {case.procedure.name}"),
        (_("Status"), str(case.get_status_display())),
        (_("Opened on"), _when(case.opened_at)),
    ])  # fmt: skip
    doc.spacer(3)
    table = []
    folio = 1
    for row, pages in rows:
        last = folio + pages - 1
        table.append((
            str(row.position), row.title, row.document.document_type,
            _when(row.added_at), f"{folio}-{last}" if pages > 1 else str(folio),
            row.document.sha256,
        ))  # fmt: skip
        folio = last + 1
    doc.table(
        ["#", _("Title"), _("Type"), _("Added"), _("Folios"), "SHA-256"],
        table,
        widths=(5, 30, 8, 15, 9, 45),
    )
    if not table:
        doc.paragraph(_("No documents yet."))
    return doc.to_bytes()


def notification_proof_pdf(*, org: Any, notification: Any) -> bytes:
    """Proof of notification: who, what, when it was made available, opened, accepted or rejected."""
    title = _("Proof of notification")
    doc = PdfBuilder(title=title, author=org.name, footer_text=f"{org.name} · {title}")
    doc.heading(f"{org.name} · {title}")
    row = notification.case_document
    doc.key_values([
        (_("Case file"), notification.case.number),
        (_("Document"), row.title),
        ("SHA-256", row.document.sha256),
        (_("Interested party"), f"{notification.party.full_name} ({notification.id_number})"),
        (_("Outgoing registry entry"), notification.registry_entry.number),
        (_("Made available"), _when(notification.made_available_at)),
        (_("Alert sent"), _when(notification.alerted_at) or "-"),
        (_("Accessed"), _when(notification.accessed_at) or "-"),
        (_("Result"), str(notification.get_status_display())),
        (_("Result recorded"), _when(notification.resolved_at) or "-"),
    ])  # fmt: skip
    doc.spacer(3)
    doc.paragraph(_(
        "Law 39/2015, art. 43: an electronic notification is deemed rejected when its content is "
        "not accessed within ten calendar days of being made available."
    ), muted=True)  # fmt: skip
    return doc.to_bytes()


def decree_book_closed_pdf(
    *, org: Any, year: int, decrees: list[Any], closed_at: dt.datetime, secretary: str,
    code: str, link: str, sealed: bool,
) -> bytes:  # fmt: skip
    """The decrees book of `year`, every decree in number order, closed with the secretary's
    diligence (count, first and last number, date) and its secure verification code."""
    from ajunta.core.documents import format_verification_code
    from ajunta.core.wording import of_name

    title = _("Decrees book %(year)s") % {"year": year}
    printed = format_verification_code(code)
    doc = PdfBuilder(
        title=title, author=org.name, landscape=True,
        footer_text=f"{org.name} · {title} · CSV {printed}",
    )  # fmt: skip
    doc.heading(f"{org.name} · {title}")
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
    doc.heading(_("Closing diligence"), level=2)
    day = date_format(timezone.localtime(closed_at), "DATE_FORMAT")
    if decrees:
        text = _(
            "I record that the decrees book %(of_org)s for the year %(year)s holds %(count)s "
            "decrees, numbered from %(first)s to %(last)s with no number missing, and I close it "
            "on %(day)s."
        ) % {
            "of_org": of_name(org.name), "year": year, "count": len(decrees),
            "first": decrees[0].number, "last": decrees[-1].number, "day": day,
        }  # fmt: skip
    else:
        text = _(
            "I record that the decrees book %(of_org)s for the year %(year)s holds no decrees, "
            "and I close it on %(day)s."
        ) % {"of_org": of_name(org.name), "year": year, "day": day}
    doc.paragraph(text)
    doc.paragraph(_("The secretary, %(name)s") % {"name": secretary}, bold=True)
    doc.heading(_("Verification"), level=2)
    doc.key_values([(_("Secure verification code (CSV)"), printed)])
    doc.qr_code(link, caption=link)
    if sealed:
        doc.paragraph(
            _("This book carries the electronic seal %(of_holder)s.")
            % {"of_holder": of_name(org.name)},
            size=8.5,
        )
    return doc.to_bytes()
