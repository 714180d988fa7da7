"""E-mails about tickets: on opening, assignment, follow-up, solution, SLA warning and survey.

Sent after the transaction commits (a rolled-back write sends nothing), in each recipient's
language, to those who have not switched the event off (NotificationPreference, per organization:
the requester's municipality for the requester, the provider for its staff).
"""

from __future__ import annotations

import logging
from email.utils import make_msgid, parseaddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from ajunta.core.languages import language_for
from ajunta.helpdesk import selectors
from ajunta.helpdesk.models import NotificationEvent, Ticket

logger = logging.getLogger(__name__)


def _subject(event: str, ticket: Ticket) -> str:
    text = {
        NotificationEvent.CREATED: _("Ticket opened"),
        NotificationEvent.ASSIGNED: _("Ticket assigned to you"),
        NotificationEvent.FOLLOWUP: _("New follow-up"),
        NotificationEvent.SOLVED: _("Ticket solved: please accept or reopen it"),
        NotificationEvent.SLA_WARNING: _("SLA warning"),
        NotificationEvent.SURVEY: _("How did we do? A one-minute survey"),
    }[NotificationEvent(event)]
    return f"[{ticket.number}] {text}: {ticket.title}"[:200]


def message_id(ticket: Ticket) -> str:
    """A unique Message-ID that names the ticket: a reply whose subject lost the number still
    finds its ticket through In-Reply-To (mailbox.NUMBER_IN_MESSAGE_ID)."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    return make_msgid(idstring=f"ticket-{ticket.number}", domain=domain)


def _recipients(ticket: Ticket, event: str, actor: Any) -> list[tuple[Any, Any]]:
    """(user, organization whose preferences apply) for one event."""
    staff: list[Any] = []
    requester: list[Any] = [ticket.requester] if ticket.requester_id else []
    if event == NotificationEvent.CREATED:
        staff = list(selectors.technicians(provider=ticket.provider_id))
    elif event == NotificationEvent.ASSIGNED:
        requester = []
        staff = [ticket.assigned_to] if ticket.assigned_to_id else []
    elif event == NotificationEvent.FOLLOWUP:
        staff = [ticket.assigned_to] if ticket.assigned_to_id else []
    elif event == NotificationEvent.SLA_WARNING:
        requester = []
        if ticket.assigned_to_id:
            staff = [ticket.assigned_to]
        elif ticket.assigned_group_id:
            staff = list(ticket.assigned_group.members.all())  # type: ignore[union-attr]
        else:
            staff = list(selectors.technicians(provider=ticket.provider_id))
    actor_pk = getattr(actor, "pk", None)
    found = [(u, ticket.organization_id) for u in requester] + [
        (u, ticket.provider_id) for u in staff
    ]
    # Who switched the event off, in one query (one per recipient cost 8 queries per new ticket
    # for a provider with 8 technicians: benchmark, docs/performance.md).
    off = selectors.notifications_disabled(users=[u.pk for u, _org in found], event=event)
    seen: set[int] = set()
    result = []
    for user, org_id in found:
        if user.pk == actor_pk or user.pk in seen or not user.email:
            continue
        seen.add(user.pk)
        if (org_id, user.pk) not in off:
            result.append((user, org_id))
    return result


def _body(ticket: Ticket, event: str, org_slug: str, rule: Any) -> str:
    link = settings.SITE_URL + reverse("helpdesk_ticket", args=[org_slug, ticket.pk])
    lines = [
        _("Ticket %(number)s: %(title)s") % {"number": ticket.number, "title": ticket.title},
        _("Status: %(status)s · Priority: %(priority)s")
        % {"status": ticket.get_status_display(), "priority": ticket.get_priority_display()},
    ]
    if rule is not None:
        lines.append(
            _("%(percent)d%% of the %(clock)s target has passed.")
            % {"percent": rule.percent, "clock": rule.get_kind_display()}
        )
    lines += ["", link, "", _("You can choose which e-mails you get on the helpdesk page.")]
    return "\n".join(lines)


def send_ticket_event(
    ticket_pk: int, event: str, actor_pk: int | None, rule_pk: int | None
) -> None:
    """Send the e-mails of one event (run by the Celery task `helpdesk_notify`)."""
    from ajunta.core.models import User
    from ajunta.helpdesk.models import EscalationRule

    actor = User.objects.filter(pk=actor_pk).first() if actor_pk else None
    rule = EscalationRule.objects.filter(pk=rule_pk).first() if rule_pk else None
    _send(ticket_pk, event, actor, rule)


def _send(ticket_pk: int, event: str, actor: Any, rule: Any) -> None:
    ticket = Ticket.objects.select_related(
        "organization", "provider", "requester", "assigned_to", "assigned_group"
    ).get(pk=ticket_pk)
    for user, org_id in _recipients(ticket, event, actor):
        slug = (
            ticket.organization.slug if org_id == ticket.organization_id else ticket.provider.slug
        )
        org = ticket.organization if org_id == ticket.organization_id else ticket.provider
        with translation.override(language_for(user=user, org=org)):
            try:
                EmailMessage(
                    _subject(event, ticket),
                    _body(ticket, event, slug, rule),
                    to=[user.email],
                    headers={"Message-ID": message_id(ticket)},
                ).send()
            except Exception:  # a mail server down must not undo the ticket's change
                logger.exception("Helpdesk e-mail %s for %s not sent", event, ticket.number)


def ticket_event(ticket: Ticket, event: str, *, actor: Any, rule: Any = None) -> None:
    """Queue the e-mails of `event` for after the commit, in a worker when there is one: opening a
    ticket must not wait for the mail server."""
    from ajunta.helpdesk.tasks import helpdesk_notify

    arguments = (ticket.pk, str(event), getattr(actor, "pk", None), getattr(rule, "pk", None))
    transaction.on_commit(lambda: helpdesk_notify.delay(*arguments))
