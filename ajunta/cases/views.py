"""Case pages: the list, opening a case, a case with its actions, its documents, tasks, the
procedure catalogue, the decrees book and the settings.

Thin: forms parse, services decide and write, selectors read. A service's refusal is shown on the
page again with status 400, never as an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ajunta.cases import display, pdfs, selectors, services
from ajunta.cases import forms as case_forms
from ajunta.cases.models import (
    Case,
    CaseDocument,
    CaseStatus,
    DeadlineUnit,
    Decree,
    DecreeStatus,
)
from ajunta.core.documents import DocumentIntegrityError, document_open
from ajunta.core.documents_views import document_file_response, integrity_error_response
from ajunta.core.pagination import COUNT_CAP, paginate_capped
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, is_htmx, paginate
from ajunta.persons import selectors as person_selectors
from ajunta.persons import services as person_services
from ajunta.registry import selectors as registry_selectors

MODULE = "cases"


def _get_or_404(getter: Callable[..., Any], **kwargs: Any) -> Any:
    """A selector's object, or 404 for one that is missing or of another organization."""
    try:
        return getter(**kwargs)
    except (ObjectDoesNotExist, ValueError) as exc:
        raise Http404 from exc


def case_url(org: Any, case: Case) -> str:
    return reverse("cases_case", args=[org.slug, case.pk])


def file_download(org: Any, document: Any) -> HttpResponseBase:
    try:
        handle = document_open(org=org, document=document)
    except DocumentIntegrityError:
        return integrity_error_response()
    return document_file_response(document, handle)


# --- list and new --------------------------------------------------------------------------------
class CaseListView(TenantView):
    permission = "cases.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = case_forms.CaseFilterForm(request.GET or None)
        today = selectors.today_for(request.org)
        rows = selectors.cases(org=request.org, **form.filters(request.user, today))
        page = paginate_capped(request, selectors.case_list_rows(rows))
        context = {
            "form": form,
            "page": page,
            "rows": display.case_list_rows(org=request.org, rows=page, today=today),
            "alerts": None
            if is_htmx(request)
            else selectors.alerts(org=request.org, user=request.user, today=today),
            "extra_query": _querystring(request),
            "can_manage": self.can("cases.manage"),
            "count_cap": COUNT_CAP,
        }
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "cases/partials/case_results.html" if partial else "cases/case_list.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response


def _querystring(request: TenantHttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def spread_case_errors(error: ValidationError, form: Form, party: Form, offset: int = 0) -> None:
    """A refusal of case_open on the case form and the party form.

    `parties[i].field` names a party of the list: the origin entry's `offset` parties come
    first, so an error on one of them (an old filing with a bad NIF) shows on the form as a
    whole, and the party typed here is number `offset`.
    """
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for key, field_messages in error.message_dict.items():
        if key.startswith("parties["):
            index, _dot, field = key[len("parties[") :].partition("].")
            if index.isdigit() and int(index) < offset:
                form.add_error(None, field_messages)
            else:
                party.add_error(field if field in party.fields else None, field_messages)
        else:
            form.add_error(key if key in form.fields else None, field_messages)


class CaseNewView(TenantView):
    permission = "cases.manage"
    module = MODULE

    def render_form(self, form: Form, party: Form, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "party": party,
            "waiting": selectors.entries_without_case(org=self.request.org),
        }
        return render(self.request, "cases/case_new.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        initial = {"origin_entry_number": request.GET.get("entry", "")[:40]}
        form = case_forms.CaseForm(org=request.org, initial=initial)
        return self.render_form(form, case_forms.PartyForm(prefix="party"))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        form = case_forms.CaseForm(request.POST, org=org)
        party = case_forms.PartyForm(request.POST, prefix="party")
        party_given = bool(request.POST.get("party-id_number", "").strip())
        if not form.is_valid() or (party_given and not party.is_valid()):
            return self.render_form(form, party, status=400)
        data = form.cleaned_data
        arguments = {
            "org": org, "actor": request.user, "procedure": data["procedure"],
            "subject": data["subject"], "responsible": data["responsible"],
            "parties": [party.cleaned_data] if party_given else [],
        }  # fmt: skip
        number = data["origin_entry_number"].strip()
        entry = None
        try:
            if number:
                entry = registry_selectors.entries(org=org).filter(number=number).first()
                if entry is None:
                    raise ValidationError(
                        {"origin_entry_number": _("No registry entry has this number.")}
                    )
                case = services.case_open_from_entry(entry=entry, **arguments)
            else:
                case = services.case_open(**arguments)
        except ValidationError as error:
            offset = entry.parties.count() if entry is not None else 0
            spread_case_errors(error, form, party, offset)
            return self.render_form(form, party, status=400)
        messages.success(request, _("Case file %(number)s opened.") % {"number": case.number})
        return redirect(case_url(org, case))


# --- one case ------------------------------------------------------------------------------------
# The case page's rarely used forms (all but moving to the next phase and resuming a suspended
# deadline) are not built on every view: each is a visible button that loads its form with htmx
# into the page's action panel, and links to the form's own page for browsers without JavaScript.
# A refused form comes back in the action panel of the case page with its errors.
ON_DEMAND_FORMS = (
    "party", "upload", "generate", "task", "relate", "assign", "suspend", "extend", "status",
    "reopen",
)  # fmt: skip
# The heading of each action's own page: the case page's summary of the same form.
ACTION_TITLES = {
    "party": gettext_lazy("Add an interested party"),
    "upload": gettext_lazy("Upload a document"),
    "generate": gettext_lazy("Write a document from a template"),
    "task": gettext_lazy("Add a task"),
    "relate": gettext_lazy("Relate a case file"),
    "assign": gettext_lazy("Change the responsible person"),
    "suspend": gettext_lazy("Suspend the deadline"),
    "resume": gettext_lazy("Resume the deadline"),
    "extend": gettext_lazy("Extend the deadline (at most half of it, once)"),
    "status": gettext_lazy("Resolve, close or archive"),
    "reopen": gettext_lazy("Reopen the case file"),
}


def staff_choices(org: Any) -> list[tuple[Any, str]]:
    """The people a case or a task may be given to, as the choices of a select."""
    return [("", "---------")] + [
        (user.pk, user.get_full_name() or user.get_username()) for user in selectors.staff(org=org)
    ]


def case_action_form(action: str, *, org: Any, case: Case) -> Form:
    """The empty form of one of the case's actions (ON_DEMAND_FORMS, and "resume")."""
    factories: dict[str, Callable[[], Form]] = {
        "suspend": lambda: case_forms.ReasonForm(prefix="suspend"),
        "resume": lambda: case_forms.ReasonForm(prefix="resume"),
        "extend": lambda: case_forms.ExtendForm(prefix="extend"),
        "status": lambda: case_forms.StatusForm(prefix="status", current=case.status),
        "reopen": lambda: case_forms.ReasonForm(prefix="reopen"),
        "assign": lambda: case_forms.AssignForm(
            prefix="assign", org=org, initial={"responsible": case.responsible_id}
        ),
        "party": lambda: case_forms.PartyForm(prefix="party"),
        "relate": lambda: case_forms.RelateForm(prefix="relate"),
        "upload": lambda: case_forms.DocumentUploadForm(prefix="upload"),
        "generate": lambda: case_forms.DocumentGenerateForm(prefix="generate", org=org),
        "task": lambda: case_forms.TaskForm(prefix="task", org=org),
    }
    return with_staff_choices(factories[action](), org)


def with_staff_choices(form: Form, org: Any) -> Form:
    """The assign and task forms list the staff by name (the posted value is still checked
    against the field's queryset)."""
    for name in ("responsible", "assignee"):
        if name in form.fields:
            form.fields[name].choices = staff_choices(org)  # type: ignore[attr-defined]
    return form


def case_context(view: TenantView, case: Case, **forms: Form) -> dict[str, Any]:
    org = view.request.org
    today = selectors.today_for(org)
    procedure = case.procedure
    legal_deadline = (
        services.deadline_text(procedure.deadline_value, procedure.deadline_unit)
        if procedure.deadline_value
        else ""
    )
    can_manage = view.can("cases.manage")
    signal = selectors.deadline_signal(case, today)
    titles = [row.title for row in case.documents.all()]
    context = {
        "case": case,
        # the action bar's buttons for an active case (the others depend on the case's state)
        "action_titles": [(a, ACTION_TITLES[a]) for a in ("party", "upload", "generate", "task")],
        "deadline_badge": display.deadline_badge(signal, case.get_status_display()),
        "today": today,
        "next_phases": services.allowed_phases(case),
        "phase_name": {p["code"]: p["name"] for p in case.procedure.phases}.get(
            case.phase, case.phase
        ),
        "can_manage": can_manage,
        "can_sign": view.can("cases.sign"),
        "legal_deadline": legal_deadline,
        "deadline_unit": procedure.get_deadline_unit_display(),
        "is_business_days": case.procedure.deadline_unit == DeadlineUnit.BUSINESS_DAYS,
        # the procedure's checklist, each item marked present or missing (services' rule)
        "required_checklist": [
            (item, services.required_document_present(item, titles))
            for item in procedure.required_document_list
        ],
        "status_history": [
            (
                event,
                [
                    services.missing_message(m.get("code", ""), m.get("params", {}))
                    for m in event.missing
                ],
            )
            for event in case.status_events.all()
        ],
        "is_closed": case.status in (CaseStatus.CLOSED, CaseStatus.ARCHIVED),
    }
    if can_manage:
        # The forms shown open on the page; the others come on demand (ON_DEMAND_FORMS).
        context["phase_form"] = case_forms.PhaseForm()
        if case.status == CaseStatus.SUSPENDED:
            context["resume_form"] = case_forms.ReasonForm(prefix="resume")
    for name, form in forms.items():
        context[name] = with_staff_choices(form, org)
    return context


class CaseView(TenantView):
    permission = "cases.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        case = _get_or_404(selectors.case_get, org=request.org, pk=pk)
        return render(request, "cases/case.html", case_context(self, case))


class CaseActionView(TenantView):
    """POST one action on a case. `action` names the form and the service call; a refusal shows
    the case page again with the form's errors (status 400)."""

    permission = "cases.manage"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        """The empty form of one action: the fragment the case page loads when its <details>
        opens (htmx), or a page of its own (the link there, without JavaScript)."""
        if action not in ACTION_TITLES:
            raise Http404
        case = _get_or_404(selectors.case_get_brief, org=request.org, pk=pk)
        form = case_action_form(action, org=request.org, case=case)
        looked_up = None
        if action == "party" and request.GET.get("party-id_number"):
            # the NIF look-up: the register's person fills the form (persons app)
            typed = request.GET["party-id_number"][:20]
            looked_up = person_selectors.person_by_id_number(org=request.org, id_number=typed)
            values = person_services.party_values(looked_up) if looked_up else {}
            initial = {k: v for k, v in values.items() if k in case_forms.PartyForm.base_fields}
            form = case_forms.PartyForm(prefix="party", initial=initial or {"id_number": typed})
        context = {
            "case": case,
            "action": action,
            "title": ACTION_TITLES[action],
            "form": form,
            "deadline_unit": case.procedure.get_deadline_unit_display(),
            "person": looked_up,
            "looked_up": action == "party" and bool(request.GET.get("party-id_number")),
        }
        if action == "status":
            # what the procedure still misses before the status offered, shown above the form
            target = form.fields["status"].initial or ""
            context["missing"] = [m.message for m in services.case_missing_for(case, target)]
        partial = is_htmx(request) and not request.headers.get("HX-History-Restore-Request")
        template = "cases/partials/case_action_form.html" if partial else "cases/case_action.html"
        response = render(request, template, context)
        patch_vary_headers(response, ["HX-Request"])
        return response

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        org, user = request.org, request.user
        case = _get_or_404(selectors.case_get, org=org, pk=pk)
        handlers: dict[str, tuple[str, Callable[[], Form], Callable[[Form], Any]]] = {
            "phase": ("phase_form", lambda: case_forms.PhaseForm(request.POST),
                      lambda f: services.case_change_phase(org=org, actor=user, case=case, **f.cleaned_data)),
            "suspend": ("suspend_form", lambda: case_forms.ReasonForm(request.POST, prefix="suspend"),
                        lambda f: services.case_suspend(org=org, actor=user, case=case, **f.cleaned_data)),
            "resume": ("resume_form", lambda: case_forms.ReasonForm(request.POST, prefix="resume"),
                       lambda f: services.case_resume(org=org, actor=user, case=case, **f.cleaned_data)),
            "extend": ("extend_form", lambda: case_forms.ExtendForm(request.POST, prefix="extend"),
                       lambda f: services.case_extend(org=org, actor=user, case=case, **f.cleaned_data)),
            "status": ("status_form",
                       lambda: case_forms.StatusForm(request.POST, prefix="status", current=case.status),
                       lambda f: services.case_set_status(org=org, actor=user, case=case, **f.cleaned_data)),
            "reopen": ("reopen_form", lambda: case_forms.ReasonForm(request.POST, prefix="reopen"),
                       lambda f: services.case_reopen(org=org, actor=user, case=case, **f.cleaned_data)),
            "assign": ("assign_form", lambda: case_forms.AssignForm(request.POST, prefix="assign", org=org),
                       lambda f: services.case_assign(org=org, actor=user, case=case,
                                                      responsible=f.cleaned_data["responsible"],
                                                      responsible_unit=case.responsible_unit)),
            "party": ("party_form", lambda: case_forms.PartyForm(request.POST, prefix="party"),
                      lambda f: services.case_party_add(org=org, actor=user, case=case, **f.cleaned_data)),
            "relate": ("relate_form", lambda: case_forms.RelateForm(request.POST, prefix="relate"),
                       lambda f: self._relate(case, f)),
            "upload": ("upload_form",
                       lambda: case_forms.DocumentUploadForm(request.POST, request.FILES, prefix="upload"),
                       lambda f: services.case_document_add(
                           org=org, actor=user, case=case, uploaded_file=f.cleaned_data.pop("file"),
                           **f.cleaned_data)),
            "generate": ("generate_form",
                         lambda: case_forms.DocumentGenerateForm(request.POST, prefix="generate", org=org),
                         lambda f: services.case_document_generate(org=org, actor=user, case=case,
                                                                   **f.cleaned_data)),
            "task": ("task_form", lambda: case_forms.TaskForm(request.POST, prefix="task", org=org),
                     lambda f: services.task_create(org=org, actor=user, case=case, **f.cleaned_data)),
        }  # fmt: skip
        if action not in handlers:
            raise Http404
        name, make_form, run = handlers[action]
        form = make_form()
        if form.is_valid():
            try:
                run(form)
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Saved."))
                return redirect(case_url(org, case))
        fresh = _get_or_404(selectors.case_get, org=org, pk=pk)
        context = case_context(self, fresh, **{name: form})
        context["refused"] = name
        # the refused form opens in the case page's action panel, with its heading
        context["refused_action"] = name.removesuffix("_form")
        context["refused_form"] = form
        context["refused_title"] = ACTION_TITLES.get(name.removesuffix("_form"), "")
        return render(request, "cases/case.html", context, status=400)

    def _relate(self, case: Case, form: Form) -> Case:
        org = self.request.org
        other = selectors.cases(org=org).filter(number=form.cleaned_data["number"].strip()).first()
        if other is None:
            raise ValidationError({"number": _("No case file has this number.")})
        return services.case_relate(org=org, actor=self.request.user, case=case, other=other)


# --- documents in a case -------------------------------------------------------------------------
class CaseDocumentView(TenantView):
    permission = "cases.view"
    write_permission = "cases.manage"
    module = MODULE

    def _load(self, pk: int, doc: int) -> CaseDocument:
        case = _get_or_404(selectors.case_get, org=self.request.org, pk=pk)
        return _get_or_404(selectors.case_document_get, org=self.request.org, case=case, pk=doc)

    def _render(self, row: CaseDocument, status: int = 200, **forms: Form) -> HttpResponse:
        context = {
            "row": row,
            "case": row.case,
            "version_form": forms.get("version_form") or case_forms.VersionForm(),
            "visibility_form": forms.get("visibility_form")
            or case_forms.VisibilityForm(initial={"visibility": row.visibility}),
            "notify_form": forms.get("notify_form") or case_forms.NotifyForm(case=row.case),
            "can_manage": self.can("cases.manage"),
            "can_sign": self.can("cases.sign"),
        }
        # personal signatures (issue 18): the workflow, or whom it may be sent to
        from ajunta.cases import decree_signing

        context["workflow"] = decree_signing.document_workflow(org=self.request.org,
                                                               case_document=row)  # fmt: skip
        if context["can_manage"] and not row.is_signed:
            people = decree_signing.people_who_may(org=self.request.org, permission="decrees.sign")
            context["signers"] = list({p.pk: p for p in [*people, *selectors.staff(
                org=self.request.org)]}.values())  # fmt: skip
            context["attesters"] = decree_signing.people_who_may(
                org=self.request.org, permission="decrees.note"
            )
        return render(self.request, "cases/document.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int, doc: int) -> HttpResponse:
        return self._render(self._load(pk, doc))

    def _notify(self, row: CaseDocument) -> HttpResponse:
        form = case_forms.NotifyForm(self.request.POST, case=row.case)
        if not form.is_valid():
            return self._render(row, 400, notify_form=form)
        try:
            services.notification_send(
                org=self.request.org, actor=self.request.user, case_document=row,
                party=form.cleaned_data["party"],
            )  # fmt: skip
        except ValidationError as error:
            add_service_error(form, error)
            return self._render(row, 400, notify_form=form)
        messages.success(self.request, _("Notification sent and recorded in the registry."))
        return redirect("cases_case", self.request.org.slug, row.case_id)

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, doc: int) -> HttpResponse:
        row = self._load(pk, doc)
        org, user = request.org, request.user
        form: Form
        if "notify" in request.POST:
            return self._notify(row)
        if "sign" in request.POST:
            if not self.can("cases.sign"):
                raise PermissionDenied
            form = case_forms.VisibilityForm(initial={"visibility": row.visibility})
            try:
                services.case_document_sign(org=org, actor=user, case_document=row)
            except ValidationError as error:
                add_service_error(form, error)
                return self._render(row, 400, visibility_form=form)
            messages.success(request, _("Document signed."))
        elif "visibility" in request.POST:
            form = case_forms.VisibilityForm(request.POST)
            if not form.is_valid():
                return self._render(row, 400, visibility_form=form)
            services.case_document_set_visibility(
                org=org, actor=user, case_document=row, **form.cleaned_data
            )
            messages.success(request, _("Saved."))
        else:
            form = case_forms.VersionForm(request.POST, request.FILES)
            if not form.is_valid():
                return self._render(row, 400, version_form=form)
            try:
                services.case_document_new_version(
                    org=org, actor=user, case_document=row, uploaded_file=form.cleaned_data["file"]
                )
            except ValidationError as error:
                if hasattr(error, "error_dict") and "file" in error.message_dict:
                    form.add_error("file", error.message_dict["file"])
                else:
                    add_service_error(form, error)
                return self._render(row, 400, version_form=form)
            messages.success(request, _("New version saved."))
        return redirect("cases_document", org_slug, pk, doc)


class CaseDocumentDownloadView(TenantView):
    permission = "cases.view"
    module = MODULE

    def get(
        self, request: TenantHttpRequest, org_slug: str, pk: int, doc: int, version: int
    ) -> HttpResponseBase:
        case = _get_or_404(selectors.case_get, org=request.org, pk=pk)
        row = _get_or_404(selectors.case_document_get, org=request.org, case=case, pk=doc)
        found = _get_or_404(
            selectors.version_get, org=request.org, case_document=row, version=version
        )
        return file_download(request.org, found.document)


class CaseIndexPdfView(TenantView):
    """The foliated index of the case as a PDF."""

    permission = "cases.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
        case = _get_or_404(selectors.case_get, org=request.org, pk=pk)
        try:
            content = services.case_index_pdf(org=request.org, case=case)
        except DocumentIntegrityError:
            return integrity_error_response()
        return _attachment(content, "application/pdf", f"index-{case.year}-{case.sequence}.pdf")


class CaseEniExportView(TenantView):
    """POST: export a closed case as an ENI package (it stores the signed index, hence POST)."""

    permission = "cases.manage"
    module = MODULE

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
        case = _get_or_404(selectors.case_get, org=request.org, pk=pk)
        try:
            content = services.case_export_eni(org=request.org, actor=request.user, case=case)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(case_url(request.org, case))
        except DocumentIntegrityError:
            return integrity_error_response()
        return _attachment(content, "application/zip", f"eni-{case.year}-{case.sequence}.zip")


class NotificationProofView(TenantView):
    permission = "cases.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
        notification = _get_or_404(selectors.notification_get, org=request.org, pk=pk)
        content = services.notification_proof(org=request.org, notification=notification)
        return _attachment(content, "application/pdf", f"notification-{notification.pk}.pdf")


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- tasks ---------------------------------------------------------------------------------------
class MyTasksView(TenantView):
    permission = "cases.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        show_done = request.GET.get("done") == "1"
        rows = selectors.tasks(org=request.org, assignee=request.user, open_only=not show_done)
        context = {
            "page": paginate(request, rows),
            "today": selectors.today_for(request.org),
            "show_done": show_done,
            "extra_query": "done=1" if show_done else "",
        }
        return render(request, "cases/my_tasks.html", context)


class TaskDoneView(TenantView):
    permission = "cases.manage"
    module = MODULE

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        task = _get_or_404(selectors.task_get, org=request.org, pk=pk)
        try:
            services.task_complete(org=request.org, actor=request.user, task=task)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Task done."))
        target = request.POST.get("next") == "tasks"
        return redirect(
            reverse("cases_my_tasks", args=[org_slug])
            if target
            else case_url(request.org, task.case)
        )


# --- procedures ----------------------------------------------------------------------------------
class ProcedureListView(TenantView):
    permission = "procedures.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        templates = [] if org.is_provider else list(selectors.procedure_templates())
        context = {
            "page": paginate(request, selectors.procedures(org=org)),
            "templates": templates,
            "adopted": selectors.adopted_template_ids(org=org),
            "can_manage": self.can("procedures.manage"),
        }
        return render(request, "cases/procedures.html", context)


class ProcedureFormView(TenantView):
    permission = "procedures.view"
    write_permission = "procedures.manage"
    module = MODULE

    def _render(self, form: Form, procedure: Any, status: int = 200) -> HttpResponse:
        context = {
            "form": form,
            "procedure": procedure,
            "can_manage": self.can("procedures.manage"),
        }
        return render(self.request, "cases/procedure_form.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        procedure = _get_or_404(selectors.procedure_get, org=request.org, pk=pk) if pk else None
        if procedure is None and not self.can("procedures.manage"):
            raise PermissionDenied
        initial = case_forms.ProcedureForm.initial_for(procedure) if procedure else {}
        return self._render(case_forms.ProcedureForm(org=request.org, initial=initial), procedure)

    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int | None = None
    ) -> HttpResponse:
        procedure = _get_or_404(selectors.procedure_get, org=request.org, pk=pk) if pk else None
        form = case_forms.ProcedureForm(request.POST, org=request.org)
        if not form.is_valid():
            return self._render(form, procedure, 400)
        try:
            if procedure is None:
                procedure = services.procedure_create(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            else:
                services.procedure_update(
                    org=request.org, actor=request.user, procedure=procedure, **form.cleaned_data
                )
        except ValidationError as error:
            add_service_error(form, error)
            return self._render(form, procedure, 400)
        messages.success(request, _("Procedure saved."))
        return redirect("cases_procedures", org_slug)


class ProcedureAdoptView(TenantView):
    permission = "procedures.manage"
    module = MODULE

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        template = _get_or_404(selectors.procedure_templates().get, pk=pk)
        try:
            procedure = services.procedure_adopt(
                org=request.org, actor=request.user, template=template,
                code=request.POST.get("code", "")[:30],
            )  # fmt: skip
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("cases_procedures", org_slug)
        messages.success(request, _("Procedure %(name)s adopted.") % {"name": procedure.name})
        return redirect("cases_procedure", org_slug, procedure.pk)


# --- decrees -------------------------------------------------------------------------------------
class DecreeListView(TenantView):
    permission = "decrees.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        period = case_forms.PeriodForm(request.GET or None)
        book = selectors.decree_book(org=request.org, **period.period())
        pending = selectors.decrees(org=request.org).exclude(status=DecreeStatus.NUMBERED)
        context = {
            "form": period,
            "page": paginate(request, book),
            "pending": pending[:50],
            "extra_query": _querystring(request),
            "can_create": self.can("decrees.create"),
        }
        return render(request, "cases/decrees.html", context)


class DecreeBookPdfView(TenantView):
    permission = "decrees.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponseBase:
        period = case_forms.PeriodForm(request.GET or None).period()
        rows = selectors.decree_book(org=request.org, **period)
        content = pdfs.decree_book_pdf(
            org=request.org, decrees=rows,
            date_from=period.get("date_from"), date_to=period.get("date_to"),
        )  # fmt: skip
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="decrets-{org_slug}.pdf"'
        response["Cache-Control"] = "private, no-store"
        return response


class DecreeNewView(TenantView):
    permission = "decrees.create"
    module = MODULE

    def _render(self, form: Form, status: int = 200) -> HttpResponse:
        return render(self.request, "cases/decree_new.html", {"form": form}, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        return self._render(
            case_forms.DecreeForm(initial={"case_number": request.GET.get("case", "")[:40]})
        )

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = case_forms.DecreeForm(request.POST)
        if not form.is_valid():
            return self._render(form, 400)
        data = form.cleaned_data
        case = None
        if data["case_number"].strip():
            case = (
                selectors.cases(org=request.org).filter(number=data["case_number"].strip()).first()
            )
            if case is None:
                form.add_error("case_number", _("No case file has this number."))
                return self._render(form, 400)
        try:
            decree = services.decree_create(
                org=request.org,
                actor=request.user,
                title=data["title"],
                body=data["body"],
                case=case,
            )
        except ValidationError as error:
            add_service_error(form, error)
            return self._render(form, 400)
        messages.success(request, _("Decree drafted."))
        return redirect("cases_decree", org_slug, decree.pk)


class DecreeView(TenantView):
    permission = "decrees.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decree = _get_or_404(selectors.decree_get, org=request.org, pk=pk)
        return self._render(decree)

    def _render(self, decree: Decree, errors: list[str] | None = None) -> HttpResponse:
        from ajunta.cases import decree_signing

        context = {
            "decree": decree,
            "errors": errors or [],
            "can_sign": self.can("decrees.sign"),
            "can_note": self.can("decrees.note"),
            # personal signatures (issue 18): the workflow, or whom it may be sent to
            "workflow": decree_signing.decree_workflow(org=self.request.org, decree=decree),
            "can_send": self.can("decrees.create") and decree.status == DecreeStatus.DRAFT,
            "mayors": decree_signing.people_who_may(org=self.request.org, permission="decrees.sign"),
            "secretaries": decree_signing.people_who_may(org=self.request.org,
                                                         permission="decrees.note"),
        }  # fmt: skip
        return render(self.request, "cases/decree.html", context, status=400 if errors else 200)

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        decree = _get_or_404(selectors.decree_get, org=request.org, pk=pk)
        step = request.POST.get("step")
        needed = {"sign": "decrees.sign", "note": "decrees.note"}.get(step or "")
        if needed is None:
            return self._render(decree, [_("Unknown action.")])
        if not self.can(needed):
            raise PermissionDenied
        run = services.decree_sign if step == "sign" else services.decree_take_note
        try:
            run(org=request.org, actor=request.user, decree=decree)
        except ValidationError as error:
            return self._render(decree, error.messages)
        messages.success(request, _("Decree signed.") if step == "sign" else _(
            "Decree %(number)s entered in the decrees book.") % {"number": decree.number})  # fmt: skip
        return redirect("cases_decree", org_slug, pk)


class DecreePdfView(TenantView):
    permission = "decrees.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponseBase:
        decree = _get_or_404(selectors.decree_get, org=request.org, pk=pk)
        if decree.document is None:
            raise Http404
        return file_download(request.org, decree.document)


# --- document templates --------------------------------------------------------------------------
class DocumentTemplateListView(TenantView):
    permission = "cases.view"
    module = MODULE

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        context = {
            "page": paginate(request, selectors.document_templates(org=request.org)),
            "can_manage": self.can("procedures.manage"),
        }
        return render(request, "cases/templates.html", context)


class DocumentTemplateFormView(TenantView):
    permission = "cases.view"
    write_permission = "procedures.manage"
    module = MODULE

    def _render(self, form: Form, template: Any, status: int = 200) -> HttpResponse:
        context = {"form": form, "template": template, "can_manage": self.can("procedures.manage")}
        return render(self.request, "cases/template_form.html", context, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int | None = None) -> HttpResponse:
        template = (
            _get_or_404(selectors.document_template_get, org=request.org, pk=pk) if pk else None
        )
        initial = (
            {f: getattr(template, f) for f in ("name", "document_type", "body", "is_active")}
            if template
            else {}
        )
        return self._render(case_forms.DocumentTemplateForm(initial=initial), template)

    def post(
        self, request: TenantHttpRequest, org_slug: str, pk: int | None = None
    ) -> HttpResponse:
        template = (
            _get_or_404(selectors.document_template_get, org=request.org, pk=pk) if pk else None
        )
        form = case_forms.DocumentTemplateForm(request.POST)
        if form.is_valid():
            try:
                services.document_template_save(
                    org=request.org, actor=request.user, template=template, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Template saved."))
                return redirect("cases_templates", org_slug)
        return self._render(form, template, 400)


# --- settings ------------------------------------------------------------------------------------
class CasesSettingsView(TenantView):
    permission = "cases.settings"
    module = MODULE

    def _render(self, form: Form, status: int = 200) -> HttpResponse:
        return render(self.request, "cases/settings.html", {"form": form}, status=status)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        initial = {"number_format": services.number_format_of(request.org)}
        return self._render(case_forms.NumberFormatForm(initial=initial))

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = case_forms.NumberFormatForm(request.POST)
        if form.is_valid():
            try:
                services.cases_settings_set(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as error:
                add_service_error(form, error)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("cases_settings", org_slug)
        return self._render(form, 400)
