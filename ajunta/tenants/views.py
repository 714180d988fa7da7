"""Organization pages: profile, calendar settings (local holidays, business hours), people."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from ajunta.core import selectors as core_selectors
from ajunta.core import services as core_services
from ajunta.core.calendar import calendar_for
from ajunta.core.views import TenantView
from ajunta.tenants import services
from ajunta.tenants.forms import BusinessHoursForm, LocalHolidayForm, OrganizationProfileForm


def apply_validation_error(form: object, error: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    for field, messages_ in error.message_dict.items():
        target = field if field in form.fields else None  # type: ignore[attr-defined]
        for message in messages_:
            form.add_error(target, message)  # type: ignore[attr-defined]


class OrganizationProfileView(TenantView):
    write_permission = "org.settings"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = OrganizationProfileForm(instance=request.org) if self.can("org.settings") else None  # type: ignore[attr-defined]
        return render(request, "tenants/profile.html", {"form": form})

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = request.org  # type: ignore[attr-defined]
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


class CalendarSettingsView(TenantView):
    write_permission = "org.settings"

    def _context(self, request: HttpRequest, **extra: object) -> dict[str, object]:
        org = request.org  # type: ignore[attr-defined]
        cal = calendar_for(org)
        year_param = request.GET.get("year", "")
        year = int(year_param) if year_param.isdigit() and 1900 < int(year_param) < 2200 else cal.today().year
        local = list(core_selectors.local_holidays(org=org, year=year))
        local_dates = {h.date for h in local}
        hours = [(h.weekday, h.opens, h.closes) for h in core_selectors.business_hours(org=org)]
        context: dict[str, object] = {
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1,
            "local_holidays": local,
            "other_holidays": [(d, n) for d, n in sorted(cal.holidays_in(year).items()) if d not in local_dates],
            "holiday_form": LocalHolidayForm(),
            "hours_form": BusinessHoursForm(initial=BusinessHoursForm.initial_from(hours)),
            "hours_are_default": not hours,
            "can_edit": self.can("org.settings"),
        }
        context.update(extra)
        return context

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return render(request, "tenants/calendar_settings.html", self._context(request))

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        org = request.org  # type: ignore[attr-defined]
        if "save_hours" in request.POST:
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
            context = self._context(request, hours_form=hours_form)
            return render(request, "tenants/calendar_settings.html", context, status=400)

        holiday_form = LocalHolidayForm(request.POST)
        if holiday_form.is_valid():
            try:
                core_services.local_holiday_add(org=org, actor=request.user, **holiday_form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(holiday_form, error)
            else:
                messages.success(request, _("Local holiday added."))
                year = holiday_form.cleaned_data["date"].year
                return redirect(f"{request.path}?year={year}")
        context = self._context(request, holiday_form=holiday_form)
        return render(request, "tenants/calendar_settings.html", context, status=400)


class LocalHolidayDeleteView(TenantView):
    permission = "org.settings"

    def post(self, request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = request.org  # type: ignore[attr-defined]
        holiday = get_object_or_404(core_selectors.local_holidays(org=org), pk=pk)
        year = holiday.date.year
        core_services.local_holiday_remove(org=org, actor=request.user, holiday=holiday)
        messages.success(request, _("Local holiday removed."))
        return redirect(f"{request.path.rsplit('/holidays/', 1)[0]}/?year={year}")


class PeopleView(TenantView):
    permission = "org.settings"

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        assignments = core_selectors.role_assignments(org=request.org)  # type: ignore[attr-defined]
        return render(request, "tenants/people.html", {"assignments": assignments})
