"""The provider's public website at the site root: home, "who we are" pages, the members list
(transparency), the services catalogue, news and the application to join.

Every view here is public on purpose (core.views.public says why) and shows only what the
provider publishes. Pages are Markdown written by provider staff, rendered and then sanitized.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from ajunta.core.charts import bar_chart
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import integrity_error_response
from ajunta.core.markdown import render_markdown
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded
from ajunta.core.views import add_service_error, paginate, public
from ajunta.tenants import selectors, services
from ajunta.tenants.forms import ApplicationForm
from ajunta.tenants.models import Organization, PageKind
from ajunta.tenants.views import feed_token, ical_response

APPLY_LIMIT = 5  # applications from one address
APPLY_WINDOW = 3600  # per hour


def _provider() -> Organization:
    provider = selectors.site_provider()
    if provider is None:
        raise Http404
    return provider


def _context(provider: Organization, **extra: object) -> dict[str, object]:
    language = get_language() or "ca"
    return {
        "provider": provider,
        "identity": selectors.site_identity(org=provider),
        "menu": selectors.menu_pages(org=provider, language=language),
        **extra,
    }


@public("the provider's public website: its home page")
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    provider = selectors.site_provider()
    if provider is None:  # a deployment without a provider yet: straight to the staff side
        return redirect("home")
    language = get_language() or "ca"
    page = selectors.public_page(org=provider, slug="home", language=language)
    context = _context(
        provider,
        page=page,
        body=render_markdown(page.body, images=True) if page else "",
        news=selectors.news(org=provider, language=language)[:5],
        figures=selectors.site_figures(org=provider),
    )
    return render(request, "tenants/public/home.html", context)


@public("the provider's public website: 'who we are' pages")
@require_safe
def page(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _provider()
    found = selectors.public_page(
        org=provider, slug=slug, language=get_language() or "ca", kind=PageKind.PAGE
    )
    if found is None:
        raise Http404
    context = _context(provider, page=found, body=render_markdown(found.body, images=True))
    return render(request, "tenants/public/page.html", context)


@public("the provider's public website: its news")
@require_safe
def news_list(request: HttpRequest) -> HttpResponse:
    provider = _provider()
    items = selectors.news(org=provider, language=get_language() or "ca")
    return render(
        request, "tenants/public/news.html", _context(provider, page=paginate(request, items, 20))
    )


@public("the provider's public website: one news item")
@require_safe
def news_item(request: HttpRequest, slug: str) -> HttpResponse:
    provider = _provider()
    found = selectors.public_page(
        org=provider, slug=slug, language=get_language() or "ca", kind=PageKind.NEWS
    )
    if found is None:
        raise Http404
    context = _context(provider, page=found, body=render_markdown(found.body, images=True))
    return render(request, "tenants/public/page.html", context)


@public("transparency: the list of member municipalities, with population and joining date")
@require_safe
def members(request: HttpRequest) -> HttpResponse:
    provider = _provider()
    q = request.GET.get("q", "")[:100]
    rows = selectors.public_members(org=provider, q=q)
    by_comarca = selectors.members_by_comarca(org=provider)
    context = _context(
        provider, page=paginate(request, rows), q=q, extra_query=urlencode({"q": q}) if q else "",
        figures=selectors.site_figures(org=provider),
        comarca_chart=bar_chart(by_comarca[:25], title=_("Members by comarca")) if by_comarca else "",
    )  # fmt: skip
    return render(request, "tenants/public/members.html", context)


@public("the provider's public website: its services catalogue")
@require_safe
def catalogue(request: HttpRequest) -> HttpResponse:
    provider = _provider()
    rows = selectors.catalogue_services(org=provider)
    return render(request, "tenants/public/services.html", _context(provider, services=rows))


@public("a local body applies to join before it has any account (rate-limited)")
@require_http_methods(["GET", "HEAD", "POST"])
def apply(request: HttpRequest) -> HttpResponse:
    provider = _provider()
    if request.method != "POST":
        return render(
            request, "tenants/public/apply.html", _context(provider, form=ApplicationForm())
        )
    if rate_limit_exceeded(f"apply:{client_ip(request)}", limit=APPLY_LIMIT, window=APPLY_WINDOW):
        response = render(
            request,
            "tenants/public/apply.html",
            _context(provider, form=None, throttled=True),
            status=429,
        )
        response["Retry-After"] = str(APPLY_WINDOW)
        return response
    form = ApplicationForm(request.POST)
    if form.is_valid():
        try:
            services.membership_apply(org=provider, actor=None, **form.cleaned_data)
        except ValidationError as error:
            add_service_error(form, error)
        else:
            return render(request, "tenants/public/applied.html", _context(provider))
    return render(request, "tenants/public/apply.html", _context(provider, form=form), status=400)


@public("calendar subscription: apps cannot log in, so the URL carries the organization's secret")
@require_safe
def training_feed(request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
    """A provider's sessions, or the sessions offered to a member, as iCalendar."""
    org = Organization.objects.filter(slug=org_slug).first()
    if org is None or not constant_time_compare(token, feed_token(org)):
        raise Http404
    since = timezone.localdate() - dt.timedelta(days=365)
    if org.is_provider:
        sessions = selectors.training_sessions(org=org, start=since)
    else:
        sessions = selectors.sessions_for_member(member=org).filter(starts_at__date__gte=since)
    return ical_response(sessions, name=org.name, host=request.get_host())


LEGAL_PAGES = {
    "notice": gettext_lazy("Legal notice"),
    "privacy": gettext_lazy("Privacy policy"),
    "cookies": gettext_lazy("Cookies"),
    "accessibility": gettext_lazy("Accessibility statement"),
}


@public("the provider's public website: legal notice, privacy, cookies, accessibility statement")
@require_safe
def legal(request: HttpRequest, which: str) -> HttpResponse:
    """The legal pages every public body's website must carry, written from the website's
    identity; a page the provider writes itself (address `legal-<which>`) takes their place."""
    if which not in LEGAL_PAGES:
        raise Http404
    provider = _provider()
    own = selectors.public_page(
        org=provider, slug=f"legal-{which}", language=get_language() or "ca", kind=PageKind.PAGE
    )
    context = _context(
        provider, which=which, title=LEGAL_PAGES[which],
        own=own, body=render_markdown(own.body) if own else "",
        legal_pages=LEGAL_PAGES,
        cookie_names={
            "session": settings.SESSION_COOKIE_NAME, "csrf": settings.CSRF_COOKIE_NAME,
            "language": settings.LANGUAGE_COOKIE_NAME,
        },
    )  # fmt: skip
    identity = context["identity"]
    if which == "accessibility" and identity is not None:
        exceptions = identity.accessibility_exceptions  # type: ignore[attr-defined]
        context["exceptions"] = [line.strip() for line in exceptions.splitlines() if line.strip()]
    return render(request, "tenants/public/legal.html", context)


@public("the provider's logo or coat of arms, as shown on its public website")
@require_safe
def site_logo(request: HttpRequest) -> HttpResponseBase:
    provider = _provider()
    identity = selectors.site_identity(org=provider)
    if identity is None or identity.logo is None:
        raise Http404
    try:
        handle = document_open(org=provider, document=identity.logo)
    except DocumentIntegrityError:
        return integrity_error_response()
    response = FileResponse(handle, content_type=identity.logo.content_type)
    response["Cache-Control"] = "public, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    if identity.logo.content_type == "image/svg+xml":  # an SVG may carry script: never run it
        response["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; sandbox"
        )
    return response
