"""manage.py sir_import and sir_inbox, and the Celery task running the inbox."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import TestCase

from ajunta.core.testing import use_temporary_media
from ajunta.sir import selectors
from ajunta.sir.models import Interchange, State
from ajunta.sir.tasks import sir_inbox_process
from ajunta.sir.tests.helpers import FIXTURES, SirTestCase
from ajunta.tenants.models import Organization

FIXTURE_PATH = FIXTURES / "generalitat_to_beta.xml"


class CommandTests(SirTestCase):
    def test_sir_import_takes_in_a_file(self):
        out = io.StringIO()
        call_command("sir_import", str(FIXTURE_PATH), "--org", "beta", stdout=out)
        self.assertIn("O00007777_26_00004567", out.getvalue())
        self.assertEqual(Interchange.objects.get(organization=self.org_b).state, State.RECEIVED)

    def test_sir_import_refuses_cleanly(self):
        bad = Path(self.media) / "bad.xml"
        bad.write_bytes(b"<!DOCTYPE x SYSTEM 'http://example.org/x.dtd'><x/>")
        err = io.StringIO()
        with self.assertRaises(CommandError):
            call_command("sir_import", str(bad), "--org", "beta", stderr=err)
        self.assertIn("0037", err.getvalue())
        with self.assertRaises(CommandError):
            call_command("sir_import", str(FIXTURE_PATH), "--org", "nobody")
        self.assertFalse(Interchange.objects.exists())

    def test_inbox_routes_by_dir3_code_and_sorts_files(self):
        inbox = Path(self.media) / "inbox"
        inbox.mkdir()
        (inbox / "1.xml").write_bytes(FIXTURE_PATH.read_bytes())
        (inbox / "2.xml").write_bytes(b"not xml")
        with self.settings(SIR_INBOX_DIR=str(inbox)):
            self.assertEqual(sir_inbox_process.delay().get(), {"done": 1, "refused": 1})
            out = io.StringIO()
            call_command("sir_inbox", stdout=out)
        self.assertIn("0 taken in", out.getvalue())
        self.assertTrue((inbox / "done" / "1.xml").exists())
        self.assertIn("0037", (inbox / "refused" / "2.xml.txt").read_text())
        self.assertEqual(Interchange.objects.get().organization, self.org_b)


class DemoTests(TestCase):
    def test_demo_gives_trays_to_click_through(self):
        from django.test import override_settings

        use_temporary_media(self)
        with override_settings(DEBUG=True):
            call_command("seed_demo", stdout=io.StringIO())
        manresa = Organization.objects.get(slug="manresa")
        mura = Organization.objects.get(slug="mura")
        self.assertEqual(selectors.interchanges(org=mura, tray="pending").count(), 1)
        accepted = selectors.interchanges(org=manresa, tray="accepted").get()
        self.assertTrue(accepted.destination_entry_number.startswith("E/"))
        self.assertEqual(selectors.interchanges(org=manresa, tray="sent").count(), 2)
