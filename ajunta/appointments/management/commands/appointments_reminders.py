from typing import Any

from django.core.management.base import BaseCommand

from ajunta.appointments import services


class Command(BaseCommand):
    help = "E-mail the reminders that are due (idempotent: each booking is reminded once)."

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(f"{services.send_reminders()} reminders sent")
