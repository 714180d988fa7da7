"""Pages of the citizens' side (seu electrònica): sign up, file an application, my filings.

Every page here is about the logged-in person only: their own filings, in any municipality. They
are not tenant pages (no /o/<slug>/): what a citizen may see is decided by who filed, never by a
role. Another person's filing or document answers 404, like one that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.utils.translation import gettext as _
from django.views import View

from ajunta.cases import services as cases_services
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import document_file_response, integrity_error_response
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded
from ajunta.core.views import is_htmx, paginate
from ajunta.portal import selectors, services
from ajunta.portal.forms import (
    CaseContributionForm,
    FilingForm,
    SignupForm,
    municipality_count_message,
)
from ajunta.registry import services as registry_services
from ajunta.registry.models import RegistryEntry

FILINGS_PER_PAGE = 20
LOCAL_LOGIN_BACKEND = "django.contrib.auth.backends.ModelBackend"
SIGNUPS_PER_HOUR = 10


class SignupView(View):
    """A citizen opens a local account, is logged in and lands in their area."""

    def get(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("portal_home")
        return render(request, "portal/signup.html", {"form": SignupForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            return redirect("portal_home")
        # Its "already registered" answers tell whether a NIF or an e-mail has an account: bound them.
        if rate_limit_exceeded(f"signup:{client_ip(request)}", limit=SIGNUPS_PER_HOUR, window=3600):
            form = SignupForm(request.POST)
            form.add_error(None, _("Too many attempts from your connection. Try again in an hour."))
            return render(request, "portal/signup.html", {"form": form}, status=429)
        form = SignupForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                user = services.citizen_signup(
                    first_name=data["first_name"],
                    surnames=data["surnames"],
                    nif=data["nif"],
                    email=data["email"],
                    password=data["password1"],
                )
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                login(request, user, backend=LOCAL_LOGIN_BACKEND)
                messages.success(
                    request,
                    _("Your account is ready. Next time, log in with your e-mail address."),
                )
                return redirect("portal_home")
        return render(request, "portal/signup.html", {"form": form}, status=400)


class PortalHomeView(LoginRequiredMixin, View):
    """My area: what I filed, newest first."""

    def get(self, request: HttpRequest) -> HttpResponse:
        page = paginate(request, selectors.citizen_filings(user=request.user), FILINGS_PER_PAGE)
        pending = selectors.citizen_pending_notifications(user=request.user, now=timezone.now())
        response = render(request, "portal/home.html", {"page": page, "pending": pending})
        add_never_cache_headers(response)
        return response


class FileView(LoginRequiredMixin, View):
    """File an application with a member municipality, at any hour of any day (art. 31).

    GET ?q= narrows the municipalities offered; an htmx request gets only the municipality field.
    """

    def get(self, request: HttpRequest) -> HttpResponse:
        form = FilingForm(
            user=request.user,
            search=request.GET.get("q", ""),
            initial={
                "municipality": request.GET.get("municipality", ""),
                "epigraph": request.GET.get("epigraph", ""),
                "idempotency_key": uuid.uuid4().hex,
            },
        )
        if is_htmx(request):
            return self._render(
                request, form, "portal/partials/municipality_field.html", htmx_search=True
            )
        return self._render(request, form, "portal/file.html")

    def post(self, request: HttpRequest) -> HttpResponse:
        form = FilingForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                entry = services.application_file(
                    citizen=request.user,  # type: ignore[arg-type]
                    org=data["municipality"],
                    epigraph=form.epigraph_label(),
                    summary=data["summary"],
                    expone=data["expone"],
                    solicita=data["solicita"],
                    attachments=data["attachments"],
                    nif=data.get("nif", ""),
                    first_name=data.get("first_name", ""),
                    surnames=data.get("surnames", ""),
                    idempotency_key=data["idempotency_key"],
                )
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(
                    request,
                    _("Your application was filed with number %(number)s.")
                    % {"number": entry.number},
                )
                return redirect("portal_filing", entry_id=entry.pk)
        return self._render(request, form, "portal/file.html", status=400)

    def _render(
        self,
        request: HttpRequest,
        form: FilingForm,
        template: str,
        status: int = 200,
        htmx_search: bool = False,
    ) -> HttpResponse:
        context = {
            "form": form,
            "count_message": municipality_count_message(form),
            "htmx_search": htmx_search,
        }
        response = render(request, template, context, status=status)
        # A page holding personal data, and a fresh idempotency key each time it is shown.
        add_never_cache_headers(response)
        patch_vary_headers(response, ["HX-Request"])
        return response


class FilingView(LoginRequiredMixin, View):
    """One of my filings: its numbers, dates, attachments and receipt."""

    def get(self, request: HttpRequest, entry_id: int) -> HttpResponse:
        entry = _own_filing(request, entry_id)
        registry_services.registry_entry_receipt_issue(
            org=entry.organization, actor=None, entry=entry
        )
        context = {
            "entry": entry,
            "attachments": list(entry.attachments.all()),
            "effective_differs": entry.effective_at != entry.filed_at,
        }
        response = render(request, "portal/filing.html", context)
        add_never_cache_headers(response)
        return response


class FilingDocumentView(LoginRequiredMixin, View):
    """The receipt or an attachment of one of my filings, re-checked against its SHA-256."""

    def get(self, request: HttpRequest, entry_id: int, document_id: uuid.UUID) -> HttpResponseBase:
        entry = _own_filing(request, entry_id)
        documents = [a.document for a in entry.attachments.all()]
        documents.append(
            registry_services.registry_entry_receipt_issue(
                org=entry.organization, actor=None, entry=entry
            )
        )
        document = next((d for d in documents if d.pk == document_id), None)
        if document is None:
            raise Http404
        try:
            handle = document_open(org=entry.organization, document=document)
        except DocumentIntegrityError:
            return integrity_error_response()
        return document_file_response(document, handle)


def _own_filing(request: HttpRequest, entry_id: Any) -> RegistryEntry:
    try:
        return selectors.citizen_filing(user=request.user, pk=entry_id)
    except RegistryEntry.DoesNotExist as exc:
        raise Http404 from exc


# --- my case files and notifications --------------------------------------------------------------
# Found by the identity number of the logged-in citizen (their account's NIF) among the interested
# parties; anyone else's answers 404. Not tenant pages: these span every municipality.
def _citizen_get(getter: Any, **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _private(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)
    return response


class PortalNotificationsView(LoginRequiredMixin, View):
    """My notifications, newest first, with their state."""

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.citizen_notifications(user=request.user)
        context = {"page": paginate(request, rows, per_page=FILINGS_PER_PAGE)}
        return _private(render(request, "portal/notifications.html", context))


class PortalNotificationView(LoginRequiredMixin, View):
    """One notification: accept (open) it or reject it; once accepted, its document."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = _citizen_get(selectors.citizen_notification, user=request.user, pk=pk)
        return self._render(request, notification)

    def _render(self, request: HttpRequest, notification: Any, error: str = "") -> HttpResponse:
        context = {"notification": notification, "error": error}
        return _private(
            render(request, "portal/notification.html", context, status=400 if error else 200)
        )

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = _citizen_get(selectors.citizen_notification, user=request.user, pk=pk)
        answer = request.POST.get("answer")
        if answer not in ("accept", "reject"):
            return self._render(request, notification, _("Choose to accept or to reject it."))
        try:
            cases_services.notification_respond(
                actor=request.user, notification=notification, accept=answer == "accept"
            )
        except ValidationError as error:
            return self._render(request, notification, " ".join(error.messages))
        messages.success(request, _("Your answer has been recorded."))
        return redirect("portal_notification", pk=pk)


class PortalNotificationDocumentView(LoginRequiredMixin, View):
    """The notified document, once the notification is accepted."""

    def get(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        notification = _citizen_get(selectors.citizen_notification, user=request.user, pk=pk)
        if notification.status != "accepted":
            raise Http404
        document = notification.case_document.document
        try:
            handle = document_open(org=notification.organization, document=document)
        except DocumentIntegrityError:
            return integrity_error_response()
        return document_file_response(document, handle)


class PortalNotificationProofView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        notification = _citizen_get(selectors.citizen_notification, user=request.user, pk=pk)
        content = cases_services.notification_proof(
            org=notification.organization, notification=notification
        )
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="notification-{pk}.pdf"'
        return _private(response)


class PortalCasesView(LoginRequiredMixin, View):
    """The case files where I am an interested party, in any municipality."""

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = selectors.citizen_cases(user=request.user)
        context = {"page": paginate(request, rows, per_page=FILINGS_PER_PAGE)}
        return _private(render(request, "portal/cases.html", context))


class PortalCaseView(LoginRequiredMixin, View):
    """One of my case files: its state, the documents published to the parties, and adding a
    document to it (filed as an incoming registry entry referring to the case)."""

    def _render(
        self, request: HttpRequest, case: Any, form: Any, status: int = 200
    ) -> HttpResponse:
        context = {"case": case, "form": form}
        return _private(render(request, "portal/case.html", context, status=status))

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _citizen_get(selectors.citizen_case, user=request.user, pk=pk)
        return self._render(request, case, CaseContributionForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        case = _citizen_get(selectors.citizen_case, user=request.user, pk=pk)
        form = CaseContributionForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                cases_services.case_citizen_contribute(
                    actor=request.user, case=case, uploaded_file=form.cleaned_data["file"],
                    title=form.cleaned_data["title"],
                )  # fmt: skip
            except ValidationError as error:
                for key, field_messages in getattr(
                    error, "message_dict", {"": error.messages}
                ).items():
                    target = "file" if key.startswith(("attachments", "file")) else key
                    form.add_error(target if target in form.fields else None, field_messages)
            else:
                messages.success(
                    request, _("Your document has been filed and added to the case file.")
                )
                return redirect("portal_case", pk=pk)
        return self._render(request, case, form, status=400)


class PortalCaseDocumentView(LoginRequiredMixin, View):
    def get(self, request: HttpRequest, pk: int, doc: int) -> HttpResponseBase:
        row = _citizen_get(selectors.citizen_case_document, user=request.user, case_pk=pk, pk=doc)
        try:
            handle = document_open(org=row.organization, document=row.document)
        except DocumentIntegrityError:
            return integrity_error_response()
        return document_file_response(row.document, handle)
