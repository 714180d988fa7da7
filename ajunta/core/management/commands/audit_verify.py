"""Recompute the audit hash chains and the hashes of the sealed records.

    manage.py audit_verify               # every chain, the platform's included, every record
    manage.py audit_verify --org SLUG    # the chain and the records of one organization
    manage.py audit_verify --alert       # also e-mail the provider's administrators (cron)

Prints one line per chain, one per organization's sealed records and one per record changed
outside the services (its organization, number and the fields that differ), and exits with
status 1 when anything fails. The nightly Celery beat entry `audit-verify-nightly` runs the same.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.audit import ChainReport, verify_all
from ajunta.core.integrity import describe, verify_records
from ajunta.core.services import integrity_alert_send
from ajunta.core.tenancy import organization_model


class Command(BaseCommand):
    help = (
        "Recompute the audit hash chains and the sealed records' hashes; exit with status 1 if "
        "any chain is broken or any record was changed outside the services."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--org", metavar="SLUG", help="Verify only this organization's chain and records."
        )
        parser.add_argument(
            "--alert", action="store_true", help="E-mail the provider's administrators on failure."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        slug = options["org"]
        if slug:
            org = organization_model().objects.filter(slug=slug).first()
            if org is None:
                raise CommandError(f"No organization with slug {slug!r}.")
            reports = verify_all([org])
            records = verify_records([org])
        else:
            reports = verify_all()
            records = verify_records()
        names = self._chain_names(reports)
        broken = []
        findings = []
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
            line = (
                f"{label}: BROKEN at seq {event.seq} (id {event.pk or '-'}, "
                f"action {event.action!r}): {report.reason}"
            )
            findings.append(line)
            self.stdout.write(self.style.ERROR(line))
        if not reports:
            self.stdout.write("No audit chains yet.")
        names |= self._chain_names_of([f"org:{pk}" for pk in records.checked])
        for org_id, count in records.checked.items():
            key = f"org:{org_id}"
            label = f"{key} ({names[key]})" if key in names else key
            problems = [p for p in records.problems if p.organization_id == org_id]
            if not problems and count:
                self.stdout.write(self.style.SUCCESS(f"{label}: {count} sealed records, OK"))
            for problem in problems:
                line = f"{label}: CHANGED {describe(problem)}"
                findings.append(line)
                self.stdout.write(self.style.ERROR(line))
        if findings and options["alert"]:
            integrity_alert_send(findings=findings)
        if broken:
            raise CommandError(f"Audit chain broken: {', '.join(broken)}.")
        if records.problems:
            raise CommandError(
                f"{len(records.problems)} sealed record(s) changed outside the services."
            )

    def _chain_names(self, reports: list[ChainReport]) -> dict[str, str]:
        return self._chain_names_of([r.chain for r in reports])

    def _chain_names_of(self, keys: list[str]) -> dict[str, str]:
        """Chain key -> organization slug, in one query."""
        ids = [key.removeprefix("org:") for key in keys if key.startswith("org:")]
        orgs = organization_model().objects.filter(pk__in=ids).values_list("pk", "slug")
        return {f"org:{pk}": slug for pk, slug in orgs}
