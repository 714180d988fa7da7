"""The registry book of a period, as CSV (streamed) and as PDF (the official book, sealed).

Both take `rows`, the entries to list: usually `selectors.entries(org=..., date_from=...,
date_to=...)`. A QuerySet is put in book order (time of receipt, art. 16), loaded with its parties
and read in chunks, so that a year of entries never sits in memory at once (CSV). Annulled
entries stay in the book with the date and reason of their annulment.

    response = StreamingHttpResponse(book_csv(rows), content_type="text/csv; charset=utf-8")
    pdf_bytes = book_pdf(org=org, rows=rows, date_from=start, date_to=end)
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ajunta.core.pdf import PdfBuilder
from ajunta.core.seal import seal_pdf
from ajunta.registry.models import (
    EntryAttachment,
    EntryStatus,
    InterestedParty,
    PartyRole,
    RegistryEntry,
)
from ajunta.registry.receipts import OFFICIAL_TIME_ZONE

CHUNK_SIZE = 500
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would run as a formula


def book_entries(rows: Iterable[RegistryEntry]) -> Iterator[RegistryEntry]:
    """`rows` in book order with what the book shows, read in chunks when it is a QuerySet."""
    if not isinstance(rows, QuerySet):
        yield from rows
        return
    attachments = (
        EntryAttachment.objects.filter(entry=OuterRef("pk"))
        .values("entry")
        .annotate(count=Count("id"))
        .values("count")
    )
    queryset = (
        rows.select_related("destination_unit", "rectifies")
        .defer("expone", "solicita", "search_document")  # long texts the book does not show
        .prefetch_related(
            Prefetch("parties", queryset=InterestedParty.objects.order_by("position"))
        )
        .annotate(attachment_count=Coalesce(Subquery(attachments), 0))
        .order_by("filed_at", "id")
    )
    yield from queryset.iterator(chunk_size=CHUNK_SIZE)


def _local(moment: dt.datetime) -> dt.datetime:
    return timezone.localtime(moment, OFFICIAL_TIME_ZONE)


def _iso(moment: dt.datetime) -> str:
    return _local(moment).isoformat(timespec="seconds")


def _parties(entry: RegistryEntry) -> list[str]:
    texts = []
    for party in entry.parties.all():
        text = f"{party.full_name} ({party.id_number})"
        if party.role == PartyRole.REPRESENTATIVE:
            text = _("%(party)s, representative") % {"party": text}
        texts.append(text)
    return texts


def _status(entry: RegistryEntry) -> str:
    if entry.status != EntryStatus.ANNULLED:
        return str(entry.get_status_display())
    if entry.annulled_at is None:
        return _("Annulled: %(reason)s") % {"reason": entry.annulment_reason}
    return _("Annulled on %(date)s: %(reason)s") % {
        "date": formats.date_format(_local(entry.annulled_at), "SHORT_DATE_FORMAT"),
        "reason": entry.annulment_reason,
    }


# --- CSV -------------------------------------------------------------------------------------------
class _Line:
    """A file-like target for csv.writer that hands back each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def book_csv(rows: Iterable[RegistryEntry], *, bom: bool = True) -> Iterator[str]:
    """The book as CSV lines (comma-separated, UTF-8), header first, one line per entry.

    A generator: hand it to a StreamingHttpResponse. Times are ISO 8601 in the official time zone.
    `bom` starts the file with a byte-order mark so that spreadsheet programs read UTF-8. Cells
    that a spreadsheet would run as formulas get a leading apostrophe.
    """
    writer = csv.writer(_Line())
    header = [
        _("Number"), _("Direction"), _("Filed at"), _("Counts from"), _("Channel"),
        _("Interested parties"), _("Epigraph"), _("Summary"), _("Destination unit"),
        _("Addressee"), _("Attachments"), _("Status"), _("Annulled at"), _("Annulment reason"),
        _("Rectifies"),
    ]  # fmt: skip
    line = writer.writerow(header)
    yield ("\ufeff" + line) if bom else line
    for entry in book_entries(rows):
        annulled_at = _iso(entry.annulled_at) if entry.annulled_at else ""
        attachments = getattr(entry, "attachment_count", None)
        if attachments is None:
            attachments = entry.attachments.count()
        yield writer.writerow(
            [
                _cell(entry.number),
                _cell(entry.get_direction_display()),
                _iso(entry.filed_at),
                _iso(entry.effective_at),
                _cell(entry.get_channel_display()),
                _cell("; ".join(_parties(entry))),
                _cell(entry.epigraph),
                _cell(entry.summary),
                _cell(entry.destination_unit.name if entry.destination_unit_id else ""),  # type: ignore[union-attr]
                _cell(entry.addressee_name),
                attachments,
                _cell(entry.get_status_display()),
                annulled_at,
                _cell(entry.annulment_reason),
                _cell(entry.rectifies.number if entry.rectifies_id else ""),  # type: ignore[union-attr]
            ]
        )


# --- PDF -------------------------------------------------------------------------------------------
def _moment(value: dt.datetime) -> str:
    local = _local(value)
    return f"{formats.date_format(local, 'SHORT_DATE_FORMAT')} {local:%H:%M:%S}"


def _period(date_from: dt.date | None, date_to: dt.date | None) -> str:
    def day(value: dt.date) -> str:
        return formats.date_format(value, "DATE_FORMAT")

    if date_from and date_to:
        return _("From %(start)s to %(end)s") % {"start": day(date_from), "end": day(date_to)}
    if date_from:
        return _("From %(start)s") % {"start": day(date_from)}
    if date_to:
        return _("Up to %(end)s") % {"end": day(date_to)}
    return _("All entries")


def book_pdf(
    *,
    org: Any,
    rows: Iterable[RegistryEntry],
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    seal: bool = True,
) -> bytes:
    """The official registry book of `org` for a period (dates inclusive, for the title only:
    `rows` is what is listed), landscape A4, sealed when a seal is configured.

    About a second per thousand entries: run long periods as a background task.
    """
    period = _period(date_from, date_to)
    title = _("Registry book")
    doc = PdfBuilder(
        title=f"{title} · {org.name} · {period}",
        author=org.name,
        subject=_("General electronic registry (Law 39/2015, article 16)"),
        landscape=True,
        footer_text=f"{org.name} · {title} · {period}",
    )
    doc.heading(title)
    organization = org.name
    if getattr(org, "dir3_code", ""):
        organization = _("%(name)s (DIR3 %(code)s)") % {"name": org.name, "code": org.dir3_code}
    doc.key_values(
        [
            (_("Organization"), organization),
            (_("Period"), period),
            (_("Produced at"), _moment(timezone.now())),
        ],
        label_width=40,
    )
    counts = {"total": 0, "in": 0, "out": 0, "annulled": 0}

    def table_rows() -> Iterator[list[str]]:
        for entry in book_entries(rows):
            counts["total"] += 1
            counts["in" if entry.direction == "in" else "out"] += 1
            if entry.status == EntryStatus.ANNULLED:
                counts["annulled"] += 1
            when = _moment(entry.filed_at)
            if entry.effective_at != entry.filed_at:
                when += "\n" + _("counts from %(moment)s") % {"moment": _moment(entry.effective_at)}
            subject = f"{entry.epigraph}: {entry.summary}" if entry.epigraph else entry.summary
            if entry.rectifies_id:
                subject += "\n" + _("Rectifies %(number)s") % {"number": entry.rectifies.number}  # type: ignore[union-attr]
            unit = entry.destination_unit.name if entry.destination_unit_id else ""  # type: ignore[union-attr]
            if entry.addressee_name:
                unit = "\n".join(t for t in (unit, entry.addressee_name) if t)
            yield [
                entry.number,
                when,
                f"{entry.get_direction_display()}\n{entry.get_channel_display()}",
                "\n".join(_parties(entry)),
                subject,
                unit,
                _status(entry),
            ]

    doc.table(
        [
            _("Number"), _("Filed at"), _("Direction and channel"), _("Interested parties"),
            _("Summary"), _("Unit or addressee"), _("Status"),
        ],
        table_rows(),
        widths=[13, 13, 10, 20, 28, 12, 14],
        size=7.5,
    )  # fmt: skip
    summary = ngettext(
        "%(total)s entry: %(in)s incoming, %(out)s outgoing.",
        "%(total)s entries: %(in)s incoming, %(out)s outgoing.",
        counts["total"],
    )
    annulled = ngettext(
        "%(annulled)s of them is annulled.",
        "%(annulled)s of them are annulled.",
        counts["annulled"],
    )
    doc.paragraph(f"{summary} {annulled}" % counts, size=8.5)
    content = doc.to_bytes()
    return seal_pdf(content, org=org, reason=title) if seal else content
