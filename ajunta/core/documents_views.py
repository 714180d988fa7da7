"""Document pages: the organization's documents with an upload form, and the download."""

from __future__ import annotations

from typing import IO, Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ajunta.core import selectors
from ajunta.core.documents import (
    TEXT_TYPES,
    DocumentIntegrityError,
    document_open,
    document_store,
)
from ajunta.core.models import Document, EniDocumentType, EniElaborationState, EniOrigin
from ajunta.core.views import TenantView, paginate


class DocumentUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("File"))
    document_type = forms.ChoiceField(
        label=gettext_lazy("Document type (ENI)"),
        choices=EniDocumentType.choices,
        initial=EniDocumentType.TD99,
    )
    origin = forms.TypedChoiceField(
        label=gettext_lazy("Origin"),
        choices=EniOrigin.choices,
        coerce=int,
        initial=EniOrigin.ADMINISTRATION,
    )
    elaboration_state = forms.ChoiceField(
        label=gettext_lazy("Elaboration state"),
        choices=EniElaborationState.choices,
        initial=EniElaborationState.EE01,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = filesizeformat(settings.DOCUMENT_MAX_BYTES)
        self.fields["file"].help_text = _("At most %(limit)s.") % {"limit": limit}

    def apply_service_error(self, error: ValidationError) -> None:
        """Show a service's ValidationError on its field when the form has it."""
        if not hasattr(error, "error_dict"):
            for message in error.messages:
                self.add_error(None, message)
            return
        for field, field_messages in error.message_dict.items():
            for message in field_messages:
                self.add_error(field if field in self.fields else None, message)


def served_content_type(document: Document) -> str:
    if document.content_type in TEXT_TYPES:
        return f"{document.content_type}; charset=utf-8"
    return document.content_type


def document_file_response(document: Document, handle: IO[bytes]) -> FileResponse:
    """The download of a checked document: always an attachment, never sniffed by the browser."""
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.name,
        content_type=served_content_type(document),
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def integrity_error_response() -> HttpResponse:
    return HttpResponse(
        _(
            "This document failed its integrity check and cannot be served. Tell your administrator."
        ),
        status=500,
        content_type="text/plain; charset=utf-8",
    )


class DocumentsView(TenantView):
    permission = "documents.view"
    write_permission = "documents.upload"

    def _render(
        self, request: HttpRequest, form: DocumentUploadForm | None, status: int = 200
    ) -> HttpResponse:
        page = paginate(request, selectors.documents(org=request.org))  # type: ignore[attr-defined]
        if request.headers.get("HX-Request") and status == 200:
            return render(request, "core/partials/documents_table.html", {"page": page})
        can_upload = self.can("documents.upload")
        if form is None and can_upload:
            form = DocumentUploadForm()
        context: dict[str, Any] = {"page": page, "form": form, "can_upload": can_upload}
        return render(request, "core/documents.html", context, status=status)

    def get(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        return self._render(request, None)

    def post(self, request: HttpRequest, org_slug: str) -> HttpResponse:
        form = DocumentUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                document = document_store(
                    org=request.org,  # type: ignore[attr-defined]
                    actor=request.user,
                    uploaded_file=form.cleaned_data["file"],
                    document_type=form.cleaned_data["document_type"],
                    origin=form.cleaned_data["origin"],
                    elaboration_state=form.cleaned_data["elaboration_state"],
                )
            except ValidationError as error:
                form.apply_service_error(error)
            else:
                messages.success(
                    request, _("Document “%(name)s” stored.") % {"name": document.name}
                )
                return redirect("documents", org_slug=org_slug)
        return self._render(request, form, status=400)


class DocumentDownloadView(TenantView):
    permission = "documents.view"

    def get(self, request: HttpRequest, org_slug: str, pk: UUID) -> HttpResponseBase:
        org = request.org  # type: ignore[attr-defined]
        try:
            document = selectors.document_get(org=org, pk=pk)
        except Document.DoesNotExist as exc:
            raise Http404 from exc
        try:
            handle = document_open(org=org, document=document)
        except DocumentIntegrityError:
            return integrity_error_response()
        return document_file_response(document, handle)
