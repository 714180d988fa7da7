"""Telecom faults on helpdesk tickets: the panel on the ticket page, its actions, the operators
and the provider's report per operator and municipality (helpdesk.telecom)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _

from ajunta.core.forms import PlainSelect
from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import add_service_error
from ajunta.helpdesk import telecom
from ajunta.helpdesk.models import TelecomFault, TelecomKind, TelecomService, Ticket
from ajunta.helpdesk.views import HelpdeskView, TicketView


class TelecomFaultForm(forms.Form):
    operator = forms.TypedChoiceField(label=_("Operator"), coerce=int, widget=PlainSelect)
    kind = forms.ChoiceField(label=_("Kind"), choices=TelecomKind.choices, widget=PlainSelect)
    service = forms.ChoiceField(
        label=_("Affected service"), choices=TelecomService.choices, widget=PlainSelect
    )
    service_id = forms.CharField(label=_("Line or circuit"), required=False, max_length=80)
    address = forms.CharField(label=_("Address"), required=False, max_length=200)

    def __init__(self, *args: Any, operators: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.operators = {o.pk: o for o in operators}
        self.fields["operator"].choices = [(o.pk, o.name) for o in operators]  # type: ignore[attr-defined]


class TelecomUpdateForm(forms.Form):
    operator_reference = forms.CharField(
        label=_("Operator's reference"), required=False, max_length=80
    )
    operator_resolved = forms.BooleanField(
        label=_("The operator says it is solved"), required=False
    )


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("Note for the operator"), required=False, max_length=2000,
                           widget=forms.Textarea(attrs={"rows": 2}))  # fmt: skip


class OperatorForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    email = forms.EmailField(label=_("Fault reporting e-mail"))
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40)
    sla_hours = forms.IntegerField(label=_("Repair time (hours)"), min_value=1, max_value=1440)


def telecom_panel(
    ticket: Ticket, *, staff: bool, provider: Any, **forms_given: Any
) -> dict[str, Any]:
    fault = TelecomFault.objects.filter(ticket=ticket).select_related("operator").first()
    context: dict[str, Any] = {"telecom": fault, "telecom_form": None}
    if fault is not None:
        context["operator_clock"] = telecom.operator_clock(fault)
    if staff:
        operators = list(telecom.telecom_operators(org=provider, active_only=True))
        if operators:
            initial = {}
            if fault:
                initial = {"operator": fault.operator_id, "kind": fault.kind, "service": fault.service,
                           "service_id": fault.service_id, "address": fault.address}  # fmt: skip
            context["telecom_form"] = forms_given.get("telecom_form") or TelecomFaultForm(
                operators=operators, initial=initial
            )
        if fault:
            context["telecom_update_form"] = forms_given.get(
                "telecom_update_form"
            ) or TelecomUpdateForm(
                initial={
                    "operator_reference": fault.operator_reference,
                    "operator_resolved": bool(fault.operator_resolved_at),
                }
            )
            context["escalate_form"] = forms_given.get("escalate_form") or EscalateForm()
    return context


class TelecomActionView(TicketView):
    """POST set / escalate / update on a ticket's telecom fault: provider staff only."""

    def post(self, request: TenantHttpRequest, org_slug: str, pk: int, action: str) -> HttpResponse:
        if not self.staff:
            raise PermissionDenied
        ticket = self.ticket_or_404(pk)
        org = request.org
        fault = (
            TelecomFault.objects.filter(ticket=ticket).select_related("operator", "ticket").first()
        )
        form: Any
        name = {
            "set": "telecom_form",
            "escalate": "escalate_form",
            "update": "telecom_update_form",
        }.get(action)
        if name is None or (action != "set" and fault is None):
            raise Http404
        if action == "set":
            form = TelecomFaultForm(
                request.POST, operators=list(telecom.telecom_operators(org=org, active_only=True))
            )
        elif action == "escalate":
            form = EscalateForm(request.POST)
        else:
            form = TelecomUpdateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "set":
                    telecom.telecom_fault_set(org=org, actor=request.user, ticket=ticket,
                                              operator=form.operators[data["operator"]], kind=data["kind"],
                                              service=data["service"], service_id=data["service_id"],
                                              address=data["address"])  # fmt: skip
                elif action == "escalate":
                    assert fault is not None  # checked above: only "set" runs without one
                    telecom.telecom_escalate(
                        org=org, actor=request.user, fault=fault, note=data["note"]
                    )
                else:
                    assert fault is not None
                    telecom.telecom_update(org=org, actor=request.user, fault=fault,
                                           operator_reference=data["operator_reference"],
                                           operator_resolved=data["operator_resolved"])  # fmt: skip
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect("helpdesk_ticket", org_slug=org_slug, pk=pk)
        context = self.context(ticket)
        context.update(telecom_panel(ticket, staff=True, provider=org, **{name: form}))
        context["failed"] = True
        return render(request, "helpdesk/ticket.html", context, status=400)


class OperatorsView(HelpdeskView):
    permission = "helpdesk.work"

    def get(
        self, request: TenantHttpRequest, org_slug: str, form: Any = None, status: int = 200
    ) -> HttpResponse:
        if not getattr(request.org, "is_provider", False):
            raise Http404
        return render(request, "helpdesk/telecom_operators.html", {
            "operators": telecom.telecom_operators(org=request.org), "form": form or OperatorForm(),
            "can_edit": self.can("helpdesk.settings"),
        }, status=status)  # fmt: skip

    def post(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not self.can("helpdesk.settings"):
            raise PermissionDenied
        form = OperatorForm(request.POST)
        if form.is_valid():
            try:
                telecom.telecom_operator_save(
                    org=request.org, actor=request.user, **form.cleaned_data
                )
            except ValidationError as exc:
                add_service_error(form, exc)
            else:
                return redirect("helpdesk_telecom_operators", org_slug=org_slug)
        return self.get(request, org_slug, form=form, status=400)


class TelecomReportView(HelpdeskView):
    permission = "helpdesk.work"

    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        if not getattr(request.org, "is_provider", False):
            raise Http404

        def day(name: str) -> dt.date | None:
            try:
                return dt.date.fromisoformat(request.GET.get(name, ""))
            except ValueError:
                return None

        since, until = day("since"), day("until")
        report = telecom.telecom_report(org=request.org, since=since, until=until)
        return render(
            request, "helpdesk/telecom_report.html", {**report, "since": since, "until": until}
        )
