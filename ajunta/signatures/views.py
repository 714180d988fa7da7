"""Signature pages: my pending signatures, a workflow with its steps, signing through AutoFirma
(the button opens the application; htmx polls until the signature arrives), refusing with a
reason; and the two AutoFirma servlets, public because the application never holds the user's
session (the random, single-use ids are the credential)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import document_file_response, integrity_error_response
from ajunta.core.ratelimit import client_ip, rate_limit_exceeded
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, public
from ajunta.signatures import autofirma, remote, selectors, services
from ajunta.signatures.models import SignatureMethod, SignatureStep, StepStatus


def _get_or_404(getter: Any, **kwargs: Any) -> Any:
    try:
        return getter(**kwargs)
    except (ObjectDoesNotExist, ValueError) as error:
        raise Http404 from error


def servlet_urls(request: HttpRequest) -> tuple[str, str]:
    """(retrieve, storage) as absolute addresses the signer's computer can reach."""
    return (
        request.build_absolute_uri(reverse("signatures_autofirma_retrieve")),
        request.build_absolute_uri(reverse("signatures_autofirma_storage")),
    )


class MySignaturesView(TenantView):
    permission = "signatures.view"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        steps = list(selectors.steps_waiting_for(org=request.org, user=request.user)[:100])
        return render(request, "signatures/mine.html", {"steps": steps})


class WorkflowView(TenantView):
    permission = "signatures.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        workflow = _get_or_404(selectors.workflow_get, org=request.org, pk=pk)
        return self.render_page(workflow)

    def render_page(self, workflow: Any, errors: list[str] | None = None) -> HttpResponse:
        steps = selectors.workflow_steps(org=self.request.org, workflow=workflow)
        for step in steps:
            step.workflow = workflow
        mine = next(
            (s for s in steps if s.signer_id == self.request.user.pk
             and services.step_is_open(s, steps)),
            None,
        )  # fmt: skip
        context = {
            "workflow": workflow,
            "steps": steps,
            "my_step": mine,
            "remote_available": remote.configured(),
            "errors": errors or [],
        }
        return render(self.request, "signatures/workflow.html", context,
                      status=400 if errors else 200)  # fmt: skip


class WorkflowDocumentView(TenantView):
    permission = "signatures.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
        workflow = _get_or_404(selectors.workflow_get, org=request.org, pk=pk)
        try:
            handle = document_open(org=request.org, document=workflow.document)
        except DocumentIntegrityError:
            return integrity_error_response()
        return document_file_response(workflow.document, handle)


def _my_step(request: TenantHttpRequest, pk: int) -> SignatureStep:
    step: SignatureStep = _get_or_404(selectors.step_get, org=request.org, pk=pk)
    if step.signer_id != request.user.pk:
        raise PermissionDenied
    return step


class AutofirmaStartView(TenantView):
    """The signer's button: a fresh hand-over to AutoFirma, and the panel that waits for it."""

    permission = "signatures.view"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        step = _my_step(request, pk)
        retrieve, storage = servlet_urls(request)
        try:
            session = services.autofirma_session_start(
                org=request.org, actor=request.user, step=step, retrieve_url=retrieve,
                storage_url=storage,
            )  # fmt: skip
        except ValidationError as error:
            return render(request, "signatures/partials/autofirma.html",
                          {"state": "failed", "error": " ".join(error.messages)}, status=400)  # fmt: skip
        context = {
            "state": "waiting",
            "session": session,
            "launch_url": autofirma.launch_url(
                file_id=session.file_id, key=session.key, retrieve_url=retrieve
            ),
        }
        return render(request, "signatures/partials/autofirma.html", context)


class AutofirmaStatusView(TenantView):
    """Polled by the waiting panel: still waiting, or done (the page reloads), or why it failed."""

    permission = "signatures.view"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        session = _get_or_404(selectors.session_get, org=request.org, pk=pk)
        try:
            state = services.autofirma_session_finish(
                org=request.org, actor=request.user, session=session
            )
        except ObjectDoesNotExist as error:
            raise Http404 from error
        workflow_url = reverse("signatures_workflow", args=[org_slug, session.step.workflow_id])
        if state == "signed":
            messages.success(request, _("Your signature has been added."))
            response = HttpResponse(status=204)
            response["HX-Redirect"] = workflow_url
            return response
        retrieve, _storage = servlet_urls(request)
        context = {
            "state": state, "session": session, "error": session.error,
            "launch_url": autofirma.launch_url(file_id=session.file_id, key=session.key,
                                               retrieve_url=retrieve),
        }  # fmt: skip
        return render(request, "signatures/partials/autofirma.html", context)


class RemoteSignView(TenantView):
    """Sign with the remote qualified signing service (CSC API) the organization configured."""

    permission = "signatures.view"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        step = _my_step(request, pk)
        try:
            remote.step_sign_remotely(
                org=request.org, actor=request.user, step=step,
                pin=request.POST.get("pin", "")[:64], otp=request.POST.get("otp", "")[:64],
            )  # fmt: skip
        except ValidationError as error:
            view = WorkflowView()
            view.setup(request, org_slug=org_slug, pk=step.workflow_id)
            view.request = request
            return view.render_page(step.workflow, error.messages)
        messages.success(request, _("Your signature has been added."))
        return redirect("signatures_workflow", org_slug, step.workflow_id)


class RejectView(TenantView):
    permission = "signatures.view"

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        step = _my_step(request, pk)
        try:
            services.step_reject(org=request.org, actor=request.user, step=step,
                                 reason=request.POST.get("reason", "")[:2000])  # fmt: skip
        except ValidationError as error:
            view = WorkflowView()
            view.setup(request, org_slug=org_slug, pk=step.workflow_id)
            view.request = request
            return view.render_page(step.workflow, error.messages)
        messages.success(request, _("You refused to sign; the others have been told why."))
        return redirect("signatures_workflow", org_slug, step.workflow_id)


# --- the AutoFirma servlets ----------------------------------------------------------------------
def _servlet_params(request: HttpRequest) -> dict[str, str]:
    source = request.POST if request.method == "POST" else request.GET
    return {name: source.get(name, "") for name in ("op", "v", "id", "dat")}


SERVLET_LIMIT = 120  # calls per client address ...
SERVLET_WINDOW = 10 * 60  # ... in this many seconds: a signer makes two per signature


def _throttled(request: HttpRequest) -> HttpResponse | None:
    if rate_limit_exceeded(
        f"afirma:{client_ip(request)}", limit=SERVLET_LIMIT, window=SERVLET_WINDOW
    ):
        response = HttpResponse("ERR-11:=Too many requests", status=429,
                                content_type="text/plain; charset=utf-8")  # fmt: skip
        response["Retry-After"] = str(SERVLET_WINDOW)
        return response
    return None


def _text(body: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@public("AutoFirma fetches the document to sign; it holds no session, the random id is the key")
@csrf_exempt
def retrieve_servlet(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    if (throttled := _throttled(request)) is not None:
        return throttled
    params = _servlet_params(request)
    if not params["v"]:
        return _text(autofirma.ERROR_VERSION)
    if params["op"].lower() != "get":
        return _text(autofirma.ERROR_OPERATION)
    if not params["id"]:
        return _text(autofirma.ERROR_MISSING_ID)
    return _text(services.autofirma_retrieve(file_id=params["id"][:64]))


@public("AutoFirma posts the signature back; it holds no session, the random id is the key")
@csrf_exempt
def storage_servlet(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405)
    if (throttled := _throttled(request)) is not None:
        return throttled
    params = _servlet_params(request)
    if not params["v"]:
        return _text(autofirma.ERROR_VERSION)
    if params["op"].lower() != "put":
        return _text(autofirma.ERROR_OPERATION)
    return _text(services.autofirma_store(session_id=params["id"][:64], data=params["dat"]))


__all__ = ["SignatureMethod", "StepStatus"]
