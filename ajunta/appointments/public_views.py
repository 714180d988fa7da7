"""The citizens' pages: choose a service, a day and a time; identify yourself with a NIF/NIE and
an e-mail verified by a one-time code (or be logged in to the portal); then see, move or cancel
the appointment with its private link. No account needed.

Rate limits (core.ratelimit) per client address and per NIF/NIE bound how fast anyone may try; a
proof of work is asked of an address that has tried many times in the hour.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views import View

from ajunta.appointments import pow, selectors, services
from ajunta.appointments.forms import BookingForm, CodeForm, WaitingListForm
from ajunta.appointments.ics import booking_ics, desk_feed_ics
from ajunta.appointments.models import Desk, Service
from ajunta.appointments.services import BookingRefused
from ajunta.appointments.slots import compute_slots, slot_times
from ajunta.core.modules import org_uses_module
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded
from ajunta.core.tenancy import organization_model
from ajunta.core.views import public

ATTEMPTS_PER_HOUR = 60  # per address, booking and code attempts together
PER_IDENTIFIER_PER_HOUR = 10
DAYS_SHOWN = 21


def _org(slug: str) -> Any:
    org = organization_model().objects.filter(slug=slug).first()
    if org is None or not org_uses_module(org, "appointments"):
        raise Http404
    return org


def _service(org: Any, service_id: int) -> Service:
    return get_object_or_404(selectors.services(org=org, active_only=True), pk=service_id)


def _too_many(request: HttpRequest, scope: str, limit: int = ATTEMPTS_PER_HOUR) -> bool:
    return rate_limit_exceeded(
        f"appointments:{scope}:{client_ip(request)}", limit=limit, window=3600
    )


def _parse_day(value: str | None, default: dt.date) -> dt.date:
    return selectors.parse_day(value, default)


def _parse_start(value: str | None) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(value or "")
    except ValueError:
        return None
    if not 1900 <= moment.year <= 9000:
        return None
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=timezone.get_default_timezone())
    return moment


@public("citizens book appointments without an account")
class ServicesView(View):
    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = _org(org_slug)
        rows = selectors.services(org=org, active_only=True).prefetch_related("desks__office")
        items = []
        for service in rows:
            offices = sorted({d.office.name for d in service.desks.all() if d.is_active})
            if offices:
                items.append({"service": service, "offices": offices})
        return render(request, "appointments/public/services.html", {"org": org, "items": items})


def _day_slots(
    org: Any, service: Service, day: dt.date, exclude: int | None = None
) -> list[dict[str, Any]]:
    return slot_times(
        compute_slots(
            org=org, service=service, first_day=day, last_day=day, exclude_booking_id=exclude
        )
    )


def _days_with_slots(org: Any, service: Service, start: dt.date) -> list[dt.date]:
    slots = compute_slots(
        org=org, service=service, first_day=start, last_day=start + dt.timedelta(days=DAYS_SHOWN)
    )
    return sorted({timezone.localtime(s.starts).date() for s in slots})


@public("citizens see free times before booking")
class SlotsView(View):
    def get(self, request: HttpRequest, org_slug: str, service_id: int) -> HttpResponse:
        org = _org(org_slug)
        service = _service(org, service_id)
        today = timezone.localdate()
        days = _days_with_slots(org, service, today)
        day = _parse_day(request.GET.get("day"), days[0] if days else today)
        times = _day_slots(org, service, day)
        book_url = reverse("appointments_public_book", args=[org.slug, service.pk])
        return render(
            request,
            "appointments/public/slots.html",
            {
                "org": org, "service": service, "days": days, "day": day, "times": times,
                "book_url": book_url, "waiting_form": WaitingListForm(),
            },
        )  # fmt: skip


@public("citizens book appointments without an account")
class BookView(View):
    template = "appointments/public/book.html"

    def _context(
        self, org: Any, service: Service, starts: dt.datetime, form: Any, request: HttpRequest
    ) -> dict:
        needs_pow = (
            _too_many(request, "pow-probe", settings.APPOINTMENTS_POW_AFTER)
            if request.method == "GET"
            else False
        )
        challenge = pow.new_challenge()
        form.fields["pow_challenge"].initial = challenge
        return {
            "org": org, "service": service, "starts": starts, "form": form,
            "pow_bits": settings.APPOINTMENTS_POW_BITS if needs_pow or getattr(form, "needs_pow", False) else 0,
            "pow_challenge": challenge,
        }  # fmt: skip

    def get(self, request: HttpRequest, org_slug: str, service_id: int) -> HttpResponse:
        org = _org(org_slug)
        service = _service(org, service_id)
        starts = _parse_start(request.GET.get("starts"))
        if starts is None:
            return redirect("appointments_public_slots", org.slug, service.pk)
        initial = {}
        if request.user.is_authenticated:
            initial = {"name": request.user.get_full_name(), "email": request.user.email}
        form = BookingForm(initial=initial)
        return render(request, self.template, self._context(org, service, starts, form, request))

    def post(self, request: HttpRequest, org_slug: str, service_id: int) -> HttpResponse:
        org = _org(org_slug)
        service = _service(org, service_id)
        starts = _parse_start(request.POST.get("starts"))
        if starts is None:
            return redirect("appointments_public_slots", org.slug, service.pk)
        form = BookingForm(request.POST)
        if _too_many(request, "book"):
            form.add_error(None, _("Too many attempts from your connection. Try again in an hour."))
            return render(
                request,
                self.template,
                self._context(org, service, starts, form, request),
                status=429,
            )
        # Under load from this address: the form must carry a solved proof of work.
        if _too_many(request, "pow-probe", settings.APPOINTMENTS_POW_AFTER) and not pow.verify(
            request.POST.get("pow_challenge", ""), request.POST.get("pow_nonce", "")
        ):
            form.needs_pow = True  # type: ignore[attr-defined]
            form.add_error(
                None,
                _("Please wait while your browser confirms the request, then send it again."),
            )
            return render(
                request,
                self.template,
                self._context(org, service, starts, form, request),
                status=429,
            )
        if not form.is_valid():
            return render(
                request,
                self.template,
                self._context(org, service, starts, form, request),
                status=400,
            )
        data = form.cleaned_data
        try:
            identifier = services.normalize_identifier(data["identifier"])
        except BookingRefused as refusal:
            form.add_error("identifier", refusal.messages)
            return render(
                request,
                self.template,
                self._context(org, service, starts, form, request),
                status=400,
            )
        if rate_limit_exceeded(
            f"appointments:nif:{org.pk}:{identifier}", limit=PER_IDENTIFIER_PER_HOUR, window=3600
        ):
            form.add_error(None, _("Too many attempts for this DNI/NIE. Try again in an hour."))
            return render(
                request,
                self.template,
                self._context(org, service, starts, form, request),
                status=429,
            )
        language = translation.get_language() or "ca"
        user = request.user if request.user.is_authenticated else None
        if user is not None and user.email and user.email.lower() == data["email"].lower():
            # Logged in to the portal with this address: already verified.
            return _book(
                request, org, service, starts, data | {"identifier": identifier}, language, user
            )
        verification = services.verification_start(
            org=org, email=data["email"],
            draft={
                "service": service.pk, "starts": starts.isoformat(), "name": data["name"],
                "identifier": identifier, "email": data["email"], "phone": data["phone"],
                "language": language,
            },
        )  # fmt: skip
        return redirect("appointments_public_verify", org.slug, verification.token)


def _book(
    request: HttpRequest,
    org: Any,
    service: Service,
    starts: dt.datetime,
    data: dict,
    language: str,
    user: Any,
) -> HttpResponse:
    try:
        booking = services.booking_create(
            org=org, actor=user, service=service, starts=starts, name=data["name"],
            identifier=data["identifier"], email=data["email"], phone=data.get("phone", ""),
            language=language, user=user,
        )  # fmt: skip
    except BookingRefused as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect(
            f"{reverse('appointments_public_slots', args=[org.slug, service.pk])}?day={timezone.localtime(starts).date().isoformat()}"
        )
    messages.success(request, _("Your appointment is booked. We have sent it to your e-mail."))
    return redirect("appointments_public_booking", org.slug, booking.locator, booking.access_token)


@public("citizens confirm their e-mail with the code sent to it")
class VerifyView(View):
    def get(self, request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
        org = _org(org_slug)
        return render(request, "appointments/public/verify.html", {"org": org, "form": CodeForm()})

    def post(self, request: HttpRequest, org_slug: str, token: str) -> HttpResponse:
        org = _org(org_slug)
        form = CodeForm(request.POST)
        if _too_many(request, "code"):
            form.add_error(None, _("Too many attempts from your connection. Try again in an hour."))
            return render(
                request, "appointments/public/verify.html", {"org": org, "form": form}, status=429
            )
        if not form.is_valid():
            return render(
                request, "appointments/public/verify.html", {"org": org, "form": form}, status=400
            )
        try:
            verification = services.verification_check(
                org=org, token=token, code=form.cleaned_data["code"]
            )
        except BookingRefused as refusal:
            form.add_error("code", refusal.messages)
            return render(
                request, "appointments/public/verify.html", {"org": org, "form": form}, status=400
            )
        draft = verification.draft
        service = _service(org, int(draft["service"]))
        starts = dt.datetime.fromisoformat(draft["starts"])
        return _book(request, org, service, starts, draft, draft.get("language", "ca"), None)


def _booking_or_404(org: Any, locator: str, token: str) -> Any:
    booking = selectors.booking_by_link(org=org, locator=locator, token=token)
    if booking is None:
        raise Http404
    return booking


@public("the private link of one booking: whoever holds it may see, move or cancel it")
class BookingView(View):
    def get(self, request: HttpRequest, org_slug: str, locator: str, token: str) -> HttpResponse:
        org = _org(org_slug)
        booking = _booking_or_404(org, locator, token)
        return render(
            request,
            "appointments/public/booking.html",
            {"org": org, "booking": booking, "video_url": services.video_link(booking)},
        )


@public("the private link's calendar file")
class BookingIcsView(View):
    def get(self, request: HttpRequest, org_slug: str, locator: str, token: str) -> HttpResponse:
        booking = _booking_or_404(_org(org_slug), locator, token)
        response = HttpResponse(booking_ics(booking), content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="cita-{booking.locator}.ics"'
        return response


@public("the private link: cancel")
class BookingCancelView(View):
    def post(self, request: HttpRequest, org_slug: str, locator: str, token: str) -> HttpResponse:
        org = _org(org_slug)
        booking = _booking_or_404(org, locator, token)
        try:
            services.booking_cancel(org=org, actor=None, booking=booking)
        except BookingRefused as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(request, _("The appointment is cancelled."))
        return redirect("appointments_public_booking", org.slug, locator, token)


@public("the private link: move to another time")
class BookingMoveView(View):
    def get(self, request: HttpRequest, org_slug: str, locator: str, token: str) -> HttpResponse:
        org = _org(org_slug)
        booking = _booking_or_404(org, locator, token)
        today = timezone.localdate()
        days = _days_with_slots(org, booking.service, today)
        day = _parse_day(request.GET.get("day"), days[0] if days else today)
        times = _day_slots(org, booking.service, day, exclude=booking.pk)
        return render(
            request,
            "appointments/public/move.html",
            {"org": org, "booking": booking, "days": days, "day": day, "times": times},
        )

    def post(self, request: HttpRequest, org_slug: str, locator: str, token: str) -> HttpResponse:
        org = _org(org_slug)
        booking = _booking_or_404(org, locator, token)
        starts = _parse_start(request.POST.get("starts"))
        if starts is None:
            return redirect("appointments_public_move", org.slug, locator, token)
        try:
            services.booking_move(org=org, actor=None, booking=booking, starts=starts)
        except BookingRefused as refusal:
            messages.error(request, " ".join(refusal.messages))
            return redirect("appointments_public_move", org.slug, locator, token)
        messages.success(request, _("The appointment is moved. We have sent it to your e-mail."))
        return redirect("appointments_public_booking", org.slug, locator, token)


@public("citizens join the waiting list of a full day")
class WaitingListView(View):
    def post(self, request: HttpRequest, org_slug: str, service_id: int) -> HttpResponse:
        org = _org(org_slug)
        service = _service(org, service_id)
        day = _parse_day(request.POST.get("day"), timezone.localdate())
        form = WaitingListForm(request.POST)
        back = f"{reverse('appointments_public_slots', args=[org.slug, service.pk])}?day={day.isoformat()}"
        if _too_many(request, "waiting", 10) or not form.is_valid():
            messages.error(request, _("Check the name, DNI/NIE and e-mail, and try again."))
            return redirect(back)
        office = service.desks.select_related("office").first()
        if office is None:
            raise Http404
        try:
            services.waiting_list_join(
                org=org, service=service, office=office.office, day=day, **form.cleaned_data
            )
        except BookingRefused as refusal:
            messages.error(request, " ".join(refusal.messages))
        else:
            messages.success(
                request, _("You are on the waiting list. If a place is freed we will e-mail you.")
            )
        return redirect(back)


@public("a desk's calendar feed for the staff's own calendar program: the secret token is the key")
class DeskFeedView(View):
    def get(self, request: HttpRequest, org_slug: str, desk_id: int, token: str) -> HttpResponse:
        import hmac

        org = _org(org_slug)
        desk = Desk.objects.filter(organization=org, pk=desk_id).select_related("office").first()
        if desk is None or not desk.feed_token or not hmac.compare_digest(desk.feed_token, token):
            raise Http404
        rows = selectors.desk_feed(org=org, desk=desk, today=timezone.localdate())
        return HttpResponse(
            desk_feed_ics(str(desk), rows), content_type="text/calendar; charset=utf-8"
        )


class MyAppointmentsView(LoginRequiredMixin, View):
    """The citizen's area: my appointments in any municipality, each with its private link."""

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.citizen_bookings(user=request.user)[:100]
        response = render(request, "appointments/public/mine.html", {"rows": rows})
        add_never_cache_headers(response)
        return response
