"""Reads of core data. Every read of tenant data takes the organization."""

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from rest_framework.authtoken.models import Token

from ajunta.core.audit import chain_key
from ajunta.core.documents import normalize_verification_code
from ajunta.core.models import (
    PROVIDER_ROLES,
    AuditEvent,
    BusinessHours,
    Document,
    LocalHoliday,
    RoleAssignment,
)
from ajunta.core.tenancy import user_organizations


def organizations_of_user(*, user: Any) -> QuerySet:
    return user_organizations(user)


def audit_events(*, org: Any, action: str = "") -> QuerySet[AuditEvent]:
    # The organization's chain, newest first: served by the unique (chain, seq) index.
    events = AuditEvent.objects.filter(chain=chain_key(org))
    if action:
        events = events.filter(action__startswith=action)
    return events.order_by("-seq")


def local_holidays(*, org: Any, year: int | None = None) -> QuerySet[LocalHoliday]:
    rows = LocalHoliday.objects.for_org(org)
    return rows.filter(date__year=year) if year else rows


def business_hours(*, org: Any) -> QuerySet[BusinessHours]:
    return BusinessHours.objects.for_org(org)


def role_assignments(*, org: Any) -> QuerySet[RoleAssignment]:
    return RoleAssignment.objects.for_org(org).select_related("user").order_by("user__username")


def documents(*, org: Any) -> QuerySet[Document]:
    return Document.objects.for_org(org).select_related("created_by")


def document_get(*, org: Any, pk: Any) -> Document:
    """Raises Document.DoesNotExist for another organization's document, as for a missing one."""
    return documents(org=org).get(pk=pk)


def document_by_code(code: str) -> Document | None:
    """The document carrying `code`, typed however (any case, dashes, spaces); None otherwise.

    Public by design: a code is a 100-bit secret that its holder was given with the document.
    """
    normalized = normalize_verification_code(code or "")
    if not 16 <= len(normalized) <= 32:
        return None
    return (
        Document.objects.select_related("organization").filter(verification_code=normalized).first()
    )


def api_token_of(*, user: Any) -> Token | None:
    """The user's own token, marked `provider` as api_tokens() marks them."""
    provider = RoleAssignment.objects.filter(user=user, role__in=PROVIDER_ROLES)
    return Token.objects.filter(user=user).annotate(provider=Exists(provider)).first()


def api_tokens(*, org: Any) -> QuerySet[Token]:
    """The API tokens of the users holding a role in `org`, each marked `provider` when its user
    holds a provider role anywhere (their tokens live API_TOKEN_TTL_DAYS_PROVIDER days)."""
    members = RoleAssignment.objects.filter(organization=org).values("user")
    provider = RoleAssignment.objects.filter(user=OuterRef("user"), role__in=PROVIDER_ROLES)
    return (
        Token.objects.filter(user__in=members)
        .select_related("user")
        .annotate(provider=Exists(provider))
        .order_by("user__username")
    )


def api_token_get(*, org: Any, user_id: Any) -> Token:
    """A member's token, by user id; Token.DoesNotExist for anyone else's."""
    return api_tokens(org=org).get(user_id=user_id)
