"""Organization pages: profile, calendar settings (local holidays, business hours), people."""

import datetime as dt

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from ajunta.core import selectors as core_selectors
from ajunta.core import services as core_services
from ajunta.core.calendar import DEFAULT_HOURS, calendar_for
from ajunta.core.tenancy import TenantHttpRequest, has_permission
from ajunta.core.views import TenantView, is_htmx
from ajunta.tenants import services
from ajunta.tenants.forms import BusinessHoursForm, LocalHolidayForm, OrganizationProfileForm


def apply_validation_error(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    for field, messages_ in error.message_dict.items():
        target = field if field in form.fields else None
        for message in messages_:
            form.add_error(target, message)


class OrganizationProfileView(TenantView):
    write_permission = "org.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = OrganizationProfileForm(instance=request.org) if self.can("org.settings") else None
        return render(request, "tenants/profile.html", {"form": form})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        original = {f: getattr(org, f) for f in OrganizationProfileForm.Meta.fields}
        form = OrganizationProfileForm(request.POST, instance=org)
        if form.is_valid():
            new_values = {f: form.cleaned_data[f] for f in OrganizationProfileForm.Meta.fields}
            for field, value in original.items():  # the form wrote into the instance: restore
                setattr(org, field, value)
            services.organization_update(org=org, actor=request.user, **new_values)
            messages.success(request, _("Saved."))
            return redirect("org_profile", org_slug=org.slug)
        return render(request, "tenants/profile.html", {"form": form}, status=400)


def calendar_context(
    request: TenantHttpRequest, year: int | None = None, **extra: object
) -> dict[str, object]:
    org = request.org
    cal = calendar_for(org)
    if year is None:
        param = request.GET.get("year", "")
        year = int(param) if param.isdigit() and 1900 < int(param) < 2200 else cal.today().year
    local = list(core_selectors.local_holidays(org=org, year=year))
    local_dates = {h.date for h in local}
    hours = [(h.weekday, h.opens, h.closes) for h in core_selectors.business_hours(org=org)]
    context: dict[str, object] = {
        "year": year,
        "previous_year": year - 1,
        "next_year": year + 1,
        "local_holidays": local,
        "other_holidays": [
            (d, n) for d, n in sorted(cal.holidays_in(year).items()) if d not in local_dates
        ],
        "holiday_form": LocalHolidayForm(),
        "hours_form": BusinessHoursForm(
            initial=BusinessHoursForm.initial_from(hours or default_hours())
        ),
        "hours_are_default": not hours,
        "can_edit": has_permission(request.org_roles, "org.settings"),
    }
    context.update(extra)
    return context


def default_hours() -> list[tuple[int, dt.time, dt.time]]:
    return [
        (day, opens, closes) for day, ranges in DEFAULT_HOURS.items() for opens, closes in ranges
    ]


HOLIDAYS_PARTIAL = "tenants/partials/local_holidays.html"


class CalendarSettingsView(TenantView):
    """The organization's holidays and business hours. Local holidays are added and removed in
    place with htmx; without JavaScript the same forms post and redirect."""

    write_permission = "org.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return render(request, "tenants/calendar_settings.html", calendar_context(request))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if "save_hours" in request.POST:
            return self.save_hours(request)
        return self.add_holiday(request)

    def save_hours(self, request: TenantHttpRequest) -> HttpResponse:
        org = request.org
        hours_form = BusinessHoursForm(request.POST)
        if hours_form.is_valid():
            ranges = hours_form.ranges()
            if hours_form.is_valid():
                try:
                    core_services.business_hours_set(org=org, actor=request.user, ranges=ranges)
                except ValidationError as error:
                    apply_validation_error(hours_form, error)
                else:
                    messages.success(request, _("Business hours saved."))
                    return redirect("calendar_settings", org_slug=org.slug)
        context = calendar_context(request, hours_form=hours_form)
        return render(request, "tenants/calendar_settings.html", context, status=400)

    def add_holiday(self, request: TenantHttpRequest) -> HttpResponse:
        org = request.org
        form = LocalHolidayForm(request.POST)
        if form.is_valid():
            try:
                holiday = core_services.local_holiday_add(
                    org=org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                done = _("Local holiday added.")
                if is_htmx(request):
                    context = calendar_context(request, year=holiday.date.year, status_message=done)
                    return render(request, HOLIDAYS_PARTIAL, context)
                messages.success(request, done)
                return redirect(f"{request.path}?year={holiday.date.year}")
        context = calendar_context(request, holiday_form=form)
        template = HOLIDAYS_PARTIAL if is_htmx(request) else "tenants/calendar_settings.html"
        return render(request, template, context, status=400)


class LocalHolidayDeleteView(TenantView):
    permission = "org.settings"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = request.org
        holiday = get_object_or_404(core_selectors.local_holidays(org=org), pk=pk)
        year = holiday.date.year
        core_services.local_holiday_remove(org=org, actor=request.user, holiday=holiday)
        done = _("Local holiday removed.")
        if is_htmx(request):
            return render(
                request, HOLIDAYS_PARTIAL, calendar_context(request, year=year, status_message=done)
            )
        messages.success(request, done)
        return redirect(f"{reverse('calendar_settings', args=[org.slug])}?year={year}")


class PeopleView(TenantView):
    permission = "org.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        assignments = core_selectors.role_assignments(org=request.org)
        return render(request, "tenants/people.html", {"assignments": assignments})
