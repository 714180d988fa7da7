"""Run the helpdesk's periodic jobs once: SLA escalation, auto-close, surveys (cron-friendly)."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.helpdesk import selectors, services

JOBS = ("escalate", "autoclose", "surveys", "recompute")


class Command(BaseCommand):
    help = (
        "Record SLA breaches and escalate, close solved tickets, send surveys, recompute due "
        "times after calendar changes (all by default)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("jobs", nargs="*", help=f"Which jobs to run: {', '.join(JOBS)}.")

    def handle(self, *args: Any, **options: Any) -> None:
        jobs = options["jobs"] or JOBS
        unknown = set(jobs) - set(JOBS)
        if unknown:
            raise CommandError(f"Unknown jobs: {', '.join(sorted(unknown))}.")
        if "escalate" in jobs:
            counts = services.sla_escalate()
            self.stdout.write(
                f"escalate: {counts['breaches']} breaches, {counts['escalations']} escalations"
            )
        if "autoclose" in jobs:
            self.stdout.write(f"autoclose: {services.tickets_auto_close()} tickets closed")
        if "surveys" in jobs:
            self.stdout.write(f"surveys: {services.surveys_send()} sent")
        if "recompute" in jobs:
            provider = selectors.provider_for(org=None)
            moved = services.sla_recompute(provider=provider) if provider else 0
            self.stdout.write(f"recompute: {moved} tickets with new due times")
