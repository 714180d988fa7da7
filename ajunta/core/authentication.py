"""API authentication: tokens that expire (a module of its own: DRF imports it while loading)."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import TokenAuthentication
from rest_framework.exceptions import AuthenticationFailed


def token_expires_at(created: dt.datetime) -> dt.datetime | None:
    """When a token issued at `created` stops working (None: API_TOKEN_TTL_DAYS=0, never)."""
    days = settings.API_TOKEN_TTL_DAYS
    return created + dt.timedelta(days=days) if days else None


class ExpiringTokenAuthentication(TokenAuthentication):
    """`Authorization: Token <key>`, refused once the token is older than API_TOKEN_TTL_DAYS."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        expires_at = token_expires_at(token.created)
        if expires_at is not None and timezone.now() >= expires_at:
            raise AuthenticationFailed(
                _("This API token has expired; ask an operator for a new one.")
            )
        return user, token
