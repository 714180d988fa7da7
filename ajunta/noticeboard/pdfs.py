"""The certificate of publication of an edict (core.pdf is the one PDF helper)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ajunta.core.calendar import calendar_for
from ajunta.core.documents import format_verification_code
from ajunta.core.pdf import PdfBuilder
from ajunta.noticeboard.models import Edict, PeriodUnit


def _moment(value: dt.datetime, tz: dt.tzinfo) -> str:
    local = timezone.localtime(value, tz)
    return f"{formats.date_format(local, 'DATE_FORMAT')} {local:%H:%M:%S} ({local.tzname()})"


def certificate_pdf(*, org: Any, edict: Edict, code: str, sealed_by: str = "") -> bytes:
    """What the certificate states: the edict, its period as published and the exact moments it
    was on the board (until its withdrawal, when it was withdrawn), with the CSV to check it."""
    tz = calendar_for(org).tz
    printed = format_verification_code(code)
    url = f"{settings.SITE_URL}{reverse('verify')}"
    title = _("Certificate of publication")
    doc = PdfBuilder(
        title=f"{title} {edict.number}", author=org.name,
        subject=_("Notice board of %(name)s") % {"name": org.name},
        footer_text=_("CSV %(code)s · %(url)s") % {"code": printed, "url": url},
    )  # fmt: skip
    doc.heading(org.name)
    doc.heading(title, level=2)
    until = edict.withdrawn_at or edict.visible_until
    doc.paragraph(
        _(
            "The edict described below was published on the electronic notice board of "
            "%(name)s, available to the public at all times, from %(start)s to %(end)s."
        ) % {"name": org.name, "start": _moment(edict.visible_from, tz), "end": _moment(until, tz)}
    )  # fmt: skip
    rows = [
        (_("Edict number"), edict.number),
        (_("Kind"), str(edict.get_kind_display())),
        (_("Title"), edict.title),
    ]
    if edict.reference:
        rows.append((_("Reference"), edict.reference))
    if edict.case_id:
        rows.append((_("Case file"), edict.case.number))  # type: ignore[union-attr]
    if edict.period_days:
        unit = (
            _("business days") if edict.period_unit == PeriodUnit.BUSINESS else _("calendar days")
        )
        rows.append((_("Period"), f"{edict.period_days} {unit}"))
    rows += [
        (_("First day on the board"), formats.date_format(edict.starts_on, "DATE_FORMAT")),
        (_("Last day on the board"), formats.date_format(edict.ends_on, "DATE_FORMAT")),
        (_("Visible from"), _moment(edict.visible_from, tz)),
        (_("Visible until"), _moment(until, tz)),
        (_("Content hash (SHA-256)"), edict.content_hash),
    ]
    if edict.document_id:
        rows.append((_("Document published (SHA-256)"), edict.document.sha256))  # type: ignore[union-attr]
    doc.key_values(rows)
    doc.spacer(4)
    if edict.withdrawn_at:
        doc.paragraph(
            _(
                "The edict was withdrawn before the end of its period on %(when)s. Reason: %(reason)s"
            )
            % {"when": _moment(edict.withdrawn_at, tz), "reason": edict.withdrawal_reason},
            bold=True,
        )
    else:
        doc.paragraph(
            _("The edict remained on the board for the whole of its period without interruption.")
        )
    doc.spacer(4)
    doc.paragraph(_("Secure verification code (CSV): %(code)s") % {"code": printed}, bold=True)
    doc.paragraph(_("Check it at %(url)s") % {"url": url}, muted=True)
    if sealed_by:
        doc.paragraph(
            _("Sealed with the electronic seal of %(holder)s.") % {"holder": sealed_by}, muted=True
        )
    return doc.to_bytes()
