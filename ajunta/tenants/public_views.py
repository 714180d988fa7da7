"""The provider's public website at the site root: home, "who we are" pages, the members list
(transparency), the services catalogue, news and the application to join.

Every view here is public on purpose (core.views.public says why) and shows only what the
provider publishes. Pages are Markdown written by provider staff, rendered and then sanitized.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import get_language
from django.views.decorators.http import require_http_methods, require_safe

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
    context = _context(
        provider, page=paginate(request, rows), q=q, extra_query=urlencode({"q": q}) if q else ""
    )
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
