"""Reads of SIR interchanges and the DIR3 directory. Every read of tenant data takes the organization.

One deliberate exception, because DIR3 is a public directory: the offices and units a member
declares as its own (`is_own`) and the members' DIR3 codes are read across organizations, to choose
a destination and to deliver internally. Nothing else of another organization is ever read here.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from ajunta.core.tenancy import organization_model
from ajunta.registry import selectors as registry_selectors
from ajunta.sir.models import (
    DirectoryEntry,
    DirectoryKind,
    Interchange,
    InterchangeAttachment,
    InterchangeEvent,
    Side,
    State,
)

OPEN_OUT_STATES = (State.SENT, State.ACKNOWLEDGED, State.FORWARDED, State.ACCEPTED)
TRAYS: dict[str, Q] = {
    "pending": Q(side=Side.IN, state=State.RECEIVED),
    "sent": Q(side=Side.OUT, state__in=(State.SENT, State.ACKNOWLEDGED, State.FORWARDED)),
    "accepted": Q(state=State.ACCEPTED),
    "rejected": Q(state__in=(State.REJECTED, State.ERROR)),
    "forwarded": Q(side=Side.IN, state=State.FORWARDED),
    "all": Q(),
}


def interchanges(*, org: Any, tray: str = "all", q: str = "") -> QuerySet[Interchange]:
    """The interchanges `org` sent or received, in one tray, most recently changed first."""
    rows = Interchange.objects.filter(organization=org).filter(TRAYS.get(tray, Q()))
    if q:
        term = q.strip()
        rows = rows.filter(
            Q(identifier__icontains=term)
            | Q(summary__icontains=term)
            | Q(origin_entry_number__icontains=term)
            | Q(destination_entry_number__icontains=term)
        )
    return rows.select_related("entry").order_by("-updated_at", "-id")


def tray_counts(*, org: Any) -> dict[str, int]:
    counts = Interchange.objects.filter(organization=org).aggregate(
        **{name: Count("id", filter=cond) for name, cond in TRAYS.items() if name != "all"}
    )
    return {name: value or 0 for name, value in counts.items()}


def interchange_get(*, org: Any, pk: Any) -> Interchange:
    """One interchange of `org` with its trace and attachments; DoesNotExist for anyone else's."""
    return (
        Interchange.objects.filter(organization=org)
        .select_related("entry", "created_by")
        .prefetch_related(
            Prefetch(
                "events",
                queryset=InterchangeEvent.objects.select_related("actor").order_by("at", "id"),
            ),
            Prefetch(
                "attachments",
                queryset=InterchangeAttachment.objects.select_related("document").order_by(
                    "position"
                ),
            ),
        )
        .get(pk=pk)
    )


def out_interchange_by_identifier(*, org: Any, identifier: str) -> Interchange | None:
    return (
        Interchange.objects.filter(organization=org, side=Side.OUT, identifier=identifier)
        .order_by("-id")
        .first()
    )


def in_interchange_exists(*, org: Any, identifier: str) -> bool:
    """Whether this interchange already waits here or was accepted here (a duplicate)."""
    return Interchange.objects.filter(
        organization=org,
        side=Side.IN,
        identifier=identifier,
        state__in=(State.RECEIVED, State.ACCEPTED),
    ).exists()


def sendable_entries(*, org: Any) -> QuerySet:
    """Outgoing, registered entries of `org` that are not already travelling or delivered."""
    busy = Interchange.objects.filter(
        organization=org, side=Side.OUT, state__in=OPEN_OUT_STATES, entry__isnull=False
    ).values("entry_id")
    return registry_selectors.entries(org=org, direction="out", status="registered").exclude(
        pk__in=busy
    )


# --- DIR3 directory ---------------------------------------------------------------------------
def directory(*, org: Any, q: str = "", own_only: bool = False) -> QuerySet[DirectoryEntry]:
    """What `org` may choose from: its own imported entries and every member's own offices."""
    rows = DirectoryEntry.objects.filter(Q(organization=org) | Q(is_own=True))
    if own_only:
        rows = DirectoryEntry.objects.filter(organization=org, is_own=True)
    if q:
        term = q.strip()
        rows = rows.filter(Q(code__icontains=term) | Q(name__icontains=term))
    return rows.select_related("organization").order_by("code", "id")


def member_bodies(*, q: str = "", limit: int = 20) -> list[Any]:
    """Member organizations with a DIR3 code, matching `q`: destinations on this platform."""
    rows = organization_model().objects.exclude(dir3_code="")
    if q:
        term = q.strip()
        rows = rows.filter(Q(dir3_code__icontains=term) | Q(name__icontains=term))
    return list(rows.order_by("name")[:limit])


def own_codes(*, org: Any) -> set[str]:
    """The DIR3 codes that address `org`: its own code and its own offices and units."""
    codes = set(
        DirectoryEntry.objects.filter(organization=org, is_own=True).values_list("code", flat=True)
    )
    if org.dir3_code:
        codes.add(org.dir3_code)
    return codes


def office_code_of(*, org: Any) -> str:
    """The registry office code `org` sends from: its first own office, else its DIR3 code."""
    office = (
        DirectoryEntry.objects.filter(organization=org, is_own=True, kind=DirectoryKind.OFFICE)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    return office or org.dir3_code or ""


def name_of_code(*, org: Any, code: str) -> str:
    """A DIR3 code's name as `org` sees it in the directory, or "" when unknown."""
    if not code:
        return ""
    row = directory(org=org).filter(code=code).values_list("name", flat=True).first()
    if row:
        return str(row)
    member = organization_model().objects.filter(dir3_code=code).values_list("name", flat=True)
    return str(member.first() or "")


def member_for_code(code: str) -> Any:
    """The member organization a DIR3 code delivers to on this platform, or None."""
    if not code:
        return None
    member = organization_model().objects.filter(dir3_code=code).first()
    if member is not None:
        return member
    row = DirectoryEntry.objects.filter(code=code, is_own=True).select_related("organization")
    found = row.first()
    return found.organization if found is not None else None
