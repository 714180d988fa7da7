from collections.abc import Callable
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django_otp import devices_for_user

from ajunta.core.request_context import reset_ip, set_ip
from ajunta.core.tenancy import mfa_required


class RequestContextMiddleware:
    """Makes the client IP available to the audit chain for the length of the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = set_ip(get_client_ip_address(request))
        try:
            return self.get_response(request)
        finally:
            reset_ip(token)


MFA_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/healthz")
MFA_EXEMPT_NAMES = ("mfa", "logout")


class MFARequiredMiddleware:
    """A logged-in user who needs a second factor reaches nothing but the MFA pages until verified.

    A user who enrolled a device always has to verify it, even where MFA is optional.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and not any(request.path == reverse(name) for name in MFA_EXEMPT_NAMES)
            and (mfa_required(user) or any(devices_for_user(user, confirmed=True)))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Verify your second factor first.")}, status=403)
            return redirect(f"{reverse('mfa')}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
