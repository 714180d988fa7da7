"""E-mail each responsible person their overdue cases and each assignee their overdue tasks.

    manage.py cases_alerts [--org SLUG]

The same job as the Celery task cases.tasks.alerts_send, for cron (once a day).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.cases import services
from ajunta.core.tenancy import organization_model


class Command(BaseCommand):
    help = "E-mail overdue cases and tasks to the people responsible for them."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", metavar="SLUG", help="Only this organization.")

    def handle(self, *args: Any, **options: Any) -> None:
        orgs = organization_model().objects.order_by("pk")
        if options["org"]:
            orgs = orgs.filter(slug=options["org"])
            if not orgs.exists():
                raise CommandError(f"No organization with slug {options['org']!r}.")
        sent = sum(services.alerts_send(org=org) for org in orgs)
        self.stdout.write(f"{sent} alert message(s) sent.")
