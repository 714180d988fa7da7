"""Gap-free numbering: one locked counter per (organization, series, year)."""

from __future__ import annotations

import random
import threading
import unittest

from django.db import OperationalError, connection, transaction
from django.test import TransactionTestCase

from ajunta.core.audit import audit_record, chain_key, verify_chain
from ajunta.core.models import AuditEvent, Counter
from ajunta.core.numbering import current_number, next_number
from ajunta.core.testing import TenantTestCase, make_org


class Rollback(Exception):
    """Raised on purpose inside an atomic block to undo it."""


class NumberingTests(TenantTestCase):
    def take(self, org: object, series: str = "registry.in", year: int = 2026) -> int:
        with transaction.atomic():
            return next_number(org=org, series=series, year=year)

    def test_numbers_are_sequential_per_series_and_year(self) -> None:
        self.assertEqual([self.take(self.org_a) for _ in range(5)], [1, 2, 3, 4, 5])
        self.assertEqual(current_number(org=self.org_a, series="registry.in", year=2026), 5)

    def test_series_years_and_organizations_are_independent(self) -> None:
        self.assertEqual(self.take(self.org_a), 1)
        self.assertEqual(self.take(self.org_a), 2)
        self.assertEqual(self.take(self.org_a, series="registry.out"), 1)
        self.assertEqual(self.take(self.org_a, year=2027), 1)
        self.assertEqual(self.take(self.org_b), 1)
        self.assertEqual(self.take(self.org_a), 3)
        self.assertEqual(
            set(Counter.objects.values_list("organization__slug", "series", "year", "last_value")),
            {
                ("alpha", "registry.in", 2026, 3),
                ("alpha", "registry.out", 2026, 1),
                ("alpha", "registry.in", 2027, 1),
                ("beta", "registry.in", 2026, 1),
            },
        )

    def test_rolled_back_number_is_handed_out_again(self) -> None:
        self.assertEqual(self.take(self.org_a), 1)
        with self.assertRaises(Rollback), transaction.atomic():
            self.assertEqual(next_number(org=self.org_a, series="registry.in", year=2026), 2)
            raise Rollback
        self.assertEqual(current_number(org=self.org_a, series="registry.in", year=2026), 1)
        self.assertEqual(self.take(self.org_a), 2)

    def test_first_number_of_a_rolled_back_series_leaves_no_counter(self) -> None:
        with self.assertRaises(Rollback), transaction.atomic():
            next_number(org=self.org_a, series="decree", year=2026)
            raise Rollback
        self.assertFalse(Counter.objects.filter(series="decree").exists())
        self.assertEqual(self.take(self.org_a, series="decree"), 1)

    def test_current_number_of_an_unused_series_is_zero(self) -> None:
        self.assertEqual(current_number(org=self.org_a, series="nothing", year=2026), 0)

    def test_taking_a_number_costs_one_query(self) -> None:
        self.take(self.org_a)
        with transaction.atomic(), self.assertNumQueries(1):  # UPDATE ... RETURNING
            self.assertEqual(next_number(org=self.org_a, series="registry.in", year=2026), 2)


class NumberingTransactionTests(TransactionTestCase):
    """Behaviour that needs real transactions (Django's TestCase wraps every test in one)."""

    def setUp(self) -> None:
        self.org = make_org("txn")

    def test_outside_a_transaction_is_refused(self) -> None:
        with self.assertRaisesMessage(RuntimeError, "transaction.atomic()"):
            next_number(org=self.org, series="registry.in", year=2026)
        self.assertFalse(Counter.objects.exists())

    def test_rolled_back_transaction_gives_its_number_back(self) -> None:
        with transaction.atomic():
            self.assertEqual(next_number(org=self.org, series="registry.in", year=2026), 1)
        with self.assertRaises(Rollback), transaction.atomic():
            self.assertEqual(next_number(org=self.org, series="registry.in", year=2026), 2)
            raise Rollback
        with transaction.atomic():
            self.assertEqual(next_number(org=self.org, series="registry.in", year=2026), 2)

    @unittest.skipUnless(connection.vendor == "postgresql", "SQLite serializes all writers")
    def test_a_held_counter_blocks_only_its_own_series(self) -> None:
        other_org = make_org("other")
        results: dict[str, object] = {}

        def take_with_timeout(name: str, org: object, series: str) -> None:
            try:
                with transaction.atomic():
                    with connection.cursor() as cursor:
                        cursor.execute("SET LOCAL lock_timeout = '500ms'")
                    results[name] = next_number(org=org, series=series, year=2026)
            except OperationalError as exc:
                results[name] = exc
            finally:
                connection.close()

        with transaction.atomic():
            next_number(org=self.org, series="registry.in", year=2026)
        with transaction.atomic():
            self.assertEqual(next_number(org=self.org, series="registry.in", year=2026), 2)
            threads = [
                threading.Thread(target=take_with_timeout, args=args)
                for args in (
                    ("same", self.org, "registry.in"),
                    ("other_series", self.org, "registry.out"),
                    ("other_org", other_org, "registry.in"),
                )
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=10)
        self.assertIsInstance(results["same"], OperationalError)  # lock timeout
        self.assertEqual(results["other_series"], 1)
        self.assertEqual(results["other_org"], 1)


class NumberingConcurrencyTests(TransactionTestCase):
    """8 threads x 200 transactions, about 1 in 10 rolled back: numbers 1..N, no gap, no double."""

    THREADS = 8
    TRANSACTIONS = 200

    def test_concurrent_numbers_are_gap_free_and_audited(self) -> None:
        org = make_org("busy")
        barrier = threading.Barrier(self.THREADS)
        lock = threading.Lock()
        committed: list[int] = []
        rolled_back: list[int] = []
        errors: list[BaseException] = []

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            try:
                if connection.vendor == "postgresql":
                    # Commits return before the WAL reaches the disk: locks and visibility are
                    # unchanged, the run just does not wait for 1,600 fsyncs.
                    with connection.cursor() as cursor:
                        cursor.execute("SET synchronous_commit TO OFF")
                barrier.wait(timeout=30)
                for _ in range(self.TRANSACTIONS):
                    fail = rng.random() < 0.1
                    try:
                        with transaction.atomic():
                            n = next_number(org=org, series="registry.in", year=2026)
                            audit_record(
                                org=org,
                                actor=None,
                                action="numbering.test",
                                object_type="test",
                                object_id=str(n),
                            )
                            if fail:
                                raise Rollback(n)
                    except Rollback:
                        with lock:
                            rolled_back.append(n)
                    else:
                        with lock:
                            committed.append(n)
            except BaseException as exc:
                with lock:
                    errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(self.THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)

        self.assertFalse([t for t in threads if t.is_alive()], "threads still running")
        self.assertEqual(errors, [])
        total = self.THREADS * self.TRANSACTIONS
        self.assertEqual(len(committed) + len(rolled_back), total)
        self.assertGreater(len(rolled_back), total // 20)  # the rollbacks did happen
        n = len(committed)
        self.assertEqual(sorted(committed), list(range(1, n + 1)))
        object_ids = AuditEvent.objects.filter(
            organization=org, action="numbering.test"
        ).values_list("object_id", flat=True)
        self.assertEqual(sorted(int(i) for i in object_ids), list(range(1, n + 1)))
        self.assertEqual(current_number(org=org, series="registry.in", year=2026), n)
        report = verify_chain(chain_key(org))
        self.assertTrue(report.ok, report.reason)
        self.assertEqual(report.events, n)
