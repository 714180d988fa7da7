"""Base views for tenant pages, plus the platform's own pages (home, dashboard, MFA, audit log)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from ajunta.core import selectors, services, theme
from ajunta.core.authentication import token_expires_at
from ajunta.core.calendar import calendar_for
from ajunta.core.languages import activate_for_org
from ajunta.core.models import Role
from ajunta.core.modules import module_figures, module_sections, org_uses_module
from ajunta.core.tenancy import TenantHttpRequest, has_permission, resolve_org, user_roles_by_org

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class TenantViewMixin:
    """Resolves /o/<org_slug>/ into request.org and request.org_roles, and checks the permission.

    `permission` guards reads; `write_permission` (default: the same) guards writes.
    Another organization's page answers 404, a missing permission in one's own 403.
    A view of a `module` the organization does not use (core.modules) answers 404.
    """

    tenant_scoped = True
    permission: str = "org.view"
    write_permission: str | None = None
    module: str | None = None
    request: Any  # a TenantHttpRequest once dispatch() ran

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        needed = self.permission
        if request.method in WRITE_METHODS and self.write_permission:
            needed = self.write_permission
        tenant_request = cast(TenantHttpRequest, request)
        tenant_request.org, tenant_request.org_roles = resolve_org(
            request.user, kwargs["org_slug"], needed
        )
        if self.module and not org_uses_module(tenant_request.org, self.module):
            raise Http404
        activate_for_org(tenant_request, tenant_request.org)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]

    def can(self, permission: str) -> bool:
        return has_permission(self.request.org_roles, permission)


class TenantView(TenantViewMixin, View):
    pass


def public(reason: str) -> Any:
    """Mark a view (function or class) as public on purpose, saying why.

    The URL walk in core.testing accepts such views; every other view must be tenant-scoped.
    """

    def mark(view: Any) -> Any:
        view.public_reason = reason
        return view

    return mark


def add_service_error(form: Any, error: ValidationError) -> None:
    """A service's ValidationError on the form: on the field it names, else on the whole form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, field_messages in error.message_dict.items():
        form.add_error(key if key in form.fields else None, field_messages)


def is_htmx(request: HttpRequest) -> bool:
    """An htmx request: answer with the partial it swaps in, not the whole page."""
    return request.headers.get("HX-Request") == "true"


def paginate(request: HttpRequest, queryset: Any, per_page: int = 50) -> Any:
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


def role_labels(roles: Iterable[str]) -> list[str]:
    return [str(Role(role).label) for role in sorted(roles)]


def role_sections(org: Any, roles: frozenset[str]) -> list[dict[str, Any]]:
    """Quick links on the dashboard, one section per role the user holds here.

    Each module's card comes from core.modules (the apps register them).
    """
    slug = org.slug
    sections = module_sections(org, roles)
    if roles & {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN}:
        sections.append(
            {
                "title": gettext_lazy("Provider"),
                "links": [
                    (
                        gettext_lazy("Business hours and holidays (SLA clocks)"),
                        reverse("calendar_settings", args=[slug]),
                    ),
                    (gettext_lazy("API documentation"), reverse("api-docs")),
                ],
            }
        )
    if roles & {Role.PROVIDER_ADMIN, Role.MUNICIPAL_ADMIN}:
        sections.append(
            {
                "title": gettext_lazy("Administration"),
                "links": [
                    (gettext_lazy("People and roles"), reverse("people", args=[slug])),
                    (gettext_lazy("Organization details"), reverse("org_profile", args=[slug])),
                    (gettext_lazy("Local holidays"), reverse("calendar_settings", args=[slug])),
                    (gettext_lazy("Audit log"), reverse("audit_log", args=[slug])),
                    (gettext_lazy("API tokens"), reverse("api_tokens", args=[slug])),
                ],
            }
        )
    if has_permission(roles, "documents.view"):
        sections.append(
            {
                "title": gettext_lazy("Office work"),
                "links": [(gettext_lazy("Documents"), reverse("documents", args=[slug]))],
            }
        )
    if Role.ELECTED_MEMBER in roles:
        sections.append(
            {
                "title": gettext_lazy("Council"),
                "links": [
                    (gettext_lazy("Organization details"), reverse("org_profile", args=[slug]))
                ],
            }
        )
    return sections


@public("the provider's colours as a stylesheet: every page, logged in or not, loads it")
def theme_stylesheet(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(theme.theme_css(theme.brand()), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=3600"
    return response


class HomeView(LoginRequiredMixin, View):
    """The organization switcher. With a single organization it goes straight to its dashboard."""

    def get(self, request: HttpRequest) -> HttpResponse:
        orgs = list(selectors.organizations_of_user(user=request.user))
        if len(orgs) == 1 and not request.GET.get("all"):
            return redirect("dashboard", org_slug=orgs[0].slug)
        if not orgs:
            return redirect("portal_home")  # a citizen: their own area (by URL name, no import)
        roles = user_roles_by_org(request.user)
        rows = [(org, role_labels(roles.get(org.pk, ()))) for org in orgs]
        return render(request, "core/home.html", {"rows": rows})


class DashboardView(TenantView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        cal = calendar_for(org)
        context = {
            "role_names": role_labels(request.org_roles),
            "figure_groups": module_figures(org, request.user, request.org_roles, cal.today()),
            "role_sections": role_sections(org, request.org_roles),
            "upcoming_holidays": cal.upcoming_holidays(limit=5),
            "today_is_business_day": cal.is_business_day(cal.today()),
            "next_business_day": cal.next_business_day(cal.today()),
            "recent_events": selectors.audit_events(org=org)[:8]
            if self.can("audit.view")
            else None,
        }
        return render(request, "core/dashboard.html", context)


class AuditLogView(TenantView):
    permission = "audit.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        action = request.GET.get("action", "").strip()
        events = selectors.audit_events(org=request.org, action=action)
        context = {
            "page": paginate(request, events),
            "extra_query": urlencode({"action": action}) if action else "",
        }
        return render(request, "core/audit_log.html", context)


def api_token_rows(tokens: Iterable[Any]) -> list[dict[str, Any]]:
    return [
        {"token": t, "expires_at": token_expires_at(t.created, provider=t.provider)} for t in tokens
    ]


class APITokensView(TenantView):
    """This organization's people's API tokens, for its administrators, who may revoke them."""

    permission = "org.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        rows = api_token_rows(selectors.api_tokens(org=request.org))
        return render(request, "core/api_tokens.html", {"rows": rows})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        user_id = request.POST.get("user", "")
        try:
            token = selectors.api_token_get(
                org=request.org, user_id=int(user_id) if user_id.isdigit() else 0
            )
        except Token.DoesNotExist as exc:
            raise Http404 from exc
        services.api_token_revoke(org=request.org, actor=request.user, user=token.user)
        messages.success(
            request, _("The API token of %(user)s is revoked.") % {"user": token.user.username}
        )
        return redirect("api_tokens", org_slug=org_slug)


class MyAPITokenView(LoginRequiredMixin, View):
    """The user's own API token (never its key): when issued, until when; they may revoke it."""

    def get(self, request: HttpRequest) -> HttpResponse:
        token = selectors.api_token_of(user=request.user)
        rows = api_token_rows([token] if token else [])
        return render(request, "core/my_api_token.html", {"row": rows[0] if rows else None})

    def post(self, request: HttpRequest) -> HttpResponse:
        if services.api_token_revoke(org=None, actor=request.user, user=request.user):
            messages.success(request, _("Your API token is revoked."))
        return redirect("my_api_token")


class LoginForm(AuthenticationForm):
    """Citizens log in with their e-mail (it is their username), staff with their username: the
    field says so, and phones offer the e-mail keyboard without changing what may be typed."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.label = gettext_lazy("E-mail or username")
        field.widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})


class TokenForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


class MFAView(LoginRequiredMixin, View):
    """Enrol a TOTP device (first time) or verify it (every login)."""

    def _device(self, request: HttpRequest) -> tuple[TOTPDevice, bool]:
        confirmed = list(devices_for_user(request.user, confirmed=True))
        if confirmed:
            return confirmed[0], True
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="TOTP", confirmed=False)
        return device, False

    def _render(
        self, request: HttpRequest, device: TOTPDevice, enrolled: bool, form: TokenForm
    ) -> HttpResponse:
        context: dict[str, Any] = {
            "form": form,
            "enrolled": enrolled,
            "next": safe_next(request, ""),
        }
        if not enrolled:
            context["qr_svg"] = _qr_svg(device.config_url)
            context["secret"] = services.totp_secret_base32(device)
        return render(request, "registration/mfa.html", context)

    @staticmethod
    def _paused(request: HttpRequest, device: TOTPDevice, enrolled: bool) -> bool:
        """django-otp pauses a device after wrong codes; say so rather than 'wrong code'."""
        devices = devices_for_user(request.user, confirmed=True) if enrolled else [device]
        return any(not d.verify_is_allowed()[0] for d in devices)

    def get(self, request: HttpRequest) -> HttpResponse:
        device, enrolled = self._device(request)
        return self._render(request, device, enrolled, TokenForm())

    def post(self, request: HttpRequest) -> HttpResponse:
        device, enrolled = self._device(request)
        form = TokenForm(request.POST)
        if form.is_valid():
            token = form.cleaned_data["token"].strip()
            if enrolled:
                matched = match_token(request.user, token)
            else:
                matched = device if device.verify_token(token) else None
            if matched is not None:
                if not enrolled:
                    services.mfa_confirm_device(actor=request.user, device=matched)
                    messages.success(request, _("Two-step verification is now on."))
                otp_login(request, matched)
                return redirect(safe_next(request, reverse("home")))
            if self._paused(request, device, enrolled):
                form.add_error(
                    "token", _("Too many wrong codes: wait a few seconds, then try again.")
                )
            else:
                form.add_error(
                    "token", _("That code is not valid. Wait for a new one and try again.")
                )
        return self._render(request, device, enrolled, form)
