"""The public site of a council's collegiate bodies: agendas once convened, approved and signed
minutes, and each session's open data (Popolo JSON, Akoma Ntoso XML). No login."""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ajunta.core.modules import org_uses_module
from ajunta.core.views import public
from ajunta.meetings import opendata, selectors
from ajunta.meetings.models import MinutesStatus, Session
from ajunta.tenants import selectors as tenant_selectors


def _org(slug: str) -> object:
    try:
        org = tenant_selectors.organization_by_slug(slug=slug)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    if not org_uses_module(org, "meetings"):
        raise Http404
    return org


def _session(org: object, pk: int) -> Session:
    try:
        return selectors.public_session_get(org=org, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _signed_minutes(org: object, session: Session) -> object | None:
    minutes = selectors.minutes_of(org=org, session=session)
    return minutes if minutes is not None and minutes.status == MinutesStatus.SIGNED else None


@public("transparency: a council's session agendas and signed minutes are public (LRBRL art. 70)")
@require_safe
def sessions(request: HttpRequest, org_slug: str) -> HttpResponse:
    org = _org(org_slug)
    rows = list(selectors.public_sessions(org=org)[:100])
    return render(request, "meetings/public/sessions.html", {"org": org, "sessions": rows})


@public("transparency: one session's agenda and, once signed, its minutes")
@require_safe
def session(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    org = _org(org_slug)
    found = _session(org, pk)
    items = [i for i in selectors.items(org=org, session=found, included_only=True)]
    return render(request, "meetings/public/session.html", {
        "org": org, "session": found, "items": items, "minutes": _signed_minutes(org, found),
    })  # fmt: skip


@public("open data: a session's organizations, memberships, motions and votes (Popolo JSON)")
@require_safe
def session_popolo(request: HttpRequest, org_slug: str, pk: int) -> JsonResponse:
    org = _org(org_slug)
    data = opendata.session_popolo(org=org, session=_session(org, pk))
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@public("open data: a session's signed minutes as Akoma Ntoso XML")
@require_safe
def minutes_akn(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    org = _org(org_slug)
    found = _session(org, pk)
    if _signed_minutes(org, found) is None:
        raise Http404
    return HttpResponse(
        opendata.minutes_akn(org=org, session=found), content_type="application/xml"
    )
