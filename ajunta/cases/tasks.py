"""Periodic jobs of the case module. Each is also a management command, so cron can run it:

manage.py cases_notifications_expire   (daily or hourly: art. 43 deemed rejection)
manage.py cases_alerts                 (daily: overdue cases and tasks by e-mail)
"""

from __future__ import annotations

import logging

from celery import shared_task

from ajunta.cases import services
from ajunta.core.tenancy import organization_model

logger = logging.getLogger(__name__)


@shared_task
def notifications_expire() -> int:
    """Notifications not opened in 10 calendar days become deemed rejected."""
    count = services.notifications_expire()
    logger.info("%d notification(s) deemed rejected", count)
    return count


@shared_task
def alerts_send() -> int:
    """E-mail every organization's people their overdue cases and tasks."""
    sent = 0
    for org in organization_model().objects.order_by("pk").iterator():
        sent += services.alerts_send(org=org)
    return sent
