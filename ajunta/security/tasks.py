"""Background jobs of the cybersecurity module; each is also a management command (cron)."""

import logging

from celery import shared_task

from ajunta.security import feeds, services

logger = logging.getLogger(__name__)


@shared_task
def security_feeds_import() -> dict:
    """Daily: endoflife.date, CISA KEV and NVD from the configured sources, then the exposures
    and their alerts (`manage.py security_feeds_import`)."""
    done = feeds.import_configured()
    logger.info("Security feeds: %s", done)
    return done


@shared_task
def security_incident_alerts() -> int:
    """Every 15 minutes: e-mail the overdue legal steps of incidents (`manage.py security_alerts`)."""
    sent = services.incident_alerts()
    logger.info("Incident alerts: %d e-mails sent", sent)
    return sent
