from typing import Any

from django.db.models import QuerySet

from ajunta.tenants.models import Organization


def organization_by_slug(*, slug: str) -> Organization:
    return Organization.objects.get(slug=slug)


def members(*, provider: Any) -> QuerySet[Organization]:
    """Organizations served by the provider (membership records come with the members issue)."""
    return Organization.objects.exclude(pk=provider.pk).order_by("name")
