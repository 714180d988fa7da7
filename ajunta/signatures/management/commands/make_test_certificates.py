"""Create TEST personal certificates (and their TEST authority) for people with a NIF, and a TEST
seal for each organization that lacks its own. Development, the demo and test setups only."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.models import User
from ajunta.signatures.test_certificates import ensure_person_certificate, load_or_create_authority


class Command(BaseCommand):
    help = (
        "Create TEST personal signing certificates under SEAL_DIR/persons/ for users with a NIF "
        "(all, or --user NAME...), trusted through a TEST authority; with --org-seals, a TEST "
        "seal for each named organization. Only with DEBUG=1 unless --force."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="run without DEBUG (tests)")
        parser.add_argument("--user", action="append", default=[], help="only these usernames")
        parser.add_argument("--org-seals", nargs="*", default=[], metavar="SLUG",
                            help="also make SEAL_DIR/<slug>.p12 for these organizations")  # fmt: skip

    def handle(self, *args: Any, force: bool, user: list[str], org_seals: list[str],
               **options: Any) -> None:  # fmt: skip
        if not settings.DEBUG and not force:
            raise CommandError(
                "make_test_certificates makes certificates nobody should trust: DEBUG=1 only "
                "(or --force for a test setup)."
            )
        authority = load_or_create_authority()
        people = User.objects.exclude(nif="").order_by("username")
        if user:
            people = people.filter(username__in=user)
        made = 0
        for person in people:
            if ensure_person_certificate(person, authority) is not None:
                made += 1
        from ajunta.tenants.models import Organization

        for slug in org_seals:
            org = Organization.objects.filter(slug=slug).first()
            if org is None or (Path(settings.SEAL_DIR) / f"{slug}.p12").exists():
                continue
            call_command("make_test_seal", "--force", "--org", slug,
                         "--organization-name", org.name, stdout=io.StringIO())  # fmt: skip
        self.stdout.write(self.style.SUCCESS(
            f"TEST personal certificates for {made} people in {settings.SEAL_DIR}/persons/."
        ))  # fmt: skip
