from typing import Any

from django.core.management.base import BaseCommand

from ajunta.appointments.tasks import refresh_calendars


class Command(BaseCommand):
    help = "Read again every closure calendar imported from an address."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{refresh_calendars()} calendars refreshed")
