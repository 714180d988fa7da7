"""Writes of the registry. Each is atomic and audited; nothing registered is ever edited or deleted.

A filing is checked completely before anything is written (parties, limits, types). Its number is
taken under the series' counter lock and its filing time read after that lock, so numbers follow
the order of receipt (art. 16). A refused or failed filing consumes no number and leaves no file.

The receipt's content (number, date and time, hashes) is fixed by the filing; its PDF is rendered,
sealed and stored right after the filing commits (by a worker when one runs), so that the series'
lock is held only for the inserts. Whoever asks for a receipt before then gets it rendered at once.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from string import Formatter
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.es import cif, nie, nif

from ajunta.core.audit import audit_record
from ajunta.core.calendar import calendar_for
from ajunta.core.documents import document_store, documents_remove_orphan_files
from ajunta.core.integrity import SEALS_KEY, seal, seal_commitments
from ajunta.core.languages import Translations, translated_columns
from ajunta.core.models import EniOrigin
from ajunta.core.numbering import next_number
from ajunta.core.validators import validate_dir3_code, validate_ine_code
from ajunta.persons import services as person_services
from ajunta.registry import receipts
from ajunta.registry.models import (
    DEFAULT_NUMBER_FORMAT,
    DIRECTION_LETTERS,
    AttachmentKind,
    Channel,
    Direction,
    EntryAttachment,
    EntryStatus,
    IdType,
    InterestedParty,
    PartyRole,
    PersonType,
    PreferredChannel,
    RegistryEntry,
    RegistrySettings,
    Unit,
    Validity,
)

PARTY_FIELDS = (
    "role", "person_type", "id_type", "id_number", "name", "first_surname", "second_surname",
    "address", "postal_code", "municipality_ine", "province_code", "country_code", "email",
    "phone", "preferred_channel", "company_name", "deh_email", "observations",
)  # fmt: skip
ID_VALIDATORS: dict[str, Any] = {IdType.NIF: nif, IdType.NIE: nie, IdType.CIF: cif}


# --- helpers -------------------------------------------------------------------------------------
def normalize_text(text: str) -> str:
    """Lower case without accents, for search: 'Sol·licitud Núria' -> 'sol·licitud nuria'."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def format_number(number_format: str, *, direction: str, year: int, seq: int) -> str:
    return number_format.format(
        direction=DIRECTION_LETTERS[Direction(direction)], year=year, seq=seq
    )


def number_format_of(org: Any) -> str:
    value = (
        RegistrySettings.objects.filter(organization=org)
        .values_list("number_format", flat=True)
        .first()
    )
    return value or DEFAULT_NUMBER_FORMAT


def limits() -> tuple[int, int, int]:
    """(attachments, bytes each, bytes in all) a filing may carry."""
    return (
        settings.REGISTRY_MAX_ATTACHMENTS,
        settings.REGISTRY_MAX_ATTACHMENT_BYTES,
        settings.REGISTRY_MAX_TOTAL_BYTES,
    )


def party_clean(raw: dict[str, Any], *, index: int, count: int | None = None) -> dict[str, Any]:
    """An interested party's fields, normalized and checked (NIF/NIE/CIF, INE code, e-mail,
    lengths); errors are named `parties[index].field`. The one validation of a party, also used
    by case files. With `count` (the parties of one filing) a representative must name, in
    `represents`, the position of the party it acts for; without it there is no such link."""
    errors: dict[str, str] = {}
    party = {field: (raw.get(field) or "") for field in PARTY_FIELDS}
    party = {k: v.strip() if isinstance(v, str) else v for k, v in party.items()}
    party["role"] = party["role"] or PartyRole.INTERESTED
    party["country_code"] = party["country_code"] or "724"
    if party["role"] not in PartyRole.values:
        errors["role"] = _("Unknown role.")
    if party["person_type"] not in PersonType.values:
        errors["person_type"] = _("Say whether it is a natural or a legal person.")
    if party["id_type"] not in IdType.values:
        errors["id_type"] = _("Choose the type of identity document.")
    validator = ID_VALIDATORS.get(party["id_type"])
    if validator is not None:
        try:
            party["id_number"] = validator.validate(party["id_number"])
        except Exception:
            errors["id_number"] = _("This %(type)s is not valid.") % {
                "type": IdType(party["id_type"]).label
            }
    elif not party["id_number"]:
        errors["id_number"] = _("Give the document number.")
    if not party["name"]:
        errors["name"] = _("Give the name or the company name.")
    if party["person_type"] == PersonType.NATURAL and not party["first_surname"]:
        errors["first_surname"] = _("A natural person needs at least the first surname.")
    if party["municipality_ine"]:
        try:
            validate_ine_code(party["municipality_ine"])
        except ValidationError as exc:
            errors["municipality_ine"] = exc.messages[0]
        else:
            party["province_code"] = party["province_code"] or party["municipality_ine"][:2]
    for email_field in ("email", "deh_email"):
        if party[email_field]:
            try:
                validate_email(party[email_field])
            except ValidationError:
                errors[email_field] = _("This e-mail address is not valid.")
    if party["preferred_channel"] and party["preferred_channel"] not in PreferredChannel.values:
        errors["preferred_channel"] = _("Unknown channel.")
    for field in PARTY_FIELDS:
        limit = getattr(InterestedParty._meta.get_field(field), "max_length", None)
        if limit and isinstance(party[field], str) and len(party[field]) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    represents = raw.get("represents") if count is not None else None
    linked = isinstance(represents, int) and 0 <= represents < (count or 0) and represents != index
    if count is not None and party["role"] == PartyRole.REPRESENTATIVE and not linked:
        errors["represents"] = _("Say which interested party this person represents.")
    party["represents"] = represents if party["role"] == PartyRole.REPRESENTATIVE else None
    if errors:
        raise ValidationError(
            {f"parties[{index}].{field}": message for field, message in errors.items()}
        )
    return party


def _clean_attachments(
    attachments: Sequence[dict[str, Any]], *, enforce_limits: bool = True
) -> list[dict[str, Any]]:
    most, each, total = limits() if enforce_limits else (10**9, 10**15, 10**15)
    if len(attachments) > most:
        raise ValidationError(
            {
                "attachments": _("At most %(count)d attachments may be filed at once.")
                % {"count": most}
            }
        )
    cleaned, size = [], 0
    for index, raw in enumerate(attachments):
        upload = raw.get("file")
        if upload is None:
            raise ValidationError({f"attachments[{index}]": _("The file is missing.")})
        if upload.size > each:
            raise ValidationError({f"attachments[{index}]": _(
                "%(name)s is larger than %(limit)s, the most one attachment may be."
            ) % {"name": upload.name, "limit": filesizeformat(each)}})  # fmt: skip
        size += upload.size
        validity = raw.get("validity") or Validity.COPY
        kind = raw.get("kind") or AttachmentKind.ATTACHED
        if validity not in Validity.values or kind not in AttachmentKind.values:
            raise ValidationError({f"attachments[{index}]": _("Unknown validity or kind.")})
        cleaned.append({"file": upload, "validity": validity, "kind": kind})
    if size > total:
        raise ValidationError(
            {
                "attachments": _("The attachments add up to more than %(limit)s.")
                % {"limit": filesizeformat(total)}
            }
        )
    return cleaned


def _clean_entry(org: Any, data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if data["direction"] not in Direction.values:
        errors["direction"] = _("Say whether the entry is incoming or outgoing.")
    if data["channel"] not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    for field in ("epigraph", "summary"):
        data[field] = (data.get(field) or "").strip()
        if not data[field]:
            errors[field] = _("This field is required.")
        elif len(data[field]) > 240:
            errors[field] = _("At most %(limit)d characters.") % {"limit": 240}
    for field, limit in (("expone", 4000), ("solicita", 4000), ("addressee_name", 200),
                         ("external_reference", 80), ("case_reference", 80)):  # fmt: skip
        data[field] = (data.get(field) or "").strip()
        if len(data[field]) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    data["addressee_dir3"] = (data.get("addressee_dir3") or "").strip().upper()
    if data["addressee_dir3"]:
        try:
            validate_dir3_code(data["addressee_dir3"])
        except ValidationError as exc:
            errors["addressee_dir3"] = exc.messages[0]
    if data["direction"] == Direction.OUT and not data["addressee_name"]:
        errors["addressee_name"] = _("An outgoing entry needs its addressee.")
    if data["direction"] == Direction.IN and not data["parties"] and not data["from_registry"]:
        errors["parties"] = _("An incoming entry needs at least one interested party.")
    unit = data.get("destination_unit")
    if unit is not None and (unit.organization_id != org.pk or not unit.is_active):
        errors["destination_unit"] = _("Choose one of this organization's active units.")
    if errors:
        raise ValidationError(errors)
    count = len(data["parties"])
    data["parties"] = [party_clean(p, index=i, count=count) for i, p in enumerate(data["parties"])]
    data["attachments"] = _clean_attachments(
        data["attachments"], enforce_limits=not data["from_registry"]
    )
    return data


def search_words(number: str, data: dict[str, Any]) -> list[str]:
    """What full-text search reads of an entry: number, subject, summary, addressee, parties."""
    words = [
        number,
        data["epigraph"],
        data["summary"],
        data["addressee_name"],
        data["external_reference"],
    ]
    for party in data["parties"]:
        words += [
            party["id_number"],
            party["name"],
            party["first_surname"],
            party["second_surname"],
        ]
    return [w for w in words if w]


def _search_document(number: str, data: dict[str, Any]) -> str:
    return normalize_text(" ".join(search_words(number, data)))


class IdempotencyKeyReused(Exception):
    """The key of an earlier filing came back with a different request: nothing is registered."""

    def __init__(self, entry: RegistryEntry) -> None:
        super().__init__(entry.number)
        self.entry = entry


def _existing_for_key(org: Any, actor: Any, key: str, digest: str = "") -> RegistryEntry | None:
    """The entry this user registered with `key`; IdempotencyKeyReused if `digest` differs."""
    if not key:
        return None
    user = actor if getattr(actor, "is_authenticated", False) else None
    existing = RegistryEntry.objects.filter(
        organization=org, created_by=user, idempotency_key=key
    ).first()
    if existing is not None and digest and existing.idempotency_digest not in ("", digest):
        raise IdempotencyKeyReused(existing)
    return existing


# --- entries ---------------------------------------------------------------------------------------
def registry_entry_create(
    *,
    org: Any,
    actor: Any,
    direction: str,
    channel: str,
    epigraph: str,
    summary: str,
    parties: Sequence[dict[str, Any]] = (),
    attachments: Sequence[dict[str, Any]] = (),
    expone: str = "",
    solicita: str = "",
    addressee_name: str = "",
    addressee_dir3: str = "",
    destination_unit: Unit | None = None,
    physical_documentation: bool = False,
    external_reference: str = "",
    case_reference: str = "",
    filer: Any = None,
    idempotency_key: str = "",
    idempotency_digest: str = "",
    rectifies: RegistryEntry | None = None,
    rectification_reason: str = "",
    from_registry: bool = False,
) -> RegistryEntry:
    """Register an entry with its parties and attachments and issue its receipt, all or nothing.

    With an `idempotency_key`, a second call by the same user returns the first entry; with an
    `idempotency_digest` (a hash of the request) too, a second call whose digest differs raises
    IdempotencyKeyReused and registers nothing.
    `parties` are dicts of InterestedParty fields; a representative's `represents` is the index of
    the party it acts for. `attachments` are dicts with `file` (an upload), `validity` and `kind`.
    `from_registry`: the entry comes from another administration's registry (SIR), which decided
    what it carries: it may have no interested party (administration to administration) and more
    attachments than our own filing limits allow.
    """
    existing = _existing_for_key(org, actor, idempotency_key, idempotency_digest)
    if existing is not None:
        return existing
    data = _clean_entry(org, {
        "direction": direction, "channel": channel, "epigraph": epigraph, "summary": summary,
        "parties": list(parties), "attachments": list(attachments), "expone": expone,
        "solicita": solicita, "addressee_name": addressee_name, "addressee_dir3": addressee_dir3,
        "destination_unit": destination_unit, "external_reference": external_reference,
        "case_reference": case_reference, "from_registry": from_registry,
    })  # fmt: skip
    stored: list[str] = []
    try:
        for attempt in range(2):
            try:
                with transaction.atomic():
                    return _insert_entry(org, actor, data, physical_documentation, filer,
                                         (idempotency_key, idempotency_digest), rectifies,
                                         rectification_reason, stored)  # fmt: skip
            except _YearTurned:
                if attempt:
                    raise
        raise AssertionError("unreachable")
    except IntegrityError:
        documents_remove_orphan_files(stored)
        existing = _existing_for_key(org, actor, idempotency_key, idempotency_digest)
        if existing is not None:  # a concurrent retry with the same key registered first
            return existing
        raise
    except BaseException:
        documents_remove_orphan_files(stored)
        raise


class _YearTurned(Exception):
    """The year changed while the filing waited for its number: number it in the new year."""


def _insert_entry(
    org: Any, actor: Any, data: dict[str, Any], physical_documentation: bool, filer: Any,
    idempotency: tuple[str, str], rectifies: RegistryEntry | None, rectification_reason: str,
    stored: list[str],
) -> RegistryEntry:  # fmt: skip
    user = actor if getattr(actor, "is_authenticated", False) else None
    year = timezone.localdate().year
    # Reads that need no lock come first: the series stays locked only for the inserts.
    number_format = number_format_of(org)
    calendar = calendar_for(org)
    calendar.effective_filing_time(timezone.now())  # loads this year's local holidays
    seq = next_number(org=org, series=f"registry.{data['direction']}", year=year)
    # Read the clock after the counter lock: numbers then follow the time of receipt.
    filed_at = timezone.now()
    if timezone.localtime(filed_at).year != year:
        raise _YearTurned
    number = format_number(number_format, direction=data["direction"], year=year, seq=seq)
    documents = []
    for index, attachment in enumerate(data["attachments"]):
        try:
            document = document_store(
                org=org, actor=actor, uploaded_file=attachment["file"],
                origin=EniOrigin.CITIZEN if data["direction"] == Direction.IN else EniOrigin.ADMINISTRATION,
            )  # fmt: skip
        except ValidationError as exc:
            name = getattr(attachment["file"], "name", "")
            raise ValidationError(
                {f"attachments[{index}]": [f"{name}: {message}" for message in exc.messages]}
            ) from exc
        stored.append(document.file.name)
        documents.append(document)
    entry = RegistryEntry(
        organization=org,
        direction=data["direction"],
        year=year,
        sequence=seq,
        number=number,
        filed_at=filed_at,
        effective_at=calendar.effective_filing_time(filed_at),
        channel=data["channel"],
        epigraph=data["epigraph"],
        summary=data["summary"],
        expone=data["expone"],
        solicita=data["solicita"],
        addressee_name=data["addressee_name"],
        addressee_dir3=data["addressee_dir3"],
        destination_unit=data["destination_unit"],
        physical_documentation=physical_documentation,
        external_reference=data["external_reference"],
        case_reference=data["case_reference"],
        rectifies=rectifies,
        rectification_reason=rectification_reason,
        filer=filer,
        created_by=user,
        idempotency_key=idempotency[0],
        idempotency_digest=idempotency[1] if idempotency[0] else "",
        search_document=_search_document(number, data),
    )
    # Sealed from the values in memory: the hashes add no query to the filing.
    seal(entry)
    entry.save(force_insert=True)
    # Each party points at the register's person (found by its number, or made from this filing).
    party_rows = [
        InterestedParty(organization=org, entry=entry, position=i,
                        person=person_services.person_for_party(org=org, actor=actor, party=p),
                        **{k: v for k, v in p.items() if k != "represents"})
        for i, p in enumerate(data["parties"])
    ]  # fmt: skip
    # A representative is sealed once it names whom it represents (that row's pk comes with the
    # INSERT), in the UPDATE that sets the link.
    for row, party in zip(party_rows, data["parties"], strict=True):
        if party["represents"] is None:
            seal(row)
    InterestedParty.objects.bulk_create(party_rows)
    for row, party in zip(party_rows, data["parties"], strict=True):
        if party["represents"] is not None:
            row.represents = party_rows[party["represents"]]
            seal(row)
            row.save(update_fields=["represents", "content_hash"])
    attachment_rows = [
        EntryAttachment(organization=org, entry=entry, document=document, position=i,
                        validity=a["validity"], kind=a["kind"])
        for i, (document, a) in enumerate(zip(documents, data["attachments"], strict=True))
    ]  # fmt: skip
    for attachment_row in attachment_rows:
        seal(attachment_row)
    EntryAttachment.objects.bulk_create(attachment_rows)

    def issue_receipt() -> None:  # a named function: Django logs a robust hook's __qualname__
        _receipt_after_commit(org, actor, entry)

    transaction.on_commit(issue_receipt, robust=True)
    audit_record(
        org=org, actor=actor, action="registry.entry.create", obj=entry,
        changes={
            "number": number, "direction": entry.direction, "channel": entry.channel,
            "filed_at": filed_at, "effective_at": entry.effective_at, "summary": entry.summary,
            "parties": [p.id_number for p in party_rows],
            "attachments": [{"name": d.name, "sha256": d.sha256} for d in documents],
            "rectifies": rectifies.number if rectifies else None,
            SEALS_KEY: seal_commitments(entry, *party_rows, *attachment_rows),
        },
    )  # fmt: skip
    return entry


def _receipt_after_commit(org: Any, actor: Any, entry: RegistryEntry) -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER:  # no worker: render it now, in this process
        registry_entry_receipt_issue(org=org, actor=actor, entry=entry)
        return
    from ajunta.registry.tasks import registry_receipt_issue  # tasks import this module

    actor_id = actor.pk if getattr(actor, "is_authenticated", False) else None
    registry_receipt_issue.delay(entry.pk, actor_id)


def registry_entry_receipt_issue(*, org: Any, actor: Any, entry: RegistryEntry) -> Any:
    """The entry's receipt: rendered, sealed, stored and audited the first time; the same after.

    Called right after the filing commits, and by anything that needs the receipt before a
    worker got to it. The entry's row lock makes two concurrent calls issue one receipt.
    """
    if entry.receipt_id is not None:
        return entry.receipt
    stored: list[str] = []
    try:
        with transaction.atomic():
            locked = _locked(org, entry)
            if locked.receipt_id is None:
                receipt = receipts.receipt_issue(org=org, actor=actor, entry=locked)
                stored.append(receipt.file.name)
                locked.receipt = receipt
                locked.save(update_fields=["receipt"])
                audit_record(
                    org=org, actor=actor, action="registry.entry.receipt", obj=locked,
                    changes={"number": locked.number, "receipt_sha256": receipt.sha256},
                )  # fmt: skip
    except BaseException:
        documents_remove_orphan_files(stored)
        raise
    entry.receipt = locked.receipt
    return entry.receipt


def registry_entry_receipt_sweep(entry: RegistryEntry) -> Any:
    """The sweep's way to finish an entry a dead worker left without receipt (core.sweep): the
    same issue as after the filing, by the platform, in the entry's own organization."""
    return registry_entry_receipt_issue(org=entry.organization, actor=None, entry=entry)


def _locked(org: Any, entry: RegistryEntry) -> RegistryEntry:
    return RegistryEntry.objects.select_for_update().get(organization=org, pk=entry.pk)


@transaction.atomic
def registry_entry_annul(
    *, org: Any, actor: Any, entry: RegistryEntry, reason: str
) -> RegistryEntry:
    """Annul an entry: it keeps its number and stays in the book, marked annulled with the reason."""
    entry = _locked(org, entry)
    reason = (reason or "").strip()
    if entry.status == EntryStatus.ANNULLED:
        raise ValidationError(_("This entry is already annulled."), code="annulled")
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the annulment.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most %(limit)d characters.") % {"limit": 500}})
    entry.status = EntryStatus.ANNULLED
    entry.annulled_at = timezone.now()
    entry.annulled_by = actor
    entry.annulment_reason = reason
    entry.save(update_fields=["status", "annulled_at", "annulled_by", "annulment_reason"])
    audit_record(
        org=org, actor=actor, action="registry.entry.annul", obj=entry,
        changes={"number": entry.number, "status": [EntryStatus.REGISTERED, EntryStatus.ANNULLED], "reason": reason},
    )  # fmt: skip
    return entry


def registry_entry_rectify(
    *, org: Any, actor: Any, entry: RegistryEntry, reason: str, **fields: Any
) -> RegistryEntry:
    """Correct an entry by registering a new one linked to it; the original stays as it was."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for the rectification.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("At most %(limit)d characters.") % {"limit": 500}})
    if entry.organization_id != org.pk:
        raise RegistryEntry.DoesNotExist
    if entry.status == EntryStatus.ANNULLED:
        raise ValidationError(_("An annulled entry cannot be rectified."), code="annulled")
    # The correction stays in the same book (direction) as the entry it corrects.
    fields["direction"] = entry.direction
    return registry_entry_create(
        org=org, actor=actor, rectifies=entry, rectification_reason=reason, **fields
    )


@transaction.atomic
def registry_entry_acknowledge(*, org: Any, actor: Any, entry: RegistryEntry) -> RegistryEntry:
    """The destination unit confirms it has received the entry."""
    entry = _locked(org, entry)
    if entry.destination_unit_id is None:
        raise ValidationError(_("This entry was not routed to a unit."), code="no_unit")
    if entry.status == EntryStatus.ANNULLED:
        raise ValidationError(_("An annulled entry needs no acknowledgement."), code="annulled")
    if entry.acknowledged_at is not None:
        raise ValidationError(_("This entry was already acknowledged."), code="acknowledged")
    entry.acknowledged_at = timezone.now()
    entry.acknowledged_by = actor
    entry.save(update_fields=["acknowledged_at", "acknowledged_by"])
    audit_record(org=org, actor=actor, action="registry.entry.acknowledge", obj=entry,
                 changes={"number": entry.number, "unit": entry.destination_unit_id})  # fmt: skip
    return entry


# --- units and settings --------------------------------------------------------------------------
@transaction.atomic
def unit_create(
    *,
    org: Any,
    actor: Any,
    name: str,
    dir3_code: str = "",
    translations: Translations | None = None,
) -> Unit:
    """`name` is in the active language; `translations` gives the others (`{"es": {"name": ...}}`)."""
    columns = translated_columns(("name",), translations)
    unit = Unit(
        organization=org, name=(name or "").strip(), dir3_code=(dir3_code or "").strip().upper(),
        **columns,
    )  # fmt: skip
    unit.full_clean()
    unit.save(force_insert=True)
    audit_record(org=org, actor=actor, action="registry.unit.create", obj=unit,
                 changes={"name": unit.name, "dir3_code": unit.dir3_code, **columns})  # fmt: skip
    return unit


@transaction.atomic
def unit_set_active(*, org: Any, actor: Any, unit: Unit, is_active: bool) -> Unit:
    if unit.organization_id != org.pk:
        raise Unit.DoesNotExist
    if unit.is_active != is_active:
        unit.is_active = is_active
        unit.save(update_fields=["is_active"])
        audit_record(org=org, actor=actor, action="registry.unit.update", obj=unit,
                     changes={"is_active": [not is_active, is_active]})  # fmt: skip
    return unit


NUMBER_FIELD_SPECS = {
    "direction": {""},
    "year": {""},
    "seq": {""} | {f"0{n}d" for n in range(1, 13)},
}


def validate_number_format(number_format: str) -> None:
    """Only {direction}, {year} and {seq} (or {seq:0Nd}, N up to 12), each exactly once.

    All three are required: without the direction or the year, numbers of the two books or of two
    years would collide.
    """
    error = ValidationError({"number_format": _(
        "Use {direction}, {year} and {seq} once each, e.g. {direction}/{year}/{seq:06d} "
        "(numbers of at most 40 characters)."
    )})  # fmt: skip
    try:
        parsed = list(Formatter().parse(number_format))
    except ValueError as exc:
        raise error from exc
    if any(conversion for *_rest, conversion in parsed):
        raise error
    fields = [(name, spec or "") for _text, name, spec, _conv in parsed if name is not None]
    names = [name for name, _spec in fields]
    if sorted(names) != ["direction", "seq", "year"]:
        raise error
    if any(spec not in NUMBER_FIELD_SPECS[name] for name, spec in fields):
        raise error
    if len(format_number(number_format, direction=Direction.OUT, year=2026, seq=10**12 - 1)) > 40:
        raise error


@transaction.atomic
def registry_settings_set(*, org: Any, actor: Any, number_format: str) -> RegistrySettings:
    number_format = (number_format or "").strip()
    validate_number_format(number_format)
    row, _created = RegistrySettings.objects.get_or_create(organization=org)
    old = row.number_format
    row.number_format = number_format
    row.save(update_fields=["number_format"])
    audit_record(org=org, actor=actor, action="registry.settings.update", obj=row,
                 changes={"number_format": [old, number_format]})  # fmt: skip
    return row
