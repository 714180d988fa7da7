"""The public check of secure verification codes (CSV): /verify/ and /verify/<code>/download/.

Anyone holding a code printed on a document may see what the document is and download the very
bytes that were issued (re-hashed before they are served). A wrong code, a malformed one and one
that never existed all get the same neutral answer, and lookups are rate-limited per client
address, so the page tells nothing to someone guessing codes.
"""

from __future__ import annotations

import logging

from django import forms
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from ajunta.core import selectors
from ajunta.core.documents import (
    DocumentIntegrityError,
    document_open,
    format_verification_code,
)
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded

logger = logging.getLogger(__name__)

LOOKUP_LIMIT = 20  # lookups (page or download) per client address ...
LOOKUP_WINDOW = 10 * 60  # ... in this many seconds
TEMPLATE = "core/verify.html"


class VerifyForm(forms.Form):
    code = forms.CharField(
        label=_("Secure verification code (CSV)"),
        max_length=64,
        help_text=_(
            "As printed on the document, e.g. ABCDE-FGHIJ-KLMNO-PQRST. "
            "Capital or small letters, dashes and spaces do not matter."
        ),
    )


def _throttled(request: HttpRequest) -> HttpResponse | None:
    if not rate_limit_exceeded(
        f"verify:{client_ip(request)}", limit=LOOKUP_LIMIT, window=LOOKUP_WINDOW
    ):
        return None
    response = render(request, TEMPLATE, {"form": VerifyForm(), "throttled": True}, status=429)
    response["Retry-After"] = str(LOOKUP_WINDOW)
    return response


@require_safe
def verify(request: HttpRequest) -> HttpResponse:
    """The form, and what the document of a valid code is."""
    form = VerifyForm(request.GET if "code" in request.GET else None)
    context: dict = {"form": form}
    status = 200
    if form.is_bound and form.is_valid():
        throttled = _throttled(request)
        if throttled is not None:
            return throttled
        document = selectors.document_by_code(form.cleaned_data["code"])
        if document is None:
            context["not_found"] = True
            status = 404
        else:
            context["document"] = document
            context["printed_code"] = format_verification_code(document.verification_code or "")
    response = render(request, TEMPLATE, context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def verify_download(request: HttpRequest, code: str) -> HttpResponseBase:
    """The document's bytes, checked against its SHA-256 before they are served."""
    throttled = _throttled(request)
    if throttled is not None:
        return throttled
    document = selectors.document_by_code(code)
    if document is None:
        form = VerifyForm(initial={"code": code[:64]})
        return render(request, TEMPLATE, {"form": form, "not_found": True}, status=404)
    try:
        handle = document_open(org=document.organization, document=document)
    except DocumentIntegrityError:
        # Logged by document_open; the holder learns only that it cannot be served now.
        return render(request, TEMPLATE, {"form": VerifyForm(), "unavailable": True}, status=503)
    logger.info("Document %s downloaded with its verification code", document.pk)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.name,
        content_type=document.content_type,
    )
    response["Cache-Control"] = "no-store"
    return response
