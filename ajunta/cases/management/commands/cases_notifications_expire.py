"""Mark deemed rejected (Ley 39/2015 art. 43) every notification not opened in 10 calendar days.

    manage.py cases_notifications_expire

The same job as the Celery task cases.tasks.notifications_expire, for cron.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from ajunta.cases import services


class Command(BaseCommand):
    help = "Mark deemed rejected every notification not opened within 10 calendar days."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.notifications_expire()
        self.stdout.write(f"{count} notification(s) deemed rejected.")
