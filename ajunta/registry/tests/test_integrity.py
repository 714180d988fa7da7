"""Registered entries prove themselves (docs/security.md, "Records that prove themselves").

Every filing seals the entry, its parties and its attachments; the database refuses changes to
what is sealed; and whatever is changed past the database's triggers (by a superuser) is reported
by `audit_verify` with the organization, the entry's number and the field that differs.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ajunta.core.integrity import (
    SEALS_KEY,
    all_sealed_trigger_sql,
    backfill_seals,
    content_hash,
    record_content,
    sealed_columns,
    verify_records,
)
from ajunta.core.models import AuditEvent, Role
from ajunta.core.tasks import audit_verify_all
from ajunta.core.testing import TenantTestCase, make_user
from ajunta.registry import services
from ajunta.registry.models import EntryAttachment, InterestedParty, RegistryEntry
from ajunta.registry.tests.test_services import NURIA, MediaMixin, file_entry, pdf

JOAN = {
    "role": "representative", "represents": 0, "person_type": "natural", "id_type": "N",
    "id_number": "87654321X", "name": "Joan", "first_surname": "Vila",
}  # fmt: skip


@contextlib.contextmanager
def past_the_seals() -> Iterator[Any]:
    """A cursor that writes past the sealed records' triggers, as a database superuser can:
    `session_replication_role = replica` on PostgreSQL, the triggers dropped on SQLite. Both are
    undone when the block ends (and by the test's rollback)."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
            yield cursor
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        else:
            create, drop = all_sealed_trigger_sql("sqlite")
            for statement in drop:
                cursor.execute(statement)
            yield cursor
            for statement in create:
                cursor.execute(statement)


def run_verify(*args: str) -> str:
    out = io.StringIO()
    call_command("audit_verify", *args, stdout=out, no_color=True)
    return out.getvalue()


def failing_verify(*args: str) -> str:
    out = io.StringIO()
    try:
        call_command("audit_verify", *args, stdout=out, no_color=True)
    except CommandError as exc:
        return out.getvalue() + str(exc)
    raise AssertionError("audit_verify passed: " + out.getvalue())


class SealedEntryTestCase(MediaMixin, TenantTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.entry = file_entry(
            self.org_a, self.bob, summary="Sol·licitud de llicència", parties=[NURIA, JOAN],
            attachments=[pdf("plànol.pdf")],
        )  # fmt: skip
        self.other = file_entry(self.org_b, self.charlie)

    def refused(self, sql: str, params: list[Any]) -> None:
        with (
            self.assertRaisesMessage(DatabaseError, "sealed record"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)


class SealingTests(SealedEntryTestCase):
    def test_a_filing_seals_the_entry_its_parties_and_attachments(self) -> None:
        rows = [
            self.entry,
            *InterestedParty.objects.filter(entry=self.entry),
            *EntryAttachment.objects.filter(entry=self.entry).select_related("document"),
        ]
        self.assertEqual(len(rows), 4)
        event = AuditEvent.objects.get(action="registry.entry.create", object_id=self.entry.pk)
        committed = {(c["record"], c["id"]): c for c in event.changes[SEALS_KEY]}
        for row in rows:
            row.refresh_from_db()
            label = row._meta.label_lower
            self.assertEqual(len(row.content_hash), 64, label)
            self.assertEqual(content_hash(label, record_content(row)), row.content_hash, label)
            self.assertEqual(committed[(label, row.pk)]["sha256"], row.content_hash, label)
        self.assertEqual(
            committed[("registry.registryentry", self.entry.pk)]["ref"], self.entry.number
        )
        joan = InterestedParty.objects.get(entry=self.entry, position=1)
        self.assertIsNotNone(joan.represents_id)  # sealed with the link to whom it represents

    def test_everything_verifies(self) -> None:
        report = verify_records()
        self.assertEqual(report.problems, [])
        self.assertEqual(report.checked, {self.org_a.pk: 4, self.org_b.pk: 2})
        out = run_verify()
        self.assertIn(f"org:{self.org_a.pk} (alpha): 4 sealed records, OK", out)
        self.assertIn(f"org:{self.org_b.pk} (beta): 2 sealed records, OK", out)

    def test_annulment_acknowledgement_receipt_and_rectification_still_work(self) -> None:
        self.assertIsNotNone(self.entry.receipt_id)  # issued after the commit: an UPDATE
        services.registry_entry_annul(
            org=self.org_a, actor=self.alice, entry=self.entry, reason="Duplicada"
        )
        fixed = file_entry(self.org_b, self.charlie)
        correction = services.registry_entry_rectify(
            org=self.org_b, actor=self.charlie, entry=fixed, reason="Resum erroni",
            channel="in_person", epigraph="Instància", summary="Resum correcte", parties=[NURIA],
        )  # fmt: skip
        self.assertEqual(correction.rectifies, fixed)
        self.assertEqual(verify_records().problems, [])

    def test_a_filing_takes_no_query_for_its_seals(self) -> None:
        # Pinned on main before the seals: the same filing took the same number of queries.
        with CaptureQueriesContext(connection) as queries:
            file_entry(self.org_a, self.bob, parties=[NURIA, JOAN], attachments=[pdf()])
        self.assertEqual(len(queries), FILING_QUERIES)

    def test_the_triggers_guard_the_columns_the_migration_names(self) -> None:
        migration = importlib.import_module(
            "ajunta.registry.migrations.0007_seal_registered_entries_and_refuse_changes"
        )
        for model, columns, fields in (
            (RegistryEntry, migration.ENTRY_COLUMNS, migration.ENTRY_FIELDS),
            (InterestedParty, migration.PARTY_COLUMNS, migration.PARTY_FIELDS),
            (EntryAttachment, migration.ATTACHMENT_COLUMNS, migration.ATTACHMENT_FIELDS),
        ):
            self.assertEqual(sealed_columns(model, model.SEALED_FIELDS), columns, model)
            self.assertEqual(model.SEALED_FIELDS, fields, model)


# A filing with two parties (one a representative) and one attachment, receipt included.
# (+1 a party since the register of persons: the look-up of the person by its number)
FILING_QUERIES = 42  # measured on main before the seals: 40


class TriggerTests(SealedEntryTestCase):
    def test_the_database_refuses_to_change_a_summary(self) -> None:
        self.refused(
            "UPDATE registry_registryentry SET summary = %s WHERE id = %s",
            ["Altered", self.entry.pk],
        )
        self.entry.refresh_from_db()
        self.assertEqual(self.entry.summary, "Sol·licitud de llicència")

    def test_the_database_refuses_to_rewrite_the_hash(self) -> None:
        self.refused(
            "UPDATE registry_registryentry SET content_hash = '' WHERE id = %s", [self.entry.pk]
        )

    def test_the_database_refuses_to_delete_an_entry_or_a_party(self) -> None:
        self.refused("DELETE FROM registry_registryentry WHERE id = %s", [self.other.pk])
        party = InterestedParty.objects.filter(entry=self.entry).first()
        assert party is not None
        self.refused("DELETE FROM registry_interestedparty WHERE id = %s", [party.pk])

    def test_the_database_refuses_to_change_a_party_or_an_attachment(self) -> None:
        party = InterestedParty.objects.filter(entry=self.entry).first()
        attachment = EntryAttachment.objects.get(entry=self.entry)
        assert party is not None
        self.refused(
            "UPDATE registry_interestedparty SET id_number = %s WHERE id = %s", ["1X", party.pk]
        )
        self.refused(
            "UPDATE registry_entryattachment SET kind = %s WHERE id = %s", ["03", attachment.pk]
        )

    def test_columns_outside_the_seal_still_change(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE registry_registryentry SET annulment_reason = 'x' WHERE id = %s",
                [self.entry.pk],
            )
            self.assertEqual(cursor.rowcount, 1)


class TamperingTests(SealedEntryTestCase):
    def test_a_summary_changed_past_the_trigger_is_reported_with_the_number(self) -> None:
        with past_the_seals() as cursor:
            cursor.execute(
                "UPDATE registry_registryentry SET summary = %s WHERE id = %s",
                ["Altered", self.entry.pk],
            )
        out = failing_verify()
        self.assertIn(
            f"org:{self.org_a.pk} (alpha): CHANGED registry entry {self.entry.number} "
            f"(registry.registryentry #{self.entry.pk}): changed outside the services: its "
            "content no longer matches its hash; fields that differ: summary",
            out,
        )
        self.assertIn("1 sealed record(s) changed outside the services.", out)
        self.assertIn(f"org:{self.org_b.pk} (beta): 2 sealed records, OK", out)
        # One organization at a time: B's records are fine.
        run_verify("--org", "beta")

    def test_a_rewritten_hash_is_caught_by_the_chain(self) -> None:
        self.entry.summary = "Altered"
        forged = content_hash("registry.registryentry", record_content(self.entry))
        with past_the_seals() as cursor:
            cursor.execute(
                "UPDATE registry_registryentry SET summary = %s, content_hash = %s WHERE id = %s",
                ["Altered", forged, self.entry.pk],
            )
        problems = verify_records().problems
        self.assertEqual(len(problems), 1)
        self.assertEqual(problems[0].reference, self.entry.number)
        self.assertEqual(problems[0].reason, "its hash is not the one the audit chain committed to")
        self.assertEqual(problems[0].fields, ["summary"])

    def test_a_changed_party_and_a_deleted_attachment_are_named(self) -> None:
        attachment = EntryAttachment.objects.get(entry=self.entry)
        with past_the_seals() as cursor:
            cursor.execute(
                "UPDATE registry_interestedparty SET email = 'x@example.org' "
                "WHERE entry_id = %s AND position = 0",
                [self.entry.pk],
            )
            cursor.execute("DELETE FROM registry_entryattachment WHERE id = %s", [attachment.pk])
        found = {(p.reference, p.reason, tuple(p.fields)) for p in verify_records().problems}
        self.assertEqual(
            found,
            {
                (
                    f"{self.entry.number} party 1",
                    "changed outside the services: its content no longer matches its hash",
                    ("email",),
                ),
                (f"{self.entry.number} attachment 1", "deleted outside the services", ()),
            },
        )

    def test_a_row_inserted_without_the_services_is_reported(self) -> None:
        forged = RegistryEntry(
            organization=self.org_b, direction="in", year=2026, sequence=99, number="E/2026/000099",
            filed_at=self.other.filed_at, effective_at=self.other.filed_at, channel="in_person",
            epigraph="x", summary="Forged",
        )  # fmt: skip
        from ajunta.core.integrity import seal

        seal(forged)
        forged.save(force_insert=True)
        problems = verify_records([self.org_b]).problems
        self.assertEqual(
            [(p.reference, p.reason) for p in problems],
            [("E/2026/000099", "no audit event commits to it (written outside the services)")],
        )

    def test_the_nightly_job_alerts_the_provider(self) -> None:
        make_user("operator", self.org_b, Role.PROVIDER_ADMIN)
        self.assertEqual(audit_verify_all.delay().get()["changed"], 0)
        self.assertEqual(mail.outbox, [])
        with past_the_seals() as cursor:
            cursor.execute(
                "UPDATE registry_registryentry SET summary = 'Altered' WHERE id = %s",
                [self.entry.pk],
            )
        with self.captureOnCommitCallbacks(execute=True), self.assertLogs("ajunta.core.tasks"):
            result = audit_verify_all.delay().get()
        self.assertEqual((result["records"], result["changed"]), (6, 1))
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["operator@example.org"])
        self.assertIn(self.entry.number, mail.outbox[0].body)
        self.assertIn("summary", mail.outbox[0].body)
        self.assertTrue(AuditEvent.objects.filter(action="core.integrity.alert").exists())

    def test_the_command_alerts_with_alert(self) -> None:
        make_user("operator", self.org_b, Role.PROVIDER_ADMIN)
        with past_the_seals() as cursor:
            cursor.execute(
                "UPDATE registry_registryentry SET epigraph = 'x' WHERE id = %s", [self.entry.pk]
            )
        with self.captureOnCommitCallbacks(execute=True):
            self.assertIn("epigraph", failing_verify("--alert"))
        self.assertEqual(len(mail.outbox), 1)


class BackfillTests(SealedEntryTestCase):
    def test_rows_without_a_seal_are_sealed_and_committed(self) -> None:
        with past_the_seals() as cursor:
            cursor.execute("UPDATE registry_registryentry SET content_hash = ''")
        self.assertEqual(
            {p.reason for p in verify_records().problems},
            {"its hash was removed outside the services"},
        )
        sealed = backfill_seals(
            apps, label="registry.RegistryEntry", fields=RegistryEntry.SEALED_FIELDS,
            reference=lambda row: row.number,
        )  # fmt: skip
        self.assertEqual(sealed, 2)
        self.assertEqual(verify_records().problems, [])
        self.assertEqual(AuditEvent.objects.filter(action="core.records.seal").count(), 2)
        run_verify()  # the chains still verify with the backfill's events
