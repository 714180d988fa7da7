"""Refresh OS end-of-life dates and e-mail the IT inventory alerts; the same job as the Celery
task assets_alerts_notify."""

from typing import Any

from django.core.management.base import BaseCommand

from ajunta.assets import services


class Command(BaseCommand):
    help = "E-mail inventory alerts (warranty ending, OS end of life, silent assets). Cron: daily."

    def handle(self, *args: Any, **options: Any) -> None:
        refreshed = services.assets_refresh_os_releases()
        sent = services.alerts_notify()
        self.stdout.write(
            f"{refreshed} OS end-of-life date(s) refreshed, {sent} alert e-mail(s) sent."
        )
