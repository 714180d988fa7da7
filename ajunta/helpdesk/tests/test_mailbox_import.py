"""Tickets by e-mail (a fake IMAP server), the CSV import of historical tickets, the periodic jobs."""

from __future__ import annotations

import io
import shutil
import tempfile
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings

from ajunta.core.testing import use_temporary_media
from ajunta.core.testing_archives import HOSTILE_UPLOADS
from ajunta.helpdesk import mailbox, reports, tasks
from ajunta.helpdesk.models import FollowUp, Ticket
from ajunta.helpdesk.tests.base import HelpdeskTestCase, at, frozen


def message(
    sender: str, subject: str, body: str, attachment: bytes | None = None, **headers: str
) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = sender, "suport@ccbages.cat", subject
    for key, value in headers.items():
        mail[key.replace("_", "-")] = value
    mail.set_content(body)
    if attachment is not None:
        mail.add_attachment(attachment, maintype="text", subtype="plain", filename="log.txt")
    return mail.as_bytes()


class FakeImap:
    """What poll_mailbox asks of imaplib.IMAP4_SSL, over a list of raw messages."""

    def __init__(self, messages: list[bytes]) -> None:
        self.messages = {str(n + 1).encode(): raw for n, raw in enumerate(messages)}
        self.seen: set[bytes] = set()
        self.logged_out = False

    def select(self, folder: str) -> tuple[str, list[bytes]]:
        return "OK", [str(len(self.messages)).encode()]

    def uid(self, command: str, *args: Any) -> tuple[str, list[Any]]:
        if command == "SEARCH":
            unseen = [uid for uid in self.messages if uid not in self.seen]
            return "OK", [b" ".join(unseen)]
        if command == "FETCH":
            return "OK", [(b"1 (RFC822 {0}", self.messages[args[0]]), b")"]
        if command == "STORE":
            self.seen.add(args[0])
            return "OK", []
        raise AssertionError(command)

    def logout(self) -> None:
        self.logged_out = True


class MailboxTests(HelpdeskTestCase):
    def setUp(self) -> None:
        self.media = use_temporary_media(self)

    def poll(self, server: FakeImap) -> dict[str, int]:
        config = mailbox.MailboxConfig(host="imap.example.org")
        return mailbox.poll_mailbox(provider=self.provider, config=config, connect=lambda c: server)

    def test_new_mail_opens_a_ticket_and_replies_thread(self) -> None:
        server = FakeImap([
            message("Bob <BOB@example.org>", "No va el correu", "Des de les 9h.", b"550 denied\n"),
            message("intrus@example.com", "Spam", "Compra!"),
            message("bob@example.org", "Fora de l'oficina", "Tornaré dilluns", Auto_Submitted="auto-replied"),
        ])  # fmt: skip
        self.assertEqual(self.poll(server), {"opened": 1, "followups": 0, "skipped": 2})
        ticket = Ticket.objects.get()
        self.assertEqual(
            (ticket.organization, ticket.requester, ticket.channel), (self.org_a, self.bob, "email")
        )
        self.assertEqual(ticket.attachments.count(), 1)
        self.assertTrue(server.logged_out)
        self.assertEqual(
            self.poll(server), {"opened": 0, "followups": 0, "skipped": 0}
        )  # read once
        reply = FakeImap([
            message("bob@example.org", f"Re: [{ticket.number}] No va el correu", "Encara no va."),
            message("tomas@example.org", f"Re: [{ticket.number}] x", "Hi passo a les 12h."),
            message("charlie@example.org", f"Re: [{ticket.number}] x", "Hola?"),
        ])  # fmt: skip
        self.assertEqual(self.poll(reply), {"opened": 0, "followups": 2, "skipped": 1})
        self.assertEqual(FollowUp.objects.filter(ticket=ticket).count(), 2)

    def test_hostile_attachments_are_left_out_and_the_request_kept(self) -> None:
        mails = []
        for name, content in HOSTILE_UPLOADS.items():
            mail = EmailMessage()
            mail["From"], mail["To"], mail["Subject"] = (
                "bob@example.org",
                "suport@ccbages.cat",
                name,
            )
            mail.set_content("Adjunto el document.")
            mail.add_attachment(
                content, maintype="application", subtype="octet-stream", filename=name
            )
            mails.append(mail.as_bytes())
        count = len(HOSTILE_UPLOADS)
        self.assertEqual(
            self.poll(FakeImap(mails)), {"opened": count, "followups": 0, "skipped": 0}
        )
        for ticket in Ticket.objects.all():
            self.assertEqual(ticket.attachments.count(), 0)
            self.assertIn(f"{ticket.title}: ", ticket.description)  # the reason, named

    @override_settings(HELPDESK_MAIL_SOURCE="")
    def test_command_needs_a_mailbox(self) -> None:
        with self.assertRaises(CommandError):
            call_command("helpdesk_poll_mailbox", stdout=io.StringIO())
        self.assertEqual(tasks.helpdesk_poll_mailbox(), {"opened": 0, "followups": 0, "skipped": 0})


CSV_OK = """reference,municipality,opened_at,closed_at,title,description,category,type,urgency,impact,technician,minutes
GB-1,alpha,2025-03-04 09:15,2025-03-04 12:00,Impressora,Paper encallat,Hardware > Printers,incident,3,2,tomas,45
GB-2,beta,2025-03-05 10:00,,Alta correu,,Hardware,request,2,2,,0
"""
CSV_BAD = """reference,municipality,opened_at,closed_at,title,description,category,type,urgency,impact,technician,minutes
GB-3,nowhere,yesterday,,X,,Nope,incident,3,3,ghost,many
"""


class MailboxSettingsTests(SimpleTestCase):
    @override_settings(HELPDESK_IMAP_HOST="")
    def test_no_host_means_no_polling(self) -> None:
        self.assertIsNone(mailbox.MailboxConfig.from_settings())

    @override_settings(
        HELPDESK_IMAP_HOST="imap.ccbages.cat", HELPDESK_IMAP_PORT=1993,
        HELPDESK_IMAP_USER="suport", HELPDESK_IMAP_PASSWORD="s3cret", HELPDESK_IMAP_FOLDER="Suport",
    )  # fmt: skip
    def test_the_mailbox_comes_from_settings_and_hides_its_password(self) -> None:
        config = mailbox.MailboxConfig.from_settings()
        assert config is not None
        self.assertEqual(
            (config.host, config.port, config.user, config.password, config.folder),
            ("imap.ccbages.cat", 1993, "suport", "s3cret", "Suport"),
        )
        self.assertNotIn("s3cret", repr(config))


class ImportTests(HelpdeskTestCase):
    def write(self, text: str) -> str:
        directory = tempfile.mkdtemp(prefix="helpdesk-import-")
        self.addCleanup(shutil.rmtree, directory, ignore_errors=True)
        path = Path(directory) / "tickets.csv"
        path.write_text(text, encoding="utf-8")
        return str(path)

    def test_import_historical_tickets(self) -> None:
        out = io.StringIO()
        call_command("helpdesk_import_csv", self.write(CSV_OK), "--actor", "paula", stdout=out)
        self.assertIn("2 tickets imported", out.getvalue())
        first, second = Ticket.objects.order_by("opened_at")
        self.assertEqual(
            (first.number, first.status, first.external_reference),
            ("2025-000001", "closed", "GB-1"),
        )
        self.assertEqual(second.status, "new")
        rows = reports.time_spent(org=self.org_a, year=2025, month=3)
        self.assertEqual([r.minutes for r in rows], [45])

    def test_import_through_the_api(self) -> None:
        url = "/api/v1/o/ccbages/helpdesk/tickets/import/"
        upload = SimpleUploadedFile("t.csv", CSV_OK.encode(), content_type="text/csv")
        self.assertEqual(self.api(self.tomas).post(url, {"file": upload}).status_code, 403)
        upload = SimpleUploadedFile("t.csv", CSV_BAD.encode(), content_type="text/csv")
        response = self.api(self.paula).post(url, {"file": upload})
        self.assertEqual(response.status_code, 400)
        self.assertIn("row 2", response.json())
        upload = SimpleUploadedFile("t.csv", CSV_OK.encode(), content_type="text/csv")
        response = self.api(self.paula).post(url, {"file": upload})
        self.assertEqual(response.status_code, 201, response.content)
        self.assertEqual(response.json()["imported"], 2)
        self.assertEqual(
            self.api(self.alice).post("/api/v1/o/alpha/helpdesk/tickets/import/", {}).status_code,
            403,
        )

    def test_bad_rows_import_nothing(self) -> None:
        with self.assertRaises(CommandError) as raised:
            call_command("helpdesk_import_csv", self.write(CSV_BAD), stdout=io.StringIO())
        self.assertIn("row 2", str(raised.exception))
        self.assertFalse(Ticket.objects.exists())


class JobTests(HelpdeskTestCase):
    def test_tasks_and_command_run_the_services(self) -> None:
        with frozen(at(2026, 11, 20, 10, 0)):
            ticket = self.open_ticket()
        with frozen(at(2026, 11, 23, 14, 0)):
            self.assertEqual(tasks.helpdesk_sla_escalate()["breaches"], 2)
            self.assertEqual(tasks.helpdesk_auto_close(), 0)
            self.assertEqual(tasks.helpdesk_surveys_send(), 0)
            out = io.StringIO()
            call_command("helpdesk_run", stdout=out)
        self.assertIn("escalate: 0 breaches", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("helpdesk_run", "nonsense", stdout=io.StringIO())
        self.assertEqual(ticket.breaches.count(), 2)
