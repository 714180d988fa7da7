from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse


def portal(request: HttpRequest) -> dict[str, Any]:
    """Links the login page offers: opening a citizen account, and the identity provider's login
    (`oidc_login`, None unless OIDC is configured)."""
    context: dict[str, Any] = {"portal_signup_url": reverse("portal_signup"), "oidc_login": None}
    if getattr(settings, "OIDC_RP_CLIENT_ID", ""):
        try:
            url = reverse("oidc_authentication_init")
        except NoReverseMatch:
            return context
        context["oidc_login"] = {
            "url": url,
            "provider": settings.OIDC_PROVIDER_NAME,
            "next": reverse("portal_home"),
        }
    return context
