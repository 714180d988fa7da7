"""E-mail the overdue legal steps of security incidents; the same job as the Celery task."""

from typing import Any

from django.core.management.base import BaseCommand

from ajunta.security import services


class Command(BaseCommand):
    help = "E-mail overdue incident notifications (NIS2 24 h / 72 h / one month, GDPR 72 h)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = services.incident_alerts()
        self.stdout.write(f"{sent} alert e-mail(s) sent.")
