"""Test helpers for apps whose provider pages cover the provider's members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ajunta.core.testing import make_org
from ajunta.tenants import services
from ajunta.tenants.models import CatalogueService, Organization, OrganizationKind


def make_provider(
    slug: str = "consell", *, members: tuple[Organization, ...] = (), **fields: Any
) -> Organization:
    """The provider organization, with `members` recorded as active members since 2020."""
    values: dict[str, Any] = {"name": "Consell Comarcal", "kind": OrganizationKind.PROVIDER}
    provider = make_org(slug, is_provider=True, **{**values, **fields})
    for member in members:
        services.membership_enter(
            org=provider, actor=None, member=member, start_date=dt.date(2020, 1, 1)
        )
    return provider


def give_modules(
    provider: Organization,
    member: Organization,
    modules: tuple[str, ...],
    *,
    start: dt.date = dt.date(2020, 1, 1),
    end: dt.date = dt.date(2099, 12, 31),
) -> None:
    """Sign a services agreement from `provider` to `member` with one catalogue service per module
    (created on first use), so that `member` uses and receives exactly those modules."""
    chosen = []
    for code in modules:
        service = CatalogueService.objects.filter(
            organization=provider, code=f"module-{code}"
        ).first()
        if service is None:
            service = services.catalogue_service_create(
                org=provider, actor=None, code=f"module-{code}", name=code, module=code,
                included_in_membership=True,
            )  # fmt: skip
        chosen.append(service)
    services.agreement_create(
        org=provider, actor=None, member=member, title=f"Agreement {member.slug}",
        start_date=start, end_date=end, services=chosen,
    )  # fmt: skip
