"""Telecom faults (issue 19, item 5): a ticket of the telecom kind carries the operator, the affected
service, the operator's reference and the operator's own clock; the provider escalates it to the
operator by e-mail and reports faults and coverage complaints per operator and municipality (the
consortium speaks for its members before the operators).

Writes (`telecom_operator_save`, `telecom_fault_set`, `telecom_escalate`, `telecom_update`) are
the provider's, atomic and audited; reads (`telecom_report`, `telecom_operators`) take the provider.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.core.audit import audit_record
from ajunta.helpdesk.models import (
    TelecomFault,
    TelecomKind,
    TelecomOperator,
    TelecomService,
    Ticket,
    TicketStatus,
)


def _provider_only(org: Any, ticket: Ticket | None = None) -> None:
    if not getattr(org, "is_provider", False) or (
        ticket is not None and ticket.provider_id != org.pk
    ):
        raise ValidationError(_("Only the provider's staff handle telecom faults."))


# --- operators -------------------------------------------------------------------------------------
def telecom_operators(*, org: Any, active_only: bool = False) -> QuerySet[TelecomOperator]:
    rows = TelecomOperator.objects.filter(organization=org)
    return rows.filter(is_active=True).order_by("name") if active_only else rows.order_by("name")


@transaction.atomic
def telecom_operator_save(*, org: Any, actor: Any, name: str, email: str, sla_hours: int,
                          phone: str = "", operator: TelecomOperator | None = None) -> TelecomOperator:  # fmt: skip
    _provider_only(org)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Name the operator.")})
    if sla_hours < 1 or sla_hours > 24 * 60:
        raise ValidationError({"sla_hours": _("Between 1 hour and 60 days.")})
    clash = TelecomOperator.objects.filter(organization=org, name__iexact=name)
    if operator is not None:
        clash = clash.exclude(pk=operator.pk)
    if clash.exists():
        raise ValidationError({"name": _("There is already an operator with that name.")})
    operator = operator or TelecomOperator(organization=org)
    operator.name, operator.email, operator.phone, operator.sla_hours = (
        name,
        email.strip(),
        phone.strip(),
        sla_hours,
    )
    operator.full_clean(exclude=["organization"])
    operator.save()
    audit_record(org=org, actor=actor, action="helpdesk.telecom_operator", obj=operator,
                 changes={"name": name, "sla_hours": sla_hours})  # fmt: skip
    return operator


# --- faults --------------------------------------------------------------------------------------------
def _due(fault: TelecomFault) -> dt.datetime | None:
    return fault.escalated_at + dt.timedelta(hours=fault.sla_hours) if fault.escalated_at else None


@transaction.atomic
def telecom_fault_set(*, org: Any, actor: Any, ticket: Ticket, operator: TelecomOperator, service: str,
                      kind: str = TelecomKind.FAULT, service_id: str = "", address: str = "") -> TelecomFault:  # fmt: skip
    """Make `ticket` a telecom one (or change its telecom details)."""
    _provider_only(org, ticket)
    if operator.organization_id != org.pk:
        raise ValidationError({"operator": _("Only this provider's operators.")})
    if service not in TelecomService.values or kind not in TelecomKind.values:
        raise ValidationError({"service": _("Unknown service or kind.")})
    if not (service_id.strip() or address.strip()):
        raise ValidationError(
            {"service_id": _("Give the line or circuit, or the address affected.")}
        )
    fault = TelecomFault.objects.filter(ticket=ticket).first() or TelecomFault(
        organization_id=ticket.organization_id, ticket=ticket, sla_hours=operator.sla_hours
    )
    if fault.operator_id != operator.pk and not fault.escalated_at:
        fault.sla_hours = operator.sla_hours
    fault.operator, fault.kind, fault.service = operator, kind, service
    fault.service_id, fault.address = service_id.strip()[:80], address.strip()[:200]
    fault.operator_due_at = _due(fault)
    fault.save()
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.telecom_fault", obj=ticket,
                 changes={"operator": operator.name, "service": service, "kind": kind})  # fmt: skip
    return fault


@transaction.atomic
def telecom_escalate(*, org: Any, actor: Any, fault: TelecomFault, note: str = "") -> TelecomFault:
    """E-mail the fault to the operator with our ticket number (and its reference, if it gave one
    already) and start the operator's clock."""
    _provider_only(org, fault.ticket)
    if fault.operator_resolved_at:
        raise ValidationError(_("The operator already solved it."))
    ticket, operator = fault.ticket, fault.operator
    subject = _("Fault report %(ticket)s%(ref)s · %(member)s") % {
        "ticket": ticket.number,
        "ref": f" · {fault.operator_reference}" if fault.operator_reference else "",
        "member": ticket.organization.name,
    }
    lines = [
        _("On behalf of %(member)s we report:") % {"member": ticket.organization.name}, "",
        f"{_('Our reference')}: {ticket.number}",
        f"{_('Your reference')}: {fault.operator_reference or '—'}",
        f"{_('Kind')}: {fault.get_kind_display()}",
        f"{_('Affected service')}: {fault.get_service_display()} {fault.service_id}".strip(),
        f"{_('Address')}: {fault.address or '—'}",
        f"{_('Title')}: {ticket.title}", "", ticket.description[:4000],
    ]  # fmt: skip
    if note.strip():
        lines += ["", note.strip()[:2000]]
    lines += ["", _("Please quote our reference in your answer.")]
    EmailMessage(subject, "\n".join(lines), None, [operator.email],
                 headers={"X-Ajunta-Ticket": ticket.number}).send()  # fmt: skip
    now = timezone.now()
    if fault.escalated_at is None:
        fault.escalated_at = now
        fault.operator_due_at = _due(fault)
    fault.save(update_fields=["escalated_at", "operator_due_at"])
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.telecom_escalate", obj=ticket,
                 changes={"operator": operator.name, "to": operator.email})  # fmt: skip
    return fault


@transaction.atomic
def telecom_update(*, org: Any, actor: Any, fault: TelecomFault, operator_reference: str | None = None,
                   operator_resolved: bool | None = None) -> TelecomFault:  # fmt: skip
    """The operator's reference once it gives one; the moment it says the fault is solved."""
    _provider_only(org, fault.ticket)
    changes: dict[str, Any] = {}
    if operator_reference is not None and operator_reference.strip() != fault.operator_reference:
        fault.operator_reference = operator_reference.strip()[:80]
        changes["operator_reference"] = fault.operator_reference
    if operator_resolved is not None and operator_resolved != bool(fault.operator_resolved_at):
        fault.operator_resolved_at = timezone.now() if operator_resolved else None
        changes["operator_resolved_at"] = str(fault.operator_resolved_at)
    if changes:
        fault.save(
            update_fields=[
                k for k in ("operator_reference", "operator_resolved_at") if k in changes
            ]
        )
        audit_record(org=fault.ticket.organization, actor=actor, action="helpdesk.telecom_update",
                     obj=fault.ticket, changes=changes)  # fmt: skip
    return fault


def operator_clock(fault: TelecomFault, now: dt.datetime | None = None) -> dict[str, Any]:
    """The operator's clock as the ticket page shows it beside ours."""
    now = now or timezone.now()
    if fault.escalated_at is None or fault.operator_due_at is None:
        return {"state": "not_escalated", "due": None, "late": False}
    end = fault.operator_resolved_at or now
    return {
        "state": "solved" if fault.operator_resolved_at else "running",
        "due": fault.operator_due_at,
        "late": end > fault.operator_due_at,
        "elapsed_hours": round((end - fault.escalated_at).total_seconds() / 3600, 1),
    }


def telecom_report(
    *, org: Any, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    """Faults and coverage complaints of the provider's members, per operator and per municipality,
    with how many the operator solved late. A fixed number of queries."""
    rows = TelecomFault.objects.filter(operator__organization=org)
    if since:
        rows = rows.filter(created_at__date__gte=since)
    if until:
        rows = rows.filter(created_at__date__lte=until)
    late = Q(operator_due_at__isnull=False) & (
        Q(operator_resolved_at__gt=F("operator_due_at"))
        | Q(operator_resolved_at__isnull=True, operator_due_at__lt=timezone.now())
    )
    counts = {
        "faults": Count("id", filter=Q(kind=TelecomKind.FAULT)),
        "coverage": Count("id", filter=Q(kind=TelecomKind.COVERAGE)),
        "open": Count(
            "id", filter=~Q(ticket__status__in=[TicketStatus.SOLVED, TicketStatus.CLOSED])
        ),
        "late": Count("id", filter=late),
    }
    by_operator = list(
        rows.values("operator__name").annotate(**counts).order_by("-faults", "operator__name")
    )
    by_municipality = list(
        rows.values("organization__name", "operator__name").annotate(**counts)
        .order_by("organization__name", "operator__name")
    )  # fmt: skip
    faults = list(
        rows.select_related("ticket", "operator", "organization").order_by("-created_at")[:200]
    )
    return {"by_operator": by_operator, "by_municipality": by_municipality, "faults": faults}
