"""Import SICRES 3 files into one organization, as the upload in the pending tray does.

    manage.py sir_import FILE [FILE ...] --org SLUG

Each file is taken in whole or refused whole; a refused file prints its SICRES error code and
reason, and the command then exits with status 1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.tenancy import organization_model
from ajunta.sir import services, sicres
from ajunta.sir.sicres import SicresError


class Command(BaseCommand):
    help = "Import SICRES 3 files (interchanges or messages) into an organization."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("files", nargs="+", metavar="FILE")
        parser.add_argument("--org", metavar="SLUG", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        org = organization_model().objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        refused = 0
        for name in options["files"]:
            path = Path(name)
            try:
                with path.open("rb") as handle:
                    xml = handle.read(sicres.max_xml_bytes() + 1)
                row = services.sicres_import(org=org, actor=None, xml=xml)
            except OSError as exc:
                refused += 1
                self.stderr.write(f"{name}: {exc}")
            except SicresError as error:
                refused += 1
                self.stderr.write(f"{name}: refused, SICRES error {error.code}: {error.message}")
            except ValidationError as error:
                refused += 1
                self.stderr.write(f"{name}: refused: {' '.join(error.messages)}")
            else:
                self.stdout.write(f"{name}: {row.identifier} ({row.get_state_display()})")
        if refused:
            raise CommandError(f"{refused} file(s) refused.")
