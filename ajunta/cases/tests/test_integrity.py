"""Decrees in the book and sent notifications prove themselves (docs/security.md)."""

from __future__ import annotations

import importlib

from django.db import DatabaseError, connection, transaction

from ajunta.cases import services
from ajunta.cases.models import Decree, Notification
from ajunta.cases.tests.test_eni_notifications import SealedTestCase
from ajunta.core.integrity import sealed_columns, verify_records
from ajunta.registry.tests.test_integrity import past_the_seals


class DecreeAndNotificationSealTests(SealedTestCase):
    def setUp(self) -> None:
        super().setUp()
        self.decree = services.decree_create(
            org=self.org_a, actor=self.bob, title="Decret", body="RESOLC"
        )

    def number(self) -> Decree:
        services.decree_sign(org=self.org_a, actor=self.bob, decree=self.decree)
        return services.decree_take_note(org=self.org_a, actor=self.alice, decree=self.decree)

    def refused(self, sql: str, params: list[object]) -> None:
        with (
            self.assertRaisesMessage(DatabaseError, "sealed record"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, params)

    def test_a_draft_changes_and_a_numbered_decree_is_sealed(self) -> None:
        services.decree_update(
            org=self.org_a, actor=self.bob, decree=self.decree, title="Decret nou", body="RESOLC"
        )
        self.decree.refresh_from_db()
        self.assertEqual(self.decree.content_hash, "")
        self.assertEqual(verify_records().problems, [])  # a draft need not be sealed
        decree = self.number()
        self.assertEqual(len(decree.content_hash), 64)
        self.assertEqual(verify_records().problems, [])
        self.refused(
            "UPDATE cases_decree SET body = 'RESOLC altra cosa' WHERE id = %s", [decree.pk]
        )
        self.refused("DELETE FROM cases_decree WHERE id = %s", [decree.pk])

    def test_a_decree_changed_past_the_trigger_is_reported_with_its_number(self) -> None:
        decree = self.number()
        with past_the_seals() as cursor:
            cursor.execute("UPDATE cases_decree SET body = 'RESOLC altra cosa' WHERE id = %s",
                           [decree.pk])  # fmt: skip
        [problem] = verify_records().problems
        self.assertEqual((problem.reference, problem.fields), (decree.number, ["body"]))

    def test_a_sent_notification_is_sealed_and_its_outcome_still_recorded(self) -> None:
        row = self.signed_row()
        party = self.case_a.parties.get()
        with self.captureOnCommitCallbacks(execute=True):
            notification = services.notification_send(
                org=self.org_a, actor=self.bob, case_document=row, party=party
            )
        notification.refresh_from_db()
        self.assertEqual(len(notification.content_hash), 64)
        self.assertIsNotNone(notification.alerted_at)  # written after the seal: not sealed
        self.assertEqual(verify_records().problems, [])
        self.refused(
            "UPDATE cases_notification SET id_number = '00000000T' WHERE id = %s",
            [notification.pk],
        )
        with past_the_seals() as cursor:
            cursor.execute(
                "UPDATE cases_notification SET id_number = '00000000T' WHERE id = %s",
                [notification.pk],
            )
        [problem] = verify_records().problems
        self.assertEqual(problem.fields, ["id_number"])
        self.assertIn(notification.registry_entry.number, problem.reference)

    def test_the_triggers_guard_the_columns_the_migration_names(self) -> None:
        migration = importlib.import_module(
            "ajunta.cases.migrations.0007_seal_registered_decrees_and_notifications"
        )
        for model, columns, fields in (
            (Decree, migration.DECREE_COLUMNS, migration.DECREE_FIELDS),
            (Notification, migration.NOTIFICATION_COLUMNS, migration.NOTIFICATION_FIELDS),
        ):
            self.assertEqual(sealed_columns(model, model.SEALED_FIELDS), columns, model)
            self.assertEqual(model.SEALED_FIELDS, fields, model)
