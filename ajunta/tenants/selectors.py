from typing import Any

from django.db.models import QuerySet

from ajunta.tenants.models import Organization, OrganizationKind


def organization_by_slug(*, slug: str) -> Organization:
    return Organization.objects.get(slug=slug)


def members(*, provider: Any) -> QuerySet[Organization]:
    """Organizations served by the provider (membership records come with the members issue)."""
    return Organization.objects.exclude(pk=provider.pk).order_by("name")


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
