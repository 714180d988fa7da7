"""Read the helpdesk mailbox once (IMAP): new messages open tickets, replies become follow-ups."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ajunta.helpdesk import mailbox, selectors


class Command(BaseCommand):
    help = "Poll the helpdesk mailbox (HELPDESK_IMAP_* in the environment) once."

    def handle(self, *args: Any, **options: Any) -> None:
        config = mailbox.MailboxConfig.from_settings()
        if config is None:
            raise CommandError("HELPDESK_IMAP_HOST is not set: there is no mailbox to poll.")
        provider = selectors.provider_for(org=None)
        if provider is None:
            raise CommandError("No organization runs this platform (is_provider).")
        counts = mailbox.poll_mailbox(provider=provider, config=config)
        self.stdout.write(
            f"{counts['opened']} tickets opened, {counts['followups']} follow-ups, "
            f"{counts['skipped']} messages skipped"
        )
