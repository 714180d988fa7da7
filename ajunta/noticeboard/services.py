"""Every write of the notice board: publish an edict, withdraw it early, certify its publication.

An edict's legal content is sealed when it is published (core.integrity); what may happen to it
afterwards is a withdrawal with a reason and, once its period is over, the certificate.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ajunta.core.audit import audit_record
from ajunta.core.calendar import calendar_for
from ajunta.core.documents import (
    document_register,
    document_store,
    new_verification_code,
)
from ajunta.core.integrity import SEALS_KEY, seal, seal_commitments
from ajunta.core.models import EniDocumentType, EniOrigin
from ajunta.core.numbering import next_number
from ajunta.core.seal import seal_available, seal_holder, seal_pdf
from ajunta.noticeboard.models import (
    EDICT_NUMBER_FORMAT,
    EDICT_SERIES,
    Edict,
    EdictKind,
    PeriodUnit,
)

# Longest an edict may stay on the board in one publication (a year), and the shortest text.
MAX_PERIOD_DAYS = 366
MIN_REASON_LENGTH = 10
# The law's usual periods, proposed by the form for each kind: Ley 39/2015 art. 83 (public
# information, at least 20 business days); others as the council decides.
DEFAULT_PERIODS: dict[str, tuple[int, str]] = {
    EdictKind.PUBLIC_INFORMATION: (20, PeriodUnit.BUSINESS),
    EdictKind.NOTIFICATION: (15, PeriodUnit.BUSINESS),
    EdictKind.EDICT: (15, PeriodUnit.BUSINESS),
    EdictKind.ANNOUNCEMENT: (30, PeriodUnit.CALENDAR),
    EdictKind.CEMETERY: (30, PeriodUnit.BUSINESS),
    EdictKind.PROCUREMENT: (15, PeriodUnit.CALENDAR),
}


def edict_period(
    *,
    org: Any,
    starts_on: dt.date,
    period_days: int | None = None,
    period_unit: str = PeriodUnit.BUSINESS,
    ends_on: dt.date | None = None,
) -> dt.date:
    """The last day on the board: `period_days` counted from the day after `starts_on` (in
    business days with the organization's calendar, art. 30; or calendar days), or `ends_on`."""
    cal = calendar_for(org)
    errors: dict[str, Any] = {}
    if starts_on < cal.today():
        errors["starts_on"] = _("An edict cannot start in the past.")
    if period_days is not None:
        if period_unit not in PeriodUnit.values:
            errors["period_unit"] = _("Count the period in business or calendar days.")
        elif not 1 <= period_days <= MAX_PERIOD_DAYS:
            errors["period_days"] = _("The period is between 1 and %(max)d days.") % {
                "max": MAX_PERIOD_DAYS
            }
    elif ends_on is None:
        errors["period_days"] = _("Give the period in days or the last day on the board.")
    if errors:
        raise ValidationError(errors)
    if period_days is not None:
        if period_unit == PeriodUnit.BUSINESS:
            return cal.add_business_days(starts_on, period_days)
        return starts_on + dt.timedelta(days=period_days)
    assert ends_on is not None
    if ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day cannot be before the first.")})
    if (ends_on - starts_on).days > MAX_PERIOD_DAYS:
        raise ValidationError(
            {
                "ends_on": _("An edict stays on the board at most %(max)d days.")
                % {"max": MAX_PERIOD_DAYS}
            }
        )
    return ends_on


def _start_of(day: dt.date, tz: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=tz)


@transaction.atomic
def edict_publish(
    *,
    org: Any,
    actor: Any,
    kind: str,
    title: str,
    body: str,
    starts_on: dt.date,
    period_days: int | None = None,
    period_unit: str = PeriodUnit.BUSINESS,
    ends_on: dt.date | None = None,
    reference: str = "",
    case: Any = None,
    uploaded_file: Any = None,
) -> Edict:
    """Publish an edict on the organization's board: numbered, sealed, visible from its first day
    (or at once, when that is today) to the end of its last day, in the organization's time."""
    errors: dict[str, Any] = {}
    if kind not in EdictKind.values:
        errors["kind"] = _("Choose the kind of edict.")
    if not title.strip():
        errors["title"] = _("Give the edict a title.")
    if not body.strip():
        errors["body"] = _("Write the text to publish.")
    if case is not None and case.organization_id != org.pk:
        errors["case"] = _("No case file has this number.")
    if errors:
        raise ValidationError(errors)
    last_day = edict_period(
        org=org, starts_on=starts_on, period_days=period_days, period_unit=period_unit,
        ends_on=ends_on,
    )  # fmt: skip
    cal = calendar_for(org)
    now = timezone.now()
    year = timezone.localtime(now, cal.tz).year
    sequence = next_number(org=org, series=EDICT_SERIES, year=year)
    document = None
    if uploaded_file is not None:
        document = document_store(
            org=org, actor=actor, uploaded_file=uploaded_file,
            document_type=EniDocumentType.TD08, origin=EniOrigin.ADMINISTRATION,
        )  # fmt: skip
        if document.registered_at is None:
            document = document_register(org=org, actor=actor, document=document)
    edict = Edict(
        organization=org, year=year, sequence=sequence,
        number=EDICT_NUMBER_FORMAT.format(year=year, seq=sequence), kind=kind,
        title=title.strip(), body=body.strip(), reference=reference.strip(), case=case,
        document=document, period_days=period_days,
        period_unit=period_unit if period_days is not None else PeriodUnit.CALENDAR,
        starts_on=starts_on, ends_on=last_day,
        visible_from=max(now, _start_of(starts_on, cal.tz)),
        visible_until=_start_of(last_day + dt.timedelta(days=1), cal.tz),
        published_by=actor, published_at=now,
    )  # fmt: skip
    seal(edict)
    edict.save(force_insert=True)
    audit_record(
        org=org, actor=actor, action="noticeboard.edict.publish", obj=edict,
        changes={
            "number": edict.number, "kind": kind, "starts_on": starts_on, "ends_on": last_day,
            "case": getattr(case, "number", None), SEALS_KEY: seal_commitments(edict),
        },
    )  # fmt: skip
    return edict


def _locked(org: Any, edict: Edict) -> Edict:
    return Edict.objects.select_for_update().get(pk=edict.pk, organization=org)


@transaction.atomic
def edict_withdraw(*, org: Any, actor: Any, edict: Edict, reason: str) -> Edict:
    """Take an edict off the board before its period ends (an error, a superseded text): it stays
    on record as withdrawn, with who, when and why, and its certificate says so."""
    current = _locked(org, edict)
    if current.state() not in ("scheduled", "in_force"):
        raise ValidationError(
            _("Only an edict that is on the board or waiting to be can be withdrawn.")
        )
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON_LENGTH:
        raise ValidationError(
            {
                "reason": _("Say why the edict is withdrawn (at least %(n)d characters).")
                % {"n": MIN_REASON_LENGTH}
            }
        )
    current.withdrawn_at = timezone.now()
    current.withdrawn_by = actor
    current.withdrawal_reason = reason[:500]
    current.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
    audit_record(
        org=org, actor=actor, action="noticeboard.edict.withdraw", obj=current,
        changes={"number": current.number, "reason": current.withdrawal_reason},
    )  # fmt: skip
    for name in ("withdrawn_at", "withdrawn_by", "withdrawal_reason"):
        setattr(edict, name, getattr(current, name))
    return edict


@transaction.atomic
def edict_certify(*, org: Any, actor: Any, edict: Edict) -> Edict:
    """Issue the certificate of publication of an edict whose period is over (or that was
    withdrawn): a PDF with the exact moments it was on the board, sealed with the organization's
    seal and verifiable by its CSV; it joins the edict's case file when that is still open."""
    from ajunta.noticeboard.pdfs import certificate_pdf

    current = _locked(org, edict)
    if current.certificate_id is not None:
        raise ValidationError(_("The certificate of this edict has already been issued."))
    if current.state() not in ("ended", "withdrawn"):
        raise ValidationError(_("The certificate is issued when the edict's period is over."))
    code = new_verification_code()
    sealed_by = (seal_holder(org) or org.name) if seal_available(org) else ""
    # In the organization's language, whoever (or whichever scheduled job) asks for it.
    with translation.override(getattr(org, "language", "") or settings.LANGUAGE_CODE):
        content = certificate_pdf(org=org, edict=current, code=code, sealed_by=sealed_by)
        title = _("Certificate of publication of edict %(number)s") % {"number": current.number}
        name = f"{_('certificate')}-{current.number.replace('/', '-')}.pdf"
    if sealed_by:
        content = seal_pdf(content, org=org, reason=title)
    document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(content, name=name), name=name,
        document_type=EniDocumentType.TD11, origin=EniOrigin.ADMINISTRATION,
        verification_code=code,
    )  # fmt: skip
    document = document_register(org=org, actor=actor, document=document)
    current.certificate = document
    current.certified_at = document.registered_at
    current.save(update_fields=["certificate", "certified_at"])
    audit_record(
        org=org, actor=actor, action="noticeboard.edict.certify", obj=current,
        changes={"number": current.number, "sha256": document.sha256},
    )  # fmt: skip
    if current.case_id is not None:
        _file_in_case(org, actor, current, content, name, title)
    edict.certificate, edict.certified_at = current.certificate, current.certified_at
    return edict


def _file_in_case(
    org: Any, actor: Any, edict: Edict, content: bytes, name: str, title: str
) -> None:
    """The certificate joins the case file (the same stored document) while the case is open."""
    from ajunta.cases import selectors as case_selectors
    from ajunta.cases import services as case_services

    case = case_selectors.cases(org=org).filter(pk=edict.case_id or 0).first()
    if case is None or not case.is_active:
        return
    case_services.case_document_add(
        org=org, actor=actor, case=case, uploaded_file=ContentFile(content, name=name),
        title=title, document_type=EniDocumentType.TD11,
    )  # fmt: skip


def edicts_certify_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Certify every edict whose period is over and that has no certificate yet (all
    organizations; each in its own transaction, so one failure does not hold the others)."""
    from ajunta.noticeboard.selectors import edicts_due_certificate

    done = 0
    for edict in edicts_due_certificate(now=now or timezone.now())[:limit]:
        edict_certify(org=edict.organization, actor=None, edict=edict)
        done += 1
    return done
