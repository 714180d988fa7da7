"""Notice board pages: the staff's board and edict pages, and the public board (no login)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from ajunta.cases import selectors as case_selectors
from ajunta.core.calendar import calendar_for
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import document_file_response, integrity_error_response
from ajunta.core.markdown import render_markdown
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate, public
from ajunta.noticeboard import selectors, services
from ajunta.noticeboard.forms import EdictForm, WithdrawForm
from ajunta.noticeboard.models import Edict
from ajunta.tenants import selectors as tenant_selectors

MODULE = "cases"  # the case-file service switches the notice board on (apps.py)
STATE_LABELS = {
    "in_force": gettext_lazy("On the board"),
    "scheduled": gettext_lazy("Scheduled"),
    "ended": gettext_lazy("Period over"),
    "withdrawn": gettext_lazy("Withdrawn"),
}
STATE_TONES = {"in_force": "ok", "scheduled": "", "ended": "", "withdrawn": "danger"}


def _edict_or_404(org: Any, pk: int) -> Edict:
    try:
        return selectors.edict_get(org=org, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


def _download(org: Any, document: Any) -> HttpResponseBase:
    try:
        handle = document_open(org=org, document=document)
    except DocumentIntegrityError:
        return integrity_error_response()
    return document_file_response(document, handle)


def edict_row(org: Any, edict: Edict, now: Any = None) -> dict[str, Any]:
    state = edict.state(now)
    return {
        "edict": edict,
        "url": reverse("noticeboard_edict", args=[org.slug, edict.pk]),
        "state": state,
        "state_label": STATE_LABELS[state],
        "tone": STATE_TONES[state],
    }


class BoardView(TenantView):
    permission = "noticeboard.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        state = request.GET.get("state", "in_force")
        if state not in (*selectors.STATES, "all"):
            state = "in_force"
        q = request.GET.get("q", "")[:100].strip()
        rows = selectors.edicts(
            org=request.org, state="" if state == "all" else state, q=q
        ).select_related("case")
        page = paginate(request, rows, 25)
        base = reverse("noticeboard_list", args=[org_slug])
        tabs = [
            {"label": label, "url": f"{base}?state={code}", "current": code == state}
            for code, label in [*STATE_LABELS.items(), ("all", _("All"))]
        ]
        context = {
            "page": page,
            "rows": [edict_row(request.org, edict) for edict in page],
            "tabs": tabs,
            "state": state,
            "q": q,
            "extra_query": f"state={state}" + (f"&q={q}" if q else ""),
            "can_publish": self.can("noticeboard.publish"),
            "public_url": reverse("public_board", args=[org_slug]),
        }
        return render(request, "noticeboard/board.html", context)


class EdictNewView(TenantView):
    permission = "noticeboard.publish"
    module = MODULE

    def _render(self, form: EdictForm, status: int = 200) -> HttpResponse:
        return render(self.request, "noticeboard/edict_new.html", {"form": form}, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        kind = request.GET.get("kind", "edict")
        days, unit = services.DEFAULT_PERIODS.get(kind, (15, "business"))
        initial = {
            "kind": kind,
            "case_number": request.GET.get("case", "")[:40],
            "starts_on": calendar_for(request.org).today(),
            "period_days": days,
            "period_unit": unit,
        }
        return self._render(EdictForm(initial=initial))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = EdictForm(request.POST, request.FILES)
        if not form.is_valid():
            return self._render(form, 400)
        data = form.cleaned_data
        case = None
        if data["case_number"].strip():
            case = (
                case_selectors.cases(org=request.org)
                .filter(number=data["case_number"].strip())
                .first()
            )
            if case is None:
                form.add_error("case_number", _("No case file has this number."))
                return self._render(form, 400)
        try:
            edict = services.edict_publish(
                org=request.org, actor=request.user, kind=data["kind"], title=data["title"],
                body=data["body"], reference=data["reference"], case=case,
                starts_on=data["starts_on"], period_days=data["period_days"],
                period_unit=data["period_unit"], ends_on=data["ends_on"],
                uploaded_file=data["document"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_error(form, error)
            return self._render(form, 400)
        return redirect("noticeboard_edict", org_slug, edict.pk)


class EdictView(TenantView):
    permission = "noticeboard.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        edict = _edict_or_404(request.org, pk)
        return self.render_edict(edict)

    def render_edict(
        self, edict: Edict, *, withdraw_form: WithdrawForm | None = None, status: int = 200,
        errors: list[str] | None = None,
    ) -> HttpResponse:  # fmt: skip
        row = edict_row(self.request.org, edict)
        context = {
            **row,
            "body_html": render_markdown(edict.body),
            "can_withdraw": self.can("noticeboard.withdraw")
            and row["state"] in ("scheduled", "in_force"),
            "can_certify": self.can("noticeboard.publish")
            and edict.certificate_id is None
            and row["state"] in ("ended", "withdrawn"),
            "withdraw_form": withdraw_form,
            "errors": errors or [],
            "public_url": reverse("public_edict", args=[self.request.org.slug, edict.pk]),
            "case_url": (
                reverse("cases_case", args=[self.request.org.slug, edict.case_id])
                if edict.case_id and self.can("cases.view")
                else ""
            ),
        }
        return render(self.request, "noticeboard/edict.html", context, status=status)


class EdictWithdrawView(EdictView):
    permission = "noticeboard.withdraw"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        edict = _edict_or_404(request.org, pk)
        if is_htmx(request):
            return render(
                request,
                "noticeboard/partials/withdraw.html",
                {"edict": edict, "form": WithdrawForm()},
            )
        return self.render_edict(edict, withdraw_form=WithdrawForm())

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        edict = _edict_or_404(request.org, pk)
        form = WithdrawForm(request.POST)
        if form.is_valid():
            try:
                services.edict_withdraw(
                    org=request.org, actor=request.user, edict=edict,
                    reason=form.cleaned_data["reason"],
                )  # fmt: skip
            except ValidationError as error:
                add_service_error(form, error)
            else:
                return redirect("noticeboard_edict", org_slug, edict.pk)
        return self.render_edict(edict, withdraw_form=form, status=400)


class EdictCertifyView(EdictView):
    permission = "noticeboard.publish"

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        return redirect("noticeboard_edict", org_slug, pk)

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        edict = _edict_or_404(request.org, pk)
        try:
            services.edict_certify(org=request.org, actor=request.user, edict=edict)
        except ValidationError as error:
            return self.render_edict(edict, errors=error.messages, status=400)
        return redirect("noticeboard_edict", org_slug, edict.pk)


class EdictFileView(TenantView):
    """The document published with the edict, or its certificate."""

    permission = "noticeboard.view"
    module = MODULE

    def get(
        self, request: TenantHttpRequest, org_slug: str, pk: int, which: str
    ) -> HttpResponseBase:
        if which not in ("certificate", "document"):
            raise Http404
        edict = _edict_or_404(request.org, pk)
        document = edict.certificate if which == "certificate" else edict.document
        if document is None:
            raise Http404
        return _download(request.org, document)


# --- the public board ---------------------------------------------------------------------------
def _public_org(org_slug: str) -> Any:
    try:
        return tenant_selectors.organization_by_slug(slug=org_slug)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc


@public("the public notice boards: the list of organizations that keep one")
@require_safe
def public_index(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100].strip()
    organizations = selectors.organizations_with_board(q=q)
    return render(
        request, "noticeboard/public_index.html",
        {"page": paginate(request, organizations, 50), "q": q,
         "extra_query": f"q={q}" if q else ""},
    )  # fmt: skip


@public("an organization's notice board: edicts published for everyone, while in force")
@require_safe
def public_board(request: HttpRequest, org_slug: str) -> HttpResponse:
    org = _public_org(org_slug)
    page = paginate(request, selectors.public_edicts(org=org), 25)
    return render(request, "noticeboard/public_board.html", {"board_org": org, "page": page})


@public("one edict of a public notice board, while it is in force")
@require_safe
def public_edict(request: HttpRequest, org_slug: str, pk: int) -> HttpResponse:
    org = _public_org(org_slug)
    try:
        edict = selectors.public_edict_get(org=org, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    context = {"board_org": org, "edict": edict, "body_html": render_markdown(edict.body)}
    return render(request, "noticeboard/public_edict.html", context)


@public("the document of an edict in force, as published on the notice board")
@require_safe
def public_edict_document(request: HttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
    org = _public_org(org_slug)
    try:
        edict = selectors.public_edict_get(org=org, pk=pk)
    except ObjectDoesNotExist as exc:
        raise Http404 from exc
    if edict.document is None:
        raise Http404
    return _download(org, edict.document)
