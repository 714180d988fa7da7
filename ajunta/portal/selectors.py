"""Reads of the citizens' side: the municipalities one may file to, and a citizen's own filings.

A citizen reads only what they filed: every lookup here starts from `registry.selectors.filings_of`,
so another person's entry is missing, exactly like one that does not exist.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from ajunta.registry import selectors as registry_selectors
from ajunta.registry.models import RegistryEntry
from ajunta.tenants.models import Organization, OrganizationKind

MUNICIPALITY_SEARCH_LIMIT = 50


def municipalities() -> QuerySet[Organization]:
    """Every member municipality, by name: where a citizen may file an application."""
    return Organization.objects.filter(kind=OrganizationKind.MUNICIPALITY).order_by("name")


def municipality_search(
    *, q: str, limit: int = MUNICIPALITY_SEARCH_LIMIT
) -> tuple[list[Organization], bool]:
    """(municipalities to offer, whether there are more than shown).

    With no search text the whole list is offered only when it is short: a provincial council may
    serve hundreds of municipalities, so it then waits for a few letters of the name.
    """
    rows = municipalities()
    q = " ".join(q.split())
    if q:
        rows = rows.filter(name__icontains=q)
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, False
    return ([] if not q else found[:limit]), True


def citizen_filings(*, user: Any) -> QuerySet[RegistryEntry]:
    """What `user` filed online, in any organization, newest first."""
    return registry_selectors.filings_of(user=user)


def citizen_filing(*, user: Any, pk: Any) -> RegistryEntry:
    """One entry `user` filed, with its parties and attachments. DoesNotExist for anyone else's."""
    entry = citizen_filings(user=user).get(pk=pk)
    return registry_selectors.entry_get(org=entry.organization, pk=entry.pk)
