"""Bring a council's case files into Ajunta: `manage.py cases_migrate index.csv --org <slug>`.

The CSV (UTF-8, comma or semicolon) has the columns `number, opened_at, subject, procedure,
files, status`: `opened_at` as YYYY-MM-DD (or with a time), `procedure` a procedure code of the
organization, `files` one ENI case file package (.zip) or a list of ENI documents (.xml) and plain
documents separated by `|`, paths relative to the CSV. Each row goes through the services
(audited) in its own transaction: a refused row writes nothing and is reported; the others stay.
Resumable: a row whose number already exists is skipped, so running it again after an
interruption takes only what is left. The report goes to `<index>.report.csv`.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ajunta.cases import eni_import
from ajunta.cases.models import Case, Procedure
from ajunta.tenants.models import Organization

COLUMNS = ("number", "opened_at", "subject", "procedure", "files")


def _opened(value: str) -> dt.datetime:
    value = value.strip()
    moment = parse_datetime(value) or (
        dt.datetime.fromisoformat(value) if len(value) == 10 else None
    )
    if moment is None:
        raise ValidationError(f"opened_at: not a date: {value!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


class Command(BaseCommand):
    help = "Migrate case files from a CSV index and their ENI or plain files (resumable)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("index", help="CSV index of the case files")
        parser.add_argument("--org", required=True, help="slug of the organization")

    def handle(self, *args: Any, **options: Any) -> None:
        index = Path(options["index"])
        org = Organization.objects.filter(slug=options["org"]).first()
        if org is None:
            raise CommandError(f"No organization {options['org']!r}.")
        text = index.read_text(encoding="utf-8-sig")
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;") if text else csv.excel
        rows = list(csv.DictReader(text.splitlines(), dialect=dialect))
        missing = [c for c in COLUMNS if rows and c not in rows[0]]
        if missing:
            raise CommandError(f"The CSV lacks the columns: {', '.join(missing)}")
        report: list[tuple[str, str, str]] = []
        for line, row in enumerate(rows, start=2):
            number = (row.get("number") or "").strip()
            if Case.objects.filter(organization=org, number=number).exists():
                report.append((number, "skipped", "already migrated"))
                continue
            try:
                procedure = Procedure.objects.filter(
                    organization=org, code=(row.get("procedure") or "").strip()
                ).first()
                if procedure is None:
                    raise ValidationError(f"unknown procedure {row.get('procedure')!r}")
                files = []
                for name in (row.get("files") or "").split("|"):
                    path = (index.parent / name.strip()).resolve()
                    if not name.strip() or index.parent.resolve() not in path.parents:
                        raise ValidationError(f"file {name!r} is not beside the index")
                    if not path.is_file():
                        raise ValidationError(f"file {name!r} not found")
                    files.append((path.name, path.read_bytes()))
                eni_import.case_migrate(
                    org=org, actor=None, procedure=procedure, number=number,
                    opened_at=_opened(row.get("opened_at") or ""),
                    subject=(row.get("subject") or "").strip(), files=files,
                    status=(row.get("status") or "").strip(),
                )  # fmt: skip
                report.append((number, "imported", ""))
            except (ValidationError, OSError, ValueError) as exc:
                message = "; ".join(getattr(exc, "messages", [str(exc)]))
                report.append((number or f"line {line}", "refused", message))
                self.stdout.write(f"{number or f'line {line}'}: refused: {message}")
        report_path = index.with_name(index.name + ".report.csv")
        with report_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["number", "outcome", "reason"])
            writer.writerows(report)
        counts = {kind: sum(1 for r in report if r[1] == kind)
                  for kind in ("imported", "skipped", "refused")}  # fmt: skip
        self.stdout.write(
            f"{counts['imported']} imported, {counts['skipped']} skipped, "
            f"{counts['refused']} refused; report in {report_path}"
        )
