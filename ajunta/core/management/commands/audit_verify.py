"""Recompute the audit hash chains and name the first broken event of each.

    manage.py audit_verify               # every chain, the platform's included
    manage.py audit_verify --org SLUG    # the chain of one organization

Prints one line per chain and exits with status 1 when any chain is broken.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.audit import ChainReport, verify_all
from ajunta.core.tenancy import organization_model


class Command(BaseCommand):
    help = "Recompute the audit hash chains; exit with status 1 if any is broken."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", metavar="SLUG", help="Verify only this organization's chain.")

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org"]
        if slug:
            org = organization_model().objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"No organization with slug {slug!r}.")
            reports = verify_all([org])
        else:
            reports = verify_all()
        names = self._chain_names(reports)
        broken = []
        for report in reports:
            label = (
                f"{report.chain} ({names[report.chain]})" if report.chain in names else report.chain
            )
            if report.ok:
                events = f"{report.events} event{'' if report.events == 1 else 's'}"
                self.stdout.write(self.style.SUCCESS(f"{label}: {events}, OK"))
                continue
            broken.append(report.chain)
            event = report.broken_at
            assert event is not None
            self.stdout.write(
                self.style.ERROR(
                    f"{label}: BROKEN at seq {event.seq} (id {event.pk or '-'}, "
                    f"action {event.action!r}): {report.reason}"
                )
            )
        if not reports:
            self.stdout.write("No audit chains yet.")
        if broken:
            raise CommandError(f"Audit chain broken: {', '.join(broken)}.")

    def _chain_names(self, reports: list[ChainReport]) -> dict[str, str]:
        """Chain key -> organization slug, in one query."""
        ids = [r.chain.removeprefix("org:") for r in reports if r.chain.startswith("org:")]
        orgs = organization_model().objects.filter(pk__in=ids).values_list("pk", "slug")
        return {f"org:{pk}": slug for pk, slug in orgs}
