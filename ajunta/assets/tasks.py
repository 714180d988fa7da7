"""Background jobs of the IT inventory. Each is also a management command, so cron can run it."""

import logging

from celery import shared_task

from ajunta.assets import services

logger = logging.getLogger(__name__)


@shared_task
def assets_alerts_notify() -> int:
    """Daily: e-mail the inventory alerts (warranty ending, OS end of life, silent assets)."""
    sent = services.alerts_notify()
    logger.info("Inventory alerts: %d e-mails sent", sent)
    return sent
