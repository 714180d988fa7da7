"""Closing the yearly decrees book (issue 18, item 6).

Once a year has ended, the secretary closes its decrees book with a diligence: the book's PDF
lists every decree of the year in number order and ends with the diligence (how many, from which
number to which, the day), sealed with the organization's seal and registered with a secure
verification code. The closure is a sealed record: the database refuses to change it, and a year
is closed once. A year still running cannot be closed (its numbers are still being handed out).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.cases import pdfs
from ajunta.cases.models import DECREE_SERIES, Decree, DecreeBookClosure, DecreeStatus
from ajunta.core.audit import audit_record
from ajunta.core.calendar import calendar_for
from ajunta.core.documents import (
    document_register,
    document_store,
    new_verification_code,
    verification_link,
)
from ajunta.core.integrity import SEALS_KEY, seal, seal_commitments
from ajunta.core.locking import lock_or_create
from ajunta.core.models import Counter, EniDocumentType
from ajunta.core.seal import seal_available, seal_pdf

if TYPE_CHECKING:
    from ajunta.core.models import User
    from ajunta.tenants.models import Organization


@transaction.atomic
def decree_book_close(*, org: Organization, actor: User | Any, year: int) -> DecreeBookClosure:
    """Close `year`'s decrees book with the secretary's diligence; refused for a year not yet
    ended, a year already closed, or a book with a number missing."""
    cal = calendar_for(org)
    now = timezone.now()
    if year >= timezone.localtime(now, cal.tz).year:
        raise ValidationError({"year": _("Only a year that has ended can be closed.")})
    # The decrees counter's row lock: no decree of that year can be numbered meanwhile.
    counter = lock_or_create(Counter, organization=org, series=DECREE_SERIES, year=year)
    if DecreeBookClosure.objects.filter(organization=org, year=year).exists():
        raise ValidationError({"year": _("The decrees book of %(year)s is already closed.") % {
            "year": year}})  # fmt: skip
    decrees = list(
        Decree.objects.filter(organization=org, status=DecreeStatus.NUMBERED, year=year)
        .select_related("case", "signed_by")
        .order_by("sequence")
    )
    handed_out = max(counter.last_value, len(decrees))
    missing = sorted(set(range(1, handed_out + 1)) - {d.sequence for d in decrees})
    if missing:  # gap-free numbering makes this impossible; a book with a hole is not closed
        raise ValidationError(
            _("Numbers missing from the book: %(numbers)s.")
            % {"numbers": ", ".join(str(n) for n in missing[:20])}
        )
    code = new_verification_code()
    sealed = seal_available(org)
    content = pdfs.decree_book_closed_pdf(
        org=org, year=year, decrees=decrees, closed_at=now,
        secretary=actor.get_full_name() or actor.get_username(), code=code,
        link=verification_link(code), sealed=sealed,
    )  # fmt: skip
    if sealed:
        content = seal_pdf(content, org=org, reason=_("Decrees book %(year)s") % {"year": year})
    document = document_store(
        org=org, actor=actor,
        uploaded_file=ContentFile(content, name=f"llibre-decrets-{year}.pdf"),
        document_type=EniDocumentType.TD99, verification_code=code,
    )  # fmt: skip
    document_register(org=org, actor=actor, document=document)
    closure = DecreeBookClosure(
        organization=org, year=year, decree_count=len(decrees),
        first_number=decrees[0].number if decrees else "",
        last_number=decrees[-1].number if decrees else "",
        closed_at=now, closed_by=actor, document=document,
    )  # fmt: skip
    seal(closure)
    closure.save(force_insert=True)
    audit_record(org=org, actor=actor, action="cases.decree_book.close", obj=closure, changes={
        "year": year, "decrees": len(decrees), "first": closure.first_number,
        "last": closure.last_number, "sha256": document.sha256, "sealed": sealed,
        SEALS_KEY: seal_commitments(closure),
    })  # fmt: skip
    return closure


def decree_book_closures(*, org: Organization) -> Any:
    """The closed years of `org`'s decrees book, the latest first."""
    return DecreeBookClosure.objects.filter(organization=org).select_related("document")
