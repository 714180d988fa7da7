"""Import GLPI-agent JSON inventories from files (e.g. written by `glpi-agent --local`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ajunta.assets import inventory, services
from ajunta.assets.models import AssetSource
from ajunta.tenants.models import Organization


class Command(BaseCommand):
    help = (
        "Import GLPI-agent JSON inventories (plain, .gz or zlib) into an organization. Each file "
        "is imported on its own: a refused file is reported and the others still go in."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("files", nargs="+", help="Inventory files.")
        parser.add_argument("--org", required=True, help="The organization's slug.")

    def handle(self, *args: Any, **options: Any) -> None:
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization with slug {options['org']!r}.")
        created = updated = failed = 0
        for name in options["files"]:
            path = Path(name)
            try:
                document = inventory.decode_body(path.read_bytes())
                outcome = services.inventory_import(
                    org=org, actor=None, document=document, source=AssetSource.FILE
                )
            except OSError as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc.strerror or exc}")
                continue
            except inventory.InventoryError as exc:
                failed += 1
                self.stderr.write(f"{path}: {exc.messages[0]}")
                continue
            if outcome.created:
                created += 1
            else:
                updated += 1
            self.stdout.write(
                f"{path}: {outcome.asset} ({'created' if outcome.created else 'updated'})"
            )
        self.stdout.write(f"{created} created, {updated} updated, {failed} refused.")
        if failed:
            raise CommandError(f"{failed} file(s) refused.")
