"""Finish the work dead workers left pending: receipts, notification alerts (core.sweep).

    manage.py sweep_pending                  # work older than SWEEP_GRACE_SECONDS
    manage.py sweep_pending --grace 0        # everything pending now (after a known crash)

Prints one line per kind of work. Safe to run at any time, twice, or beside the workers.
Exits with status 1 when some work failed.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from ajunta.core.sweep import sweep_run


class Command(BaseCommand):
    help = "Finish the receipts and alerts that dead workers left pending."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace", type=int, metavar="SECONDS",
            help="Take work older than this (default: SWEEP_GRACE_SECONDS).",
        )  # fmt: skip

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep_run(grace_seconds=options["grace"])
        for kind, counts in report.items():
            self.stdout.write(
                f"{kind}: {counts['finished']} finished, {counts['failed']} failed, "
                f"{counts['alerted']} reported stuck"
            )
        if any(counts["failed"] for counts in report.values()):
            raise SystemExit(1)
