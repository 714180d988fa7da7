"""Background jobs of core. Each is also reachable as a management command, so cron can run it."""

import logging

from celery import shared_task

from ajunta.core.audit import verify_all
from ajunta.core.sweep import sweep_run

logger = logging.getLogger(__name__)


@shared_task
def audit_verify_all() -> dict[str, int]:
    """Recompute every audit chain; log an error naming the first broken event of each bad chain."""
    reports = verify_all()
    broken = [r for r in reports if not r.ok]
    for report in broken:
        logger.error(
            "Audit chain %s broken at #%s: %s",
            report.chain,
            report.broken_at.seq if report.broken_at else "?",
            report.reason,
        )
    return {"chains": len(reports), "broken": len(broken)}


@shared_task
def sweep_pending() -> dict[str, dict[str, int]]:
    """Finish what dead workers left pending (core.sweep); `manage.py sweep_pending` for cron."""
    return sweep_run()
