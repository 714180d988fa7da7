"""Background jobs of core. Each is also reachable as a management command, so cron can run it."""

import logging

from celery import shared_task

from ajunta.core.audit import verify_all
from ajunta.core.integrity import describe, verify_records
from ajunta.core.services import integrity_alert_send
from ajunta.core.sweep import sweep_run

logger = logging.getLogger(__name__)


@shared_task
def audit_verify_all() -> dict[str, int]:
    """Recompute every audit chain and every sealed record's hash (`manage.py audit_verify
    --alert`); log an error for each fault and e-mail the provider's administrators about them."""
    reports = verify_all()
    broken = [r for r in reports if not r.ok]
    findings = []
    for report in broken:
        seq = report.broken_at.seq if report.broken_at else "?"
        logger.error("Audit chain %s broken at #%s: %s", report.chain, seq, report.reason)
        findings.append(f"audit chain {report.chain} broken at #{seq}: {report.reason}")
    records = verify_records()
    for problem in records.problems:
        line = f"org:{problem.organization_id}: {describe(problem)}"
        logger.error("Sealed record %s", line)
        findings.append(line)
    if findings:
        integrity_alert_send(findings=findings)
    return {
        "chains": len(reports),
        "broken": len(broken),
        "records": sum(records.checked.values()),
        "changed": len(records.problems),
    }


@shared_task
def sweep_pending() -> dict[str, dict[str, int]]:
    """Finish what dead workers left pending (core.sweep); `manage.py sweep_pending` for cron."""
    return sweep_run()
