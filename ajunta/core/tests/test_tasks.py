from django.db import connection
from django.test import SimpleTestCase

from ajunta.core.audit import audit_record
from ajunta.core.tasks import audit_verify_all
from ajunta.core.testing import TenantTestCase


class AuditVerifyTaskTests(TenantTestCase):
    def test_runs_eagerly_without_a_broker_and_reports_broken_chains(self):
        audit_record(org=self.org_a, actor=self.alice, action="one")
        event = audit_record(org=self.org_b, actor=self.charlie, action="two")
        clean = {"chains": 2, "broken": 0, "records": 0, "changed": 0}
        self.assertEqual(audit_verify_all.delay().get(), clean)

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # a DBA with the trigger off
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
                )
            cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        with self.assertLogs("ajunta.core.tasks", "ERROR") as logs:
            self.assertEqual(audit_verify_all.delay().get(), {**clean, "broken": 1})
        self.assertIn(f"org:{self.org_b.pk} broken at #1", logs.output[0])


class BeatScheduleTests(SimpleTestCase):
    def test_every_periodic_job_names_a_registered_task(self):
        from django.conf import settings

        from ajunta.celery import app

        app.loader.import_default_modules()  # what a worker does at start: every app's tasks
        missing = [
            f"{name}: {entry['task']}"
            for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
            if entry["task"] not in app.tasks
        ]
        self.assertEqual(missing, [])
        self.assertIn("ajunta.sir.tasks.sir_inbox_process", app.tasks)
