from django.db import connection

from ajunta.core.audit import audit_record
from ajunta.core.tasks import audit_verify_all
from ajunta.core.testing import TenantTestCase


class AuditVerifyTaskTests(TenantTestCase):
    def test_runs_eagerly_without_a_broker_and_reports_broken_chains(self):
        audit_record(org=self.org_a, actor=self.alice, action="one")
        event = audit_record(org=self.org_b, actor=self.charlie, action="two")
        self.assertEqual(audit_verify_all.delay().get(), {"chains": 2, "broken": 0})

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":  # a DBA with the trigger off
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute(
                    "ALTER TABLE core_auditevent DISABLE TRIGGER core_auditevent_append_only"
                )
            cursor.execute("UPDATE core_auditevent SET action = 'forged' WHERE id = %s", [event.pk])
        with self.assertLogs("ajunta.core.tasks", "ERROR") as logs:
            self.assertEqual(audit_verify_all.delay().get(), {"chains": 2, "broken": 1})
        self.assertIn(f"org:{self.org_b.pk} broken at #1", logs.output[0])
