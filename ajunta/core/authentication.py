"""API authentication: tokens that expire (a module of its own: DRF imports it while loading)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_ttl_days(*, provider: bool) -> int:
    """How many days a token lives (0: for ever): the shorter of the two settings for providers."""
    days = settings.API_TOKEN_TTL_DAYS
    provider_days = settings.API_TOKEN_TTL_DAYS_PROVIDER
    if provider and provider_days:
        return min(days, provider_days) if days else provider_days
    return days


def token_expires_at(created: dt.datetime, *, provider: bool = False) -> dt.datetime | None:
    """When a token issued at `created` stops working (None: never)."""
    days = token_ttl_days(provider=provider)
    return created + dt.timedelta(days=days) if days else None


def holds_provider_role(user: Any) -> bool:
    from ajunta.core.models import PROVIDER_ROLES, RoleAssignment  # DRF loads this module early

    return RoleAssignment.objects.filter(user=user, role__in=PROVIDER_ROLES).exists()


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once older than API_TOKEN_TTL_DAYS, or than
    API_TOKEN_TTL_DAYS_PROVIDER for a user with a provider role (roles are read only then)."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        now = timezone.now()
        expired = _("This API token has expired; ask an operator for a new one.")
        expires_at = token_expires_at(token.created)
        if expires_at is not None and now >= expires_at:
            raise AuthenticationFailed(expired)
        provider_expires_at = token_expires_at(token.created, provider=True)
        past_provider_life = provider_expires_at is not None and now >= provider_expires_at
        if past_provider_life and holds_provider_role(user):
            raise AuthenticationFailed(expired)
        return user, token
