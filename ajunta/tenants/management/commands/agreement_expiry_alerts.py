"""Warn each provider's administrators of agreements ending within 90 days (each one once).

manage.py agreement_expiry_alerts               # as of today (cron: daily)
manage.py agreement_expiry_alerts --on 2029-10-15
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ajunta.tenants import services


class Command(BaseCommand):
    help = "Email provider administrators about agreements ending within 90 days."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on", type=dt.date.fromisoformat, help="As of this date (YYYY-MM-DD)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.agreement_expiry_alerts_send(on=options["on"])
        self.stdout.write(f"{count} agreement(s) announced.")
