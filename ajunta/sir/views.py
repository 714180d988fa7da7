"""SIR pages: the trays (pending, sent, accepted, rejected, forwarded), one interchange with its trace
and the receiver's decisions, sending an entry, importing a SICRES file, and the DIR3 directory.

Thin on purpose: forms parse, services.py decides and writes, selectors.py reads. A refusal from a
service (a ValidationError or a SicresError) is shown on the form, with status 400.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate
from ajunta.registry import selectors as registry_selectors
from ajunta.sir import selectors, services
from ajunta.sir.forms import (
    AcceptForm,
    DirectoryEntryForm,
    DirectoryImportForm,
    ForwardForm,
    ImportForm,
    RejectForm,
    SendForm,
)
from ajunta.sir.models import DirectoryKind, Interchange
from ajunta.sir.sicres import SicresError

TRAY_LABELS = {
    "pending": gettext_lazy("Pending"),
    "sent": gettext_lazy("Sent"),
    "accepted": gettext_lazy("Accepted"),
    "rejected": gettext_lazy("Rejected and errors"),
    "forwarded": gettext_lazy("Forwarded"),
}


def sicres_error_text(error: SicresError) -> str:
    return _("Refused (SICRES error %(code)s): %(message)s") % {
        "code": error.code,
        "message": error.message,
    }


def interchange_or_404(org: Any, pk: int) -> Interchange:
    try:
        return selectors.interchange_get(org=org, pk=pk)
    except Interchange.DoesNotExist as exc:
        raise Http404 from exc


def interchange_url(org: Any, row: Interchange) -> str:
    return reverse("sir_interchange", args=[org.slug, row.pk])


class SirView(TenantView):
    """A page of the SIR module: 404 where the organization does not use it (core.modules)."""

    module = "sir"


# --- trays and import -----------------------------------------------------------------------------
class SirTraysView(SirView):
    permission = "sir.view"
    write_permission = "sir.receive"

    def render_trays(
        self, import_form: ImportForm | None = None, status: int = 200
    ) -> HttpResponse:
        request = self.request
        tray = request.GET.get("tray", "pending")
        if tray not in TRAY_LABELS:
            tray = "pending"
        q = request.GET.get("q", "").strip()[:80]
        counts = selectors.tray_counts(org=request.org)
        context = {
            "tray": tray,
            "tray_label": TRAY_LABELS[tray],
            "trays": [(key, label, counts.get(key, 0)) for key, label in TRAY_LABELS.items()],
            "q": q,
            "page": paginate(request, selectors.interchanges(org=request.org, tray=tray, q=q)),
            "extra_query": urlencode({"tray": tray, **({"q": q} if q else {})}),
            "import_form": (import_form or ImportForm()) if self.can("sir.receive") else None,
            "can_send": self.can("sir.send"),
        }
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "sir/partials/tray_results.html" if partial else "sir/trays.html"
        return render(request, template, context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.render_trays()

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        """Import a SICRES 3 file: a new pending interchange, or news of one we sent."""
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                row = services.sicres_import(org=request.org, actor=request.user, xml=upload.read())
            except SicresError as error:
                form.add_error("file", sicres_error_text(error))
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Interchange %(identifier)s imported.")
                                 % {"identifier": row.identifier})  # fmt: skip
                return redirect(interchange_url(request.org, row))
        return self.render_trays(form, status=400)


# --- sending --------------------------------------------------------------------------------------
class SirSendView(SirView):
    permission = "sir.send"

    def render_form(self, form: SendForm, status: int = 200) -> HttpResponse:
        return render(self.request, "sir/send.html", {"form": form}, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        initial = (
            {"entry": request.GET.get("entry")} if request.GET.get("entry", "").isdigit() else {}
        )
        return self.render_form(SendForm(initial=initial, org=request.org))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = SendForm(request.POST, org=request.org)
        if form.is_valid():
            try:
                row = services.interchange_send(
                    org=request.org, actor=request.user, entry=form.cleaned_data["entry"],
                    destination_code=form.cleaned_data["destination_code"],
                    destination_unit_code=form.cleaned_data["destination_unit_code"],
                )  # fmt: skip
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Entry %(number)s sent as %(identifier)s.")
                                 % {"number": row.origin_entry_number, "identifier": row.identifier})  # fmt: skip
                return redirect(interchange_url(request.org, row))
        return self.render_form(form, status=400)


class SirDirectorySearchView(SirView):
    """htmx: the <option>s of the DIR3 datalist matching what was typed."""

    permission = "sir.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        q = request.GET.get("q", "").strip()[:80]
        if not q:
            for key in ("destination_code", "destination_unit_code"):
                q = q or request.GET.get(key, "").strip()[:80]
        rows = list(selectors.directory(org=request.org, q=q)[:20]) if q else []
        members = selectors.member_bodies(q=q) if q else []
        return render(request, "sir/partials/dir3_options.html", {"rows": rows, "members": members})


# --- one interchange and the receiver's decisions -------------------------------------------------
class SirInterchangeView(SirView):
    permission = "sir.view"

    def render_page(self, row: Interchange, status: int = 200, **forms: Any) -> HttpResponse:
        org = self.request.org
        can_decide = row.is_pending and self.can("sir.receive")
        # What was sent is the registry entry's: its parties and attachments, as they left.
        sent = (
            registry_selectors.entry_get(org=org, pk=row.entry_id)
            if row.side == "out" and row.entry_id
            else None
        )
        context = {
            "row": row,
            "events": list(row.events.all()),
            "attachments": list(sent.attachments.all() if sent else row.attachments.all()),
            "warnings": services.warning_texts(row),
            "parties": row.content.get("De_Interesado", []) if row.side == "in" else [],
            "sent_parties": list(sent.parties.all()) if sent else [],
            "can_decide": can_decide,
            "can_download": self.can("documents.view"),
            "accept_form": forms.get("accept_form") or AcceptForm(org=org),
            "reject_form": forms.get("reject_form") or RejectForm(),
            "forward_form": forms.get("forward_form") or ForwardForm(),
            "open": forms.get("open", ""),
        }
        return render(self.request, "sir/interchange.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return self.render_page(interchange_or_404(request.org, pk))


class SirDecisionView(SirInterchangeView):
    """POST only: accept, reject or forward a pending interchange."""

    permission = "sir.receive"
    decision = ""

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        row = interchange_or_404(request.org, pk)
        org, user = request.org, request.user
        form: Any
        if self.decision == "accept":
            form = AcceptForm(request.POST, org=org)
        elif self.decision == "reject":
            form = RejectForm(request.POST)
        else:
            form = ForwardForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if self.decision == "accept":
                    row = services.interchange_accept(org=org, actor=user, interchange=row,
                                                      destination_unit=data["destination_unit"])  # fmt: skip
                    done = _("Accepted and registered as %(number)s.") % {
                        "number": row.destination_entry_number
                    }
                elif self.decision == "reject":
                    services.interchange_reject(
                        org=org, actor=user, interchange=row, reason=data["reason"]
                    )
                    done = _("Rejected and returned to the sender.")
                else:
                    services.interchange_forward(
                        org=org, actor=user, interchange=row, destination_code=data["destination_code"],
                        destination_unit_code=data["destination_unit_code"], reason=data["reason"],
                    )  # fmt: skip
                    done = _("Forwarded to %(code)s.") % {"code": data["destination_code"].upper()}
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, done)
                return redirect(interchange_url(org, row))
        row = interchange_or_404(org, pk)
        return self.render_page(
            row, status=400, open=self.decision, **{f"{self.decision}_form": form}
        )

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return redirect("sir_interchange", org_slug=org_slug, pk=pk)


# --- DIR3 directory -------------------------------------------------------------------------------
class SirDirectoryView(SirView):
    """The directory: search it; administrators declare their own offices and import others."""

    permission = "sir.view"
    write_permission = "registry.settings"

    def render_page(self, status: int = 200, **forms: Any) -> HttpResponse:
        request = self.request
        q = request.GET.get("q", "").strip()[:80]
        can_manage = self.can("registry.settings")
        context = {
            "q": q,
            "page": paginate(request, selectors.directory(org=request.org, q=q)),
            "members": selectors.member_bodies(q=q),
            "extra_query": urlencode({"q": q}) if q else "",
            "own": list(selectors.directory(org=request.org, own_only=True)),
            "entry_form": (
                forms.get("entry_form")
                or DirectoryEntryForm(initial={"kind": DirectoryKind.OFFICE})
            )
            if can_manage
            else None,
            "import_form": (forms.get("import_form") or DirectoryImportForm())
            if can_manage
            else None,
        }
        return render(request, "sir/directory.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self.render_page()

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if request.POST.get("action") == "publish_units":
            count = services.directory_publish_units(org=request.org, actor=request.user)
            messages.success(
                request,
                ngettext(
                    "%(count)d unit published in the directory.",
                    "%(count)d units published in the directory.",
                    count,
                )
                % {"count": count},
            )
            return redirect("sir_directory", org_slug=org_slug)
        if "file" in request.FILES or request.POST.get("action") == "import":
            import_form = DirectoryImportForm(request.POST, request.FILES)
            if import_form.is_valid():
                try:
                    count = services.directory_import_csv(
                        org=request.org,
                        actor=request.user,
                        data=import_form.cleaned_data["file"].read(),
                    )
                except ValidationError as error:
                    add_service_error(import_form, error)
                else:
                    messages.success(
                        request,
                        ngettext(
                            "%(count)d directory row imported.",
                            "%(count)d directory rows imported.",
                            count,
                        )
                        % {"count": count},
                    )
                    return redirect("sir_directory", org_slug=org_slug)
            return self.render_page(status=400, import_form=import_form)
        entry_form = DirectoryEntryForm(request.POST)
        if entry_form.is_valid():
            try:
                services.directory_entry_add(org=request.org, actor=request.user, is_own=True,
                                             **entry_form.cleaned_data)  # fmt: skip
            except ValidationError as error:
                add_service_error(entry_form, error)
            else:
                messages.success(request, _("Added to this organization's offices and units."))
                return redirect("sir_directory", org_slug=org_slug)
        return self.render_page(status=400, entry_form=entry_form)
