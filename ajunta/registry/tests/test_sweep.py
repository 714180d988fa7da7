"""The sweep (core.sweep) issues the receipts a dead worker left pending: once, after the grace
period, and it tells the provider when one stays stuck."""

from __future__ import annotations

import datetime as dt
import io
import threading
from unittest import mock

import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test import TransactionTestCase, override_settings

from ajunta.core.models import AuditEvent, Document, Role, StuckWork
from ajunta.core.sweep import sweep_run
from ajunta.core.testing import TenantTestCase, make_org, make_user, use_temporary_media
from ajunta.registry import services
from ajunta.registry.models import RegistryEntry
from ajunta.registry.tests.test_services import NURIA
from ajunta.tenants.testing import make_provider

FILED = dt.datetime(2026, 3, 10, 9, 0, tzinfo=dt.UTC)


def filed_without_receipt(org, actor) -> RegistryEntry:
    """An entry whose worker died after the commit: the receipt callback never ran."""
    with time_machine.travel(FILED, tick=False):
        return services.registry_entry_create(
            org=org, actor=actor, direction="in", channel="in_person",
            epigraph="Instància genèrica", summary="Sol·licitud", parties=[NURIA],
        )  # fmt: skip


def receipt_events(entry: RegistryEntry) -> int:
    return AuditEvent.objects.filter(
        action="registry.entry.receipt", object_id=str(entry.pk)
    ).count()


@override_settings(SWEEP_GRACE_SECONDS=600, SWEEP_ALERT_AFTER_ATTEMPTS=3)
class ReceiptSweepTests(TenantTestCase):
    def setUp(self) -> None:
        super().setUp()
        use_temporary_media(self)
        self.entry = filed_without_receipt(self.org_a, self.bob)
        self.assertIsNone(self.entry.receipt_id)

    def sweep(self, minutes: int) -> dict:
        return sweep_run(now=FILED + dt.timedelta(minutes=minutes))["registry.receipt"]

    def test_within_the_grace_period_it_leaves_the_normal_path_alone(self) -> None:
        self.assertEqual(self.sweep(9)["finished"], 0)
        self.entry.refresh_from_db()
        self.assertIsNone(self.entry.receipt_id)

    def test_after_it_issues_the_receipt_once_however_often_it_runs(self) -> None:
        self.assertEqual(self.sweep(11), {"finished": 1, "failed": 0, "alerted": 0})
        self.entry.refresh_from_db()
        self.assertIsNotNone(self.entry.receipt_id)
        documents = Document.objects.count()
        self.assertEqual(self.sweep(16)["finished"], 0)  # nothing is pending any more
        # The normal worker arriving late, and the sweep finishing an entry it already did.
        services.registry_entry_receipt_issue(org=self.org_a, actor=None, entry=self.entry)
        services.registry_entry_receipt_sweep(self.entry)
        self.assertEqual((receipt_events(self.entry), Document.objects.count()), (1, documents))

    def test_an_entry_the_normal_path_finished_is_not_touched(self) -> None:
        services.registry_entry_receipt_issue(org=self.org_a, actor=self.bob, entry=self.entry)
        self.assertEqual(self.sweep(11)["finished"], 0)
        self.assertEqual(receipt_events(self.entry), 1)

    def test_a_stuck_receipt_is_counted_then_reported_to_the_provider_once(self) -> None:
        provider = make_provider()
        make_user("dana", provider, Role.PROVIDER_ADMIN)
        failing = mock.patch(
            "ajunta.registry.receipts.receipt_issue", side_effect=OSError("disk full")
        )
        with failing:
            for minutes in (11, 16):
                self.assertEqual(self.sweep(minutes)["failed"], 1)
            self.assertEqual(len(mail.outbox), 0)
            with self.assertLogs("ajunta.core.sweep", level="ERROR") as logs, \
                    self.captureOnCommitCallbacks(execute=True):  # fmt: skip
                self.assertEqual(self.sweep(21), {"finished": 0, "failed": 1, "alerted": 1})
            with self.captureOnCommitCallbacks(execute=True):
                self.assertEqual(self.sweep(26)["alerted"], 0)  # told once, not every run
        self.assertIn(self.entry.number, logs.output[0])
        (message,) = mail.outbox
        self.assertEqual(message.to, ["dana@example.org"])
        self.assertIn(self.entry.number, message.body)
        self.assertIn("disk full", message.body)
        stuck = StuckWork.objects.get(organization=self.org_a, kind="registry.receipt")
        self.assertEqual((stuck.attempts, stuck.label), (4, self.entry.number))
        self.assertTrue(AuditEvent.objects.filter(action="core.sweep.stuck").exists())
        # Once the cause is gone, the next run issues it and clears the record.
        self.assertEqual(self.sweep(31)["finished"], 1)
        self.assertFalse(StuckWork.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(action="core.sweep.recovered").exists())
        self.assertEqual(receipt_events(self.entry), 1)

    def test_the_command_and_the_task_run_the_same_sweep(self) -> None:
        from ajunta.core.tasks import sweep_pending

        with time_machine.travel(FILED + dt.timedelta(minutes=5), tick=False):
            self.assertEqual(sweep_pending()["registry.receipt"]["finished"], 0)
            out = io.StringIO()
            call_command("sweep_pending", "--grace", "0", stdout=out)
        self.assertIn("registry.receipt: 1 finished, 0 failed", out.getvalue())
        self.entry.refresh_from_db()
        self.assertIsNotNone(self.entry.receipt_id)


class ConcurrentSweepTests(TransactionTestCase):
    """Sweeps running at the same moment (two beat schedulers by mistake, cron beside beat, a late
    worker) issue each receipt once: they meet on the entry's row lock."""

    SWEEPS = 4

    def test_parallel_sweeps_issue_each_receipt_once(self) -> None:
        use_temporary_media(self)
        org = make_org("gamma")
        clerk = make_user("clerk", org, Role.MUNICIPAL_STAFF)
        with mock.patch("ajunta.registry.services._receipt_after_commit"):  # the worker dies
            entries = [filed_without_receipt(org, clerk) for _ in range(3)]
        errors: list[Exception] = []
        start = threading.Barrier(self.SWEEPS)

        def sweeper() -> None:
            try:
                start.wait()
                sweep_run(now=FILED + dt.timedelta(hours=1))
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=sweeper) for _ in range(self.SWEEPS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(errors, [])
        for entry in entries:
            entry.refresh_from_db()
            self.assertIsNotNone(entry.receipt_id)
            self.assertEqual(receipt_events(entry), 1)
        self.assertEqual(Document.objects.filter(organization=org).count(), len(entries))
