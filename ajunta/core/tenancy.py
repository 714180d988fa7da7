"""Tenancy: which organizations a user may act in, with which roles, and what each role may do.

Every tenant URL carries the organization's slug. `resolve_org` turns it into the organization
and the user's roles there in one query. No role there means 404, exactly like a slug that does
not exist; a role without the permission means 403.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from rest_framework.request import Request

from ajunta.core.models import PROVIDER_ROLES, Role, RoleAssignment

ALL_ROLES = frozenset(Role)
ADMINS = frozenset({Role.PROVIDER_ADMIN, Role.MUNICIPAL_ADMIN})
MUNICIPAL_ROLES = frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF, Role.ELECTED_MEMBER})

# permission -> roles that hold it. Apps add theirs with register_permissions() in ready().
PERMISSIONS: dict[str, frozenset[str]] = {
    "org.view": ALL_ROLES,
    "org.settings": ADMINS,
    "audit.view": ADMINS,
    # Documents carry citizens' personal data: provider technicians do not read them unless granted.
    "documents.view": frozenset({Role.PROVIDER_ADMIN, Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}),
    "documents.upload": frozenset({Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}),
}


def register_permissions(perms: dict[str, Iterable[str]]) -> None:
    for name, roles in perms.items():
        if name in PERMISSIONS:
            raise ValueError(f"Permission {name!r} is already registered.")
        PERMISSIONS[name] = frozenset(roles)


def has_permission(roles: Iterable[str], permission: str) -> bool:
    try:
        allowed = PERMISSIONS[permission]
    except KeyError as exc:
        raise ValueError(f"Unknown permission {permission!r}.") from exc
    return any(role in allowed for role in roles)


def organization_model() -> Any:
    return apps.get_model(settings.AJUNTA_ORGANIZATION_MODEL)


def resolve_org(user: Any, slug: str, permission: str | None) -> tuple[Any, frozenset[str]]:
    """The organization `slug` and the user's roles there; 404 without a role, 403 without permission."""
    if not getattr(user, "is_authenticated", False):
        raise Http404
    assignments = list(
        RoleAssignment.objects.filter(user=user, organization__slug=slug).select_related(
            "organization"
        )
    )
    if not assignments:
        raise Http404
    roles = frozenset(a.role for a in assignments)
    if permission is not None and not has_permission(roles, permission):
        raise PermissionDenied
    return assignments[0].organization, roles


def user_organizations(user: Any) -> QuerySet:
    """Organizations where `user` holds at least one role, by name."""
    if not getattr(user, "is_authenticated", False):
        return organization_model().objects.none()
    return (
        organization_model()
        .objects.filter(pk__in=RoleAssignment.objects.filter(user=user).values("organization"))
        .order_by("name")
    )


def user_roles_by_org(user: Any) -> dict[int, frozenset[str]]:
    result: dict[int, set[str]] = {}
    for org_id, role in RoleAssignment.objects.filter(user=user).values_list(
        "organization_id", "role"
    ):
        result.setdefault(org_id, set()).add(role)
    return {org_id: frozenset(roles) for org_id, roles in result.items()}


def mfa_required(user: Any) -> bool:
    """Provider roles always need a second factor; other roles when the setting says so."""
    roles = set(RoleAssignment.objects.filter(user=user).values_list("role", flat=True))
    if roles & PROVIDER_ROLES:
        return True
    return bool(roles) and settings.MFA_REQUIRED_FOR_ALL_STAFF


class TenantHttpRequest(HttpRequest):
    """A request that passed a tenant view: what the base view sets, spelled out for type checkers."""

    org: Any
    org_roles: frozenset[str]


class TenantAPIRequest(Request):
    """The API counterpart of TenantHttpRequest."""

    org: Any
    org_roles: frozenset[str]
