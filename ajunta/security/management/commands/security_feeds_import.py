"""Import vulnerability data from files or URLs, then match it to the fleet and alert.

manage.py security_feeds_import --kev known_exploited_vulnerabilities.json --nvd nvdcve-2.0-2025.json
manage.py security_feeds_import            # every source the settings configure (cron: daily)
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from ajunta.core.feeds import FeedError, read_feed
from ajunta.security import feeds, services


class Command(BaseCommand):
    help = "Import CISA KEV and NVD CVE 2.0 data (files or URLs) and refresh the exposures."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--kev", action="append", default=[], help="CISA KEV JSON file or URL")
        parser.add_argument(
            "--nvd", action="append", default=[], help="NVD CVE 2.0 JSON file or URL"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not (options["kev"] or options["nvd"]):
            done = feeds.import_configured()
            self.stdout.write(str(done))
            return
        # NVD first: KEV marks what NVD describes, and its alerts then see the version ranges.
        for kind, importer in (("nvd", services.nvd_import), ("kev", services.kev_import)):
            for source in options[kind]:
                try:
                    result = importer(data=read_feed(source), source=source)
                except (FeedError, ValidationError) as exc:
                    raise CommandError(f"{source}: {exc}") from exc
                self.stdout.write(
                    f"{kind} {source}: {result.vulnerabilities} vulnerabilities, "
                    f"{result.exposures.opened} exposures opened, "
                    f"{result.exposures.resolved} resolved, "
                    f"{result.exposures.alerts_sent} alert e-mail(s)."
                )
