"""Cybersecurity pages, mounted under /o/<org_slug>/security/: exposed devices, who still runs a
program, security incidents with their legal clocks, ENS conformity."""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.assets import selectors as asset_selectors
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, add_service_error, paginate
from ajunta.security import clocks, ens, reports, selectors, services
from ajunta.security.forms import EnsMeasureForm, EventForm, IncidentForm, StatusForm, StepForm
from ajunta.security.models import EnsMeasureState, SecurityIncident

STATE_TONES = {"done": "ok", "late": "warn", "overdue": "danger", "pending": ""}


def state_labels() -> dict[str, str]:
    return {
        "done": _("Done"),
        "late": _("Done late"),
        "overdue": _("Overdue"),
        "pending": _("Pending"),
    }


class SecurityView(TenantView):
    permission = "security.view"
    write_permission = "security.manage"
    module = "security"


def _attachment(content: bytes, content_type: str, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


class HomeView(SecurityView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        figures = selectors.work_figures(org=org, user=request.user, roles=request.org_roles,
                                         today=timezone.localdate())  # fmt: skip
        return render(request, "security/home.html", {
            "figures": figures,
            "vulnerability_counts": selectors.vulnerability_counts(),
            "overdue": selectors.overdue_incidents(org=org),
        })  # fmt: skip


class ExposuresView(SecurityView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        q = request.GET.get("q", "")[:100]
        exploited = request.GET.get("known_exploited") == "1"
        rows = selectors.exposures(org=org, q=q, known_exploited=exploited)
        page = paginate(request, rows)
        return render(request, "security/exposures.html", {
            "page": page, "q": q, "known_exploited": exploited,
            "counts": selectors.exposure_counts(org=org),
            "show_org": asset_selectors.is_provider(org),
        })  # fmt: skip


class WhoRunsView(SecurityView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        q = request.GET.get("q", "")[:100]
        rows = asset_selectors.who_runs(org=request.org, q=q) if q else []
        organizations = len({row["organization_id"] for row in rows})
        devices = sum(row["devices"] for row in rows)
        return render(request, "security/who_runs.html", {
            "q": q, "rows": rows, "organizations": organizations, "devices": devices,
            "too_short": bool(q) and len(q.strip()) < 2,
        })  # fmt: skip


# --- incidents -------------------------------------------------------------------------------------
class IncidentListView(SecurityView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        now = timezone.now()
        page = paginate(
            request, selectors.incidents(org=request.org, status=request.GET.get("status", ""))
        )
        rows = []
        for incident in page:
            steps = clocks.steps(incident, now) if incident.status != "closed" else []
            rows.append({"incident": incident, "overdue": [s for s in steps if s.overdue],
                         "next": next((s for s in steps if s.done_at is None), None)})  # fmt: skip
        return render(request, "security/incidents.html", {
            "page": page, "rows": rows, "show_org": asset_selectors.is_provider(request.org),
            "actions": [{"label": _("Record an incident"),
                         "url": reverse("security_incident_new", args=[org_slug])}]
            if self.can("security.manage") else [],
        })  # fmt: skip


class IncidentCreateView(SecurityView):
    permission = "security.manage"

    def form(self, request: TenantHttpRequest, data: Any = None) -> IncidentForm:
        org = request.org
        organizations = asset_selectors.organizations_in_scope(org)
        assets = (
            list(asset_selectors.assets(org=org).filter(organization=org)[:500])
            if len(organizations) == 1
            else []
        )
        return IncidentForm(data, organizations=organizations, assets=assets)

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        initial_form = self.form(request)
        initial_form.initial = {"detected_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}
        return render(request, "security/incident_form.html", {"form": initial_form})

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        form = self.form(request, request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            target = request.org
            chosen = data.pop("organization", None)
            if chosen:
                target = next(
                    (
                        o
                        for o in asset_selectors.organizations_in_scope(request.org)
                        if o.pk == chosen
                    ),
                    None,
                )
                if target is None:
                    raise Http404
            asset_ids = data.pop("assets", [])
            if not data.get("aware_at"):
                data["aware_at"] = data["detected_at"]
            try:
                incident = services.incident_create(
                    org=target, actor=request.user, asset_ids=asset_ids, **data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect("security_incident", org_slug=org_slug, pk=incident.pk)
        return render(request, "security/incident_form.html", {"form": form}, status=400)


class IncidentDetailView(SecurityView):
    def incident(self, request: TenantHttpRequest, pk: int) -> SecurityIncident:
        try:
            return selectors.incident_get(org=request.org, pk=pk)
        except SecurityIncident.DoesNotExist:
            raise Http404 from None

    def context(
        self, request: TenantHttpRequest, incident: SecurityIncident, **forms: Any
    ) -> dict[str, Any]:
        labels = state_labels()
        steps = [
            {"step": s, "label": s.label, "tone": STATE_TONES[s.state], "state": labels[s.state]}
            for s in clocks.steps(incident, timezone.now())
        ]
        return {
            "incident": incident, "steps": steps,
            "events": list(selectors.incident_events(incident=incident)),
            "assets": selectors.incident_assets(incident=incident),
            "can_manage": self.can("security.manage"),
            "event_form": forms.get("event_form") or EventForm(),
            "step_form": forms.get("step_form") or StepForm(),
            "status_form": forms.get("status_form") or StatusForm(initial={"status": incident.status}),
        }  # fmt: skip

    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = self.incident(request, pk)
        return render(request, "security/incident_detail.html", self.context(request, incident))

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = self.incident(request, pk)
        org = incident.organization
        kind = request.POST.get("form")
        forms: dict[str, Any] = {}
        try:
            if kind == "event":
                form: Any = forms.setdefault("event_form", EventForm(request.POST))
                if form.is_valid():
                    services.incident_event_add(org=org, actor=request.user, incident=incident,
                                                text=form.cleaned_data["text"],
                                                action=form.cleaned_data["action"])  # fmt: skip
                    return redirect("security_incident", org_slug=org_slug, pk=pk)
            elif kind == "step":
                form = forms.setdefault("step_form", StepForm(request.POST))
                if form.is_valid():
                    services.incident_step_done(org=org, actor=request.user, incident=incident,
                                                step=form.cleaned_data["step"],
                                                at=form.cleaned_data["at"],
                                                reference=form.cleaned_data["reference"])  # fmt: skip
                    return redirect("security_incident", org_slug=org_slug, pk=pk)
            elif kind == "status":
                form = forms.setdefault("status_form", StatusForm(request.POST))
                if form.is_valid():
                    services.incident_status(org=org, actor=request.user, incident=incident,
                                             status=form.cleaned_data["status"])  # fmt: skip
                    return redirect("security_incident", org_slug=org_slug, pk=pk)
            else:
                return HttpResponse(_("Unknown form."), status=400)
        except ValidationError as exc:
            add_service_error(form, exc)
        incident.refresh_from_db()
        return render(request, "security/incident_detail.html",
                      self.context(request, incident, **forms), status=400)  # fmt: skip


class IncidentExportView(IncidentDetailView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = self.incident(request, pk)
        data = reports.incident_lucia(incident, list(selectors.incident_events(incident=incident)),
                                      selectors.incident_assets(incident=incident))  # fmt: skip
        content = json.dumps(data, ensure_ascii=False, indent=2).encode()
        return _attachment(content, "application/json", f"{incident.number}-lucia.json")


class IncidentPdfView(IncidentDetailView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        incident = self.incident(request, pk)
        content = reports.incident_pdf(incident, list(selectors.incident_events(incident=incident)),
                                       selectors.incident_assets(incident=incident), state_labels())  # fmt: skip
        return _attachment(content, "application/pdf", f"{incident.number}.pdf")


# --- ENS --------------------------------------------------------------------------------------------
def _state_labels() -> dict[str, str]:
    return {value: str(label) for value, label in EnsMeasureState.choices}


class EnsView(SecurityView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        record = asset_selectors.security_record(org=org)
        rows = selectors.ens_rows(org=org)
        applied = sum(
            1 for r in rows if r["record"] and r["record"].state in ("applied", "not_applicable")
        )
        return render(request, "security/ens.html", {
            "rows": rows, "record": record, "applied": applied,
            "category_label": record.get_ens_category_display() if record and record.ens_category else "",
            "source": ens.source(), "can_manage": self.can("security.manage"),
            "is_provider": asset_selectors.is_provider(org),
        })  # fmt: skip


class EnsMeasureView(SecurityView):
    def spec(self, code: str) -> Any:
        spec = ens.measures_by_code().get(code)
        if spec is None:
            raise Http404
        return spec

    def documents(self, request: TenantHttpRequest) -> list[Any]:
        from ajunta.core.models import Document

        return list(Document.objects.filter(organization=request.org).order_by("-id")[:200])

    def get(self, request: TenantHttpRequest, org_slug: str, code: str) -> HttpResponse:
        spec = self.spec(code)
        record = next(
            (r["record"] for r in selectors.ens_rows(org=request.org) if r["spec"].code == code),
            None,
        )
        initial: dict[str, Any] = {"state": "not_applied"}
        if record:
            initial = {"state": record.state, "evidence": record.evidence, "review_date": record.review_date,
                       "justification": record.justification,
                       "documents": [d.pk for d in record.documents.all()]}  # fmt: skip
        form = EnsMeasureForm(initial=initial, documents=self.documents(request))
        return render(request, "security/ens_measure.html", {"spec": spec, "form": form})

    def post(self, request: TenantHttpRequest, org_slug: str, code: str) -> HttpResponse:
        spec = self.spec(code)
        form = EnsMeasureForm(request.POST, documents=self.documents(request))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.ens_measure_save(org=request.org, actor=request.user, code=code,
                                          state=data["state"], evidence=data["evidence"],
                                          review_date=data["review_date"],
                                          justification=data["justification"],
                                          document_ids=data.get("documents"))  # fmt: skip
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect(reverse("security_ens", args=[org_slug]) + f"#m-{code}")
        return render(
            request, "security/ens_measure.html", {"spec": spec, "form": form}, status=400
        )


class EnsSoaPdfView(SecurityView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        org = request.org
        record = asset_selectors.security_record(org=org)
        if not (record and record.ens_category):
            return HttpResponse(_("Record the ENS category first (security records)."), status=400)
        content = reports.soa_pdf(org, record.get_ens_category_display(), selectors.ens_rows(org=org),
                                  _state_labels())  # fmt: skip
        return _attachment(content, "application/pdf", f"ens-soa-{org.slug}.pdf")
