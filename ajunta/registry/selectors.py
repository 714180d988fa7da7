"""Reads of the registry. Every read of tenant data takes the organization."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from ajunta.core.modules import Figure
from ajunta.registry.models import EntryAttachment, InterestedParty, RegistryEntry, Unit
from ajunta.registry.services import normalize_text

# PostgreSQL only: the stored, GIN-indexed tsvector column made by migration 0003.
FULL_TEXT_MATCH = "registry_registryentry.search_vector @@ plainto_tsquery('simple'::regconfig, %s)"


def text_search(entries: QuerySet[RegistryEntry], text: str) -> QuerySet[RegistryEntry]:
    """Entries whose number, subject, summary or parties contain every word of `text`."""
    query = normalize_text(text).strip()
    if not query:
        return entries
    if connection.vendor == "postgresql":
        match = RawSQL(FULL_TEXT_MATCH, [query], output_field=BooleanField())  # noqa: S611  (constant SQL, query as a parameter)
        return entries.filter(match)
    for word in query.split():
        entries = entries.filter(search_document__contains=word)
    return entries


def entries(
    *,
    org: Any,
    number: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    direction: str = "",
    party: str = "",
    subject: str = "",
    unit: Unit | int | None = None,
    channel: str = "",
    status: str = "",
    q: str = "",
) -> QuerySet[RegistryEntry]:
    """The registry book of `org`, newest first, filtered."""
    rows: QuerySet[RegistryEntry] = RegistryEntry.objects.filter(organization=org)
    if number:
        rows = rows.filter(number__icontains=number.strip())
    if date_from:
        rows = rows.filter(filed_at__gte=_start_of(date_from))
    if date_to:
        rows = rows.filter(filed_at__lt=_start_of(date_to + dt.timedelta(days=1)))
    if direction:
        rows = rows.filter(direction=direction)
    if channel:
        rows = rows.filter(channel=channel)
    if status:
        rows = rows.filter(status=status)
    if unit:
        rows = rows.filter(destination_unit=unit)
    if party:
        term = party.strip()
        matching = InterestedParty.objects.filter(organization=org).filter(
            Q(id_number__iexact=term.upper())
            | Q(name__icontains=term)
            | Q(first_surname__icontains=term)
        )
        rows = rows.filter(pk__in=matching.values("entry_id"))
    if subject:
        rows = rows.filter(Q(epigraph__icontains=subject) | Q(summary__icontains=subject))
    if q:
        rows = text_search(rows, q)
    return rows.select_related("destination_unit").order_by("-filed_at", "-id")


# What a list row prints of its parties (the book, the API list): names and identity document.
ROW_PARTY_FIELDS = ("entry_id", "position", "name", "first_surname", "second_surname", "id_number")


def with_row_parties(rows: QuerySet[RegistryEntry]) -> QuerySet[RegistryEntry]:
    """`rows` with the parties a list row prints, in one query for the page."""
    return rows.prefetch_related(
        Prefetch("parties", InterestedParty.objects.only(*ROW_PARTY_FIELDS))
    )


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def entry_get(*, org: Any, pk: Any) -> RegistryEntry:
    """One entry of `org` with everything its page shows. DoesNotExist for another organization's."""
    return (
        RegistryEntry.objects.filter(organization=org)
        .select_related(
            "destination_unit", "receipt", "rectifies", "annulled_by", "acknowledged_by"
        )
        .prefetch_related(
            Prefetch("parties", queryset=InterestedParty.objects.order_by("position")),
            Prefetch(
                "attachments",
                queryset=EntryAttachment.objects.select_related("document").order_by("position"),
            ),
            "rectifications",
        )
        .get(pk=pk)
    )


def entry_by_number(*, org: Any, number: str) -> RegistryEntry:
    return RegistryEntry.objects.get(organization=org, number=number)


def units(*, org: Any, active_only: bool = False) -> QuerySet[Unit]:
    rows = Unit.objects.filter(organization=org)
    return rows.filter(is_active=True) if active_only else rows


def pending_acknowledgement(*, org: Any, unit: Unit | None = None) -> QuerySet[RegistryEntry]:
    """Entries routed to a unit and not yet acknowledged, oldest first."""
    rows = RegistryEntry.objects.filter(
        organization=org,
        destination_unit__isnull=False,
        acknowledged_at__isnull=True,
        status="registered",
    )
    if unit is not None:
        rows = rows.filter(destination_unit=unit)
    return rows.select_related("destination_unit").order_by("filed_at", "id")


def filings_of(*, user: Any) -> QuerySet[RegistryEntry]:
    """What a citizen filed online, across organizations, newest first (their own data only)."""
    return (
        RegistryEntry.objects.filter(filer=user)
        .select_related("organization", "receipt")
        .order_by("-filed_at", "-id")
    )


def entries_without_receipt(*, before: dt.datetime, limit: int) -> list[RegistryEntry]:
    """Entries of every organization filed before `before` whose receipt was never issued (a
    worker died after the filing committed): the sweep's work (core.sweep), oldest first."""
    return list(
        RegistryEntry.objects.filter(receipt__isnull=True, filed_at__lt=before)
        .select_related("organization")
        .order_by("filed_at", "pk")[:limit]
    )


def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    """Entries routed to the units and not yet acknowledged: one query."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    pending = pending_acknowledgement(org=org).count()
    return [
        Figure(
            _("Entries to acknowledge in the units"),
            pending,
            reverse("registry_units", args=[org.slug]),
            tone="warn" if pending else "ok",
        )
    ]


def person_records(*, org: Any, person_ids: list[int]) -> list[Any]:
    """The registry entries filed by or about these persons (persons.services.PersonRecord), with
    the name each was filed under: one query."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from ajunta.persons.services import PersonRecord

    rows = (
        InterestedParty.objects.filter(organization=org, person_id__in=person_ids)
        .select_related("entry")
        .order_by("-entry__filed_at", "-id")
    )
    return [
        PersonRecord(
            kind="registry_entry",
            kind_label=gettext("Registry entry"),
            reference=party.entry.number,
            title=party.entry.summary,
            url=reverse("registry_entry", args=[org.slug, party.entry_id]),
            at=party.entry.filed_at,
            role=party.get_role_display(),
            filed_as=f"{party.full_name} · {party.address}".strip(" ·"),
        )
        for party in rows
    ]
