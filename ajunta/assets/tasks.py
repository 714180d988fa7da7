"""Background jobs of the IT inventory. Each is also a management command, so cron can run it."""

import logging

from celery import shared_task

from ajunta.assets import services

logger = logging.getLogger(__name__)


@shared_task
def assets_alerts_notify() -> int:
    """Daily: refresh the OS end-of-life dates from the table, then e-mail the inventory alerts
    (warranty ending, OS end of life, silent assets)."""
    refreshed = services.assets_refresh_os_releases()
    if refreshed:
        logger.info("OS end-of-life dates refreshed on %d assets", refreshed)
    sent = services.alerts_notify()
    logger.info("Inventory alerts: %d e-mails sent", sent)
    return sent
