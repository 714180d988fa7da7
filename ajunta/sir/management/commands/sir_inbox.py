"""Take in the SICRES files the SIR gateway left in SIR_INBOX_DIR (cron-friendly).

    manage.py sir_inbox

Each file goes to the member its DIR3 code addresses, then to done/ or refused/ (with the reason
beside it). The same job runs as the Celery task ajunta.sir.tasks.sir_inbox_process.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ajunta.sir import services


class Command(BaseCommand):
    help = "Take in the SICRES files waiting in SIR_INBOX_DIR."

    def handle(self, *args: Any, **options: Any) -> None:
        report = services.sir_inbox_process()
        self.stdout.write(f"SIR inbox: {report['done']} taken in, {report['refused']} refused.")
