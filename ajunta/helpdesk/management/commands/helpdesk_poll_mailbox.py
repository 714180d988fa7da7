"""Read the helpdesk mailbox once: new messages open tickets, replies become follow-ups."""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.helpdesk import mailbox, selectors


class Command(BaseCommand):
    help = (
        "Read the helpdesk mailbox once: HELPDESK_MAIL_SOURCE (imap, maildir or folder), or the "
        "folder of .eml files or Maildir given here."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--folder", type=Path, help="Read the *.eml files in this folder (moved to done/)."
        )
        parser.add_argument("--maildir", type=Path, help="Read this Maildir's unseen messages.")

    def handle(self, *args: Any, **options: Any) -> None:
        source: mailbox.MailboxConfig | mailbox.LocalMailbox | None
        if options["folder"] or options["maildir"]:
            kind = "folder" if options["folder"] else "maildir"
            source = mailbox.LocalMailbox(path=options["folder"] or options["maildir"], kind=kind)
        else:
            source = mailbox.source_from_settings()
        if source is None:
            raise CommandError(
                "No mailbox: set HELPDESK_MAIL_SOURCE (imap with HELPDESK_IMAP_HOST, or maildir "
                "or folder with HELPDESK_MAIL_DIR), or pass --folder or --maildir."
            )
        if isinstance(source, mailbox.LocalMailbox) and not source.path.is_dir():
            raise CommandError(f"{source.path} is not a folder.")
        provider = selectors.provider_for(org=None)
        if provider is None:
            raise CommandError("No organization runs this platform (is_provider).")
        counts = mailbox.poll(provider=provider, source=source)
        self.stdout.write(
            f"{counts['opened']} tickets opened, {counts['followups']} follow-ups, "
            f"{counts['skipped']} messages skipped"
        )
