"""The sweep: finish what a dead worker left half-done (a receipt, an alert to a citizen, ...).

A filing commits first and hands its follow-up work (render and seal the receipt, e-mail the
party) to a worker after the commit. A worker killed in between leaves the row committed and the
work undone. Each app registers here, in `AppConfig.ready()`, a `Sweeper`: how to find its pending
work older than a grace period, and how to finish one piece. `sweep_run` (the Celery beat entry
`sweep-pending` and `manage.py sweep_pending`) walks them all.

Finishing is the very service the normal path calls, which takes the object's row lock and does
nothing when the work is done already: running the sweep twice, or beside the normal worker, never
issues anything twice. The grace period (SWEEP_GRACE_SECONDS) keeps it off work the normal path is
still doing. A piece that fails is counted in StuckWork; after SWEEP_ALERT_AFTER_ATTEMPTS failed
attempts it is logged at ERROR and the provider's administrators are e-mailed, once.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ajunta.core.audit import audit_record
from ajunta.core.models import Role, RoleAssignment, StuckWork

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sweeper:
    kind: str  # stable code, e.g. "registry.receipt"
    # The pending objects (each with `organization` and `pk`) whose work should have been done
    # before `before`, at most `limit` of them, oldest first.
    pending: Callable[..., Iterable[Any]]
    # Finish one object's work; a no-op when it is done already (the service's row lock).
    finish: Callable[[Any], Any]
    describe: Callable[[Any], str] = str


SWEEPERS: dict[str, Sweeper] = {}


def register_sweeper(sweeper: Sweeper) -> None:
    if sweeper.kind in SWEEPERS:
        raise ValueError(f"Sweeper {sweeper.kind!r} is already registered.")
    SWEEPERS[sweeper.kind] = sweeper


def sweep_run(
    *, now: dt.datetime | None = None, grace_seconds: int | None = None
) -> dict[str, dict[str, int]]:
    """Finish every piece of pending work older than the grace period (SWEEP_GRACE_SECONDS unless
    given); per kind, how many were finished, how many failed, and how many were reported to the
    provider as stuck."""
    now = now or timezone.now()
    grace = settings.SWEEP_GRACE_SECONDS if grace_seconds is None else max(grace_seconds, 0)
    before = now - dt.timedelta(seconds=grace)
    report: dict[str, dict[str, int]] = {}
    for kind in sorted(SWEEPERS):
        sweeper = SWEEPERS[kind]
        counts = report[kind] = {"finished": 0, "failed": 0, "alerted": 0}
        for obj in sweeper.pending(before=before, limit=settings.SWEEP_BATCH):
            try:
                sweeper.finish(obj)
            except Exception as exc:  # one stuck piece must not stop the others
                logger.warning("Sweep %s %s failed: %s", kind, sweeper.describe(obj), exc)
                counts["failed"] += 1
                try:
                    counts["alerted"] += _failed(sweeper, obj, exc, now)
                except Exception:  # e.g. two sweeps counting the same piece at once
                    logger.exception("Sweep %s: could not count the failure", kind)
            else:
                counts["finished"] += 1
                _done(sweeper, obj)
    return report


def _key(obj: Any) -> str:
    return str(obj.pk)


@transaction.atomic
def _failed(sweeper: Sweeper, obj: Any, exc: Exception, now: dt.datetime) -> int:
    """Count a failed attempt; alert once when it reaches the threshold. Returns 1 if alerted."""
    row, _created = StuckWork.objects.select_for_update().get_or_create(
        organization=obj.organization, kind=sweeper.kind, object_id=_key(obj),
        defaults={"first_failed_at": now, "last_failed_at": now},
    )  # fmt: skip
    row.attempts += 1
    row.last_failed_at = now
    row.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    row.label = sweeper.describe(obj)[:200]
    fields = ["attempts", "last_failed_at", "last_error", "label"]
    alert = row.alerted_at is None and row.attempts >= settings.SWEEP_ALERT_AFTER_ATTEMPTS
    if alert:
        row.alerted_at = now
        fields.append("alerted_at")
    row.save(update_fields=fields)
    if not alert:
        return 0
    logger.error(
        "Sweep: %s %s of %s still not done after %d attempts: %s",
        sweeper.kind, row.label, obj.organization, row.attempts, row.last_error,
    )  # fmt: skip
    audit_record(
        org=obj.organization, actor=None, action="core.sweep.stuck", obj=obj,
        changes={"kind": sweeper.kind, "attempts": row.attempts, "error": row.last_error},
    )  # fmt: skip
    stuck = {"kind": sweeper.kind, "what": row.label, "org": obj.organization,
             "attempts": row.attempts, "error": row.last_error}  # fmt: skip
    transaction.on_commit(lambda: _tell_provider(stuck))
    return 1


@transaction.atomic
def _done(sweeper: Sweeper, obj: Any) -> None:
    """Work that failed before and is now finished leaves StuckWork, with a line in the audit."""
    rows = StuckWork.objects.filter(
        organization=obj.organization, kind=sweeper.kind, object_id=_key(obj)
    )
    attempts = rows.values_list("attempts", flat=True).first()
    if attempts is None:
        return
    rows.delete()
    audit_record(
        org=obj.organization, actor=None, action="core.sweep.recovered", obj=obj,
        changes={"kind": sweeper.kind, "attempts": attempts},
    )  # fmt: skip


def _tell_provider(stuck: dict[str, Any]) -> None:
    """E-mail the provider's administrators, each in their language; a mail failure is logged."""
    admins = (
        RoleAssignment.objects.filter(role=Role.PROVIDER_ADMIN, organization__is_provider=True)
        .exclude(user__email="")
        .select_related("user")
    )
    for assignment in admins:
        user = assignment.user
        with translation.override(getattr(user, "preferred_language", None) or "ca"):
            subject = _("Ajunta: work still pending after %(attempts)d attempts") % stuck
            body = (
                _(
                    "The periodic sweep could not finish this work:\n\n"
                    "%(kind)s: %(what)s (%(org)s)\nAttempts: %(attempts)d\nLast error: %(error)s\n\n"
                    "It will keep trying every few minutes. The list is in the administration, "
                    "under Stuck work."
                )
                % stuck
            )
        try:
            send_mail(str(subject), str(body), None, [user.email])
        except Exception:
            logger.exception("Sweep: the provider could not be told about %s", stuck["what"])
