"""Citizen login through an OpenID Connect identity provider (VÀLid, Cl@ve, Keycloak).

Used only when OIDC_RP_CLIENT_ID is set (see settings). The provider's claims create or update the
citizen: given_name, family_name, email, and the NIF/NIE from the claim named by OIDC_NIF_CLAIM.
An existing account is found by NIF first, then by e-mail address (only one the provider has not
marked unverified, and never one that holds another NIF).
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import SuspiciousOperation, ValidationError
from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from ajunta.core.models import User
from ajunta.portal import services

logger = logging.getLogger(__name__)


class CitizenOIDCBackend(OIDCAuthenticationBackend):
    def identity(self, claims: dict[str, Any]) -> dict[str, str]:
        """The person the claims describe, in our terms: nif (valid or empty), email and names."""
        raw_nif = str(claims.get(settings.OIDC_NIF_CLAIM) or "")
        number = ""
        if raw_nif:
            # Some providers prefix the number ("ES/ES/12345678Z", "IDESP-12345678Z").
            raw_nif = raw_nif.rsplit("/", 1)[-1].removeprefix("IDESP-")
            try:
                number, _id_type = services.citizen_id_clean(raw_nif)
            except ValidationError:
                logger.warning("OIDC claim %s holds no valid NIF/NIE", settings.OIDC_NIF_CLAIM)
        return {
            "nif": number,
            "email": str(claims.get("email") or "").strip(),
            "first_name": " ".join(str(claims.get("given_name") or "").split()),
            "surnames": " ".join(str(claims.get("family_name") or "").split()),
        }

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        identity = self.identity(claims)
        return bool(identity["nif"] or identity["email"])

    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[User]:
        identity = self.identity(claims)
        if identity["nif"]:
            by_nif = User.objects.filter(nif=identity["nif"])
            if by_nif.exists():
                return by_nif
        if not identity["email"] or claims.get("email_verified") is False:
            return User.objects.none()
        by_email = User.objects.filter(email__iexact=identity["email"])
        if identity["nif"] and by_email.exclude(nif="").exclude(nif=identity["nif"]).exists():
            # Someone else's account, or a mistyped NIF: a person must not log in as another.
            raise SuspiciousOperation("The e-mail belongs to an account with another NIF.")
        return by_email

    def create_user(self, claims: dict[str, Any]) -> User:
        return services.citizen_create_from_identity(
            **self.identity(claims), provider=settings.OIDC_PROVIDER_NAME
        )

    def update_user(self, user: User, claims: dict[str, Any]) -> User:
        return services.citizen_update_from_identity(
            user=user, **self.identity(claims), provider=settings.OIDC_PROVIDER_NAME
        )
