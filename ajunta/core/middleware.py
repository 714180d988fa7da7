import functools
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from axes.helpers import get_client_ip_address
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control
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


class NoStoreForAuthenticatedMiddleware:
    """`Cache-Control: private, no-store` on every answer to an authenticated request (added to
    what a view set, unless it already said no-store).

    A logged-in page or an API answer carries personal data: neither the browser's cache (a
    shared computer at the town hall, the back button after logging out) nor a proxy may keep
    it. DRF sets the token's user on the Django request too, so API answers are covered.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if getattr(user, "is_authenticated", False) and "no-store" not in response.get(
            "Cache-Control", ""
        ):
            patch_cache_control(response, private=True, no_store=True)
        return response


MFA_EXEMPT_PREFIXES = ("/static/", "/i18n/", "/healthz", "/readyz", "/metrics")
MFA_EXEMPT_NAMES = ("mfa", "logout")
# How long a "no second factor needed" answer is trusted before roles and devices are read again.
MFA_RECHECK_SECONDS = 300
_SESSION_KEY = "ajunta_mfa_not_needed_until"


@functools.cache
def exempt_paths() -> frozenset[str]:
    return frozenset(reverse(name) for name in MFA_EXEMPT_NAMES)


class MFARequiredMiddleware:
    """A logged-in user who needs a second factor reaches nothing but the MFA pages until verified.

    A user who enrolled a device always has to verify it, even where MFA is optional.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view_func: Any, view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        user = request.user
        view = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not request.path.startswith(MFA_EXEMPT_PREFIXES)
            and request.path not in exempt_paths()
            # Views public by design (the provider's website) show nothing a second factor guards.
            and not getattr(view or view_func, "public_reason", "")
            and self.needs_second_factor(request, user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": _("Verify your second factor first.")}, status=403)
            return redirect(f"{reverse('mfa')}?{urlencode({'next': request.get_full_path()})}")
        return None

    @staticmethod
    def needs_second_factor(request: HttpRequest, user: Any) -> bool:
        """Two queries (roles, devices) at most every MFA_RECHECK_SECONDS per session."""
        now = time.time()
        if request.session.get(_SESSION_KEY, 0) > now:
            return False
        needed = mfa_required(user) or any(devices_for_user(user, confirmed=True))
        if not needed:
            request.session[_SESSION_KEY] = now + MFA_RECHECK_SECONDS
        return needed
