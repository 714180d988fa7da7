"""Background jobs of SIR. Each is also a management command, so cron can run it."""

from celery import shared_task

from ajunta.sir import services


@shared_task
def sir_inbox_process() -> dict[str, int]:
    """Take in the SICRES files the gateway left in SIR_INBOX_DIR (`manage.py sir_inbox`)."""
    return services.sir_inbox_process()
