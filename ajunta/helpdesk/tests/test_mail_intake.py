"""E-mail intake from a folder of .eml files and from a local Maildir, fed with messages written
by real mail clients (fixtures/mail/README.md says where each comes from)."""

from __future__ import annotations

import io
import mailbox as stdlib_mailbox
import shutil
import tempfile
from email.message import EmailMessage
from pathlib import Path

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings

from ajunta.core.models import Role
from ajunta.core.testing import make_user, use_temporary_media
from ajunta.helpdesk import mailbox, notifications, services, tasks
from ajunta.helpdesk.models import FollowUp, Ticket
from ajunta.helpdesk.tests.base import HelpdeskTestCase

FIXTURES = Path(__file__).parent / "fixtures" / "mail"
NOTHING = {"opened": 0, "followups": 0, "skipped": 0}


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def first_of_the_thread() -> bytes:
    """The message thunderbird-reply.eml answers (not published with it): same sender, subject."""
    mail = EmailMessage()
    mail["From"], mail["To"] = "Testing <xxxxxxxx@xxx.org>", "Mikel Lindsaar <mikel@xxxx.net>"
    mail["Subject"], mail["Date"] = "Test reply email", "Sun, 18 Nov 2007 18:10:00 +1100"
    mail["Message-ID"] = "<473FF3B8.9020707@xxx.org>"
    mail.set_content("The scanner of the registry office does not scan.")
    return mail.as_bytes()


class MailIntakeTests(HelpdeskTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # The fixtures' senders, as staff of member municipalities.
        for username, address, org in (
            ("doug", "doug@example.com", cls.org_a),
            ("gmailer", "xxxxxxxxx.xxxxxxx@gmail.com", cls.org_a),
            ("testing", "xxxxxxxx@xxx.org", cls.org_b),
        ):
            user = make_user(username, org, Role.MUNICIPAL_STAFF)
            user.email = address
            user.save(update_fields=["email"])

    def setUp(self) -> None:
        self.media = use_temporary_media(self)
        self.folder = Path(tempfile.mkdtemp(prefix="helpdesk-mail-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)

    def drop(self, name: str, raw: bytes) -> None:
        (self.folder / name).write_bytes(raw)

    def read_folder(self) -> dict[str, int]:
        return mailbox.read_folder(provider=self.provider, path=self.folder)

    def test_an_outlook_message_with_attachments_in_quoted_printable_latin1(self) -> None:
        self.drop("outlook.eml", fixture("outlook-multipart-latin1.eml"))
        self.assertEqual(self.read_folder(), {**NOTHING, "opened": 1})
        ticket = Ticket.objects.get()
        self.assertEqual((ticket.organization, ticket.channel), (self.org_a, "email"))
        self.assertEqual(ticket.requester.username, "doug")
        self.assertEqual(ticket.title, "Test message from Microsoft Outlook 00")
        self.assertIn("Die Hasen und die Frösche", ticket.description)  # ö from =F6 in Latin-1
        self.assertEqual(
            sorted(a.document.name for a in ticket.attachments.select_related("document")),
            ["blueball2.png", "greenball.png", "redball.png"],
        )
        self.assertEqual(ticket.external_reference, "<02.eml@mime.sample>")
        # Read once: the file went to done/, and the same message dropped again is no new ticket.
        self.assertEqual(sorted(p.name for p in self.folder.iterdir()), ["done"])
        self.assertTrue((self.folder / "done" / "outlook.eml").exists())
        self.assertEqual(self.read_folder(), NOTHING)
        self.drop("outlook-again.eml", fixture("outlook-multipart-latin1.eml"))
        self.assertEqual(self.read_folder(), {**NOTHING, "skipped": 1})
        self.assertEqual(Ticket.objects.count(), 1)

    def test_a_gmail_forward_whose_signature_is_refused_still_opens_the_ticket(self) -> None:
        self.drop("gmail.eml", fixture("gmail-forward-signed.eml"))
        self.assertEqual(self.read_folder(), {**NOTHING, "opened": 1})
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.title, "Fwd: Signed email causes file attachments")
        self.assertIn("We should not include these files", ticket.description)
        self.assertIn("smime.p7s", ticket.description)  # said what was left out, and why
        self.assertEqual(ticket.attachments.count(), 0)

    def test_a_thunderbird_reply_in_a_maildir_becomes_a_follow_up_by_its_thread(self) -> None:
        box = stdlib_mailbox.Maildir(self.folder / "Maildir", create=True)
        box.add(first_of_the_thread())
        path = self.folder / "Maildir"
        self.assertEqual(
            mailbox.read_maildir(provider=self.provider, path=path), {**NOTHING, "opened": 1}
        )
        ticket = Ticket.objects.get()
        self.assertEqual(ticket.organization, self.org_b)
        key = box.add(fixture("thunderbird-reply.eml"))  # "Re: Test reply email": no number
        self.assertEqual(
            mailbox.read_maildir(provider=self.provider, path=path), {**NOTHING, "followups": 1}
        )
        followup = FollowUp.objects.get(ticket=ticket)
        self.assertEqual((followup.author.username, followup.body), ("testing", "Message body"))
        self.assertEqual(Ticket.objects.count(), 1)
        seen = box.get_message(key)
        self.assertEqual((seen.get_subdir(), seen.get_flags()), ("cur", "S"))
        self.assertEqual(mailbox.read_maildir(provider=self.provider, path=path), NOTHING)

    def test_the_reply_before_its_thread_in_one_batch_is_read_after_it(self) -> None:
        self.drop("a-reply.eml", fixture("thunderbird-reply.eml"))  # first by name, not by date
        self.drop("b-first.eml", first_of_the_thread())
        self.assertEqual(self.read_folder(), {"opened": 1, "followups": 1, "skipped": 0})

    def test_a_reply_to_our_notification_finds_its_ticket_by_in_reply_to(self) -> None:
        ticket = services.ticket_create(
            org=self.org_a, actor=self.bob, title="No imprimeix", description="Paper."
        )
        reply = EmailMessage()
        reply["From"], reply["Subject"] = "bob@example.org", "Re: la impressora"  # no number
        reply["In-Reply-To"] = notifications.message_id(ticket)
        reply.set_content("Ja torna a imprimir.")
        self.drop("reply.eml", reply.as_bytes())
        self.assertEqual(self.read_folder(), {**NOTHING, "followups": 1})
        self.assertEqual(FollowUp.objects.get(ticket=ticket).body, "Ja torna a imprimir.")

    def test_the_command_reads_a_folder_or_says_what_is_missing(self) -> None:
        self.drop("outlook.eml", fixture("outlook-multipart-latin1.eml"))
        out = io.StringIO()
        call_command("helpdesk_poll_mailbox", "--folder", str(self.folder), stdout=out)
        self.assertIn("1 tickets opened", out.getvalue())
        with self.assertRaises(CommandError):
            call_command("helpdesk_poll_mailbox", "--maildir", str(self.folder / "none"))

    def test_the_periodic_task_reads_the_folder_the_settings_name(self) -> None:
        self.drop("outlook.eml", fixture("outlook-multipart-latin1.eml"))
        with override_settings(HELPDESK_MAIL_SOURCE="folder", HELPDESK_MAIL_DIR=self.folder):
            self.assertEqual(tasks.helpdesk_poll_mailbox(), {**NOTHING, "opened": 1})


class MailSourceSettingsTests(SimpleTestCase):
    def test_the_setting_chooses_the_source(self) -> None:
        with override_settings(HELPDESK_MAIL_SOURCE="", HELPDESK_IMAP_HOST="imap.example.org"):
            self.assertIsNone(mailbox.source_from_settings())
        with override_settings(HELPDESK_MAIL_SOURCE="imap", HELPDESK_IMAP_HOST="imap.example.org"):
            source = mailbox.source_from_settings()
            self.assertIsInstance(source, mailbox.MailboxConfig)
        for kind in ("maildir", "folder"):
            with override_settings(HELPDESK_MAIL_SOURCE=kind, HELPDESK_MAIL_DIR=Path("/srv/mail")):
                self.assertEqual(
                    mailbox.source_from_settings(),
                    mailbox.LocalMailbox(path=Path("/srv/mail"), kind=kind),
                )
