from typing import Any

from django.core.management.base import BaseCommand

from ajunta.noticeboard import services


class Command(BaseCommand):
    help = "Issue the certificates of publication of edicts whose period is over (run hourly)."

    def handle(self, *args: Any, **options: Any) -> None:
        done = services.edicts_certify_due()
        self.stdout.write(f"{done} certificate(s) of publication issued.")
