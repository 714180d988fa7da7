"""Writes of the register of persons. Each is keyword-only, atomic and audited.

Persons (create, update with history in the audit chain), their addresses and representations,
the person behind a filed party (`person_for_party`: found by identity number or created from
the filing), and merging duplicates (references move, the merged row stays as merged-into).

Other apps hold references to persons (registry parties, case parties, ...): each registers the
model in its AppConfig.ready() with `register_person_reference`, so that a merge moves them
without this app importing theirs, and `register_person_records` for the person's page and data
export ("everything filed by or about them").
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.es import cif, nie, nif

from ajunta.core.audit import audit_record, changed_fields
from ajunta.core.parties import IdType, PersonType
from ajunta.core.validators import validate_ine_code
from ajunta.persons import places
from ajunta.persons.models import (
    Address,
    AddressKind,
    Channel,
    Person,
    PowerKind,
    Representation,
)

if TYPE_CHECKING:
    from ajunta.tenants.models import Organization

ID_VALIDATORS: dict[str, Any] = {IdType.NIF: nif, IdType.NIE: nie, IdType.CIF: cif}
PERSON_FIELDS = (
    "person_type", "id_type", "id_number", "name", "first_surname", "second_surname",
    "company_name", "email", "phone", "mobile", "deh_email", "preferred_channel",
    "electronic_consent", "observations",
)  # fmt: skip
ADDRESS_FIELDS = (
    "kind",
    "street",
    "postal_code",
    "municipality_ine",
    "province_code",
    "country_code",
)


# --- references held by other apps ---------------------------------------------------------------
@dataclass(frozen=True)
class PersonRecord:
    """One thing filed by or about a person, as another app describes it."""

    kind: str  # "registry_entry", "case", "notification", ...
    kind_label: str
    reference: str  # the entry's or case's number
    title: str
    url: str
    at: dt.datetime | dt.date | None
    role: str = ""
    # What was filed under the person's name then (the snapshot), when it differs from today's.
    filed_as: str = ""


PERSON_REFERENCES: list[str] = []  # "app_label.Model" with a `person` foreign key
PERSON_RECORDS: list[Callable[..., list[PersonRecord]]] = []


def register_person_reference(label: str) -> None:
    if label not in PERSON_REFERENCES:
        PERSON_REFERENCES.append(label)


def register_person_records(provider: Callable[..., list[PersonRecord]]) -> None:
    """`provider(org=..., person_ids=[...])` returns the PersonRecords of those persons."""
    if provider not in PERSON_RECORDS:
        PERSON_RECORDS.append(provider)


# --- checking ------------------------------------------------------------------------------------
def normalize_text(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def clean_id_number(id_type: str, id_number: str) -> str:
    """The identity number in its compact form, checked with python-stdnum for NIF, NIE and CIF.
    Raises ValidationError({"id_number": ...})."""
    id_number = (id_number or "").strip().upper()
    validator = ID_VALIDATORS.get(id_type)
    if validator is not None:
        try:
            return str(validator.validate(id_number))
        except Exception as exc:
            raise ValidationError(
                {"id_number": _("This %(type)s is not valid.") % {"type": IdType(id_type).label}}
            ) from exc
    if not id_number:
        raise ValidationError({"id_number": _("Give the document number.")})
    return id_number


def guess_id_type(id_number: str) -> str:
    """NIF, NIE or CIF, whichever python-stdnum accepts; "" when none does."""
    for id_type, validator in ID_VALIDATORS.items():
        if validator.is_valid(id_number or ""):
            return str(id_type)
    return ""


def _limit(model: Any, field: str) -> int | None:
    return getattr(model._meta.get_field(field), "max_length", None)


def person_clean(raw: dict[str, Any], *, partial_of: Person | None = None) -> dict[str, Any]:
    """A person's fields normalized and checked; with `partial_of`, missing keys keep its values."""
    values: dict[str, Any] = {}
    for field in PERSON_FIELDS:
        if field in raw:
            values[field] = raw[field]
        elif partial_of is not None:
            values[field] = getattr(partial_of, field)
        else:
            values[field] = False if field == "electronic_consent" else ""
    for field, value in values.items():
        if isinstance(value, str):
            values[field] = value.strip()
    values["electronic_consent"] = bool(values["electronic_consent"])
    errors: dict[str, str] = {}
    if values["person_type"] not in PersonType.values:
        errors["person_type"] = _("Say whether it is a natural or a legal person.")
    if values["id_type"] not in IdType.values:
        errors["id_type"] = _("Choose the type of identity document.")
    else:
        try:
            values["id_number"] = clean_id_number(values["id_type"], values["id_number"])
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if values["person_type"] == PersonType.LEGAL:
        if not values["company_name"]:
            errors["company_name"] = _("Give the company name.")
    elif values["person_type"] == PersonType.NATURAL:
        if not values["name"]:
            errors["name"] = _("Give the name.")
        if not values["first_surname"]:
            errors["first_surname"] = _("A natural person needs at least the first surname.")
    for field in ("email", "deh_email"):
        if values[field]:
            try:
                validate_email(values[field])
            except ValidationError:
                errors[field] = _("This e-mail address is not valid.")
    if values["preferred_channel"] and values["preferred_channel"] not in Channel.values:
        errors["preferred_channel"] = _("Unknown channel.")
    for field in PERSON_FIELDS:
        limit = _limit(Person, field)
        if limit and isinstance(values[field], str) and len(values[field]) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    return values


def address_clean(raw: dict[str, Any]) -> dict[str, Any]:
    values = {field: str(raw.get(field) or "").strip() for field in ADDRESS_FIELDS}
    values["kind"] = values["kind"] or AddressKind.HOME
    values["country_code"] = values["country_code"] or "724"
    errors: dict[str, str] = {}
    if values["kind"] not in AddressKind.values:
        errors["kind"] = _("Unknown choice.")
    if not values["street"]:
        errors["street"] = _("Give the address.")
    if values["postal_code"] and not (
        len(values["postal_code"]) == 5 and values["postal_code"].isdigit()
    ):
        errors["postal_code"] = _("A postal code has 5 digits.")
    if values["municipality_ine"]:
        try:
            validate_ine_code(values["municipality_ine"])
        except ValidationError as exc:
            errors["municipality_ine"] = exc.messages[0]
        else:
            if not places.municipality_exists(values["municipality_ine"]):
                errors["municipality_ine"] = _("No municipality has this INE code.")
            values["province_code"] = values["municipality_ine"][:2]
    if values["province_code"] and not places.province_name(values["province_code"]):
        errors["province_code"] = _("No province has this code.")
    for field in ADDRESS_FIELDS:
        limit = _limit(Address, field)
        if limit and len(values[field]) > limit:
            errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    if errors:
        raise ValidationError(errors)
    return values


def search_document(person: Person) -> str:
    parts = (person.id_number, person.name, person.first_surname, person.second_surname,
             person.company_name, person.email)  # fmt: skip
    return normalize_text(" ".join(p for p in parts if p))


def _own(org: Organization, obj: Any) -> None:
    if obj.organization_id != org.pk:
        raise type(obj).DoesNotExist


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _live(org: Organization, id_number: str, exclude: int | None = None) -> Person | None:
    rows = Person.objects.filter(organization=org, id_number=id_number, merged_into__isnull=True)
    if exclude is not None:
        rows = rows.exclude(pk=exclude)
    return rows.first()


# --- persons -------------------------------------------------------------------------------------
@transaction.atomic
def person_create(
    *, org: Organization, actor: Any, address: dict[str, Any] | None = None, **fields: Any
) -> Person:
    values = person_clean(fields)
    if _live(org, values["id_number"]) is not None:
        raise ValidationError({"id_number": _("A person with this number is already registered.")})
    address_values = address_clean(address) if address and address.get("street") else None
    person = Person(organization=org, created_by=_user(actor), **values)
    if person.electronic_consent:
        person.electronic_consent_at = timezone.now()
    person.search_document = search_document(person)
    person.save()
    if address_values:
        Address.objects.create(organization=org, person=person, is_primary=True, **address_values)
    audit_record(org=org, actor=actor, action="persons.person.create", obj=person,
                 changes={**values, "address": address_values or {}})  # fmt: skip
    return person


@transaction.atomic
def person_update(*, org: Organization, actor: Any, person: Person, **fields: Any) -> Person:
    """Change a person's current data; the changed fields ([old, new]) go to the audit chain,
    which is the person's history. What was filed under the person stays as filed."""
    _own(org, person)
    current = Person.objects.select_for_update().get(pk=person.pk, organization=org)
    if current.is_merged:
        raise ValidationError(_("This person was merged into another: edit that one."))
    values = person_clean(fields, partial_of=current)
    if values["id_number"] != current.id_number and _live(
        org, values["id_number"], exclude=current.pk
    ):
        raise ValidationError(
            {"id_number": _("Another person has this number: merge them instead.")}
        )
    old = {field: getattr(current, field) for field in PERSON_FIELDS}
    for field, value in values.items():
        setattr(current, field, value)
    if current.electronic_consent and not old["electronic_consent"]:
        current.electronic_consent_at = timezone.now()
    elif not current.electronic_consent:
        current.electronic_consent_at = None
    changes = changed_fields(current, list(PERSON_FIELDS), old)
    if changes:
        current.search_document = search_document(current)
        current.save()
        audit_record(org=org, actor=actor, action="persons.person.update", obj=current,
                     changes=changes)  # fmt: skip
    return current


@transaction.atomic
def address_add(
    *, org: Organization, actor: Any, person: Person, primary: bool = False, **fields: Any
) -> Address:
    _own(org, person)
    values = address_clean(fields)
    primary = primary or not person.addresses.exists()
    if primary:
        Address.objects.filter(organization=org, person=person).update(is_primary=False)
    address = Address.objects.create(organization=org, person=person, is_primary=primary, **values)
    audit_record(org=org, actor=actor, action="persons.address.add", obj=person,
                 changes={**values, "primary": primary})  # fmt: skip
    return address


@transaction.atomic
def address_update(*, org: Organization, actor: Any, address: Address, **fields: Any) -> Address:
    """Correct an address (the correction shows wherever the person is shown; filings keep
    what they filed)."""
    _own(org, address)
    current = Address.objects.select_for_update().get(pk=address.pk, organization=org)
    values = address_clean({**{f: getattr(current, f) for f in ADDRESS_FIELDS}, **fields})
    old = {field: getattr(current, field) for field in ADDRESS_FIELDS}
    for field, value in values.items():
        setattr(current, field, value)
    changes = changed_fields(current, list(ADDRESS_FIELDS), old)
    if changes:
        current.save(update_fields=list(ADDRESS_FIELDS))
        audit_record(org=org, actor=actor, action="persons.address.update",
                     obj=current.person, changes={"address": current.pk, **changes})  # fmt: skip
    return current


@transaction.atomic
def representation_add(
    *, org: Organization, actor: Any, representative: Person, represented: Person, kind: str,
    valid_from: dt.date, valid_until: dt.date | None = None, document_reference: str = "",
) -> Representation:  # fmt: skip
    _own(org, representative)
    _own(org, represented)
    if representative.pk == represented.pk:
        raise ValidationError({"representative": _("A person cannot represent themselves.")})
    if kind not in PowerKind.values:
        raise ValidationError({"kind": _("Unknown choice.")})
    if valid_until is not None and valid_until < valid_from:
        raise ValidationError({"valid_until": _("The power cannot end before it starts.")})
    document_reference = (document_reference or "").strip()[:120]
    row = Representation.objects.create(
        organization=org, representative=representative, represented=represented, kind=kind,
        valid_from=valid_from, valid_until=valid_until, document_reference=document_reference,
        created_by=_user(actor),
    )  # fmt: skip
    audit_record(org=org, actor=actor, action="persons.representation.add", obj=represented,
                 changes={"representative": representative.id_number, "kind": kind,
                          "valid_from": valid_from, "valid_until": valid_until})  # fmt: skip
    return row


# --- filed parties -------------------------------------------------------------------------------
def party_values(person: Person) -> dict[str, Any]:
    """The person's current data as a filing's party fields (what a new filing proposes)."""
    address = next(iter(person.addresses.all()), None)  # primary first (Meta.ordering)
    legal = person.person_type == PersonType.LEGAL
    return {
        "person_type": person.person_type,
        "id_type": person.id_type,
        "id_number": person.id_number,
        "name": (person.company_name or person.name) if legal else person.name,
        "first_surname": "" if legal else person.first_surname,
        "second_surname": "" if legal else person.second_surname,
        "address": address.street if address else "",
        "postal_code": address.postal_code if address else "",
        "municipality_ine": address.municipality_ine if address else "",
        "province_code": address.province_code if address else "",
        "country_code": address.country_code if address else "724",
        "email": person.email,
        "phone": person.phone,
        "preferred_channel": person.preferred_channel,
    }


def _from_party(party: dict[str, Any]) -> dict[str, Any]:
    legal = party.get("person_type") == PersonType.LEGAL
    name = party.get("name") or ""
    return {
        "person_type": party.get("person_type") or PersonType.NATURAL,
        "id_type": party.get("id_type") or "",
        "id_number": party.get("id_number") or "",
        "name": "" if legal else name,
        "company_name": party.get("company_name") or (name if legal else ""),
        "first_surname": party.get("first_surname") or "",
        "second_surname": party.get("second_surname") or "",
        "email": party.get("email") or "",
        "phone": party.get("phone") or "",
        "deh_email": party.get("deh_email") or "",
        "preferred_channel": party.get("preferred_channel") or "",
        "observations": "",
        "electronic_consent": False,
        "mobile": "",
    }


def _party_address(party: dict[str, Any]) -> dict[str, Any] | None:
    if not (party.get("address") or "").strip():
        return None
    return {
        "street": party.get("address", ""), "postal_code": party.get("postal_code", ""),
        "municipality_ine": party.get("municipality_ine", ""),
        "province_code": party.get("province_code", ""),
        "country_code": party.get("country_code") or "724",
    }  # fmt: skip


def person_for_party(*, org: Organization, actor: Any, party: dict[str, Any]) -> Person | None:
    """The register's person behind a party just checked for a filing: the live person with its
    identity number, else a new one made from what was filed. An existing person's data is not
    overwritten by a filing (the register is corrected on the person's page); blanks are filled
    and an address not known yet is added. None when the filing's data do not make a valid
    person (the filing itself was already checked; the register stays out of its way)."""
    id_number = (party.get("id_number") or "").strip().upper()
    if not id_number:
        return None
    person = _live(org, id_number)
    proposed = _from_party(party)
    address = _party_address(party)
    if person is None:
        try:
            values = person_clean(proposed)
            address_values = address_clean(address) if address else None
        except ValidationError:
            return None
        person = Person(organization=org, created_by=_user(actor), **values)
        person.search_document = search_document(person)
        person.save()
        if address_values:
            Address.objects.create(
                organization=org, person=person, is_primary=True, **address_values
            )
        audit_record(org=org, actor=actor, action="persons.person.from_filing", obj=person,
                     changes={"id_number": person.id_number})  # fmt: skip
        return person
    filled = [
        field
        for field in ("email", "phone", "deh_email", "preferred_channel", "second_surname")
        if proposed.get(field) and not getattr(person, field)
    ]
    for field in filled:
        setattr(person, field, proposed[field])
    if filled:
        person.search_document = search_document(person)
        person.save(update_fields=[*filled, "search_document", "updated_at"])
    if address:
        street = normalize_text(address["street"]).strip()
        known = {normalize_text(a.street).strip() for a in person.addresses.all()}
        if street not in known:
            cleaned: dict[str, Any] | None
            try:
                cleaned = address_clean(address)
            except ValidationError:
                cleaned = None
            if cleaned:
                values = cleaned
                Address.objects.create(
                    organization=org, person=person, is_primary=not known, **values
                )
                filled.append("address")
    if filled:
        audit_record(org=org, actor=actor, action="persons.person.filled_from_filing",
                     obj=person, changes={"fields": filled})  # fmt: skip
    return person


# --- merging -------------------------------------------------------------------------------------
@transaction.atomic
def person_merge(
    *, org: Organization, actor: Any, duplicate: Person, into: Person, reason: str = ""
) -> Person:
    """Merge `duplicate` into `into`: every reference (filed parties of every app, addresses,
    representations) moves to `into`; `duplicate` stays, marked merged into `into`, never deleted.
    The audit event lists what moved."""
    _own(org, duplicate)
    _own(org, into)
    if duplicate.pk == into.pk:
        raise ValidationError({"into": _("A person cannot be merged into themselves.")})
    rows = {
        p.pk: p
        for p in Person.objects.select_for_update()
        .filter(organization=org, pk__in=[duplicate.pk, into.pk])
        .order_by("pk")
    }
    source, target = rows[duplicate.pk], rows[into.pk]
    if source.is_merged or target.is_merged:
        raise ValidationError(_("A person already merged cannot take part in another merge."))
    moved: dict[str, int] = {}
    for label in PERSON_REFERENCES:
        model = apps.get_model(label)
        moved[label] = model.objects.filter(organization=org, person=source).update(person=target)
    moved["persons.Address"] = Address.objects.filter(organization=org, person=source).update(
        person=target, is_primary=False
    )
    moved["persons.Representation(representative)"] = Representation.objects.filter(
        organization=org, representative=source
    ).update(representative=target)
    moved["persons.Representation(represented)"] = Representation.objects.filter(
        organization=org, represented=source
    ).update(represented=target)
    # Earlier merges into the duplicate now point at the survivor.
    Person.objects.filter(organization=org, merged_into=source).update(merged_into=target)
    filled = [
        field
        for field in ("email", "phone", "mobile", "deh_email", "preferred_channel")
        if getattr(source, field) and not getattr(target, field)
    ]
    for field in filled:
        setattr(target, field, getattr(source, field))
    if filled:
        target.search_document = search_document(target)
        target.save(update_fields=[*filled, "search_document", "updated_at"])
    source.merged_into = target
    source.merged_at = timezone.now()
    source.save(update_fields=["merged_into", "merged_at", "updated_at"])
    changes = {"into": target.pk, "into_id_number": target.id_number,
               "id_number": source.id_number, "moved": moved, "filled": filled,
               "reason": (reason or "").strip()[:500]}  # fmt: skip
    audit_record(org=org, actor=actor, action="persons.person.merge", obj=source, changes=changes)
    audit_record(org=org, actor=actor, action="persons.person.merged_in", obj=target,
                 changes=changes)  # fmt: skip
    return target


def records_of(*, org: Organization, person: Person) -> list[PersonRecord]:
    """Everything filed by or about `person` (and the persons merged into it), newest first."""
    ids = [person.pk, *Person.objects.filter(organization=org, merged_into=person)
           .values_list("pk", flat=True)]  # fmt: skip
    records: list[PersonRecord] = []
    for provider in PERSON_RECORDS:
        records.extend(provider(org=org, person_ids=ids))

    def when(record: PersonRecord) -> float:
        at = record.at
        if at is None:
            return 0.0
        if isinstance(at, dt.datetime):
            return at.timestamp()
        return dt.datetime.combine(at, dt.time(), tzinfo=dt.UTC).timestamp()

    return sorted(records, key=when, reverse=True)


def person_export(*, org: Organization, actor: Any, person: Person) -> dict[str, Any]:
    """The person's data (GDPR art. 15 access): the register's row, addresses, representations,
    everything filed by or about them, and the history of changes. The export is audited."""
    from ajunta.persons import selectors

    _own(org, person)
    addresses = list(person.addresses.all())
    data = {
        "person": {field: getattr(person, field) for field in PERSON_FIELDS},
        "full_name": person.full_name,
        "created_at": person.created_at,
        "updated_at": person.updated_at,
        "electronic_consent_at": person.electronic_consent_at,
        "addresses": [
            {
                **{f: getattr(a, f) for f in ADDRESS_FIELDS},
                "primary": a.is_primary,
                "municipality": places.municipality_name(a.municipality_ine),
                "province": places.province_name(a.province_code),
            }
            for a in addresses
        ],
        "represents": [
            {
                "person": r.represented.full_name,
                "id_number": r.represented.id_number,
                "kind": r.kind,
                "valid_from": r.valid_from,
                "valid_until": r.valid_until,
            }
            for r in selectors.representations(org=org, person=person, side="representative")
        ],
        "represented_by": [
            {
                "person": r.representative.full_name,
                "id_number": r.representative.id_number,
                "kind": r.kind,
                "valid_from": r.valid_from,
                "valid_until": r.valid_until,
            }
            for r in selectors.representations(org=org, person=person, side="represented")
        ],
        "records": [
            {
                "kind": r.kind,
                "reference": r.reference,
                "title": r.title,
                "at": r.at,
                "role": r.role,
                "filed_as": r.filed_as,
            }
            for r in records_of(org=org, person=person)
        ],
        "history": [
            {"at": e.created_at, "action": e.action, "changes": e.changes}
            for e in selectors.history(org=org, person=person)
        ],
    }
    audit_record(org=org, actor=actor, action="persons.person.export", obj=person, changes={})
    return data
