"""Organization pages: profile, calendar settings (local holidays, business hours), people."""

import calendar as pycalendar
import csv
import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

import icalendar
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from ajunta.core import selectors as core_selectors
from ajunta.core import services as core_services
from ajunta.core.calendar import DEFAULT_HOURS, calendar_for
from ajunta.core.charts import bar_chart
from ajunta.core.pdf import PdfBuilder
from ajunta.core.tenancy import TenantHttpRequest, has_permission
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate, safe_next
from ajunta.tenants import selectors, services
from ajunta.tenants.forms import (
    WEEKDAYS,
    AgreementForm,
    ApplicationForm,
    BusinessHoursForm,
    CatalogueServiceForm,
    EnrolmentForm,
    FeeRuleForm,
    LocalHolidayForm,
    MemberImportForm,
    MembershipStatusForm,
    OrganizationProfileForm,
    PublicPageForm,
    ReasonForm,
    SiteIdentityForm,
    TrainingSessionForm,
)
from ajunta.tenants.models import Agreement, Membership, MembershipStatus, TrainingSession


def membership_context(request: TenantHttpRequest) -> dict[str, Any]:
    """A member's own view of its membership: with whom, since when, the agreement in force."""
    org = request.org
    if org.is_provider:
        return {}
    return {
        "memberships": selectors.memberships_of(member=org),
        "agreement": selectors.agreement_in_force(org, timezone.localdate()),
    }


class OrganizationProfileView(TenantView):
    write_permission = "org.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = OrganizationProfileForm(instance=request.org) if self.can("org.settings") else None
        return render(
            request, "tenants/profile.html", {"form": form, **membership_context(request)}
        )

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
        context = {"form": form, **membership_context(request)}
        return render(request, "tenants/profile.html", context, status=400)


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
                    add_service_error(hours_form, error)
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
                add_service_error(form, error)
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


# === the members module: the provider's own work ===================================================
class MembersView(TenantView):
    """Base of the provider's pages: the "members" module (only the provider uses it)."""

    module = "members"
    permission = "members.view"
    write_permission = "members.manage"


def _year(request: HttpRequest, default: int) -> int:
    raw = request.GET.get("year", "")
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else default


class MembersDashboardView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        today = timezone.localdate()
        year = _year(request, today.year)
        figures = selectors.dashboard_figures(org=request.org, year=year, today=today)
        context = {
            **figures,
            "year": year,
            "status_chart": bar_chart(
                [(str(label), n) for label, n in figures["by_status"]],
                title=_("Members by status"),
            ),
            "size_chart": bar_chart(figures["by_size"], title=_("Active members by population")),
            "services_chart": bar_chart(
                [(s.name, s.members) for s in figures["services_in_use"]],
                title=_("Members receiving each service"),
            ),
        }
        return render(request, "tenants/members/dashboard.html", context)


class MembershipListView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        status = request.GET.get("status", "")
        if status not in MembershipStatus.values:
            status = ""
        q = request.GET.get("q", "")
        rows = selectors.memberships(org=request.org, status=status, q=q)
        context = {
            "page": paginate(request, rows),
            "status": status,
            "q": q,
            "statuses": MembershipStatus.choices,
            "extra_query": urlencode({k: v for k, v in (("status", status), ("q", q)) if v}),
        }
        return render(request, "tenants/members/list.html", context)


class MembershipNewView(MembersView):
    """Staff enter an application received on paper or by email."""

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return render(request, "tenants/members/new.html", {"form": ApplicationForm()})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = ApplicationForm(request.POST)
        if form.is_valid():
            try:
                membership = services.membership_apply(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Application recorded."))
                return redirect("membership", org_slug=org_slug, pk=membership.pk)
        return render(request, "tenants/members/new.html", {"form": form}, status=400)


def membership_actions(membership: Membership) -> list[tuple[str, str]]:
    """The status changes open to this membership, as (status, button label), in a fixed order."""
    labels: dict[tuple[str, str], str] = {
        (MembershipStatus.APPLIED, MembershipStatus.ACTIVE): _("Approve"),
        (MembershipStatus.APPLIED, MembershipStatus.REJECTED): _("Reject"),
        (MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED): _("Suspend"),
        (MembershipStatus.SUSPENDED, MembershipStatus.ACTIVE): _("Reinstate"),
        (MembershipStatus.LEFT, MembershipStatus.ACTIVE): _("Rejoin"),
    }
    allowed = services.TRANSITIONS[membership.status]
    return [
        (status, labels.get((membership.status, status), _("Record that it left")))
        for status in MembershipStatus.values
        if status in allowed
    ]


class MembershipView(MembersView):
    """A membership at a glance. Each status change is a button: with htmx it opens the form in
    the page's action panel, without JavaScript it reloads the page with the form there."""

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        membership = get_object_or_404(selectors.memberships(org=request.org), pk=pk)
        to = request.GET.get("to", "")
        actions = dict(membership_actions(membership))
        if to not in actions or not self.can("members.manage"):
            return self.show(request, membership, MembershipStatusForm(), action_title="")
        form = MembershipStatusForm(initial={"status": to})
        if is_htmx(request) and not request.headers.get("HX-History-Restore-Request"):
            context = {"membership": membership, "form": form, "action_title": actions[to]}
            response = render(request, "tenants/members/partials/status_form.html", context)
        else:
            response = self.show(request, membership, form, action_title=actions[to])
        patch_vary_headers(response, ["HX-Request"])
        return response

    def show(
        self,
        request: TenantHttpRequest,
        membership: Membership,
        form: forms.Form,
        status: int = 200,
        action_title: str | None = None,
    ) -> HttpResponse:
        today = timezone.localdate()
        member = membership.member
        agreement = selectors.agreement_in_force(member, today) if member is not None else None
        fee = next(
            (
                line
                for line in selectors.fees_for_year(org=request.org, year=today.year)
                if member is not None and line.member.pk == member.pk
            ),
            None,
        )
        context = {
            "membership": membership,
            "actions": membership_actions(membership),
            # a refused form reopens in the action panel; None: the form is not shown
            "action_title": _("Change status") if action_title is None else action_title,
            "agreement_in_force": agreement
            if agreement is not None and agreement.organization_id == request.org.pk
            else None,
            "fee": fee,
            "fee_year": today.year,
            "events": selectors.membership_events(org=request.org, membership=membership),
            "agreements": selectors.agreements(org=request.org, member=membership.member)
            if membership.member_id
            else [],
            "form": form,
            "can_manage": self.can("members.manage"),
        }
        return render(request, "tenants/members/detail.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        membership = get_object_or_404(selectors.memberships(org=request.org), pk=pk)
        form = MembershipStatusForm(request.POST)
        if form.is_valid():
            try:
                services.membership_set_status(
                    org=request.org,
                    actor=request.user,
                    membership=membership,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    on=form.cleaned_data["on"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Membership updated."))
                return redirect("membership", org_slug=org_slug, pk=pk)
        return self.show(request, membership, form, status=400, action_title=None)


class MemberImportView(MembersView):
    permission = "members.manage"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return render(request, "tenants/members/import.html", {"form": MemberImportForm()})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = MemberImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            if upload.size > services.IMPORT_MAX_BYTES:
                form.add_error("file", _("The file is larger than 2 MB."))
            else:
                report = services.members_import_csv(
                    org=request.org,
                    actor=request.user,
                    content=upload.read(),
                    dry_run=form.cleaned_data["dry_run"],
                )
        status = 200 if report is not None and not report.errors else 400
        return render(
            request, "tenants/members/import.html", {"form": form, "report": report}, status=status
        )


# --- fees ---------------------------------------------------------------------------------------
class FeesView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.show(request, FeeRuleForm(org=request.org))

    def show(
        self, request: TenantHttpRequest, form: FeeRuleForm, status: int = 200
    ) -> HttpResponse:
        year = _year(request, timezone.localdate().year)
        lines = selectors.fees_for_year(org=request.org, year=year)
        context = {
            "year": year,
            "previous_year": year - 1,
            "next_year": year + 1,
            "lines": lines,
            "total": sum((line.amount for line in lines), Decimal("0.00")),
            "by_payer": [
                (payer, total, count)
                for payer, total, count in selectors.fee_totals_by_payer(lines)
                if total
            ],
            "rules": selectors.fee_rules(org=request.org),
            "form": form,
            "can_manage": self.can("members.manage"),
        }
        return render(request, "tenants/members/fees.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = FeeRuleForm(request.POST, org=request.org)
        if form.is_valid():
            try:
                services.fee_rule_create(org=request.org, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Fee rule added."))
                return redirect("fees", org_slug=org_slug)
        return self.show(request, form, status=400)


def fee_table(lines: list[selectors.FeeLine]) -> tuple[list[str], list[list[str]]]:
    header = [
        _("Member"), _("INE code"), _("Population"), _("Yearly fee (EUR)"), _("Charged to"),
        _("Paid by the member (EUR)"),
    ]  # fmt: skip
    rows = [
        [
            line.member.name,
            line.member.ine_code,
            "" if line.population is None else str(line.population),
            f"{line.amount:.2f}",
            line.payer.name if line.payer is not None else "",
            f"{line.member_amount:.2f}",
        ]
        for line in lines
    ]
    return [str(h) for h in header], rows


class FeesCsvView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str, year: int) -> HttpResponse:
        header, rows = fee_table(selectors.fees_for_year(org=request.org, year=year))
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="fees-{year}.csv"'
        writer = csv.writer(response)
        writer.writerow(header)
        for row in rows:
            writer.writerow([csv_safe(cell) for cell in row])
        return response


def csv_safe(cell: str) -> str:
    """Keep spreadsheet programs from running a member's name as a formula."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


class FeesPdfView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str, year: int) -> HttpResponse:
        lines = selectors.fees_for_year(org=request.org, year=year)
        header, rows = fee_table(lines)
        title = _("Membership fees %(year)s") % {"year": year}
        doc = PdfBuilder(title=title)
        doc.heading(request.org.name)
        doc.heading(title, level=2)
        doc.table(header, rows, widths=[50, 18, 20, 24, 44, 24])
        total = sum((line.amount for line in lines), Decimal("0.00"))
        doc.key_values([(_("Total"), f"{total:.2f} EUR"), (_("Members"), str(len(lines)))])
        sponsors = [
            (payer.name, f"{amount:.2f} EUR")
            for payer, amount, _count in selectors.fee_totals_by_payer(lines)
            if amount and any(line.payer == payer and line.sponsored for line in lines)
        ]
        if sponsors:
            doc.heading(_("Paid by sponsors"), level=2)
            doc.key_values(sponsors)
        response = HttpResponse(doc.to_bytes(), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="fees-{year}.pdf"'
        return response


# --- services catalogue -------------------------------------------------------------------------
class CatalogueView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.show(request, CatalogueServiceForm())

    def show(
        self, request: TenantHttpRequest, form: CatalogueServiceForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "services": selectors.catalogue_services(org=request.org, active_only=False),
            "form": form,
            "can_manage": self.can("members.manage"),
        }
        return render(request, "tenants/members/catalogue.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = CatalogueServiceForm(request.POST)
        if form.is_valid():
            try:
                services.catalogue_service_create(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Service added to the catalogue."))
                return redirect("catalogue", org_slug=org_slug)
        return self.show(request, form, status=400)


class CatalogueServiceView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        service = get_object_or_404(
            selectors.catalogue_services(org=request.org, active_only=False), pk=pk
        )
        form = CatalogueServiceForm(instance=service)
        form.fields["code"].disabled = True
        return render(request, "tenants/members/service.html", {"service": service, "form": form})

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        service = get_object_or_404(
            selectors.catalogue_services(org=request.org, active_only=False), pk=pk
        )
        form = CatalogueServiceForm(request.POST, initial={"code": service.code})
        form.fields["code"].disabled = True
        if form.is_valid():
            fields = {k: v for k, v in form.cleaned_data.items() if k != "code"}
            try:
                services.catalogue_service_update(
                    org=request.org, actor=request.user, service=service, **fields
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect("catalogue", org_slug=org_slug)
        context = {"service": service, "form": form}
        return render(request, "tenants/members/service.html", context, status=400)


# --- agreements ---------------------------------------------------------------------------------
class AgreementListView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.show(request, AgreementForm(org=request.org))

    def show(
        self, request: TenantHttpRequest, form: AgreementForm, status: int = 200
    ) -> HttpResponse:
        today = timezone.localdate()
        context = {
            "page": paginate(request, selectors.agreements(org=request.org)),
            "today": today,
            "form": form,
            "can_manage": self.can("members.manage"),
        }
        return render(request, "tenants/members/agreements.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = AgreementForm(request.POST, org=request.org)
        if form.is_valid():
            try:
                agreement = services.agreement_create(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Agreement recorded."))
                return redirect("agreement", org_slug=org_slug, pk=agreement.pk)
        return self.show(request, form, status=400)


class AgreementView(MembersView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        agreement = get_object_or_404(selectors.agreements(org=request.org), pk=pk)
        return self.show(request, agreement, ReasonForm())

    def show(
        self, request: TenantHttpRequest, agreement: Agreement, form: ReasonForm, status: int = 200
    ) -> HttpResponse:
        context = {
            "agreement": agreement,
            "form": form,
            "can_manage": self.can("members.manage"),
        }
        return render(request, "tenants/members/agreement.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        agreement = get_object_or_404(selectors.agreements(org=request.org), pk=pk)
        form = ReasonForm(request.POST)
        try:
            if "extend" in request.POST:
                services.agreement_extend(org=request.org, actor=request.user, agreement=agreement)
                messages.success(
                    request, _("The agreement stays in force until a new one is signed.")
                )
                return redirect("agreement", org_slug=org_slug, pk=pk)
            if form.is_valid():
                services.agreement_annul(
                    org=request.org,
                    actor=request.user,
                    agreement=agreement,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Agreement annulled."))
                return redirect("agreement", org_slug=org_slug, pk=pk)
        except ValidationError as error:
            add_service_error(form, error)
        return self.show(request, agreement, form, status=400)


# --- training sessions and visits ---------------------------------------------------------------
def month_grid(
    year: int, month: int, sessions: list[TrainingSession]
) -> list[list[dict[str, Any] | None]]:
    """Weeks of the month (Monday first), each day with its sessions; days of other months None."""
    by_day: dict[dt.date, list[TrainingSession]] = {}
    for session in sessions:
        by_day.setdefault(timezone.localtime(session.starts_at).date(), []).append(session)
    weeks = []
    for week in pycalendar.Calendar(firstweekday=0).monthdatescalendar(year, month):
        weeks.append(
            [
                {"date": day, "sessions": by_day.get(day, [])} if day.month == month else None
                for day in week
            ]
        )
    return weeks


def _month(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    raw = request.GET.get("month", "")
    try:
        first = dt.date.fromisoformat(f"{raw}-01") if raw else today.replace(day=1)
    except ValueError:
        first = today.replace(day=1)
    return first.year, first.month


def sessions_calendar_context(request: HttpRequest, sessions: Any) -> dict[str, Any]:
    year, month = _month(request)
    first = dt.date(year, month, 1)
    last = dt.date(year, month, pycalendar.monthrange(year, month)[1])
    rows = list(sessions.filter(starts_at__date__gte=first, starts_at__date__lte=last))
    previous = (first - dt.timedelta(days=1)).replace(day=1)
    following = last + dt.timedelta(days=1)
    return {
        "month": first,
        "weeks": month_grid(year, month, rows),
        "sessions": rows,
        "previous_month": previous.strftime("%Y-%m"),
        "next_month": following.strftime("%Y-%m"),
        "weekdays": WEEKDAYS,
    }


class TrainingSessionsView(MembersView):
    permission = "members.view"
    write_permission = "training.manage"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.show(request, TrainingSessionForm(org=request.org))

    def show(
        self, request: TenantHttpRequest, form: TrainingSessionForm, status: int = 200
    ) -> HttpResponse:
        context = sessions_calendar_context(request, selectors.training_sessions(org=request.org))
        context.update(
            {
                "form": form,
                "can_manage": self.can("training.manage"),
                "subscription_url": feed_url(request, request.org),
            }
        )
        return render(request, "tenants/members/training.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = TrainingSessionForm(request.POST, org=request.org)
        if form.is_valid():
            try:
                session = services.training_session_create(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Session scheduled."))
                return redirect("training_session", org_slug=org_slug, pk=session.pk)
        return self.show(request, form, status=400)


class TrainingSessionView(MembersView):
    permission = "members.view"
    write_permission = "training.manage"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        session = get_object_or_404(selectors.training_sessions(org=request.org), pk=pk)
        return self.show(request, session, EnrolmentForm(org=request.org))

    def show(
        self, request: TenantHttpRequest, session: TrainingSession, form: EnrolmentForm,
        status: int = 200,
    ) -> HttpResponse:  # fmt: skip
        context = {
            "session": session,
            "enrolments": selectors.enrolments(org=request.org, session=session),
            "form": form,
            "can_manage": self.can("training.manage"),
        }
        return render(request, "tenants/members/session.html", context, status=status)

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        session = get_object_or_404(selectors.training_sessions(org=request.org), pk=pk)
        if "enrolment" in request.POST:  # attendance of one enrolment
            enrolment = get_object_or_404(
                selectors.enrolments(org=request.org, session=session),
                pk=request.POST.get("enrolment", "0")
                if request.POST.get("enrolment", "").isdigit()
                else 0,
            )
            services.attendance_record(
                org=request.org,
                actor=request.user,
                enrolment=enrolment,
                attended=request.POST.get("attended") == "yes",
            )
            messages.success(request, _("Attendance recorded."))
            return redirect("training_session", org_slug=org_slug, pk=pk)
        form = EnrolmentForm(request.POST, org=request.org)
        if form.is_valid():
            try:
                services.enrolment_add(
                    org=request.org, actor=request.user, session=session, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Member enrolled."))
                return redirect("training_session", org_slug=org_slug, pk=pk)
        return self.show(request, session, form, status=400)


def ical_response(sessions: Iterable[TrainingSession], *, name: str, host: str) -> HttpResponse:
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Ajunta//training//")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    for session in sessions:
        event = icalendar.Event()
        event.add("uid", f"training-{session.pk}@{host}")
        event.add("summary", session.title)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        event.add("dtstamp", session.created_at)
        if session.place:
            event.add("location", session.place)
        if session.description:
            event.add("description", session.description)
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="training.ics"'
    return response


def feed_token(org: Any) -> str:
    """The secret in an organization's calendar subscription URL: calendar apps cannot log in.

    Derived from SECRET_KEY, so nothing is stored; changing SECRET_KEY changes every feed URL.
    """
    return salted_hmac("ajunta.tenants.training-feed", str(org.pk)).hexdigest()[:32]


def feed_url(request: HttpRequest, org: Any) -> str:
    return request.build_absolute_uri(
        reverse("training_feed_public", args=[org.slug, feed_token(org)])
    )


class TrainingFeedView(MembersView):
    """The provider's sessions and visits as iCalendar (session-authenticated)."""

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        since = timezone.localdate() - dt.timedelta(days=365)
        sessions = selectors.training_sessions(org=request.org, start=since)
        return ical_response(sessions, name=request.org.name, host=request.get_host())


class MemberTrainingView(TenantView):
    """A member's side: the sessions of its providers, to enrol in."""

    module = "training"
    permission = "training.enrol"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        context = sessions_calendar_context(
            request, selectors.sessions_for_member(member=request.org)
        )
        return render(request, "tenants/member_training.html", context)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        raw = request.POST.get("session", "")
        session = get_object_or_404(
            selectors.sessions_for_member(member=request.org), pk=int(raw) if raw.isdigit() else 0
        )
        try:
            services.enrolment_add(
                org=session.organization, actor=request.user, session=session, member=request.org
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("Your council is enrolled."))
        return redirect(safe_next(request, reverse("member_training", args=[org_slug])))


class MemberTrainingFeedView(TenantView):
    module = "training"
    permission = "training.enrol"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        since = timezone.localdate() - dt.timedelta(days=365)
        sessions = selectors.sessions_for_member(member=request.org).filter(
            starts_at__date__gte=since
        )
        return ical_response(sessions, name=request.org.name, host=request.get_host())


# --- public website pages (editing) -------------------------------------------------------------
class SitePagesView(MembersView):
    permission = "site.edit"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        pages = selectors.public_pages(org=request.org)
        return render(
            request, "tenants/members/site_pages.html", {"page": paginate(request, pages)}
        )


class SitePageEditView(MembersView):
    permission = "site.edit"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        page = None
        raw = request.GET.get("id", "")
        if raw.isdigit():
            page = get_object_or_404(selectors.public_pages(org=request.org), pk=int(raw))
        form = PublicPageForm(instance=page, initial={"published_on": timezone.localdate()})
        return render(request, "tenants/members/site_page_edit.html", {"form": form, "page": page})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = PublicPageForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            slug, language = data.pop("slug"), data.pop("language")
            try:
                services.public_page_save(
                    org=request.org, actor=request.user, slug=slug, language=language, **data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Page saved."))
                return redirect("site_pages", org_slug=org_slug)
        return render(
            request, "tenants/members/site_page_edit.html", {"form": form, "page": None}, status=400
        )


class SiteIdentityView(MembersView):
    """Who publishes the website: address, contact, hours, social links, the data-protection
    officer and the accessibility statement's facts (the current language's texts)."""

    permission = "site.edit"

    def _render(self, form: SiteIdentityForm, status: int = 200) -> HttpResponse:
        return render(
            self.request, "tenants/members/site_identity.html", {"form": form}, status=status
        )

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self._render(SiteIdentityForm(instance=selectors.site_identity(org=request.org)))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = SiteIdentityForm(
            request.POST, request.FILES, instance=selectors.site_identity(org=request.org)
        )
        if not form.is_valid():
            return self._render(form, 400)
        data = {k: v for k, v in form.cleaned_data.items() if k in services.SITE_IDENTITY_FIELDS}
        try:
            services.site_identity_save(
                org=request.org, actor=request.user, logo_file=form.cleaned_data.get("logo"), **data
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self._render(form, 400)
        messages.success(request, _("The website's identity is saved."))
        return redirect("site_identity", org_slug=org_slug)
