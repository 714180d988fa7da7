"""Copy every stored document from a folder on disk into the configured storage (S3), verified.

    manage.py storage_migrate --source /srv/ajunta/media [--dry-run]

Run it with the S3_* settings of the new storage (docs/operations.md, Object storage). For each
document the file on disk is first checked against the SHA-256 the database holds (a file already
damaged is reported and not copied), then uploaded under the same name, then read back from the
new storage and hashed again. A document already in the new storage with the right bytes is left
as it is, so the command can be run again after an interruption. It exits non-zero if any document
could not be copied or verified; the files on disk are never deleted (remove them once the
deployment runs on the new storage and a backup of them is kept).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ajunta.core.models import Document

CHUNK = 1024 * 1024


def file_sha256(storage: Storage, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with storage.open(name, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class Command(BaseCommand):
    help = "Copy stored documents from a folder on disk into the configured storage, verifying each SHA-256."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", required=True, help="the old MEDIA_ROOT")
        parser.add_argument("--dry-run", action="store_true", help="check, copy nothing")

    def handle(self, *args: Any, source: str, dry_run: bool, **options: Any) -> None:
        if not Path(source).is_dir():
            raise CommandError(f"{source} is not a folder.")
        origin = FileSystemStorage(location=source)
        target: Storage = Document._meta.get_field("file").storage  # type: ignore[attr-defined]
        if (
            isinstance(target, FileSystemStorage)
            and Path(target.location).resolve() == Path(source).resolve()
        ):
            raise CommandError("The source is the configured storage itself: set S3_* first.")
        counts = {"copied": 0, "already there": 0, "failed": 0}
        # One row per stored file: documents with identical content share it.
        rows = Document.objects.order_by("file").values_list("file", "sha256", "size").distinct()
        for name, sha256, size in rows.iterator(chunk_size=2000):
            problem = self._migrate(origin, target, name, sha256, size, dry_run)
            if problem:
                counts["failed"] += 1
                self.stderr.write(f"{name}: {problem}")
            elif problem is None:
                counts["already there"] += 1
            else:
                counts["copied"] += 1
        verb = "would copy" if dry_run else "copied"
        self.stdout.write(
            f"{counts['copied']} {verb}, {counts['already there']} already there and verified, "
            f"{counts['failed']} failed."
        )
        if counts["failed"]:
            raise CommandError(f"{counts['failed']} file(s) not migrated: see above.")

    def _migrate(
        self,
        origin: Storage,
        target: Storage,
        name: str,
        sha256: str,
        size: int,
        dry_run: bool,
    ) -> str | None:
        """'' when copied (or to be copied), None when already there, else the problem."""
        if target.exists(name):
            if (sha256, size) == file_sha256(target, name):
                return None
            return "already in the new storage with other bytes: left as it is, check it"
        if not origin.exists(name):
            return "missing on disk"
        if (sha256, size) != file_sha256(origin, name):
            return "on disk it does not match its SHA-256 (damaged): not copied"
        if dry_run:
            return ""
        with origin.open(name, "rb") as handle:
            saved = target.save(name, File(handle, name=name))
        if saved != name:
            target.delete(saved)
            return f"the new storage stored it as {saved}: removed"
        if (sha256, size) != file_sha256(target, name):
            target.delete(name)
            return "read back from the new storage with other bytes: removed"
        return ""
