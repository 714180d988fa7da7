"""Reads of the register of persons; every one takes the organization."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Prefetch, Q, QuerySet

from ajunta.core.models import AuditEvent
from ajunta.persons.models import Address, Person, Representation
from ajunta.persons.services import clean_id_number, guess_id_type, normalize_text

if TYPE_CHECKING:
    from ajunta.tenants.models import Organization


def persons(*, org: Organization, q: str = "", include_merged: bool = False) -> QuerySet[Person]:
    rows = Person.objects.filter(organization=org)
    if not include_merged:
        rows = rows.filter(merged_into__isnull=True)
    for word in normalize_text(q).split()[:8]:
        rows = rows.filter(search_document__contains=word)
    return rows


def person_get(*, org: Organization, pk: Any) -> Person:
    return (
        Person.objects.filter(organization=org)
        .select_related("merged_into")
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "id"))
        )
        .get(pk=pk)
    )


def person_by_id_number(*, org: Organization, id_number: str) -> Person | None:
    """The live person with this identity number (as typed: spaces, dashes and case do not
    matter), with its addresses; a merged row leads to the person it was merged into."""
    raw = (id_number or "").strip().upper()
    if not raw:
        return None
    candidates = {raw.replace(" ", "").replace("-", "")}
    id_type = guess_id_type(raw)
    if id_type:
        candidates.add(clean_id_number(id_type, raw))
    person = (
        Person.objects.filter(organization=org, id_number__in=candidates)
        .order_by("merged_into_id", "-id")  # the live one (NULL) first
        .first()
    )
    while person is not None and person.merged_into_id is not None:
        person = Person.objects.filter(organization=org, pk=person.merged_into_id).first()
    if person is None:
        return None
    return person_get(org=org, pk=person.pk)


def representations(
    *, org: Organization, person: Person, side: str = "represented"
) -> QuerySet[Representation]:
    """side="represented": who acts for `person`; side="representative": whom `person` acts for."""
    rows = Representation.objects.filter(organization=org).select_related(
        "representative", "represented"
    )
    return rows.filter(**{side: person})


def history(*, org: Organization, person: Person) -> QuerySet[AuditEvent]:
    """The person's changes in the audit chain, newest first."""
    return (
        AuditEvent.objects.filter(
            organization=org, object_type="persons.person", object_id=str(person.pk)
        )
        .select_related("actor")
        .order_by("-created_at", "-seq")
    )


def duplicates_of(*, org: Organization, person: Person) -> QuerySet[Person]:
    """Live persons that look like the same one: same names (or company name), another number."""
    rows = persons(org=org).exclude(pk=person.pk)
    if person.company_name:
        return rows.filter(company_name__iexact=person.company_name)
    return rows.filter(
        Q(name__iexact=person.name) & Q(first_surname__iexact=person.first_surname)
    ).exclude(name="")
