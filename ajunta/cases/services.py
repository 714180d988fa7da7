"""Writes of the case module. Each is keyword-only, atomic and audited.

Procedures (the catalogue, and adopting the provider's templates), case files (opening with a
gap-free number, parties, phases, deadline suspension and extension, resolving, closing,
archiving), documents in a case (versions until signed, visibility, signing), tasks, and the
decrees book (a decree is numbered when the secretary takes note of the mayor's signature).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from string import Formatter, Template
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ajunta.cases import pdfs
from ajunta.cases.models import (
    CASE_SERIES,
    DECREE_NUMBER_FORMAT,
    DECREE_SERIES,
    DEFAULT_NUMBER_FORMAT,
    Case,
    CaseDocument,
    CaseDocumentVersion,
    CaseParty,
    CasesSettings,
    CaseStatus,
    CaseStatusEvent,
    CaseTask,
    Confidentiality,
    DeadlineEvent,
    DeadlineEventKind,
    DeadlineUnit,
    Decree,
    DecreeStatus,
    DocumentTemplate,
    EniExport,
    Initiation,
    Notification,
    NotificationStatus,
    Procedure,
    SilenceEffect,
    Visibility,
)
from ajunta.cases.signing import Signer, get_signer, sign_detached
from ajunta.core.audit import audit_record, changed_fields
from ajunta.core.calendar import calendar_for
from ajunta.core.documents import document_register, document_store
from ajunta.core.integrity import SEALS_KEY, seal, seal_commitments
from ajunta.core.languages import LANGUAGE_CODES, Translations, translated_columns
from ajunta.core.models import Document, EniDocumentType, EniElaborationState, EniOrigin
from ajunta.core.numbering import next_number
from ajunta.persons import services as person_services
from ajunta.registry import services as registry_services
from ajunta.registry.services import normalize_text

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=models.Model)
PARTY_FIELDS = (
    "role", "person_type", "id_type", "id_number", "name", "first_surname", "second_surname",
    "address", "postal_code", "email", "phone",
)  # fmt: skip
PROCEDURE_FIELDS = (
    "code", "sia_code", "name", "classification", "description", "deadline_value",
    "deadline_unit", "silence_effect", "required_documents", "phases", "initiation",
    "confidentiality", "is_template", "is_active",
)  # fmt: skip
# Translated into ca/es/en (cases/translation.py).
TRANSLATED_PROCEDURE_FIELDS = ("name", "description")
MAX_PHASES = 20
SUBJECT_MAX_LENGTH = 240
# Merge fields a generated document may use: $case_number, $subject, ...
MERGE_FIELDS = ("case_number", "subject", "procedure", "party_name", "organization", "today")


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _own(org: Any, obj: Any) -> None:
    """Refuse an object of another organization exactly as a missing one."""
    if obj.organization_id != org.pk:
        raise type(obj).DoesNotExist


# --- settings and numbering ----------------------------------------------------------------------
def format_case_number(number_format: str, *, year: int, seq: int) -> str:
    return number_format.format(year=year, seq=seq)


def number_format_of(org: Any) -> str:
    value = (
        CasesSettings.objects.filter(organization=org)
        .values_list("number_format", flat=True)
        .first()
    )
    return value or DEFAULT_NUMBER_FORMAT


def validate_number_format(number_format: str) -> None:
    """{year} and {seq} (or {seq:0Nd}, N up to 12), each exactly once, at most 40 characters."""
    error = ValidationError({"number_format": _(
        "Use {year} and {seq} once each, e.g. {year}/{seq:06d} (numbers of at most 40 characters)."
    )})  # fmt: skip
    try:
        parsed = list(Formatter().parse(number_format))
    except ValueError as exc:
        raise error from exc
    fields = [(name, spec or "", conv) for _t, name, spec, conv in parsed if name is not None]
    if sorted(name for name, _s, _c in fields) != ["seq", "year"]:
        raise error
    allowed = {"year": {""}, "seq": {""} | {f"0{n}d" for n in range(1, 13)}}
    if any(conv or spec not in allowed[name] for name, spec, conv in fields):
        raise error
    if len(format_case_number(number_format, year=2026, seq=10**12 - 1)) > 40:
        raise error


@transaction.atomic
def cases_settings_set(*, org: Any, actor: Any, number_format: str) -> CasesSettings:
    number_format = (number_format or "").strip()
    validate_number_format(number_format)
    row, _created = CasesSettings.objects.get_or_create(organization=org)
    old = row.number_format
    row.number_format = number_format
    row.save(update_fields=["number_format"])
    audit_record(org=org, actor=actor, action="cases.settings.update", obj=row,
                 changes={"number_format": [old, number_format]})  # fmt: skip
    return row


# --- procedures ----------------------------------------------------------------------------------
def _clean_phases(raw: Any) -> list[dict[str, Any]]:
    """Phases as [{"code", "name", "next": [codes]}]. Accepts text, one "code: name" per line."""
    if isinstance(raw, str):
        raw = [
            {"code": code.strip(), "name": (name or code).strip()}
            for code, _sep, name in (line.partition(":") for line in raw.splitlines())
            if code.strip()
        ]
    error = ValidationError({"phases": _(
        "Give the phases as a list of {code, name, next}; codes unique, at most 40 characters."
    )})  # fmt: skip
    if not isinstance(raw, list) or len(raw) > MAX_PHASES:
        raise error
    phases: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict):
            raise error
        code = str(item.get("code") or "").strip()
        name = str(item.get("name") or code).strip()[:120]
        following = item.get("next") or []
        if not code or len(code) > 40 or not isinstance(following, list):
            raise error
        phases.append({"code": code, "name": name, "next": [str(c) for c in following]})
    codes = [p["code"] for p in phases]
    if len(set(codes)) != len(codes):
        raise error
    for phase in phases:
        if any(target not in codes for target in phase["next"]):
            raise ValidationError({"phases": _(
                "Phase %(code)s leads to a phase that does not exist."
            ) % {"code": phase["code"]}})  # fmt: skip
    return phases


def _clean_procedure(org: Any, values: dict[str, Any], instance: Procedure | None) -> dict:
    errors: dict[str, str] = {}
    cleaned = {k: (v.strip() if isinstance(v, str) else v) for k, v in values.items()}
    unknown = set(cleaned) - set(PROCEDURE_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(unknown)})
    if "code" in cleaned:
        if not cleaned["code"]:
            errors["code"] = _("Give the procedure a code.")
        else:
            clash = Procedure.objects.filter(organization=org, code=cleaned["code"])
            if instance is not None:
                clash = clash.exclude(pk=instance.pk)
            if clash.exists():
                errors["code"] = _("Another procedure already has this code.")
    if "name" in cleaned and not cleaned["name"]:
        errors["name"] = _("Give the procedure a name.")
    if cleaned.get("deadline_value") is not None:
        value = cleaned["deadline_value"]
        if not isinstance(value, int) or not 1 <= value <= 3650:
            errors["deadline_value"] = _("A deadline between 1 and 3650.")
    choices = {
        "deadline_unit": DeadlineUnit, "silence_effect": SilenceEffect,
        "initiation": Initiation, "confidentiality": Confidentiality,
    }  # fmt: skip
    for field, enum in choices.items():
        if field in cleaned and cleaned[field] not in enum.values:
            errors[field] = _("Unknown choice.")
    if cleaned.get("is_template") and not getattr(org, "is_provider", False):
        errors["is_template"] = _("Only the provider offers procedures as templates.")
    for field in ("code", "sia_code", "name", "classification"):
        limit = getattr(Procedure._meta.get_field(field), "max_length", None)
        if field in cleaned and limit and len(cleaned[field] or "") > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    if "phases" in cleaned:
        try:
            cleaned["phases"] = _clean_phases(cleaned["phases"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def procedure_create(
    *, org: Any, actor: Any, translations: Translations | None = None, **fields: Any
) -> Procedure:
    """`name` and `description` are in the active language; `translations` gives the others
    (`{"es": {"name": ...}}`)."""
    cleaned = _clean_procedure(org, fields, None)
    for required in ("code", "name"):
        if not cleaned.get(required):
            raise ValidationError({required: _("This field is required.")})
    columns = translated_columns(TRANSLATED_PROCEDURE_FIELDS, translations)
    procedure = Procedure.objects.create(organization=org, **cleaned, **columns)
    audit_record(org=org, actor=actor, action="cases.procedure.create", obj=procedure,
                 changes={**{k: v for k, v in cleaned.items() if k != "phases"}, **columns})  # fmt: skip
    return procedure


@transaction.atomic
def procedure_update(*, org: Any, actor: Any, procedure: Procedure, **fields: Any) -> Procedure:
    _own(org, procedure)
    current = Procedure.objects.select_for_update().get(pk=procedure.pk, organization=org)
    cleaned = _clean_procedure(org, fields, current)
    old = {field: getattr(current, field) for field in cleaned}
    for field, value in cleaned.items():
        setattr(current, field, value)
    changes = changed_fields(current, list(cleaned), old)
    if changes:
        current.save(update_fields=list(changes))
        audit_record(org=org, actor=actor, action="cases.procedure.update", obj=current,
                     changes=changes)  # fmt: skip
    return current


@transaction.atomic
def procedure_adopt(*, org: Any, actor: Any, template: Procedure, code: str = "") -> Procedure:
    """Copy a provider's template into `org`'s catalogue; the copy is `org`'s own from then on."""
    if not template.is_template or not getattr(template.organization, "is_provider", False):
        raise Procedure.DoesNotExist
    values = {
        field: getattr(template, field)
        for field in PROCEDURE_FIELDS
        if field not in ("is_template", "is_active")
    }
    values["code"] = (code or template.code).strip()
    cleaned = _clean_procedure(org, values, None)
    # The template's text in every language, not only in the adopter's current one.
    columns = {
        f"{field}_{language}": getattr(template, f"{field}_{language}")
        for field in TRANSLATED_PROCEDURE_FIELDS
        for language in LANGUAGE_CODES
    }
    procedure = Procedure.objects.create(
        organization=org, adopted_from=template, **cleaned, **columns
    )
    audit_record(org=org, actor=actor, action="cases.procedure.adopt", obj=procedure,
                 changes={"template": template.pk, "code": procedure.code})  # fmt: skip
    return procedure


# --- deadlines -----------------------------------------------------------------------------------
def deadline_text(value: int, unit: str) -> str:
    """`10 business days`, `1 month`: a deadline in words."""
    forms = {
        DeadlineUnit.BUSINESS_DAYS: ngettext("%(count)d business day", "%(count)d business days", value),
        DeadlineUnit.CALENDAR_DAYS: ngettext("%(count)d calendar day", "%(count)d calendar days", value),
        DeadlineUnit.MONTHS: ngettext("%(count)d month", "%(count)d months", value),
    }  # fmt: skip
    return forms[DeadlineUnit(unit)] % {"count": value}


def compute_due_date(org: Any, start: dt.date, value: int | None, unit: str) -> dt.date | None:
    """Art. 30 on the organization's calendar (national, regional and local holidays)."""
    if not value:
        return None
    cal = calendar_for(org)
    compute = {
        DeadlineUnit.BUSINESS_DAYS: cal.add_business_days,
        DeadlineUnit.CALENDAR_DAYS: cal.add_calendar_days,
        DeadlineUnit.MONTHS: cal.add_months,
    }[DeadlineUnit(unit)]
    return compute(start, value)


# --- case files ----------------------------------------------------------------------------------
def _clean_party(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """A case's party is checked exactly as a registry entry's (registry.services.party_clean)."""
    party = registry_services.party_clean(raw, index=index)
    return {field: party[field] for field in PARTY_FIELDS}


def _search_document(case: Case, parties: Sequence[dict[str, Any]]) -> str:
    words = [case.number, case.subject, case.procedure.name, case.procedure.code]
    for party in parties:
        words += [party.get("id_number", ""), party.get("name", ""),
                  party.get("first_surname", ""), party.get("second_surname", "")]  # fmt: skip
    return normalize_text(" ".join(w for w in words if w))


def _first_phase(procedure: Procedure) -> str:
    return procedure.phases[0]["code"] if procedure.phases else ""


@transaction.atomic
def case_open(
    *,
    org: Any,
    actor: Any,
    procedure: Procedure,
    subject: str,
    parties: Sequence[dict[str, Any]] = (),
    origin_entry: Any = None,
    responsible_unit: Any = None,
    responsible: Any = None,
) -> Case:
    """Open a case with the next number of the year; its deadline counts from the origin entry's
    effective date (art. 31), else from today."""
    _own(org, procedure)
    subject = (subject or "").strip()
    errors: dict[str, Any] = {}
    if not subject:
        errors["subject"] = _("Give the case a subject.")
    elif len(subject) > SUBJECT_MAX_LENGTH:
        errors["subject"] = _("At most %(limit)d characters.") % {"limit": SUBJECT_MAX_LENGTH}
    if not procedure.is_active:
        errors["procedure"] = _("This procedure is no longer in use.")
    if origin_entry is not None and origin_entry.organization_id != org.pk:
        errors["origin_entry"] = _("The registry entry does not exist.")
    if responsible_unit is not None and responsible_unit.organization_id != org.pk:
        errors["responsible_unit"] = _("Unknown unit.")
    if errors:
        raise ValidationError(errors)
    _check_person(org, responsible, "responsible")
    cleaned = []
    party_errors: dict[str, Any] = {}
    for index, raw in enumerate(parties):
        try:
            cleaned.append(_clean_party(raw, index))
        except ValidationError as exc:
            party_errors.update(exc.message_dict)
    if party_errors:
        raise ValidationError(party_errors)
    cal = calendar_for(org)
    now = timezone.now()
    if origin_entry is not None:
        start = timezone.localtime(origin_entry.effective_at, cal.tz).date()
    else:
        start = cal.today()
    year = timezone.localtime(now, cal.tz).year
    seq = next_number(org=org, series=CASE_SERIES, year=year)
    case = Case(
        organization=org, year=year, sequence=seq,
        number=format_case_number(number_format_of(org), year=year, seq=seq),
        procedure=procedure, subject=subject, phase=_first_phase(procedure),
        origin_entry=origin_entry, responsible_unit=responsible_unit, responsible=responsible,
        opened_at=now, start_date=start,
        due_date=compute_due_date(org, start, procedure.deadline_value, procedure.deadline_unit),
        created_by=_user(actor),
    )  # fmt: skip
    case.search_document = _search_document(case, cleaned)
    case.save(force_insert=True)
    CaseParty.objects.bulk_create([
        CaseParty(organization=org, case=case, position=i, **p,
                  person=person_services.person_for_party(org=org, actor=actor, party=p))
        for i, p in enumerate(cleaned)
    ])  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.case.open", obj=case, changes={
        "number": case.number, "procedure": procedure.code, "subject": subject,
        "origin_entry": getattr(origin_entry, "number", None),
        "due_date": case.due_date, "parties": len(cleaned),
    })  # fmt: skip
    return case


def case_open_from_entry(
    *,
    org: Any,
    actor: Any,
    entry: Any,
    procedure: Procedure,
    subject: str = "",
    parties: Sequence[dict[str, Any]] = (),
    **extra: Any,
) -> Case:
    """Open a case from a registry entry (a citizen's application): its parties come along, then
    `parties`, and its deadline counts from the entry's effective filing date."""
    if entry.organization_id != org.pk:
        raise ValidationError({"origin_entry": _("The registry entry does not exist.")})
    if getattr(entry, "is_annulled", False):
        raise ValidationError({"origin_entry": _("This registry entry is annulled.")})
    from_entry = [
        {field: getattr(party, field, "") for field in PARTY_FIELDS}
        for party in entry.parties.all()
    ]
    return case_open(
        org=org, actor=actor, procedure=procedure, subject=subject or entry.summary,
        parties=[*from_entry, *parties], origin_entry=entry, **extra,
    )  # fmt: skip


def _locked_case(org: Any, case: Case) -> Case:
    _own(org, case)
    return (
        Case.objects.select_for_update()
        .select_related("procedure")
        .get(pk=case.pk, organization=org)
    )


def _sync(target: M, source: M, fields: Sequence[str]) -> M:
    """Copy what a service changed on its locked row back onto the caller's instance."""
    for field in fields:
        setattr(target, field, getattr(source, field))
    return source


def _check_person(org: Any, user: Any, field: str) -> None:
    """Cases and tasks go only to people who may handle case files in the organization."""
    from ajunta.cases import selectors

    if user is not None and not selectors.staff(org=org).filter(pk=user.pk).exists():
        raise ValidationError({field: _("This person does not handle case files here.")})


def _require_active(case: Case) -> None:
    if not case.is_active:
        raise ValidationError(_("This case is %(status)s: it can no longer change.") % {
            "status": case.get_status_display().lower()
        })  # fmt: skip


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most %(limit)d characters.") % {"limit": 500}})
    return reason


@transaction.atomic
def case_party_add(*, org: Any, actor: Any, case: Case, **party: Any) -> CaseParty:
    current = _locked_case(org, case)
    _require_active(current)
    position = current.parties.count()
    try:
        cleaned = _clean_party(party, 0)
    except ValidationError as exc:
        raise ValidationError(
            {key.split(".", 1)[1]: value for key, value in exc.message_dict.items()}
        ) from exc
    person = person_services.person_for_party(org=org, actor=actor, party=cleaned)
    row = CaseParty.objects.create(
        organization=org, case=current, position=position, person=person, **cleaned
    )
    parties = list(current.parties.values(*PARTY_FIELDS))
    current.search_document = _search_document(current, parties)
    current.save(update_fields=["search_document"])
    audit_record(org=org, actor=actor, action="cases.case.party_add", obj=current,
                 changes={"party": row.full_name, "id_number": row.id_number})  # fmt: skip
    return row


def allowed_phases(case: Case) -> list[dict[str, Any]]:
    """The phases the case may move to from its current one."""
    phases = case.procedure.phases or []
    codes = [p["code"] for p in phases]
    if case.phase not in codes:
        return phases[:1]
    current = phases[codes.index(case.phase)]
    targets = (
        current.get("next") or codes[codes.index(case.phase) + 1 : codes.index(case.phase) + 2]
    )
    return [p for p in phases if p["code"] in targets]


@transaction.atomic
def case_change_phase(*, org: Any, actor: Any, case: Case, phase: str) -> Case:
    current = _locked_case(org, case)
    _require_active(current)
    if phase not in {p["code"] for p in allowed_phases(current)}:
        raise ValidationError({"phase": _("The procedure does not allow this phase now.")})
    old = current.phase
    current.phase = phase
    current.save(update_fields=["phase"])
    audit_record(org=org, actor=actor, action="cases.case.phase", obj=current,
                 changes={"phase": [old, phase]})  # fmt: skip
    return _sync(case, current, ["phase"])


@transaction.atomic
def case_assign(
    *, org: Any, actor: Any, case: Case, responsible: Any = None, responsible_unit: Any = None
) -> Case:
    current = _locked_case(org, case)
    _require_not_closed(current)
    if responsible_unit is not None and responsible_unit.organization_id != org.pk:
        raise ValidationError({"responsible_unit": _("Unknown unit.")})
    _check_person(org, responsible, "responsible")
    old = {"responsible_id": current.responsible_id,
           "responsible_unit_id": current.responsible_unit_id}  # fmt: skip
    current.responsible = responsible
    current.responsible_unit = responsible_unit
    changes = changed_fields(current, ["responsible_id", "responsible_unit_id"], old)
    if changes:
        current.save(update_fields=["responsible", "responsible_unit"])
        audit_record(org=org, actor=actor, action="cases.case.assign", obj=current,
                     changes=changes)  # fmt: skip
    return _sync(case, current, ["responsible", "responsible_unit"])


@transaction.atomic
def case_suspend(
    *, org: Any, actor: Any, case: Case, reason: str, day: dt.date | None = None
) -> Case:
    """Suspend the deadline (art. 22), e.g. while the party remedies a defect."""
    reason = _reason(reason)
    current = _locked_case(org, case)
    if current.status != CaseStatus.OPEN:
        raise ValidationError(_("Only an open case can be suspended."))
    day = day or calendar_for(org).today()
    current.status = CaseStatus.SUSPENDED
    current.suspended_since = day
    current.save(update_fields=["status", "suspended_since"])
    DeadlineEvent.objects.create(
        organization=org, case=current, kind=DeadlineEventKind.SUSPEND, day=day, reason=reason,
        previous_due_date=current.due_date, new_due_date=None, created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.case.suspend", obj=current,
                 changes={"day": day, "reason": reason})  # fmt: skip
    return _sync(case, current, ["status", "suspended_since"])


@transaction.atomic
def case_resume(
    *, org: Any, actor: Any, case: Case, reason: str, day: dt.date | None = None
) -> Case:
    """Resume the deadline: it moves on by the calendar days it stood still."""
    reason = _reason(reason)
    current = _locked_case(org, case)
    if current.status != CaseStatus.SUSPENDED or current.suspended_since is None:
        raise ValidationError(_("This case is not suspended."))
    cal = calendar_for(org)
    day = day or cal.today()
    if day < current.suspended_since:
        raise ValidationError({"day": _("The deadline cannot resume before it was suspended.")})
    previous = current.due_date
    stood_still = (day - current.suspended_since).days
    if previous is not None and stood_still:
        current.due_date = cal.business_day_on_or_after(previous + dt.timedelta(days=stood_still))
    current.status = CaseStatus.OPEN
    current.suspended_since = None
    current.save(update_fields=["status", "suspended_since", "due_date"])
    DeadlineEvent.objects.create(
        organization=org, case=current, kind=DeadlineEventKind.RESUME, day=day, reason=reason,
        previous_due_date=previous, new_due_date=current.due_date, created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.case.resume", obj=current,
                 changes={"day": day, "reason": reason, "due_date": [previous, current.due_date]})  # fmt: skip
    return _sync(case, current, ["status", "suspended_since", "due_date"])


@transaction.atomic
def case_extend(*, org: Any, actor: Any, case: Case, reason: str, amount: int) -> Case:
    """Extend the deadline once (art. 32): by at most half of the procedure's legal deadline."""
    reason = _reason(reason)
    current = _locked_case(org, case)
    _require_active(current)
    procedure = current.procedure
    if current.due_date is None or not procedure.deadline_value:
        raise ValidationError(_("This case has no deadline to extend."))
    if current.extended:
        raise ValidationError(_("The deadline of this case was already extended."))
    limit = math.ceil(procedure.deadline_value / 2)
    if not isinstance(amount, int) or not 1 <= amount <= limit:
        raise ValidationError({"amount": _(
            "An extension is of at most %(limit)s (half the legal deadline)."
        ) % {"limit": deadline_text(limit, procedure.deadline_unit)}})  # fmt: skip
    previous = current.due_date
    current.due_date = compute_due_date(org, previous, amount, procedure.deadline_unit)
    current.extended = True
    current.save(update_fields=["due_date", "extended"])
    DeadlineEvent.objects.create(
        organization=org, case=current, kind=DeadlineEventKind.EXTEND,
        day=calendar_for(org).today(), reason=reason, previous_due_date=previous,
        new_due_date=current.due_date, created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.case.extend", obj=current,
                 changes={"reason": reason, "due_date": [previous, current.due_date]})  # fmt: skip
    return _sync(case, current, ["due_date", "extended"])


STATUS_FLOW = {
    # target: (allowed from, timestamp field)
    CaseStatus.RESOLVED: ((CaseStatus.OPEN, CaseStatus.SUSPENDED), "resolved_at"),
    CaseStatus.CLOSED: ((CaseStatus.RESOLVED,), "closed_at"),
    CaseStatus.ARCHIVED: ((CaseStatus.CLOSED,), "archived_at"),
}
# The procedure's rules each status change checks (docs/cases.md, "Resolving and closing"):
# a resolution needs the final phase, the required documents and the tasks done; closing needs
# that too, and every notification accepted or rejected (the legal moment of notice is known).
CLOSING_RULES: dict[str, tuple[str, ...]] = {
    CaseStatus.RESOLVED: ("phase", "document", "task"),
    CaseStatus.CLOSED: ("phase", "document", "task", "notification"),
}
# A resolved or closed case may be reopened (with a reason); an archived one is final.
REOPENABLE = (CaseStatus.RESOLVED, CaseStatus.CLOSED)


@dataclass(frozen=True)
class Missing:
    """One rule of the procedure a status change does not meet: a code and its parameters
    (stored so), rendered in the reader's language by `message`."""

    code: str  # "phase", "document", "task" or "notification"
    params: dict[str, str]

    @property
    def message(self) -> str:
        return missing_message(self.code, self.params)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "params": self.params}


def missing_message(code: str, params: dict[str, Any]) -> str:
    texts = {
        "phase": _("The final phase has not been reached (the case is in: %(phase)s)."),
        "document": _("Required document missing: %(title)s."),
        "task": _("Task not done: %(title)s."),
        "notification": _(
            "Notification neither accepted nor rejected yet: %(title)s, to %(party)s."
        ),
    }
    text = texts.get(code)
    if text is None:
        return code
    try:
        return text % params
    except (KeyError, TypeError, ValueError):
        return text


def final_phase_reached(case: Case) -> bool:
    """A procedure without phases has nothing to reach; otherwise the case is in a phase from
    which the workflow leads nowhere (the last one, or one whose `next` list is empty and has
    no following phase)."""
    phases = case.procedure.phases or []
    if not phases:
        return True
    return case.phase in {p["code"] for p in phases} and not allowed_phases(case)


def required_document_present(required: str, titles: Sequence[str]) -> bool:
    """A required document is present when a document of the case carries its name in its
    title (case- and accent-insensitive): "Projecte" is met by "Projecte tècnic (v2)"."""
    wanted = normalize_text(required).strip()
    return any(wanted in normalize_text(title) for title in titles)


def case_missing_for(case: Case, status: str) -> list[Missing]:
    """What the procedure's rules still miss before `case` may become `status` (empty: nothing)."""
    rules = CLOSING_RULES.get(status, ())
    missing: list[Missing] = []
    if "phase" in rules and not final_phase_reached(case):
        names = {p["code"]: p["name"] for p in case.procedure.phases or []}
        missing.append(Missing("phase", {"phase": names.get(case.phase, case.phase) or "—"}))
    if "document" in rules and case.procedure.required_document_list:
        titles = list(
            CaseDocument.objects.filter(organization_id=case.organization_id, case=case)
            .values_list("title", flat=True)
        )  # fmt: skip
        missing += [
            Missing("document", {"title": item})
            for item in case.procedure.required_document_list
            if not required_document_present(item, titles)
        ]
    if "task" in rules:
        open_tasks = CaseTask.objects.filter(
            organization_id=case.organization_id, case=case, done_at__isnull=True
        ).values_list("title", flat=True)
        missing += [Missing("task", {"title": title}) for title in open_tasks]
    if "notification" in rules:
        pending = (
            Notification.objects.filter(
                organization_id=case.organization_id, case=case,
                status=NotificationStatus.AVAILABLE,
            )
            .select_related("case_document", "party")
            .order_by("made_available_at", "id")
        )  # fmt: skip
        missing += [
            Missing("notification", {"title": n.case_document.title, "party": n.party.full_name})
            for n in pending
        ]
    return missing


@transaction.atomic
def case_set_status(
    *, org: Any, actor: Any, case: Case, status: str, override_reason: str = ""
) -> Case:
    """open → resolved → closed → archived (back to open only through `case_reopen`).

    Resolving and closing check the procedure's rules (`case_missing_for`): what is missing
    refuses the change with the list, unless an explicit `override_reason` is given, which is
    recorded with the list (status history and audit chain).
    """
    current = _locked_case(org, case)
    if status not in STATUS_FLOW:
        raise ValidationError({"status": _("Unknown status.")})
    allowed, stamp = STATUS_FLOW[CaseStatus(status)]
    if current.status not in allowed:
        raise ValidationError({"status": _("A case that is %(current)s cannot become %(new)s.") % {
            "current": current.get_status_display().lower(),
            "new": CaseStatus(status).label.lower(),
        }})  # fmt: skip
    override_reason = (override_reason or "").strip()
    if len(override_reason) > 500:
        raise ValidationError(
            {"override_reason": _("At most %(limit)d characters.") % {"limit": 500}}
        )
    missing = case_missing_for(current, status)
    if missing and not override_reason:
        raise ValidationError({
            "status": _(
                "The case cannot be %(new)s yet: the procedure's rules are not met. Complete "
                "what is missing, or give a reason to override."
            ) % {"new": CaseStatus(status).label.lower()},
            "missing": [item.message for item in missing],
        })  # fmt: skip
    old = current.status
    current.status = status
    current.suspended_since = None
    setattr(current, stamp, timezone.now())
    current.save(update_fields=["status", "suspended_since", stamp])
    CaseStatusEvent.objects.create(
        organization=org, case=current, from_status=old, to_status=status,
        reason=override_reason if missing else "",
        missing=[item.as_json() for item in missing], created_by=_user(actor),
    )  # fmt: skip
    changes: dict[str, Any] = {"status": [old, status]}
    if missing:
        changes["override_reason"] = override_reason
        changes["missing"] = [item.as_json() for item in missing]
    audit_record(org=org, actor=actor, action=f"cases.case.{status}", obj=current,
                 changes=changes)  # fmt: skip
    return _sync(case, current, ["status", "suspended_since", stamp])


@transaction.atomic
def case_reopen(*, org: Any, actor: Any, case: Case, reason: str) -> Case:
    """A resolved or closed case opens again (an appeal, a resolution to correct), with its
    reason; its resolution and closing times are cleared (the history keeps them)."""
    reason = _reason(reason)
    current = _locked_case(org, case)
    if current.status not in REOPENABLE:
        raise ValidationError(_("Only a resolved or closed case can be reopened."))
    old = current.status
    previous = {"resolved_at": current.resolved_at, "closed_at": current.closed_at}
    current.status = CaseStatus.OPEN
    current.resolved_at = None
    current.closed_at = None
    current.save(update_fields=["status", "resolved_at", "closed_at"])
    CaseStatusEvent.objects.create(
        organization=org, case=current, from_status=old, to_status=CaseStatus.OPEN,
        reason=reason, created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.case.reopen", obj=current,
                 changes={"status": [old, CaseStatus.OPEN], "reason": reason, **previous})  # fmt: skip
    return _sync(case, current, ["status", "resolved_at", "closed_at"])


def _require_not_closed(case: Case) -> None:
    """A closed or archived case takes no more actions but reopening."""
    if case.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        raise ValidationError(
            _("This case is %(status)s: reopen it first.")
            % {"status": case.get_status_display().lower()}
        )


@transaction.atomic
def case_relate(*, org: Any, actor: Any, case: Case, other: Case) -> Case:
    _own(org, case)
    _own(org, other)
    if other.pk == case.pk:
        raise ValidationError({"other": _("A case cannot be related to itself.")})
    _require_not_closed(case)
    case.related_cases.add(other)
    audit_record(org=org, actor=actor, action="cases.case.relate", obj=case,
                 changes={"related": other.number})  # fmt: skip
    return case


# --- documents in a case -------------------------------------------------------------------------
def _check_visibility(visibility: str) -> None:
    if visibility not in Visibility.values:
        raise ValidationError({"visibility": _("Unknown choice.")})


def _add_document(
    org: Any, actor: Any, case: Case, document: Document, title: str, visibility: str
) -> CaseDocument:
    position = (
        CaseDocument.objects.filter(organization=org, case=case).aggregate(m=Max("position"))["m"]
        or 0
    ) + 1
    row = CaseDocument.objects.create(
        organization=org, case=case, position=position, title=title[:200], document=document,
        visibility=visibility, added_by=_user(actor),
    )  # fmt: skip
    CaseDocumentVersion.objects.create(
        organization=org, case_document=row, version=1, document=document, created_by=_user(actor)
    )
    audit_record(org=org, actor=actor, action="cases.document.add", obj=row, changes={
        "case": case.number, "position": position, "title": row.title,
        "sha256": document.sha256, "visibility": visibility,
    })  # fmt: skip
    return row


@transaction.atomic
def case_document_add(
    *,
    org: Any,
    actor: Any,
    case: Case,
    uploaded_file: Any,
    title: str = "",
    visibility: str = Visibility.INTERNAL,
    document_type: str = EniDocumentType.TD99,
    origin: int = EniOrigin.ADMINISTRATION,
    elaboration_state: str = EniElaborationState.EE01,
) -> CaseDocument:
    """Upload a document to the end of the case's index (checked by core.documents)."""
    current = _locked_case(org, case)
    _require_active(current)
    _check_visibility(visibility)
    document = document_store(
        org=org, actor=actor, uploaded_file=uploaded_file, document_type=document_type,
        origin=origin, elaboration_state=elaboration_state,
    )  # fmt: skip
    return _add_document(org, actor, current, document, title or document.name, visibility)


def merge_fields(case: Case) -> dict[str, str]:
    first = case.parties.first()
    return {
        "case_number": case.number,
        "subject": case.subject,
        "procedure": case.procedure.name,
        "party_name": first.full_name if first else "",
        "organization": case.organization.name,
        "today": calendar_for(case.organization).today().isoformat(),
    }


@transaction.atomic
def case_document_generate(
    *,
    org: Any,
    actor: Any,
    case: Case,
    title: str,
    template_text: str = "",
    template: DocumentTemplate | None = None,
    document_type: str = "",
    visibility: str = Visibility.INTERNAL,
) -> CaseDocument:
    """A PDF written from a text with merge fields ($case_number, $subject, $party_name, ...):
    the text given, else the template's."""
    current = _locked_case(org, case)
    _require_active(current)
    _check_visibility(visibility)
    if template is not None:
        _own(org, template)
        template_text = (template_text or "").strip() or template.body
        document_type = document_type or template.document_type
    document_type = document_type or EniDocumentType.TD99
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the document a title.")})
    if not (template_text or "").strip():
        raise ValidationError({"template_text": _("Write the text of the document.")})
    try:
        text = Template(template_text).substitute(merge_fields(current))
    except (KeyError, ValueError) as exc:
        raise ValidationError({"template_text": _(
            "Unknown merge field or a lone $: use only %(fields)s (write $$ for a dollar sign)."
        ) % {"fields": ", ".join(f"${name}" for name in MERGE_FIELDS)}}) from exc  # fmt: skip
    content = pdfs.generated_document_pdf(org=org, title=title, text=text)
    document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(content, name=f"{title[:80]}.pdf"),
        document_type=document_type,
    )  # fmt: skip
    return _add_document(org, actor, current, document, title, visibility)


def _clean_template(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    name = (values.get("name") or "").strip()
    body = (values.get("body") or "").strip()
    if not name or len(name) > 120:
        errors["name"] = _("Give the template a name of at most 120 characters.")
    if not body:
        errors["body"] = _("Write the text of the document.")
    else:
        try:
            Template(body).substitute({field: "" for field in MERGE_FIELDS})
        except (KeyError, ValueError):
            errors["body"] = _(
                "Unknown merge field or a lone $: use only %(fields)s (write $$ for a dollar sign)."
            ) % {"fields": ", ".join(f"${name}" for name in MERGE_FIELDS)}
    document_type = values.get("document_type") or EniDocumentType.TD99
    if document_type not in EniDocumentType.values:
        errors["document_type"] = _("Unknown ENI document type.")
    if errors:
        raise ValidationError(errors)
    return {"name": name, "body": body, "document_type": document_type,
            "is_active": bool(values.get("is_active", True))}  # fmt: skip


@transaction.atomic
def document_template_save(
    *, org: Any, actor: Any, template: DocumentTemplate | None = None, **values: Any
) -> DocumentTemplate:
    """Create a document template, or change `template`."""
    cleaned = _clean_template(values)
    clash = DocumentTemplate.objects.filter(organization=org, name=cleaned["name"])
    if template is not None:
        _own(org, template)
        clash = clash.exclude(pk=template.pk)
    if clash.exists():
        raise ValidationError({"name": _("Another template already has this name.")})
    if template is None:
        template = DocumentTemplate.objects.create(organization=org, **cleaned)
        action = "cases.template.create"
    else:
        for field, value in cleaned.items():
            setattr(template, field, value)
        template.save(update_fields=list(cleaned))
        action = "cases.template.update"
    audit_record(org=org, actor=actor, action=action, obj=template,
                 changes={"name": template.name, "document_type": template.document_type})  # fmt: skip
    return template


def _locked_document(org: Any, case_document: CaseDocument) -> CaseDocument:
    _own(org, case_document)
    return (
        CaseDocument.objects.select_for_update()
        .select_related("case", "document")
        .get(pk=case_document.pk, organization=org)
    )


@transaction.atomic
def case_document_new_version(
    *, org: Any, actor: Any, case_document: CaseDocument, uploaded_file: Any
) -> CaseDocument:
    """Replace the content with a new version; refused once signed or while out for signature."""
    current = _locked_document(org, case_document)
    if current.is_signed:
        raise ValidationError(_("A signed document cannot change."))
    if _document_signatures_pending(org, current):
        raise ValidationError(_("This document is out for signature: it cannot change."))
    _require_active(current.case)
    old = current.document
    document = document_store(
        org=org, actor=actor, uploaded_file=uploaded_file, document_type=old.document_type,
        origin=old.origin, elaboration_state=old.elaboration_state,
    )  # fmt: skip
    current.version += 1
    current.document = document
    current.save(update_fields=["version", "document"])
    CaseDocumentVersion.objects.create(
        organization=org, case_document=current, version=current.version, document=document,
        created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.document.version", obj=current,
                 changes={"version": current.version, "sha256": [old.sha256, document.sha256]})  # fmt: skip
    return _sync(case_document, current, ["version", "document"])


@transaction.atomic
def case_document_set_visibility(
    *, org: Any, actor: Any, case_document: CaseDocument, visibility: str
) -> CaseDocument:
    _check_visibility(visibility)
    current = _locked_document(org, case_document)
    old = current.visibility
    if old != visibility:
        current.visibility = visibility
        current.save(update_fields=["visibility"])
        audit_record(org=org, actor=actor, action="cases.document.visibility", obj=current,
                     changes={"visibility": [old, visibility]})  # fmt: skip
    return _sync(case_document, current, ["visibility"])


def _sign_pdf(
    org: Any, actor: Any, pdf: bytes, *, name: str, document_type: str, reason: str,
    signer: Signer | None, original: Document | None = None,
) -> tuple[Document, Signer, bool]:  # fmt: skip
    """Sign `pdf` and store the result as a new registered Document.

    A signature adds a version, never new ENI metadata: when `original` is given (the document
    being signed), the signed version keeps its capture date, origin, elaboration state and body.
    """
    signer = signer or get_signer()
    signed = signer.sign(
        pdf, org=org, signer_name=actor.get_full_name() or actor.get_username(), reason=reason
    )
    metadata: dict[str, Any] = {}
    if original is not None:
        metadata = {
            "origin": original.origin,
            "elaboration_state": original.elaboration_state,
            "capture_date": original.capture_date,
            "dir3_body": original.dir3_body,
        }
    document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(signed.content, name=name),
        document_type=document_type, **metadata,
    )  # fmt: skip
    document_register(org=org, actor=actor, document=document)
    return document, signer, signed.certificate


@transaction.atomic
def case_document_sign(
    *, org: Any, actor: Any, case_document: CaseDocument, signer: Signer | None = None
) -> CaseDocument:
    """Sign a PDF of the case: the signed PDF becomes the last version, registered and immutable."""
    current = _locked_document(org, case_document)
    if current.is_signed:
        raise ValidationError(_("This document is already signed."))
    if _document_signatures_pending(org, current):
        raise ValidationError(_("This document is out for signature: it cannot change."))
    if current.document.content_type != "application/pdf":
        raise ValidationError(_("Only PDF documents can be signed."))
    from ajunta.core.documents import document_open

    with document_open(org=org, document=current.document) as handle:
        pdf = handle.read()
    document, used, certificate = _sign_pdf(
        org, actor, pdf, name=current.document.name, document_type=current.document.document_type,
        reason=_("Signed in case file %(number)s") % {"number": current.case.number},
        signer=signer, original=current.document,
    )  # fmt: skip
    current.version += 1
    current.document = document
    current.signed_at = document.registered_at
    current.signed_by = actor
    current.signature_provider = used.code
    current.certificate_signed = certificate
    current.save(update_fields=[
        "version", "document", "signed_at", "signed_by", "signature_provider",
        "certificate_signed",
    ])  # fmt: skip
    CaseDocumentVersion.objects.create(
        organization=org, case_document=current, version=current.version, document=document,
        created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.document.sign", obj=current, changes={
        "sha256": document.sha256, "signer": used.code, "certificate": certificate,
    })  # fmt: skip
    return _sync(case_document, current, [
        "version", "document", "signed_at", "signed_by", "signature_provider",
        "certificate_signed",
    ])  # fmt: skip


# --- tasks ---------------------------------------------------------------------------------------
@transaction.atomic
def task_create(
    *, org: Any, actor: Any, case: Case, title: str, assignee: Any, due_date: dt.date | None = None
) -> CaseTask:
    """`assignee` must hold a role in `org`."""
    current = _locked_case(org, case)
    _require_active(current)
    _check_person(org, assignee, "assignee")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what is to be done.")})
    if len(title) > 200:
        raise ValidationError({"title": _("At most %(limit)d characters.") % {"limit": 200}})
    task = CaseTask.objects.create(
        organization=org, case=current, title=title, assignee=assignee, due_date=due_date,
        created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.task.create", obj=task, changes={
        "case": current.number, "title": title, "assignee": assignee.get_username(),
        "due_date": due_date,
    })  # fmt: skip
    return task


@transaction.atomic
def task_complete(*, org: Any, actor: Any, task: CaseTask) -> CaseTask:
    _own(org, task)
    current = (
        CaseTask.objects.select_for_update()
        .select_related("case")
        .get(pk=task.pk, organization=org)
    )
    if current.done_at is not None:
        raise ValidationError(_("This task is already done."))
    _require_not_closed(current.case)
    current.done_at = timezone.now()
    current.done_by = _user(actor)
    current.save(update_fields=["done_at", "done_by"])
    audit_record(org=org, actor=actor, action="cases.task.complete", obj=current,
                 changes={"done_at": current.done_at})  # fmt: skip
    return _sync(task, current, ["done_at", "done_by"])


def alerts_send(*, org: Any, today: dt.date | None = None) -> int:
    """E-mail each responsible person their overdue cases and each assignee their overdue tasks.

    Reads only; sends one message per person. Returns how many messages went out.
    """
    from ajunta.cases import selectors

    today = today or calendar_for(org).today()
    per_user: dict[Any, list[str]] = {}
    for case in selectors.overdue_cases(org=org, today=today).exclude(responsible=None):
        per_user.setdefault(case.responsible, []).append(
            _("Case %(number)s: deadline %(due)s") % {"number": case.number, "due": case.due_date}
        )
    for task in selectors.overdue_tasks(org=org, today=today):
        per_user.setdefault(task.assignee, []).append(
            _("Task “%(title)s” of case %(number)s: due %(due)s")
            % {"title": task.title, "number": task.case.number, "due": task.due_date}
        )
    sent = 0
    for user, lines in per_user.items():
        if not user.email:
            continue
        send_mail(
            subject=_("%(org)s: overdue cases and tasks") % {"org": org.name},
            message="\n".join(lines),
            from_email=None,
            recipient_list=[user.email],
        )
        sent += 1
    return sent


# --- decrees book --------------------------------------------------------------------------------
@transaction.atomic
def decree_create(
    *, org: Any, actor: Any, title: str, body: str, case: Case | None = None
) -> Decree:
    title, body = (title or "").strip(), (body or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give the decree a title.")
    elif len(title) > 240:
        errors["title"] = _("At most %(limit)d characters.") % {"limit": 240}
    if not body:
        errors["body"] = _("Write the text of the resolution.")
    if case is not None and case.organization_id != org.pk:
        errors["case"] = _("Unknown case file.")
    if errors:
        raise ValidationError(errors)
    decree = Decree.objects.create(
        organization=org, case=case, title=title, body=body, created_by=_user(actor)
    )
    audit_record(org=org, actor=actor, action="cases.decree.create", obj=decree,
                 changes={"title": title, "case": case.number if case else None})  # fmt: skip
    return decree


def _locked_decree(org: Any, decree: Decree) -> Decree:
    _own(org, decree)
    return Decree.objects.select_for_update().get(pk=decree.pk, organization=org)


@transaction.atomic
def decree_update(*, org: Any, actor: Any, decree: Decree, title: str, body: str) -> Decree:
    current = _locked_decree(org, decree)
    if current.status != DecreeStatus.DRAFT:
        raise ValidationError(_("A signed decree cannot change."))
    if _signatures_pending(org, current):
        raise ValidationError(_("This decree is out for signature: it cannot change."))
    if not title.strip() or not body.strip():
        raise ValidationError(_("Give the decree a title and a text."))
    old = {"title": current.title, "body": current.body}
    current.title, current.body = title.strip()[:240], body.strip()
    changes = changed_fields(current, ["title", "body"], old)
    if changes:
        current.save(update_fields=list(changes))
        audit_record(org=org, actor=actor, action="cases.decree.update", obj=current,
                     changes=changes)  # fmt: skip
    return _sync(decree, current, ["title", "body"])


@transaction.atomic
def decree_sign(*, org: Any, actor: Any, decree: Decree) -> Decree:
    """The mayor (or the delegated councillor) signs the resolution."""
    current = _locked_decree(org, decree)
    if current.status != DecreeStatus.DRAFT:
        raise ValidationError(_("This decree is already signed."))
    if _signatures_pending(org, current):
        raise ValidationError(_("This decree is out for signature with a certificate."))
    current.status = DecreeStatus.SIGNED
    current.signed_at = timezone.now()
    current.signed_by = actor
    current.save(update_fields=["status", "signed_at", "signed_by"])
    audit_record(org=org, actor=actor, action="cases.decree.sign", obj=current,
                 changes={"signed_at": current.signed_at})  # fmt: skip
    return _sync(decree, current, ["status", "signed_at", "signed_by"])


def _document_signatures_pending(org: Any, row: CaseDocument) -> bool:
    """Whether the case document is out for personal signatures (cases.decree_signing)."""
    from ajunta.signatures import selectors as signature_selectors

    return (
        signature_selectors.workflows_for(org=org, purpose="cases.document", object_id=row.pk)
        .filter(status="pending")
        .exists()
    )


def _signatures_pending(org: Any, decree: Decree) -> bool:
    """Whether the decree is out for personal signatures (cases.decree_signing)."""
    from ajunta.signatures import selectors as signature_selectors

    return (
        signature_selectors.workflows_for(org=org, purpose="cases.decree", object_id=decree.pk)
        .filter(status="pending")
        .exists()
    )


@transaction.atomic
def decree_take_note(
    *, org: Any, actor: Any, decree: Decree, signer: Signer | None = None,
    signed_document: Document | None = None, signed_with: str = "",
) -> Decree:  # fmt: skip
    """The secretary takes note: the decree gets the next number of the year in the decrees book,
    its PDF is signed and registered, and it joins its case's index (published to the parties).

    With `signed_document` (the PDF the mayor and the secretary signed in person, registered), that
    PDF is the decree's document: nothing is generated or sealed again (`signed_with` names how)."""
    current = _locked_decree(org, decree)
    if signed_document is None and _signatures_pending(org, current):
        raise ValidationError(_("This decree is out for signature: it is entered in the book when "
                                "the secretary's signature arrives."))  # fmt: skip
    if current.status != DecreeStatus.SIGNED:
        raise ValidationError(_("Only a decree signed by the mayor can be taken note of."))
    if current.signed_by_id == getattr(actor, "pk", None):
        raise ValidationError(_("The secretary who takes note cannot be the person who signed."))
    cal = calendar_for(org)
    now = timezone.now()
    year = timezone.localtime(now, cal.tz).year
    seq = next_number(org=org, series=DECREE_SERIES, year=year)
    current.year, current.sequence = year, seq
    current.number = DECREE_NUMBER_FORMAT.format(year=year, seq=seq)
    current.status = DecreeStatus.NUMBERED
    current.noted_at = now
    current.noted_by = actor
    if signed_document is not None:
        _own(org, signed_document)
        document, used_code, _cert = signed_document, signed_with or "personal", True
    else:
        pdf = pdfs.decree_pdf(org=org, decree=current)
        name = f"decret-{current.number.replace('/', '-')}.pdf"
        document, _used, _cert = _sign_pdf(
            org, actor, pdf, name=name, document_type=EniDocumentType.TD01,
            reason=_("Decree %(number)s") % {"number": current.number}, signer=signer,
        )  # fmt: skip
        used_code = _used.code
    current.document = document
    seal(current)  # it enters the book: from now on the database refuses changes to it
    current.save(update_fields=[
        "year", "sequence", "number", "status", "noted_at", "noted_by", "document",
        "content_hash",
    ])  # fmt: skip
    if current.case_id:
        case = Case.objects.select_for_update().get(pk=current.case_id, organization=org)
        row = _add_document(org, actor, case, document, _("Decree %(number)s") % {
            "number": current.number}, Visibility.INTERNAL)  # fmt: skip
        row.signed_at, row.signed_by = document.registered_at, current.signed_by
        row.signature_provider, row.certificate_signed = used_code, _cert
        row.save(update_fields=["signed_at", "signed_by", "signature_provider",
                                "certificate_signed"])  # fmt: skip
    audit_record(org=org, actor=actor, action="cases.decree.take_note", obj=current,
                 changes={"number": current.number, "sha256": document.sha256,
                          SEALS_KEY: seal_commitments(current)})  # fmt: skip
    return _sync(decree, current, [
        "year", "sequence", "number", "status", "noted_at", "noted_by", "document",
        "content_hash",
    ])  # fmt: skip


# --- foliated index and ENI export ---------------------------------------------------------------
def _document_bytes(org: Any, document: Document) -> bytes:
    from ajunta.core.documents import document_open

    with document_open(org=org, document=document) as handle:
        return bytes(handle.read())


def case_index_pdf(*, org: Any, case: Case) -> bytes:
    """The foliated index of the case as a PDF, sealed when the organization has a seal."""
    from ajunta.core.seal import seal_pdf

    _own(org, case)
    rows = list(case.documents.select_related("document").order_by("position"))
    folios = [
        (row, pdfs.page_count(_document_bytes(org, row.document), row.document.content_type))
        for row in rows
    ]
    pdf = pdfs.foliated_index_pdf(org=org, case=case, rows=folios)
    return seal_pdf(
        pdf, org=org, reason=_("Index of case file %(number)s") % {"number": case.number}
    )


@transaction.atomic
def case_export_eni(*, org: Any, actor: Any, case: Case) -> bytes:
    """A closed case as an ENI package (zip): the index signed with a secure verification code,
    the case metadata, every document with its ENI metadata, and the foliated index PDF."""
    from ajunta.cases import eni
    from ajunta.core.documents import new_verification_code

    current = _locked_case(org, case)
    if current.status not in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        raise ValidationError(_("Only a closed case file can be exported."))
    first_version = CaseDocumentVersion.objects.filter(
        case_document=OuterRef("pk"), version=1
    ).values("document_id")[:1]
    rows = list(
        current.documents.select_related("document")
        .annotate(first_document_id=Subquery(first_version))
        .order_by("position")
    )
    now = timezone.now()
    index_content = eni.index_content_xml(case=current, rows=rows, when=now)
    code = new_verification_code()
    index_document = document_store(
        org=org, actor=actor, uploaded_file=ContentFile(index_content, name="indice-eni.xml"),
        document_type=EniDocumentType.TD99, verification_code=code,
    )  # fmt: skip
    document_register(org=org, actor=actor, document=index_document)
    signature = eni.IndexSignature(code=code, cades=sign_detached(index_content, org=org))
    case_xml = eni.case_xml(case=current, index_content=index_content, signature=signature)
    contents = [(row, _document_bytes(org, row.document)) for row in rows]
    documents = [
        (row, content, eni.document_xml(case=current, row=row)) for row, content in contents
    ]
    index_pdf = case_index_pdf(org=org, case=current)
    package = eni.package(
        case_xml_bytes=case_xml, index_content=index_content, documents=documents,
        index_pdf=index_pdf,
    )  # fmt: skip
    export = EniExport.objects.create(
        organization=org, case=current, index_document=index_document, created_by=_user(actor)
    )
    audit_record(org=org, actor=actor, action="cases.case.eni_export", obj=export, changes={
        "case": current.number, "documents": len(rows), "index_sha256": index_document.sha256,
        "cades": signature.cades is not None,
    })  # fmt: skip
    return package


# --- electronic notifications (art. 43) ----------------------------------------------------------
NOTIFICATION_DAYS = 10


def notification_alert_send(notification: Notification) -> None:
    """E-mail the party that a notification waits in the portal; and an SMS through the hook.

    Once: under the notification's row lock, and not when it was alerted already. Called after
    the notification commits and by the sweep (core.sweep) for one a dead worker or a mail server
    down left unalerted. A crash between the e-mail and the commit may send it again, never less.
    """
    from django.conf import settings
    from django.utils.module_loading import import_string

    with transaction.atomic():
        row = Notification.objects.select_for_update().get(pk=notification.pk)
        if row.alerted_at is not None or row.status != NotificationStatus.AVAILABLE:
            return  # alerted already, or the party has answered: nothing to tell
        party = row.party
        org = row.organization
        message = _(
            "%(org)s has made a notification available to you (case file %(number)s). Open it in the "
            "citizen portal within 10 calendar days; otherwise it will be deemed rejected."
        ) % {"org": org.name, "number": row.case.number}
        if party.email:
            send_mail(subject=_("New notification from %(org)s") % {"org": org.name},
                      message=message, from_email=None, recipient_list=[party.email])  # fmt: skip
        hook = getattr(settings, "CASES_SMS_HOOK", "")
        if hook and party.phone:
            import_string(hook)(phone=party.phone, message=message)
        row.alerted_at = timezone.now()
        row.save(update_fields=["alerted_at"])
        audit_record(org=org, actor=None, action="cases.notification.alert", obj=row,
                     changes={"alerted_at": row.alerted_at, "email": bool(party.email),
                              "sms": bool(hook and party.phone)})  # fmt: skip


@transaction.atomic
def notification_send(
    *, org: Any, actor: Any, case_document: CaseDocument, party: CaseParty
) -> Notification:
    """Notify a signed document of the case to one of its parties: an outgoing registry entry,
    the notification made available in the portal, and the alert once committed."""
    from ajunta.registry import services as registry_services

    row = _locked_document(org, case_document)
    _own(org, party)
    case = row.case
    if party.case_id != case.pk:
        raise ValidationError({"party": _("This person is not a party of the case.")})
    if not row.is_signed:
        raise ValidationError({"document": _("Only a signed document can be notified.")})
    if case.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED):
        raise ValidationError(_("A closed case file cannot notify."))
    entry = registry_services.registry_entry_create(
        org=org, actor=actor, direction="out", channel="electronic",
        epigraph=_("Electronic notification"),
        summary=(_("Notification of %(title)s") % {"title": row.title})[:240],
        # The addressee of the notification, as the registry's interested party of the entry.
        parties=[{**{field: getattr(party, field) for field in PARTY_FIELDS}, "role": "interested"}],
        addressee_name=party.full_name[:200], case_reference=case.number,
    )  # fmt: skip
    notification = Notification(
        organization=org, case=case, case_document=row, party=party, id_number=party.id_number,
        registry_entry=entry, made_available_at=timezone.now(), created_by=_user(actor),
    )  # fmt: skip
    seal(notification)
    notification.save(force_insert=True)
    audit_record(org=org, actor=actor, action="cases.notification.send", obj=notification, changes={
        "case": case.number, "document": row.title, "sha256": row.document.sha256,
        "party": party.id_number, "registry_entry": entry.number,
        SEALS_KEY: seal_commitments(notification),
    })  # fmt: skip
    transaction.on_commit(lambda: _notification_alert_safely(notification))
    return notification


def _notification_alert_safely(notification: Notification) -> None:
    """The notification stands even when the alert fails (a mail server down): log, and the
    proof of notification shows no alert time."""
    try:
        notification_alert_send(notification)
    except Exception:
        logger.exception("Notification %s: the alert could not be sent", notification.pk)


def notification_proof(*, org: Any, notification: Notification) -> bytes:
    """The proof of notification as a PDF, sealed when the organization has a seal."""
    from ajunta.core.seal import seal_pdf

    _own(org, notification)
    pdf = pdfs.notification_proof_pdf(org=org, notification=notification)
    return seal_pdf(pdf, org=org, reason=_("Proof of notification"))


def _citizen_notification(user: Any, notification: Notification) -> Notification:
    nif = (getattr(user, "nif", "") or "").strip().upper()
    if not nif or notification.id_number != nif:
        raise Notification.DoesNotExist
    return Notification.objects.select_for_update().get(pk=notification.pk)


def _expired(notification: Notification, now: dt.datetime) -> bool:
    return now >= notification.made_available_at + dt.timedelta(days=NOTIFICATION_DAYS)


def notification_respond(*, actor: Any, notification: Notification, accept: bool) -> Notification:
    """The party (the logged-in citizen whose NIF it was sent to) accepts (opens) or rejects it.

    One found past its 10 days is deemed rejected right here (the job may not have run yet), and
    that stays recorded although the answer is refused.
    """
    now = timezone.now()
    with transaction.atomic():
        current = _citizen_notification(actor, notification)
        late = current.status == NotificationStatus.AVAILABLE and _expired(current, now)
        if late:
            _deem_rejected(current)
        elif current.status == NotificationStatus.AVAILABLE:
            current.status = NotificationStatus.ACCEPTED if accept else NotificationStatus.REJECTED
            current.accessed_at = now if accept else None
            current.resolved_at = now
            current.save(update_fields=["status", "accessed_at", "resolved_at"])
            action = "accept" if accept else "reject"
            audit_record(org=current.organization, actor=actor,
                         action=f"cases.notification.{action}", obj=current,
                         changes={"status": current.status, "at": now})  # fmt: skip
            return _sync(notification, current, ["status", "accessed_at", "resolved_at"])
    _sync(notification, current, ["status", "resolved_at"])
    raise ValidationError(_("This notification was already %(status)s.") % {
        "status": current.get_status_display().lower()})  # fmt: skip


def _deem_rejected(notification: Notification) -> None:
    notification.status = NotificationStatus.DEEMED_REJECTED
    notification.resolved_at = notification.made_available_at + dt.timedelta(days=NOTIFICATION_DAYS)
    notification.save(update_fields=["status", "resolved_at"])
    audit_record(org=notification.organization, actor=None,
                 action="cases.notification.deemed_rejected", obj=notification,
                 changes={"made_available_at": notification.made_available_at,
                          "resolved_at": notification.resolved_at})  # fmt: skip


def notifications_expire(*, now: dt.datetime | None = None, batch: int = 500) -> int:
    """Art. 43.2: mark deemed rejected every notification not opened in 10 calendar days.

    Across every organization (the periodic job); each in its own transaction. Returns how many.
    """
    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=NOTIFICATION_DAYS)
    done = 0
    while True:
        ids = list(
            Notification.objects.filter(
                status=NotificationStatus.AVAILABLE, made_available_at__lte=cutoff
            ).values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return done
        for pk in ids:
            with transaction.atomic():
                row = (
                    Notification.objects.select_for_update()
                    .select_related("organization")
                    .filter(pk=pk, status=NotificationStatus.AVAILABLE)
                    .first()
                )
                if row is not None:
                    _deem_rejected(row)
                    done += 1


# --- the citizen's side --------------------------------------------------------------------------
@transaction.atomic
def case_citizen_contribute(
    *, actor: Any, case: Case, uploaded_file: Any, title: str
) -> CaseDocument:
    """A party adds a document to their case from the portal: it is filed as an incoming registry
    entry referring to the case, and its attachment joins the case's index (published to the
    parties, since it is theirs)."""
    from ajunta.registry import selectors as registry_selectors
    from ajunta.registry import services as registry_services

    nif = (getattr(actor, "nif", "") or "").strip().upper()
    party = case.parties.filter(id_number=nif).first() if nif else None
    if party is None:
        raise Case.DoesNotExist
    org = case.organization
    current = _locked_case(org, case)
    _require_active(current)
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Say what the document is.")})
    if len(title) > 200:
        raise ValidationError({"title": _("At most %(limit)d characters.") % {"limit": 200}})
    entry = registry_services.registry_entry_create(
        org=org, actor=actor, direction="in", channel="electronic",
        epigraph=_("Provision of documents"),
        summary=(f"{current.number}: {title}")[:SUBJECT_MAX_LENGTH],
        parties=[{**{field: getattr(party, field) for field in PARTY_FIELDS}, "role": "interested"}],
        attachments=[{"file": uploaded_file}], case_reference=current.number, filer=actor,
    )  # fmt: skip
    attachment = registry_selectors.entry_get(org=org, pk=entry.pk).attachments.all()[0]
    row = _add_document(org, actor, current, attachment.document, title, Visibility.PUBLISHED)
    audit_record(org=org, actor=actor, action="cases.document.citizen_contribution", obj=row,
                 changes={"registry_entry": entry.number, "case": current.number})  # fmt: skip
    return row
