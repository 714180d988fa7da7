"""Writes of organizations. Atomic and audited in the organization's own chain."""

from typing import Any

from django.db import transaction

from ajunta.core.audit import audit_record
from ajunta.tenants.models import Organization

EDITABLE_FIELDS = (
    "name", "kind", "is_provider", "ine_code", "dir3_code", "population", "population_year",
    "province_code", "autonomous_community_code", "comarca",
)  # fmt: skip


@transaction.atomic
def organization_create(*, actor: Any, slug: str, **fields: Any) -> Organization:
    org = Organization(slug=slug, **fields)
    org.full_clean()
    org.save(force_insert=True)
    audit_record(
        org=org, actor=actor, action="organization.create", obj=org,
        changes={"slug": slug, **{k: fields[k] for k in sorted(fields)}},
    )  # fmt: skip
    return org


@transaction.atomic
def organization_update(*, org: Organization, actor: Any, **fields: Any) -> Organization:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    changes = {k: [getattr(org, k), v] for k, v in fields.items() if getattr(org, k) != v}
    if not changes:
        return org
    for key, value in fields.items():
        setattr(org, key, value)
    org.full_clean()
    org.save(update_fields=list(changes))
    audit_record(org=org, actor=actor, action="organization.update", obj=org, changes=changes)
    return org
