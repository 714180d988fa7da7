"""The receipt (justificant) of a registry entry, issued automatically at filing (art. 16.3).

It states the entry's number, filing date and time (and, when the filing came on a non-business
day, the moment it counts from: art. 31), the parties, the summary and, for every attachment, its
name, size and SHA-256. It carries a secure verification code (CSV) with which anyone can fetch it
again at SITE_URL/verify/, and the organization's seal when one is configured (core.seal).

`receipt_issue` runs inside the filing's transaction, under the numbering lock: it must stay fast.
It writes in the active language (the filer's).
"""

from __future__ import annotations

import hashlib
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ajunta.core.documents import (
    document_register,
    document_store,
    format_verification_code,
    new_verification_code,
    verification_link,
)
from ajunta.core.models import Document, EniDocumentType, EniOrigin, document_upload_path
from ajunta.core.pdf import PdfBuilder
from ajunta.core.seal import seal_available, seal_holder, seal_pdf
from ajunta.core.wording import of_name
from ajunta.registry.models import EntryAttachment, IdType, InterestedParty, PersonType

# The registry's official time (art. 31.2.b: the platform's), whatever the server's zone is.
OFFICIAL_TIME_ZONE = ZoneInfo("Europe/Madrid")


def verification_url() -> str:
    """Where a secure verification code is checked: printed on every document that has one."""
    return f"{settings.SITE_URL}/verify/"


def format_moment(moment: Any) -> str:
    """'3 de març de 2026, 10:15:02 (CET)' in the active language, in the official time zone."""
    local = timezone.localtime(moment, OFFICIAL_TIME_ZONE)
    return _("%(date)s, %(time)s (%(zone)s)") % {
        "date": formats.date_format(local, "DATE_FORMAT"),
        "time": local.strftime("%H:%M:%S"),
        "zone": local.tzname(),
    }


def mask_id_number(id_number: str, id_type: str = "") -> str:
    """An identity number as published (LOPDGDD 7th add. provision): four middle characters shown.

    12345678Z -> ***4567**, X1234567L -> ****4567*; a company's CIF is shown whole.
    """
    value = (id_number or "").strip().upper()
    if id_type == IdType.CIF:
        return value
    if len(value) < 7:  # too short to show four characters and still hide most of it
        return "*" * len(value)
    start = 4 if id_type == IdType.NIE and len(value) == 9 else len(value) - 6
    return "*" * start + value[start : start + 4] + "*" * (len(value) - start - 4)


def _size(size: int) -> str:
    if size < 1024:
        return str(filesizeformat(size))
    return _("%(size)s (%(bytes)s bytes)") % {
        "size": filesizeformat(size),
        "bytes": formats.number_format(size, force_grouping=True),
    }


def _party_rows(parties: list[InterestedParty]) -> list[list[str]]:
    by_id = {party.pk: party for party in parties}
    rows = []
    for party in parties:
        role = str(party.get_role_display())
        if party.represents_id and party.represents_id in by_id:
            role = _("%(role)s of %(name)s") % {
                "role": role,
                "name": by_id[party.represents_id].full_name,
            }
        id_text = mask_id_number(
            party.id_number,
            party.id_type if party.person_type == PersonType.NATURAL else IdType.CIF,
        )
        rows.append([role, party.full_name, f"{party.get_id_type_display()} {id_text}"])
    return rows


def receipt_pdf(
    *,
    org: Any,
    entry: Any,
    parties: list[InterestedParty],
    attachments: list[EntryAttachment],
    code: str,
    sealed_by: str = "",
) -> bytes:
    """The receipt's PDF, unsealed: what `receipt_issue` stores after sealing it."""
    printed_code = format_verification_code(code)
    url = verification_url()
    doc = PdfBuilder(
        title=_("Registry receipt %(number)s") % {"number": entry.number},
        author=org.name,
        subject=_("Receipt of filing in the general electronic registry"),
        footer_text=_("CSV %(code)s · %(url)s") % {"code": printed_code, "url": url},
    )
    doc.heading(_("Registry receipt"))
    organization = org.name
    if getattr(org, "dir3_code", ""):
        organization = _("%(name)s (DIR3 %(code)s)") % {"name": org.name, "code": org.dir3_code}
    facts = [
        (_("Organization"), organization),
        (_("Entry number"), entry.number),
        (_("Direction"), str(entry.get_direction_display())),
        (_("Filed at"), format_moment(entry.filed_at)),
    ]
    moved = entry.effective_at != entry.filed_at
    if moved:
        facts.append((_("Counts from"), format_moment(entry.effective_at)))
    facts.append((_("Channel"), str(entry.get_channel_display())))
    facts.append((_("Epigraph"), entry.epigraph))
    facts.append((_("Summary"), entry.summary))
    if entry.destination_unit_id:
        unit = entry.destination_unit
        facts.append(
            (
                _("Destination unit"),
                f"{unit.name} ({unit.dir3_code})" if unit.dir3_code else unit.name,
            )
        )
    if entry.addressee_name:
        addressee = entry.addressee_name
        if entry.addressee_dir3:
            addressee = f"{addressee} ({entry.addressee_dir3})"
        facts.append((_("Addressee"), addressee))
    if entry.physical_documentation:
        facts.append((_("Physical documentation"), _("Yes, delivered on paper as well")))
    if entry.rectifies_id:
        facts.append(
            (
                _("Rectifies"),
                _("%(number)s: %(reason)s")
                % {"number": entry.rectifies.number, "reason": entry.rectification_reason},
            )
        )
    doc.key_values(facts)
    if moved:
        doc.paragraph(
            _(
                "Filed on a non-business day: for the calculation of deadlines the filing counts "
                "as made at the first hour of the next business day, keeping its order of entry "
                "(Law 39/2015, article 31.2.b)."
            ),
            size=8.5,
            muted=True,
        )

    doc.heading(_("Interested parties"), level=2)
    if parties:
        doc.table(
            [_("Role"), _("Name"), _("Identity document")],
            _party_rows(parties),
            widths=[28, 44, 28],
        )
    else:
        doc.paragraph(_("None."), muted=True)

    doc.heading(_("Attached documents"), level=2)
    if attachments:
        doc.table(
            ["#", _("Document and its SHA-256 fingerprint"), _("Size")],
            (
                [
                    str(index),
                    _("%(name)s\nSHA-256: %(sha256)s")
                    % {"name": a.document.name, "sha256": a.document.sha256},
                    _size(a.document.size),
                ]
                for index, a in enumerate(attachments, start=1)
            ),
            widths=[4, 77, 19],
            size=8,
            align=["R", "L", "R"],
        )
    else:
        doc.paragraph(_("No documents were attached."), muted=True)

    doc.heading(_("Verification"), level=2)
    doc.key_values(
        [(_("Secure verification code (CSV)"), printed_code), (_("Verification address"), url)]
    )
    doc.paragraph(
        _(
            "Anyone holding this code can download the original of this receipt at that address "
            "and check that it has not been altered."
        ),
        size=8.5,
    )
    doc.qr_code(
        verification_link(code),
        caption=_(
            "Scan this code with a phone to open the verification page with the code typed in."
        ),
    )
    if sealed_by:
        doc.paragraph(
            # "of Ajunta", "d'Ajunta", "de l'Ajuntament de Manresa": the preposition goes with
            # the name (core.wording).
            _("This receipt carries the electronic seal %(of_holder)s.")
            % {"of_holder": of_name(sealed_by)},
            size=8.5,
        )
    doc.paragraph(
        _(
            "Receipt issued automatically by the general electronic registry (Law 39/2015, "
            "article 16.3). The date and time are the official ones of the registry "
            "(article 31.2.b)."
        ),
        size=8,
        muted=True,
    )
    return doc.to_bytes()


def receipt_issue(*, org: Any, actor: Any, entry: Any) -> Document:
    """Render, seal and store the receipt of `entry`; the Document returned is registered
    (immutable) and carries a fresh secure verification code."""
    parties = list(
        InterestedParty.objects.filter(organization=org, entry=entry).order_by("position")
    )
    attachments = list(
        EntryAttachment.objects.filter(organization=org, entry=entry)
        .select_related("document")
        .order_by("position")
    )
    code = new_verification_code()
    sealed_by = (seal_holder(org) or org.name) if seal_available(org) else ""
    content = receipt_pdf(
        org=org,
        entry=entry,
        parties=parties,
        attachments=attachments,
        code=code,
        sealed_by=sealed_by,
    )
    if sealed_by:
        content = seal_pdf(
            content, org=org, reason=_("Registry receipt %(number)s") % {"number": entry.number}
        )
    name = _("Receipt %(number)s.pdf") % {"number": entry.number.replace("/", "-")}
    try:
        document = document_store(
            org=org,
            actor=actor,
            uploaded_file=ContentFile(content, name=name),
            name=name,
            document_type=EniDocumentType.TD09,
            origin=EniOrigin.ADMINISTRATION,
            verification_code=code,
        )
        return document_register(org=org, actor=actor, document=document)
    except BaseException:
        _delete_stored_copy(org, content)
        raise


def _delete_stored_copy(org: Any, content: bytes) -> None:
    """Remove the receipt's file after a failure: the filing's transaction rolls its row back.

    Unlike an attachment's, a receipt's bytes are unique (they hold a fresh code), so no other
    document can share the file: it goes at once instead of staying behind as an orphan.
    """
    path = document_upload_path(
        Document(organization=org, sha256=hashlib.sha256(content).hexdigest()), ""
    )
    storage = Document._meta.get_field("file").storage  # type: ignore[attr-defined]
    if storage.exists(path):
        storage.delete(path)
