"""Periodic jobs of the helpdesk. Each is also a management command (`helpdesk_run`) for cron."""

from celery import shared_task

from ajunta.helpdesk import services


@shared_task
def helpdesk_sla_escalate() -> dict[str, int]:
    """Record SLA breaches and fire escalation rules (every 5 minutes)."""
    return services.sla_escalate()


@shared_task
def helpdesk_auto_close() -> int:
    """Close solved tickets unanswered for the provider's N business days (hourly)."""
    return services.tickets_auto_close()


@shared_task
def helpdesk_surveys_send() -> int:
    """Send the satisfaction surveys that are due (hourly)."""
    return services.surveys_send()


@shared_task
def helpdesk_poll_mailbox() -> dict[str, int]:
    """Read the helpdesk mailbox once (every 2 minutes), when one is configured."""
    from ajunta.helpdesk import mailbox, selectors

    source = mailbox.source_from_settings()
    provider = selectors.provider_for(org=None)
    if source is None or provider is None:
        return {"opened": 0, "followups": 0, "skipped": 0}
    return mailbox.poll(provider=provider, source=source)


@shared_task
def helpdesk_notify(
    ticket_pk: int, event: str, actor_pk: int | None = None, rule_pk: int | None = None
) -> None:
    """Send the e-mails of one ticket event (queued after the commit that caused it)."""
    from ajunta.helpdesk.notifications import send_ticket_event

    send_ticket_event(ticket_pk, event, actor_pk, rule_pk)


@shared_task
def helpdesk_sla_recompute() -> int:
    """Recompute open tickets' due times from the provider's calendar (nightly, and after a
    change of business hours or holidays)."""
    from ajunta.helpdesk import selectors

    provider = selectors.provider_for(org=None)
    return services.sla_recompute(provider=provider) if provider else 0
