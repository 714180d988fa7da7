"""Decree pages added for issue 18: sending a decree for personal signatures, and the decrees
book's closed years (close a year with its diligence, download a closed book)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.cases import books
from ajunta.cases.models import Decree
from ajunta.cases.views import MODULE, file_download
from ajunta.core.calendar import calendar_for
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView


class DecreeBookClosuresView(TenantView):
    permission = "decrees.view"
    write_permission = "decrees.note"  # the secretary who takes note of decrees closes the book
    module = MODULE

    def _render(self, errors: list[str] | None = None) -> HttpResponse:
        org = self.request.org
        closures = list(books.decree_book_closures(org=org))
        closed = {c.year for c in closures}
        this_year = timezone.localtime(timezone.now(), calendar_for(org).tz).year
        context = {
            "closures": closures,
            "can_close": self.can("decrees.note"),
            "open_years": [y for y in range(this_year - 1, this_year - 6, -1) if y not in closed],
            "errors": errors or [],
        }
        return render(
            self.request, "cases/decree_books.html", context, status=400 if errors else 200
        )

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self._render()

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        try:
            year = int(request.POST.get("year", ""))
        except ValueError:
            return self._render([_("Choose the year to close.")])
        try:
            closure = books.decree_book_close(org=request.org, actor=request.user, year=year)
        except ValidationError as error:
            return self._render(error.messages)
        messages.success(request, _("The decrees book of %(year)s is closed.") % {
            "year": closure.year})  # fmt: skip
        return redirect("cases_decree_books", org_slug)


class DecreeBookClosedPdfView(TenantView):
    permission = "decrees.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, year: int) -> HttpResponseBase:
        closure = books.decree_book_closures(org=request.org).filter(year=year).first()
        if closure is None:
            raise Http404
        return file_download(request.org, closure.document)


class DecreeSendForSignatureView(TenantView):
    """Send a draft decree to the mayor and the secretary for their personal signatures."""

    permission = "decrees.view"
    write_permission = "decrees.create"
    module = MODULE

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        from ajunta.cases import decree_signing, selectors
        from ajunta.core.models import User

        try:
            decree = selectors.decree_get(org=request.org, pk=pk)
        except (Decree.DoesNotExist, ValueError) as error:
            raise Http404 from error

        def person(field: str) -> Any:
            value = request.POST.get(field, "")
            return User.objects.filter(pk=value).first() if value.isdigit() else None

        try:
            workflow = decree_signing.decree_send_for_signature(
                org=request.org, actor=request.user, decree=decree, mayor=person("mayor"),
                secretary=person("secretary"), mode=request.POST.get("mode", "sequential"),
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases_decree", org_slug, pk)
        messages.success(request, _("Sent for signature."))
        return redirect("signatures_workflow", org_slug, workflow.pk)


class CaseDocumentSendForSignatureView(TenantView):
    """Send a PDF of a case to be signed in person (and attested), through a signature workflow."""

    permission = "cases.view"
    write_permission = "cases.manage"
    module = MODULE

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, doc: int) -> HttpResponse:
        from ajunta.cases import decree_signing, selectors
        from ajunta.core.models import User

        try:
            case = selectors.case_get(org=request.org, pk=pk)
            row = selectors.case_document_get(org=request.org, case=case, pk=doc)
        except (ObjectDoesNotExist, ValueError) as error:
            raise Http404 from error
        members = User.objects.filter(role_assignments__organization=request.org).distinct()

        def person(field: str) -> Any:
            value = request.POST.get(field, "")
            return members.filter(pk=value).first() if value.isdigit() else None

        try:
            workflow = decree_signing.case_document_send_for_signature(
                org=request.org, actor=request.user, case_document=row,
                signer=person("signer"), attester=person("attester"),
                mode=request.POST.get("mode", "sequential"),
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases_document", org_slug, pk, doc)
        messages.success(request, _("Sent for signature."))
        return redirect("signatures_workflow", org_slug, workflow.pk)
