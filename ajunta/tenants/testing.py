"""Test helpers for apps whose provider pages cover the provider's members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ajunta.core.testing import make_org
from ajunta.tenants import services
from ajunta.tenants.models import Organization, OrganizationKind


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
