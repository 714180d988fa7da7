"""Import historical tickets from a CSV file (UTF-8, comma-separated, with a header row).

Columns: reference, municipality (slug or INE code), opened_at, closed_at, title, description,
category (full name, e.g. "Hardware > Printers"), type, urgency, impact, technician (user name),
minutes. All rows or none: the errors name each refused row.
"""

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.models import User
from ajunta.helpdesk import selectors, services


class Command(BaseCommand):
    help = "Import historical helpdesk tickets from a CSV file into the provider."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument("--actor", default="", help="User name recorded in the audit log.")

    def handle(self, *args: Any, **options: Any) -> None:
        provider = selectors.provider_for(org=None)
        if provider is None:
            raise CommandError("No organization runs this platform (is_provider).")
        actor = User.objects.filter(username=options["actor"]).first() if options["actor"] else None
        try:
            with open(options["path"], encoding="utf-8-sig", newline="") as handle:
                rows = list(csv.DictReader(handle))
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise CommandError(f"Cannot read {options['path']}: {exc}") from exc
        try:
            imported = services.tickets_import(org=provider, actor=actor, rows=rows)
        except ValidationError as exc:
            messages = (
                [f"{key}: {'; '.join(value)}" for key, value in exc.message_dict.items()]
                if hasattr(exc, "error_dict")
                else exc.messages
            )
            raise CommandError("Nothing imported.\n" + "\n".join(messages)) from exc
        self.stdout.write(f"{len(imported)} tickets imported.")
