"""Registry pages: the book and its exports, a new entry, an entry with its actions (annul, rectify,
acknowledge), units with what is waiting for them, and the registry settings.

Thin on purpose: the forms parse, services.py decides and writes, selectors.py reads. A refusal
from a service (a ValidationError) is shown on the field it names, with status 400.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ajunta.core.calendar import BusinessCalendar, calendar_for
from ajunta.core.display import DateDisplay, choice_labels, row_url
from ajunta.core.documents import format_verification_code
from ajunta.core.languages import with_translations
from ajunta.core.modules import org_uses_module
from ajunta.core.tenancy import PERMISSIONS, TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate, safe_next
from ajunta.persons import selectors as person_selectors
from ajunta.persons import services as person_services
from ajunta.registry import exports, selectors, services
from ajunta.registry.forms import (
    MAX_PARTIES,
    AnnulForm,
    BasePartyFormSet,
    BookFilterForm,
    EntryForm,
    NumberFormatForm,
    PartyForm,
    RectifyForm,
    UnitForm,
    looked_up_party_form,
    new_party_form,
    number_format_problem,
    party_formset,
)
from ajunta.registry.models import Channel, Direction, EntryStatus, RegistryEntry, Unit

OVERDUE_AFTER_BUSINESS_DAYS = 2
# One compact party block: the NIF look-up fills it from the register of persons; "add another
# party" adds a representative or a second interested party.
NEW_ENTRY_PARTY_ROWS = 1


# --- helpers ------------------------------------------------------------------------------------
def entry_or_404(org: Any, pk: int) -> RegistryEntry:
    """One entry of `org` for an action: another organization's answers 404, like a missing one."""
    return get_object_or_404(selectors.entries(org=org), pk=pk)


def entry_url(org: Any, entry: RegistryEntry) -> str:
    return reverse("registry_entry", args=[org.slug, entry.pk])


_PARTY_KEY = re.compile(r"parties\[(\d+)\]\.(\w+)")
_ATTACHMENT_KEY = re.compile(r"attachments\[\d+\]|file")


def add_entry_errors(
    error: ValidationError, form: EntryForm, parties: BasePartyFormSet, rows: list[int]
) -> None:
    """Spread a refusal of registry_entry_create over the entry form and the party rows.

    `parties[2].id_number` goes to the row the third party came from; `attachments[0]` and a
    refused file's `file` to the attachments field; the rest to the field of the same name.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, field_messages in error.message_dict.items():
        party = _PARTY_KEY.fullmatch(key)
        if party and int(party.group(1)) < len(rows):
            row = parties.forms[rows[int(party.group(1))]]
            field = party.group(2)
            row.add_error(field if field in row.fields else None, field_messages)
        elif key == "parties":
            parties.non_form_errors().extend(field_messages)
        elif _ATTACHMENT_KEY.fullmatch(key):
            form.add_error("attachments", field_messages)
        else:
            form.add_error(key if key in form.fields else None, field_messages)


def error_summary(form: Any, parties: BasePartyFormSet | None = None) -> list[tuple[str, str]]:
    """(anchor, message) of every error, for the summary at the top of a refused form."""
    found = []
    for field, field_errors in form.errors.items():
        anchor = f"#{form[field].auto_id}" if field in form.fields else "#entry-form"
        label = form.fields[field].label if field in form.fields else ""
        for message in field_errors:
            found.append((anchor, f"{label}: {message}" if label else message))
    if parties is not None:
        for message in parties.non_form_errors():
            found.append(("#parties", message))
        for number, row in enumerate(parties.forms, start=1):
            for field, field_errors in row.errors.items():
                anchor = f"#{row[field].auto_id}" if field in row.fields else f"#party-{number}"
                label = row.fields[field].label if field in row.fields else ""
                for message in field_errors:
                    prefix = _("Party %(number)d") % {"number": number}
                    found.append((anchor, f"{prefix}, {label}: {message}" if label else message))
    return found


@dataclass
class Age:
    """How long an entry has waited, on the organization's business calendar."""

    days: int
    hours: int
    overdue: bool


def waiting_age(cal: BusinessCalendar, since: dt.datetime, now: dt.datetime) -> Age:
    """Business days after the filing day up to today, business hours elapsed, and whether more
    than OVERDUE_AFTER_BUSINESS_DAYS business days have passed (to the minute)."""
    start = timezone.localtime(since, cal.tz)
    today = timezone.localtime(now, cal.tz).date()
    days, day = 0, start.date()
    while day < today:
        day += dt.timedelta(days=1)
        days += cal.is_business_day(day)
    hours = cal.business_seconds_between(since, now) // 3600
    due_day = cal.add_business_days(start.date(), OVERDUE_AFTER_BUSINESS_DAYS)
    due = dt.datetime.combine(due_day, start.time(), tzinfo=cal.tz)
    return Age(days=days, hours=hours, overdue=now > due)


# --- the registry book ----------------------------------------------------------------------------
class RegistryView(TenantView):
    """A page of the registry: 404 where the organization does not use it (core.modules)."""

    module = "registry"


@dataclass(frozen=True)
class BookRow:
    """A row of the registry book, ready to print: the template only places the values."""

    pk: int
    url: str
    number: str
    annulled: bool
    direction: str
    filed_iso: str
    filed: str
    party: str  # the first interested party, or "" when there is none
    party_id: str
    more: str  # " and 2 more" when there are other parties
    addressee: str  # shown when there is no party
    epigraph: str
    summary: str
    channel: str
    unit: str


# What a book row shows: the entry's long texts (statement, request, search document) stay unread.
BOOK_FIELDS = (
    "number", "direction", "filed_at", "epigraph", "summary", "channel", "status",
    "addressee_name", *with_translations("destination_unit__name"),
)  # fmt: skip


def book_rows(org: Any, entries: Iterable[RegistryEntry]) -> list[BookRow]:
    """The book's rows, built once in Python: per row, `{% url %}`, `|date`, `get_*_display` and
    `{% blocktranslate %}` cost more than the page's SQL."""
    url = row_url("registry_entry", org.slug)
    directions, channels = choice_labels(Direction), choice_labels(Channel)
    short = DateDisplay("SHORT_DATETIME_FORMAT")
    rows = []
    for entry in entries:
        parties = list(entry.parties.all())
        others = len(parties) - 1
        filed = short.local(entry.filed_at)
        rows.append(
            BookRow(
                pk=entry.pk,
                url=url(entry.pk),
                number=entry.number,
                annulled=entry.is_annulled,
                direction=directions.get(entry.direction, entry.direction),
                filed_iso=filed.isoformat(),
                filed=short(filed),
                party=parties[0].full_name if parties else "",
                party_id=parties[0].id_number if parties else "",
                more=" "
                + ngettext("and %(counter)s more", "and %(counter)s more", others)
                % {"counter": others}
                if others > 0
                else "",
                addressee=entry.addressee_name or "—",
                epigraph=entry.epigraph,
                summary=entry.summary,
                channel=channels.get(entry.channel, entry.channel),
                unit=entry.destination_unit.name if entry.destination_unit else "—",
            )
        )
    return rows


class RegistryBookView(RegistryView):
    """The book, newest first, filtered. An htmx request gets only the results."""

    permission = "registry.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = BookFilterForm(request.GET or None, org=request.org)
        entries = selectors.with_row_parties(
            selectors.entries(org=request.org, **form.filters()).only(*BOOK_FIELDS)
        )
        page = paginate(request, entries)
        context = {
            "form": form,
            "page": page,
            "rows": book_rows(request.org, page.object_list),
            "extra_query": form.querystring(),
            "can_create": self.can("registry.create"),
        }
        # htmx swaps in the results only; restoring a page from history needs all of it.
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "registry/partials/book_results.html" if partial else "registry/book.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


def export_name(org: Any, filters: dict[str, Any], extension: str) -> str:
    period = "-".join(
        filters[key].isoformat() for key in ("date_from", "date_to") if filters.get(key)
    )
    return f"registre-{org.slug}{'-' + period if period else ''}.{extension}"


class RegistryBookCsvView(RegistryView):
    permission = "registry.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        filters = BookFilterForm(request.GET or None, org=request.org).filters()
        rows = selectors.entries(org=request.org, **filters)
        response = StreamingHttpResponse(
            exports.book_csv(rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{export_name(request.org, filters, "csv")}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


class RegistryBookPdfView(RegistryView):
    permission = "registry.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        filters = BookFilterForm(request.GET or None, org=request.org).filters()
        rows = selectors.entries(org=request.org, **filters)
        limit = settings.REGISTRY_BOOK_PDF_MAX_ENTRIES
        if rows.count() > limit:
            messages.error(request, _(
                "The PDF book is limited to %(limit)d entries: choose a shorter period, or export it as CSV."
            ) % {"limit": limit})  # fmt: skip
            return redirect(
                f"{reverse('registry_book', args=[org_slug])}?{request.GET.urlencode()}"
            )
        content = exports.book_pdf(
            org=request.org,
            rows=rows,
            date_from=filters.get("date_from"),
            date_to=filters.get("date_to"),
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = (
            f'attachment; filename="{export_name(request.org, filters, "pdf")}"'
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- new entries and rectifications -------------------------------------------------------------
ENTRY_FORM = "registry/entry_form.html"
PARTY_ROW = "registry/partials/party_row.html"


class EntryFormMixin:
    """Shows and posts the entry form with its party rows; the subclass says which service runs."""

    request: Any
    form_class: type[EntryForm] = EntryForm

    def form_kwargs(self) -> dict[str, Any]:
        return {"org": self.request.org}

    def extra_context(self) -> dict[str, Any]:
        return {}

    def render_form(
        self,
        form: EntryForm,
        parties: BasePartyFormSet,
        status: int = 200,
        **extra: Any,
    ) -> HttpResponse:
        refused = status == 400
        context = {
            "form": form,
            "parties": parties,
            "next_party_index": parties.total_form_count(),
            "max_parties": MAX_PARTIES,
            "errors": error_summary(form, parties) if refused else [],
            **self.extra_context(),
            **extra,
        }
        return render(self.request, ENTRY_FORM, context, status=status)

    def with_added_party(self, form: EntryForm, parties: BasePartyFormSet) -> HttpResponse:
        """Without JavaScript, "add another party" posts the form: show it again with one more row
        and nothing checked yet. The chosen files cannot be kept by the browser."""
        again = self.form_class(initial=form.raw_values(), **self.form_kwargs())
        rows = [row.raw_values() for row in parties.forms]
        more = party_formset(initial=rows, extra=1 if len(rows) < MAX_PARTIES else 0)
        return self.render_form(again, more, files_dropped=bool(self.request.FILES))

    def submit(
        self, form: EntryForm, parties: BasePartyFormSet, register: Callable[..., RegistryEntry]
    ) -> RegistryEntry | None:
        """Validate, call `register` with the entry's arguments, and put its refusal on the forms."""
        form_valid = form.is_valid()
        if not (parties.is_valid() and form_valid):
            return None
        party_list, rows = parties.parties()
        try:
            return register(parties=party_list, **form.entry_arguments())
        except ValidationError as error:
            add_entry_errors(error, form, parties, rows)
            return None


def party_lookup_response(request: TenantHttpRequest) -> HttpResponse:
    """htmx: party row `party_lookup` again, filled with the register's person whose identity
    number was typed in it (persons app), or as typed with a note that it is a new person."""
    try:
        index = int(request.GET.get("party_lookup", ""))
    except ValueError:
        index = -1
    if not 0 <= index < MAX_PARTIES:
        return HttpResponseBadRequest()
    id_number = request.GET.get(f"parties-{index}-id_number", "")[:20]
    person = person_selectors.person_by_id_number(org=request.org, id_number=id_number)
    values = person_services.party_values(person) if person is not None else None
    context = {
        "party": looked_up_party_form(index, request.GET, values),
        "number": index + 1,
        "person": person,
        "looked_up": bool(id_number.strip()),
    }
    return render(request, PARTY_ROW, context)


def party_row_response(request: TenantHttpRequest) -> HttpResponse:
    """htmx: one more empty party row, with the formset's new total and the next button."""
    try:
        index = int(request.GET.get("party_row", ""))
    except ValueError:
        index = -1
    if not 0 <= index < MAX_PARTIES:
        return HttpResponseBadRequest()
    context = {
        "party": new_party_form(index),
        "number": index + 1,
        "total_forms": index + 1,
        "next_party_index": index + 1,
        "max_parties": MAX_PARTIES,
        "oob": True,
    }
    return render(request, PARTY_ROW, context)


class RegistryEntryNewView(EntryFormMixin, RegistryView):
    """The office registers a filing made in person (or sent), with scanned attachments."""

    permission = "registry.create"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if is_htmx(request) and "party_row" in request.GET:
            return party_row_response(request)
        if is_htmx(request) and "party_lookup" in request.GET:
            return party_lookup_response(request)
        form = EntryForm(**self.form_kwargs())
        return self.render_form(form, party_formset(extra=NEW_ENTRY_PARTY_ROWS))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        form = EntryForm(request.POST, request.FILES, **self.form_kwargs())
        parties = party_formset(request.POST)
        if "add_party" in request.POST:
            return self.with_added_party(form, parties)

        def register(**arguments: Any) -> RegistryEntry:
            return services.registry_entry_create(org=org, actor=request.user, **arguments)

        entry = self.submit(form, parties, register)
        if entry is None:
            return self.render_form(form, parties, status=400)
        messages.success(request, _("Entry %(number)s registered.") % {"number": entry.number})
        return redirect(entry_url(request.org, entry))


class RegistryEntryRectifyView(EntryFormMixin, RegistryView):
    """A correction is a new entry linked to the original, which stays as it was."""

    permission = "registry.create"
    form_class = RectifyForm
    original: RegistryEntry

    def form_kwargs(self) -> dict[str, Any]:
        return {**super().form_kwargs(), "original": self.original}

    def extra_context(self) -> dict[str, Any]:
        return {"original": self.original}

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        if not self.load_original(pk):
            return redirect("registry_entry", org_slug=org_slug, pk=pk)
        parties = list(self.original.parties.all())
        row_of = {party.pk: number for number, party in enumerate(parties, start=1)}
        initial_rows = [PartyForm.initial_from(party, row_of) for party in parties]
        form = RectifyForm(initial=RectifyForm.initial_from(self.original), **self.form_kwargs())
        return self.render_form(
            form, party_formset(initial=initial_rows, extra=0 if parties else 1)
        )

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        if not self.load_original(pk):
            return redirect("registry_entry", org_slug=org_slug, pk=pk)
        org, original = request.org, self.original
        form = RectifyForm(request.POST, request.FILES, **self.form_kwargs())
        parties = party_formset(request.POST)
        if "add_party" in request.POST:
            return self.with_added_party(form, parties)

        def register(**arguments: Any) -> RegistryEntry:
            return services.registry_entry_rectify(
                org=org, actor=request.user, entry=original,
                reason=form.cleaned_data["reason"], **arguments,
            )  # fmt: skip

        entry = self.submit(form, parties, register)
        if entry is None:
            return self.render_form(form, parties, status=400)
        messages.success(
            request,
            _("Entry %(number)s registered; it rectifies %(original)s.")
            % {"number": entry.number, "original": original.number},
        )
        return redirect(entry_url(request.org, entry))

    def load_original(self, pk: int) -> bool:
        """Find the entry to rectify (404 if not this organization's); False, with a message,
        when it is annulled."""
        self.original = entry_or_404(self.request.org, pk)
        if self.original.is_annulled:
            messages.error(self.request, _("An annulled entry cannot be rectified."))
            return False
        return True


# --- one entry -------------------------------------------------------------------------------------
class RegistryEntryView(RegistryView):
    permission = "registry.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        try:
            entry = selectors.entry_get(org=request.org, pk=pk)
        except RegistryEntry.DoesNotExist as exc:
            raise Http404 from exc
        parties = list(entry.parties.all())
        by_id = {party.pk: party for party in parties}
        rows = [(party, by_id.get(party.represents_id or 0)) for party in parties]
        # The platform issues the receipt by itself: whoever looks first gets it rendered.
        receipt = services.registry_entry_receipt_issue(org=request.org, actor=None, entry=entry)
        open_entry = not entry.is_annulled
        context = {
            "entry": entry,
            "party_rows": rows,
            "attachments": list(entry.attachments.all()),
            "rectifications": list(entry.rectifications.all()),
            "receipt": receipt,
            "verification_code": format_verification_code(receipt.verification_code or "")
            if receipt is not None
            else "",
            "can_annul": open_entry and self.can("registry.annul"),
            "can_rectify": open_entry and self.can("registry.create"),
            # SIR is another app: linked by URL name and permission, never imported.
            "can_open_case": open_entry
            and entry.direction == Direction.IN
            and "cases.manage" in PERMISSIONS
            and self.can("cases.manage")
            and org_uses_module(request.org, "cases"),
            "can_send_sir": open_entry
            and entry.direction == Direction.OUT
            and "sir.send" in PERMISSIONS
            and self.can("sir.send")
            and org_uses_module(request.org, "sir"),
            "can_acknowledge": open_entry
            and entry.destination_unit_id is not None
            and entry.acknowledged_at is None
            and self.can("registry.acknowledge"),
            "can_download": self.can("documents.view"),
        }
        return render(request, "registry/entry.html", context)


class RegistryEntryAnnulView(RegistryView):
    """Annulment keeps the entry and its number in the book, marked with who, when and why."""

    permission = "registry.annul"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        entry = entry_or_404(request.org, pk)
        if entry.is_annulled:
            messages.info(request, _("This entry is already annulled."))
            return redirect(entry_url(request.org, entry))
        context = {"entry": entry, "form": AnnulForm()}
        if is_htmx(request):  # the entry page's button opens the form in its action panel
            response = render(request, "registry/partials/annul_form.html", context)
        else:
            response = render(request, "registry/entry_annul.html", context)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        entry = entry_or_404(request.org, pk)
        form = AnnulForm(request.POST)
        if form.is_valid():
            try:
                services.registry_entry_annul(
                    org=request.org,
                    actor=request.user,
                    entry=entry,
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(
                    request, _("Entry %(number)s annulled.") % {"number": entry.number}
                )
                return redirect(entry_url(request.org, entry))
        context = {"entry": entry, "form": form}
        return render(request, "registry/entry_annul.html", context, status=400)


class RegistryEntryAcknowledgeView(RegistryView):
    """The destination unit confirms receipt. From the unit page, htmx swaps the row in place."""

    permission = "registry.acknowledge"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        entry = entry_or_404(request.org, pk)
        problem = ""
        try:
            entry = services.registry_entry_acknowledge(
                org=request.org, actor=request.user, entry=entry
            )
        except ValidationError as error:
            problem = " ".join(error.messages)
        if is_htmx(request):
            context = {"entry": entry, "problem": problem}
            status = 400 if problem else 200
            return render(
                request, "registry/partials/acknowledged_row.html", context, status=status
            )
        if problem:
            messages.error(request, problem)
        else:
            messages.success(
                request, _("Entry %(number)s acknowledged.") % {"number": entry.number}
            )
        return redirect(safe_next(request, entry_url(request.org, entry)))


# --- units ---------------------------------------------------------------------------------------------
def _pending(prefix: str = "entries__") -> Q:
    return Q(
        **{f"{prefix}acknowledged_at__isnull": True, f"{prefix}status": EntryStatus.REGISTERED}
    )


class RegistryUnitsView(RegistryView):
    """Units with how many entries wait for their acknowledgement and since when."""

    permission = "registry.view"
    write_permission = "registry.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.render_page(UnitForm() if self.can("registry.settings") else None)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = UnitForm(request.POST)
        if form.is_valid():
            try:
                unit = services.unit_create(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Unit “%(name)s” created.") % {"name": unit.name})
                return redirect("registry_units", org_slug=org_slug)
        return self.render_page(form, status=400)

    def render_page(self, form: UnitForm | None, status: int = 200) -> HttpResponse:
        org = self.request.org
        pending = _pending()
        units = selectors.units(org=org).annotate(
            pending=Count("entries", filter=pending),
            oldest=Min("entries__effective_at", filter=pending),
        )
        cal, now = calendar_for(org), timezone.now()
        rows = [
            (unit, waiting_age(cal, unit.oldest, now) if unit.oldest else None) for unit in units
        ]
        context = {
            "rows": rows,
            "form": form,
            "can_manage": self.can("registry.settings"),
            "overdue_days": OVERDUE_AFTER_BUSINESS_DAYS,
        }
        return render(self.request, "registry/units.html", context, status=status)


class RegistryUnitView(RegistryView):
    """What waits for one unit, oldest first, with how long each entry has waited."""

    permission = "registry.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        org = request.org
        unit = get_object_or_404(selectors.units(org=org), pk=pk)
        pending = selectors.pending_acknowledgement(org=org, unit=unit).prefetch_related("parties")
        page = paginate(request, pending)
        cal, now = calendar_for(org), timezone.now()
        context = {
            "unit": unit,
            "page": page,
            "rows": [(entry, waiting_age(cal, entry.effective_at, now)) for entry in page],
            "can_acknowledge": self.can("registry.acknowledge"),
            "overdue_days": OVERDUE_AFTER_BUSINESS_DAYS,
        }
        return render(request, "registry/unit.html", context)


class RegistryUnitActiveView(RegistryView):
    """Deactivate a unit (no new entries are routed to it) or activate it again."""

    permission = "registry.settings"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        unit: Unit = get_object_or_404(selectors.units(org=request.org), pk=pk)
        active = request.POST.get("is_active") == "1"
        services.unit_set_active(org=request.org, actor=request.user, unit=unit, is_active=active)
        done = _("Unit “%(name)s” activated.") if active else _("Unit “%(name)s” deactivated.")
        messages.success(request, done % {"name": unit.name})
        return redirect("registry_units", org_slug=org_slug)


# --- settings ------------------------------------------------------------------------------------------
def number_examples(number_format: str) -> list[tuple[str, str]]:
    """What numbers would look like with `number_format`; empty when it cannot number entries."""
    if number_format_problem(number_format):
        return []
    year = timezone.localdate().year
    return [
        (_("First incoming entry"), services.format_number(number_format, direction=Direction.IN, year=year, seq=1)),
        (_("Outgoing entry 1234"), services.format_number(number_format, direction=Direction.OUT, year=year, seq=1234)),
    ]  # fmt: skip


class RegistrySettingsView(RegistryView):
    permission = "registry.settings"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if is_htmx(request) and "number_format" in request.GET:
            number_format = request.GET["number_format"].strip()
            context = {"examples": number_examples(number_format), "number_format": number_format}
            return render(request, "registry/partials/number_examples.html", context)
        current = services.number_format_of(request.org)
        form = NumberFormatForm(initial={"number_format": current})
        return self.render_page(form, current)

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = NumberFormatForm(request.POST)
        typed = request.POST.get("number_format", "").strip()
        if "preview" in request.POST:
            return self.render_page(form, typed)
        if form.is_valid():
            try:
                services.registry_settings_set(
                    org=request.org,
                    actor=request.user,
                    number_format=form.cleaned_data["number_format"],
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Registry settings saved."))
                return redirect("registry_settings", org_slug=org_slug)
        return self.render_page(form, typed, status=400)

    def render_page(
        self, form: NumberFormatForm, number_format: str, status: int = 200
    ) -> HttpResponse:
        context = {
            "form": form,
            "examples": number_examples(number_format),
            "number_format": number_format,
        }
        return render(self.request, "registry/settings.html", context, status=status)
