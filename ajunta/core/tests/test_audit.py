"""The audit chain: appends verify, any change made behind the ORM's back is found and named."""

from __future__ import annotations

import datetime as dt
import decimal
import io
import itertools
import json
import unittest
import uuid
from typing import Any

from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from ajunta.core.audit import (
    PLATFORM_CHAIN,
    audit_record,
    chain_key,
    event_hash,
    verify_all,
    verify_chain,
)
from ajunta.core.models import AuditChain, AuditEvent
from ajunta.core.request_context import reset_ip, set_ip
from ajunta.core.testing import TenantTestCase, make_org, make_user

on_postgresql = unittest.skipUnless(connection.vendor == "postgresql", "PostgreSQL trigger")


def raw_sql(sql: str, params: tuple[Any, ...] = ()) -> int:
    """Run SQL behind the ORM's back, as someone with database access could.

    On PostgreSQL the append-only trigger is disabled first; ALTER TABLE is transactional there,
    so the test's rollback enables it again.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # ALTER TABLE refuses while deferred foreign-key checks of this transaction are
            # pending (the events of setUpTestData): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
            )
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute(sql, params)
        return cursor.rowcount


class AuditTestCase(TenantTestCase):
    """org_a's chain: 4 events (seq 1-4); org_b's: 2, written in between; the platform's: 1."""

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        a, b = cls.org_a, cls.org_b
        cls.a_events = []
        cls.b_events = []
        cls.a_events.append(
            audit_record(
                org=a,
                actor=cls.alice,
                action="organization.update",
                obj=a,
                changes={"name": ["Alpha", "Ajuntament d'Alpha"]},
            )
        )
        cls.b_events.append(audit_record(org=b, actor=cls.charlie, action="holiday.add"))
        cls.a_events.append(
            audit_record(org=a, actor=cls.bob, action="role.grant", changes={"role": "staff"})
        )
        cls.a_events.append(
            audit_record(
                org=a, actor=cls.alice, action="holiday.add", changes={"date": dt.date(2026, 7, 20)}
            )
        )
        cls.b_events.append(audit_record(org=b, actor=cls.charlie, action="holiday.remove"))
        cls.a_events.append(
            audit_record(
                org=a, actor=None, action="numbering.test", object_type="test", object_id="1"
            )
        )
        cls.platform_event = audit_record(org=None, actor=cls.alice, action="user.mfa.enable")

    @property
    def chain_a(self) -> str:
        return chain_key(self.org_a)

    @property
    def chain_b(self) -> str:
        return chain_key(self.org_b)


class ChainTests(AuditTestCase):
    def test_several_writes_form_a_chain_that_verifies(self) -> None:
        report = verify_chain(self.chain_a)
        self.assertTrue(report.ok, report.reason)
        self.assertEqual(report.events, 4)
        stored = list(AuditEvent.objects.filter(chain=self.chain_a).order_by("seq"))
        self.assertEqual([e.seq for e in stored], [1, 2, 3, 4])
        self.assertEqual(stored[0].prev_hash, "")
        for before, after in itertools.pairwise(stored):
            self.assertEqual(after.prev_hash, before.hash)
        self.assertEqual(len({e.hash for e in stored}), 4)
        head = AuditChain.objects.get(key=self.chain_a)
        self.assertEqual((head.last_seq, head.last_hash), (4, stored[-1].hash))

    def test_event_records_who_did_what_to_which_object(self) -> None:
        event = AuditEvent.objects.get(chain=self.chain_a, seq=1)
        self.assertEqual(event.organization, self.org_a)
        self.assertEqual(event.actor, self.alice)
        self.assertEqual(event.actor_repr, str(self.alice))
        self.assertEqual(event.action, "organization.update")
        self.assertEqual(
            (event.object_type, event.object_id), ("tenants.organization", str(self.org_a.pk))
        )
        self.assertEqual(event.changes, {"name": ["Alpha", "Ajuntament d'Alpha"]})

    def test_chains_of_two_organizations_are_independent(self) -> None:
        # Written in between org_a's events, org_b's chain still counts from 1.
        self.assertEqual([e.seq for e in self.b_events], [1, 2])
        self.assertEqual(
            set(
                AuditEvent.objects.filter(chain=self.chain_b).values_list("organization", flat=True)
            ),
            {self.org_b.pk},
        )
        reports = verify_all([self.org_a, self.org_b])
        self.assertEqual(
            [(r.chain, r.ok, r.events) for r in reports],
            [(self.chain_a, True, 4), (self.chain_b, True, 2)],
        )
        # A new event in one chain does not move the other.
        audit_record(org=self.org_b, actor=self.charlie, action="holiday.add")
        self.assertEqual(AuditChain.objects.get(key=self.chain_a).last_seq, 4)
        self.assertEqual(AuditChain.objects.get(key=self.chain_b).last_seq, 3)

    def test_events_of_no_organization_go_to_the_platform_chain(self) -> None:
        self.assertEqual(self.platform_event.chain, PLATFORM_CHAIN)
        self.assertIsNone(self.platform_event.organization)
        self.assertTrue(verify_chain(PLATFORM_CHAIN).ok)
        self.assertEqual(
            sorted(r.chain for r in verify_all()),
            sorted([self.chain_a, self.chain_b, PLATFORM_CHAIN]),
        )

    def test_changes_with_dates_decimals_and_uuids_round_trip_and_verify(self) -> None:
        key = uuid.UUID("5f0c8a52-4f8e-4b43-9d4c-1c7a6f0b2e11")
        changes = {
            "due": dt.date(2026, 4, 7),
            "filed_at": dt.datetime(2026, 4, 4, 21, 30, 15, tzinfo=dt.UTC),
            "opens": dt.time(8, 30),
            "fee": decimal.Decimal("1234.50"),
            "document": key,
            "nested": {"amounts": [decimal.Decimal("0.10"), 3], "none": None, "ok": True},
            "name": "Sant Esteve · Nativitat €",
        }
        event = audit_record(org=self.org_a, actor=self.alice, action="fee.set", changes=changes)
        stored = AuditEvent.objects.get(pk=event.pk)
        self.assertEqual(
            stored.changes,
            {
                "due": "2026-04-07",
                "filed_at": "2026-04-04T21:30:15Z",
                "opens": "08:30:00",
                "fee": "1234.50",
                "document": str(key),
                "nested": {"amounts": ["0.10", 3], "none": None, "ok": True},
                "name": "Sant Esteve · Nativitat €",
            },
        )
        self.assertEqual(stored.changes, event.changes)  # what was hashed is what was stored
        report = verify_chain(self.chain_a)
        self.assertTrue(report.ok, report.reason)
        self.assertEqual(report.events, 5)

    def test_whole_valued_floats_verify(self) -> None:
        # PostgreSQL's jsonb gives 1e20 back as an int: the event must still verify.
        audit_record(
            org=self.org_a, actor=None, action="x", changes={"big": 1e20, "one": 1.0, "half": 0.5}
        )
        report = verify_chain(self.chain_a)
        self.assertTrue(report.ok, report.reason)

    def test_ip_is_hashed_as_the_database_stores_it(self) -> None:
        token = set_ip("2001:DB8:0:0::1")
        try:
            event = audit_record(org=self.org_a, actor=self.alice, action="login")
        finally:
            reset_ip(token)
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).ip, "2001:db8::1")
        self.assertTrue(verify_chain(self.chain_a).ok)

    def test_actor_with_a_long_name_is_recorded(self) -> None:
        long_named = make_user("long", self.org_a, first_name="A" * 150, last_name="B" * 150)
        event = audit_record(org=self.org_a, actor=long_named, action="x")
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).actor_repr, str(long_named)[:200])
        self.assertTrue(verify_chain(self.chain_a).ok)


class TamperingTests(AuditTestCase):
    def assertBrokenAt(self, chain: str, seq: int, reason: str) -> None:
        report = verify_chain(chain)
        self.assertFalse(report.ok)
        assert report.broken_at is not None
        self.assertEqual(report.broken_at.seq, seq)
        self.assertIn(reason, report.reason)

    def test_changed_changes_are_caught_at_that_event(self) -> None:
        count = raw_sql(
            "UPDATE core_auditevent SET changes = %s WHERE chain = %s AND seq = %s",
            (json.dumps({"role": "municipal_admin"}), self.chain_a, 2),
        )
        self.assertEqual(count, 1)
        self.assertBrokenAt(self.chain_a, 2, "content does not match its hash")

    def test_changed_action_is_caught_at_that_event(self) -> None:
        raw_sql(
            "UPDATE core_auditevent SET action = %s WHERE chain = %s AND seq = %s",
            ("holiday.remove", self.chain_a, 3),
        )
        self.assertBrokenAt(self.chain_a, 3, "content does not match its hash")

    def test_rehashed_event_is_caught_at_the_next_one(self) -> None:
        # Someone who edits an event and recomputes its own hash still breaks the link after it.
        event = AuditEvent.objects.get(chain=self.chain_a, seq=2)
        event.action = "role.revoke"
        raw_sql(
            "UPDATE core_auditevent SET action = %s, hash = %s WHERE id = %s",
            (event.action, event_hash(event), event.pk),
        )
        self.assertBrokenAt(self.chain_a, 3, "previous hash does not match")

    def test_deleted_middle_event_is_caught(self) -> None:
        raw_sql("DELETE FROM core_auditevent WHERE chain = %s AND seq = %s", (self.chain_a, 2))
        self.assertBrokenAt(self.chain_a, 3, "sequence jumps to 3, expected 2")

    def test_deleted_first_event_is_caught(self) -> None:
        raw_sql("DELETE FROM core_auditevent WHERE chain = %s AND seq = %s", (self.chain_a, 1))
        self.assertBrokenAt(self.chain_a, 2, "sequence jumps to 2, expected 1")

    def test_deleted_last_event_is_caught_by_the_chain_head(self) -> None:
        raw_sql("DELETE FROM core_auditevent WHERE chain = %s AND seq = %s", (self.chain_a, 4))
        report = verify_chain(self.chain_a)
        self.assertFalse(report.ok)
        self.assertEqual(report.events, 3)
        assert report.broken_at is not None
        self.assertEqual(report.broken_at.seq, 4)
        self.assertIn("chain head says 4 events", report.reason)

    def test_removed_chain_head_is_caught_and_the_chain_still_checked(self) -> None:
        AuditChain.objects.filter(key=self.chain_a).delete()
        self.assertBrokenAt(self.chain_a, 4, "chain head is missing")
        reports = {r.chain: r for r in verify_all()}
        self.assertFalse(reports[self.chain_a].ok)

    def test_tampering_one_chain_leaves_the_others_verified(self) -> None:
        raw_sql(
            "UPDATE core_auditevent SET action = %s WHERE chain = %s AND seq = %s",
            ("x", self.chain_b, 1),
        )
        self.assertBrokenAt(self.chain_b, 1, "content does not match its hash")
        self.assertTrue(verify_chain(self.chain_a).ok)
        self.assertTrue(verify_chain(PLATFORM_CHAIN).ok)


class AppendOnlyTests(AuditTestCase):
    def test_orm_refuses_to_change_or_delete_events(self) -> None:
        event = AuditEvent.objects.get(chain=self.chain_a, seq=2)
        event.action = "role.revoke"
        with self.assertRaises(PermissionError):
            event.save()
        with self.assertRaises(PermissionError):
            event.save(update_fields=["action"])
        with self.assertRaises(PermissionError):
            event.delete()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.filter(chain=self.chain_a).update(action="x")
        # bulk_update runs inside atomic(savepoint=False): give it its own savepoint.
        with self.assertRaises(PermissionError), transaction.atomic():
            AuditEvent.objects.bulk_update([event], ["action"])
        with self.assertRaises(PermissionError):
            AuditEvent.objects.filter(chain=self.chain_a).delete()
        with self.assertRaises(PermissionError):
            AuditEvent.objects.all().delete()
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).action, "role.grant")
        self.assertEqual(verify_chain(self.chain_a).events, 4)
        self.assertTrue(verify_chain(self.chain_a).ok)

    @on_postgresql
    def test_database_refuses_raw_update(self) -> None:
        with (
            self.assertRaisesMessage(DatabaseError, "append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(
                "UPDATE core_auditevent SET action = 'x' WHERE chain = %s", [self.chain_a]
            )
        self.assertTrue(verify_chain(self.chain_a).ok)

    @on_postgresql
    def test_database_refuses_raw_delete(self) -> None:
        with (
            self.assertRaisesMessage(DatabaseError, "append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute("DELETE FROM core_auditevent WHERE chain = %s", [self.chain_a])
        self.assertEqual(verify_chain(self.chain_a).events, 4)


class AuditVerifyCommandTests(AuditTestCase):
    def run_command(self, *args: str) -> str:
        out = io.StringIO()
        call_command("audit_verify", *args, stdout=out, no_color=True)
        return out.getvalue()

    def test_all_chains_verify(self) -> None:
        self.assertEqual(
            self.run_command().splitlines(),
            [
                f"{self.chain_a} (alpha): 4 events, OK",
                f"{self.chain_b} (beta): 2 events, OK",
                "platform: 1 event, OK",
            ],
        )

    def test_one_organization(self) -> None:
        self.assertEqual(
            self.run_command("--org", "beta"), f"{self.chain_b} (beta): 2 events, OK\n"
        )

    def test_organization_without_events(self) -> None:
        make_org("gamma")
        self.assertIn(": 0 events, OK", self.run_command("--org", "gamma"))

    def test_tampered_chain_is_named_and_fails(self) -> None:
        tampered = AuditEvent.objects.get(chain=self.chain_a, seq=3)
        raw_sql(
            "UPDATE core_auditevent SET changes = %s WHERE id = %s",
            ('{"date": "2026-07-21"}', tampered.pk),
        )
        out = io.StringIO()
        with self.assertRaisesMessage(CommandError, f"Audit chain broken: {self.chain_a}."):
            call_command("audit_verify", stdout=out, no_color=True)
        lines = out.getvalue().splitlines()
        self.assertIn(
            f"{self.chain_a} (alpha): BROKEN at seq 3 (id {tampered.pk}, action 'holiday.add'): "
            "content does not match its hash",
            lines,
        )
        self.assertIn(f"{self.chain_b} (beta): 2 events, OK", lines)
        # Asked about the other organization only, the command is content.
        self.assertIn("OK", self.run_command("--org", "beta"))

    def test_missing_last_event_is_reported(self) -> None:
        raw_sql("DELETE FROM core_auditevent WHERE chain = %s AND seq = %s", (self.chain_a, 4))
        out = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("audit_verify", "--org", "alpha", stdout=out, no_color=True)
        self.assertIn("BROKEN at seq 4 (id -, action '')", out.getvalue())
        self.assertIn("events after #3 are missing", out.getvalue())

    def test_unknown_organization(self) -> None:
        with self.assertRaisesMessage(CommandError, "No organization with slug 'nope'."):
            self.run_command("--org", "nope")


class AppendOnlyLoopholeTests(TenantTestCase):
    """The ORM cannot overwrite an event, not even on SQLite where no trigger guards the table."""

    def test_a_new_instance_with_an_existing_pk_does_not_overwrite(self):
        from django.db import IntegrityError, transaction

        event = audit_record(org=self.org_a, actor=self.alice, action="original")
        forged = AuditEvent(pk=event.pk, chain=event.chain, seq=event.seq, action="forged",
                            created_at=event.created_at, hash=event.hash)  # fmt: skip
        with self.assertRaises(IntegrityError), transaction.atomic():
            forged.save()
        self.assertEqual(AuditEvent.objects.get(pk=event.pk).action, "original")

    def test_bulk_create_cannot_upsert(self):
        event = audit_record(org=self.org_a, actor=self.alice, action="original")
        for option in ("update_conflicts", "ignore_conflicts"):
            with self.assertRaises(PermissionError):
                AuditEvent.objects.bulk_create([event], **{option: True})

    def test_nan_is_refused_on_every_database(self):
        with self.assertRaises(ValueError):
            audit_record(org=self.org_a, actor=None, action="x", changes={"v": float("nan")})
        self.assertFalse(AuditEvent.objects.filter(action="x").exists())
