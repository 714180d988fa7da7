"""The sweep hands over the SICRES files a dead worker left (issue 14's gap): once, idempotently,
and with an alert to the provider when the transport keeps failing."""

from __future__ import annotations

import datetime as dt
from unittest import mock

from django.test import override_settings
from django.utils import timezone

from ajunta.core.models import StuckWork
from ajunta.core.sweep import sweep_run
from ajunta.sir import services, sicres
from ajunta.sir.models import State
from ajunta.sir.tests.helpers import EXTERNAL, FIXTURES, SirTestCase, outgoing
from ajunta.sir.transport import TransportError

LATER = dt.timedelta(hours=1)


@override_settings(SWEEP_GRACE_SECONDS=600, SWEEP_ALERT_AFTER_ATTEMPTS=3)
class HandOverSweepTests(SirTestCase):
    def sweep(self) -> dict[str, int]:
        return sweep_run(now=timezone.now() + LATER)["sir.handover"]

    def send_with_a_dead_worker(self):
        # The transaction commits; the worker dies before its on-commit hand-over runs.
        with self.captureOnCommitCallbacks(execute=False):
            row = services.interchange_send(org=self.org_a, actor=self.bob,
                                            entry=outgoing(self.org_a, self.bob),
                                            destination_code=EXTERNAL)  # fmt: skip
        row.refresh_from_db()
        return row

    def test_the_sweep_hands_over_a_send_left_pending_once(self):
        row = self.send_with_a_dead_worker()
        self.assertTrue(row.handover_pending)
        self.assertEqual(self.outbox_files(), [])
        # the stored file is the SICRES file that should have left
        _root, stored = sicres.parse(row.sicres_file.read())
        self.assertEqual(stored["De_Internos_Control"]["Identificador_Intercambio"], row.identifier)
        # within the grace period the sweep leaves it alone (the worker may still be at it)
        self.assertEqual(sweep_run(now=timezone.now())["sir.handover"]["finished"], 0)
        self.assertEqual(self.sweep(), {"finished": 1, "failed": 0, "alerted": 0})
        (path,) = self.outbox_files()
        self.assertEqual(path.read_bytes(), row.sicres_file.open("rb").read())
        row.refresh_from_db()
        self.assertFalse(row.handover_pending)
        self.assertIsNotNone(row.handed_over_at)
        self.assertEqual(row.handover_reference, str(path))
        self.assertEqual(row.state, State.SENT)
        # idempotent: a second sweep, or the late worker, hands nothing over again
        self.assertEqual(self.sweep()["finished"], 0)
        services.interchange_hand_over(org=self.org_a, pk=row.pk)
        self.assertEqual(len(self.outbox_files()), 1)

    def test_the_normal_path_hands_over_and_leaves_nothing_to_sweep(self):
        with self.captureOnCommitCallbacks(execute=True):
            row = services.interchange_send(org=self.org_a, actor=self.bob,
                                            entry=outgoing(self.org_a, self.bob),
                                            destination_code=EXTERNAL)  # fmt: skip
        row.refresh_from_db()
        self.assertFalse(row.handover_pending)
        self.assertEqual(len(self.outbox_files()), 1)
        self.assertEqual(self.sweep()["finished"], 0)

    def test_a_rejection_left_pending_is_handed_over_too(self):
        row = services.sicres_import(org=self.org_b, actor=None,
                                     xml=(FIXTURES / "generalitat_to_beta.xml").read_bytes())  # fmt: skip
        with self.captureOnCommitCallbacks(execute=False):
            services.interchange_reject(org=self.org_b, actor=self.charlie, interchange=row,
                                        reason="No és nostre")  # fmt: skip
        self.assertEqual(self.sweep()["finished"], 1)
        (path,) = [p for p in self.outbox_files() if "_interchange_" in p.name]
        _root, content = sicres.parse(path.read_bytes())
        self.assertEqual(content["De_Internos_Control"]["Tipo_Anotacion"], "04")

    def test_a_transport_that_keeps_failing_alerts_the_provider_once(self):
        row = self.send_with_a_dead_worker()
        with mock.patch("ajunta.sir.transport.OutboxTransport.send",
                        side_effect=TransportError("gateway down")):  # fmt: skip
            reports = [self.sweep() for _ in range(4)]
        self.assertEqual([r["failed"] for r in reports], [1, 1, 1, 1])
        self.assertEqual([r["alerted"] for r in reports], [0, 0, 1, 0])
        stuck = StuckWork.objects.get(kind="sir.handover", object_id=str(row.pk))
        self.assertIn("gateway down", stuck.last_error)
        row.refresh_from_db()
        self.assertTrue(row.handover_pending)  # still waiting: the next sweep tries again
        self.assertEqual(self.sweep()["finished"], 1)
        self.assertFalse(StuckWork.objects.filter(kind="sir.handover").exists())
