"""Staff pages: the day's agenda per office and desk (printable) with check-in, call, served and
no-show; walk-ins; the waiting room's calling screen; statistics; offices, services and closures;
and the provider's usage across members."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.appointments import selectors, services
from ajunta.appointments.forms import (
    CalendarForm,
    ClosureForm,
    DeskForm,
    OfficeForm,
    ScheduleForm,
    ServiceForm,
    WalkInForm,
)
from ajunta.appointments.models import BookingStatus
from ajunta.core.charts import bar_chart
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx

ACTIONS = {
    "check_in": services.booking_check_in,
    "call": services.booking_call,
    "serve": services.booking_serve,
    "no_show": services.booking_no_show,
}


def _day(request: TenantHttpRequest) -> dt.date:
    return selectors.parse_day(request.GET.get("day"), timezone.localdate())


class AgendaView(TenantView):
    permission = "appointments.view"
    write_permission = "appointments.attend"
    module = "appointments"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        day = _day(request)
        offices = list(selectors.offices(org=org))
        office = next((o for o in offices if str(o.pk) == request.GET.get("office")), None)
        rows = list(selectors.agenda(org=org, day=day, office=office))
        desks = list(selectors.desks(org=org))
        walk_in = WalkInForm(desks=desks, services=selectors.services(org=org, active_only=True))
        return render(
            request,
            "appointments/agenda.html",
            {
                "day": day, "rows": rows, "offices": offices, "office": office,
                "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
                "walk_in": walk_in, "can_attend": self.can("appointments.attend"),
                "print": request.GET.get("print") == "1",
            },
        )  # fmt: skip


class BookingActionView(TenantView):
    permission = "appointments.attend"
    module = "appointments"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        org = request.org
        booking = get_object_or_404(selectors.bookings(org=org), pk=pk)
        try:
            if action == "cancel":
                services.booking_cancel(
                    org=org, actor=request.user, booking=booking, by_citizen=False
                )
            elif action in ACTIONS:
                ACTIONS[action](org=org, actor=request.user, booking=booking)
            else:
                raise Http404
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        day = timezone.localtime(booking.starts).date().isoformat()
        return redirect(f"{reverse('appointments_agenda', args=[org.slug])}?day={day}")


class WalkInView(TenantView):
    permission = "appointments.attend"
    module = "appointments"

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        desks = list(selectors.desks(org=org))
        form = WalkInForm(
            request.POST, desks=desks, services=selectors.services(org=org, active_only=True)
        )
        if form.is_valid():
            desk = next(d for d in desks if str(d.pk) == form.cleaned_data["desk"])
            service = selectors.services(org=org).get(pk=form.cleaned_data["service"])
            try:
                booking = services.walk_in_create(
                    org=org, actor=request.user, desk=desk, service=service,
                    name=form.cleaned_data["name"], identifier=form.cleaned_data["identifier"],
                )  # fmt: skip
                messages.success(
                    request, _("Walk-in added with turn %(turn)s.") % {"turn": booking.turn}
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
        else:
            messages.error(request, _("Choose a desk and a service and give a name."))
        return redirect("appointments_agenda", org.slug)


class ScreenView(TenantView):
    """The waiting room's screen: turn numbers called, refreshed every few seconds (htmx)."""

    permission = "appointments.view"
    module = "appointments"

    def get(self, request: TenantHttpRequest, org_slug: str, office_id: int) -> HttpResponse:
        office = get_object_or_404(selectors.offices(org=request.org), pk=office_id)
        context = {
            "office": office,
            **selectors.waiting_room(org=request.org, office=office, day=timezone.localdate()),
        }
        template = (
            "appointments/partials/screen.html" if is_htmx(request) else "appointments/screen.html"
        )
        return render(request, template, context)


class StatsView(TenantView):
    permission = "appointments.view"
    module = "appointments"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        today = timezone.localdate()
        start = selectors.parse_day(request.GET.get("from"), today - dt.timedelta(days=90))
        end = selectors.parse_day(request.GET.get("to"), today)
        stats = selectors.statistics(org=request.org, start=start, end=end)
        return render(
            request,
            "appointments/stats.html",
            {
                "start": start, "end": end, "stats": stats,
                "by_service": bar_chart(stats["by_service"], title=_("Appointments per service")),
                "by_office": bar_chart(stats["by_office"], title=_("Appointments per office")),
            },
        )  # fmt: skip


class SetupView(TenantView):
    """Offices, services, desks and their weekly schedules: a table of each and a form to add one."""

    permission = "appointments.settings"
    module = "appointments"

    def _forms(self, data: Any = None, which: str = "") -> dict[str, Any]:
        org = self.request.org
        offices = list(selectors.offices(org=org))
        active = list(selectors.services(org=org, active_only=True))
        desks = list(selectors.desks(org=org))
        return {
            "office_form": OfficeForm(data if which == "office" else None, prefix="office"),
            "service_form": ServiceForm(data if which == "service" else None, prefix="service"),
            "desk_form": DeskForm(
                data if which == "desk" else None, prefix="desk", offices=offices, services=active
            ),
            "schedule_form": ScheduleForm(
                data if which == "schedule" else None, prefix="schedule", desks=desks
            ),
        }

    def _render(
        self, request: TenantHttpRequest, forms: dict[str, Any], status: int = 200
    ) -> HttpResponse:
        org = request.org
        return render(
            request,
            "appointments/setup.html",
            {
                "offices": selectors.offices(org=org),
                "services": selectors.services(org=org),
                "desks": selectors.desks(org=org).prefetch_related(
                    "services", "schedules__intervals"
                ),
                **forms,
            },
            status=status,
        )

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, self._forms())

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        which = next(
            (w for w in ("office", "service", "desk", "schedule") if f"{w}-name" in request.POST),
            "office",
        )
        forms = self._forms(request.POST, which)
        form = forms[f"{which}_form"]
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if which == "office":
                    services.office_create(org=org, actor=request.user, **data)
                elif which == "service":
                    services.service_create(org=org, actor=request.user, **data)
                elif which == "desk":
                    services.desk_create(
                        org=org, actor=request.user, name=data["name"],
                        office=selectors.offices(org=org).get(pk=data["office"]),
                        services=selectors.services(org=org).filter(pk__in=data["services"]),
                    )  # fmt: skip
                else:
                    services.schedule_create(
                        org=org, actor=request.user, name=data["name"],
                        desk=selectors.desks(org=org).get(pk=data["desk"]),
                        valid_from=data["valid_from"], valid_until=data["valid_until"],
                        intervals=form.intervals(),
                    )  # fmt: skip
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("appointments_setup", org.slug)
        return self._render(request, forms, status=400)


class ClosuresView(TenantView):
    permission = "appointments.settings"
    module = "appointments"

    def _render(
        self, request: TenantHttpRequest, closure_form: Any, calendar_form: Any, status: int = 200
    ) -> HttpResponse:
        org = request.org
        return render(
            request,
            "appointments/closures.html",
            {
                "exceptions": selectors.exceptions(org=org).filter(ends__gte=timezone.now())[:100],
                "calendars": selectors.calendars(org=org),
                "closure_form": closure_form, "calendar_form": calendar_form,
            },
            status=status,
        )  # fmt: skip

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        offices = list(selectors.offices(org=request.org))
        return self._render(
            request,
            ClosureForm(prefix="closure", offices=offices),
            CalendarForm(prefix="calendar", offices=offices),
        )

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        offices = list(selectors.offices(org=org))
        closure_form = ClosureForm(prefix="closure", offices=offices)
        calendar_form = CalendarForm(prefix="calendar", offices=offices)
        if "closure-starts" in request.POST:
            closure_form = ClosureForm(request.POST, prefix="closure", offices=offices)
            form: Any = closure_form
        else:
            calendar_form = CalendarForm(
                request.POST, request.FILES, prefix="calendar", offices=offices
            )
            form = calendar_form
        if form.is_valid():
            data = form.cleaned_data
            office = next((o for o in offices if str(o.pk) == data.get("office")), None)
            try:
                if form is closure_form:
                    services.exception_create(
                        org=org, actor=request.user, kind=data["kind"], office=office,
                        starts=data["starts"], ends=data["ends"], reason=data["reason"],
                    )  # fmt: skip
                else:
                    upload = data.get("file")
                    services.calendar_create(
                        org=org, actor=request.user, name=data["name"], office=office,
                        url=data.get("url") or "", content=upload.read() if upload else b"",
                    )  # fmt: skip
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("appointments_closures", org.slug)
        return self._render(request, closure_form, calendar_form, status=400)


class UsageView(TenantView):
    """The provider's view: appointments per member (counts only)."""

    permission = "appointments.usage"
    module = "appointments-usage"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        today = timezone.localdate()
        start = today - dt.timedelta(days=365)
        rows = selectors.usage_across_members(provider=request.org, start=start, end=today)
        return render(
            request,
            "appointments/usage.html",
            {
                "rows": rows, "start": start, "end": today,
                "chart": bar_chart([(r["organization__name"], r["total"]) for r in rows], title=_("Appointments per member")),
                "statuses": BookingStatus,
            },
        )  # fmt: skip
