"""Import endoflife.date's product data (a file or a URL), then look every asset's OS up again.

manage.py eol_import                      # settings.SECURITY_EOL_URL for SECURITY_EOL_PRODUCTS
manage.py eol_import --source fedora.json # one file (API v1 product data)
manage.py eol_import --source https://endoflife.date/api/v1/products/fedora/
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ajunta.assets import services
from ajunta.core.feeds import FeedError, read_feed


class Command(BaseCommand):
    help = "Import end-of-life dates from endoflife.date (file or URL). Cron: weekly."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--source", action="append", default=[], help="file or URL")
        parser.add_argument("--product", default="", help="product of a v0 list")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = options["source"] or [
            settings.SECURITY_EOL_URL.format(product=p) for p in settings.SECURITY_EOL_PRODUCTS
        ]
        failed = 0
        for source in sources:
            try:
                done = services.eol_import(
                    data=read_feed(source), source=source, product=options["product"]
                )
            except (FeedError, ValidationError) as exc:
                failed += 1
                self.stderr.write(f"{source}: {exc}")
                continue
            self.stdout.write(
                f"{done.product}: {done.cycles} release cycles, "
                f"{done.assets_refreshed} asset(s) refreshed."
            )
        if failed == len(sources):
            raise CommandError("Nothing imported.")
