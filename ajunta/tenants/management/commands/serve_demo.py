"""`make demo`'s last step: the development server, then the demo's logins with the password last.

Django's runserver prints its banner after everything else, which pushed the logins `seed_demo`
printed off the screen; this prints them after the banner instead. DEBUG only, like seed_demo.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.core.management.commands.runserver import Command as RunserverCommand

from ajunta.tenants.management.commands.seed_demo import demo_summary


class Command(RunserverCommand):
    help = "Serve the demo (DEBUG only) and print its logins once the server listens."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "serve_demo shows published demo passwords: it runs only with DEBUG=1."
            )
        super().handle(*args, **options)

    def on_bind(self, server_port: int) -> None:
        host = getattr(self, "addr", "") or "127.0.0.1"  # set by handle()
        if host in ("0.0.0.0", "::"):  # noqa: S104 (listening everywhere: print a reachable one)
            host = "127.0.0.1"
        site = f"http://{host}:{server_port}"
        if not os.environ.get("SITE_URL"):
            # Receipts print SITE_URL/verify/ and their QR code opens it: in the demo that is the
            # address being served, whatever port was chosen, unless SITE_URL says otherwise.
            settings.SITE_URL = site
        self.stdout.write(
            f"Serving on {site}/ (stop with CONTROL-C); alive at {site}/healthz, "
            f"ready at {site}/readyz."
        )
        for line in demo_summary(style=self.style, site=site):
            self.stdout.write(line)
