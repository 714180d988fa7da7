"""Issue 25: a backup restores (deploy/backup.sh, deploy/restore.sh, docs/backups.md).

On PostgreSQL (CI's PostgreSQL run): file an entry with its receipt, back up the database and the
documents with the script an operator runs, restore into a FRESH database and an empty folder with
the other script, and then, in a process of its own pointed at the restored copy only, the audit
chains and sealed records verify and the receipt's code still verifies at /verify/ byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
from django.conf import settings
from django.db import connection
from django.test import TransactionTestCase, override_settings

from ajunta.core.documents import format_verification_code
from ajunta.core.models import Document, Role
from ajunta.core.testing import make_org, make_user
from ajunta.registry import services as registry_services

ROOT = Path(settings.BASE_DIR)
NURIA = {
    "person_type": "natural", "id_type": "N", "id_number": "12345678Z",
    "name": "Núria", "first_surname": "Puig",
}  # fmt: skip


def database_url(name: str) -> str:
    params = connection.settings_dict
    user = quote(params.get("USER") or "")
    password = quote(params.get("PASSWORD") or "")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = params.get("HOST") or "127.0.0.1"
    port = params.get("PORT") or "5432"
    return f"postgres://{credentials}{host}:{port}/{name}"


def run(command: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MEDIA_ROOT")},
        "DEBUG": "1",
        "PYTHON": sys.executable,
        "PYTHONPATH": str(ROOT),
        **env,
    }
    return subprocess.run(
        command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300, check=False
    )


class BackupRestoreTests(TransactionTestCase):
    def setUp(self) -> None:
        if connection.vendor != "postgresql":
            self.skipTest("the backup is of PostgreSQL: run with DATABASE_URL=postgres://...")
        for tool in ("pg_dump", "pg_restore", "psql", "sha256sum", "tar"):
            if not shutil.which(tool):
                self.skipTest(f"{tool} is not installed")
        self.folder = Path(tempfile.mkdtemp(prefix="ajunta-backup-test-"))
        self.addCleanup(shutil.rmtree, self.folder, ignore_errors=True)
        self.media = self.folder / "media"
        self.media.mkdir()
        override = override_settings(
            MEDIA_ROOT=str(self.media),
            STORAGES={
                **settings.STORAGES,
                "default": {
                    "BACKEND": "django.core.files.storage.FileSystemStorage",
                    "OPTIONS": {"location": str(self.media)},
                },
            },
        )
        override.enable()
        self.addCleanup(override.disable)

    def fresh_database(self) -> str:
        name = f"{connection.settings_dict['NAME']}_restored_{uuid.uuid4().hex[:8]}"
        admin_url = database_url("postgres")
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin_url, autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        self.addCleanup(drop)
        return database_url(name)

    def test_a_backup_restores_into_a_fresh_database_and_still_verifies(self):
        org = make_org("alpha", name="Ajuntament d'Alpha")
        clerk = make_user("bob", org, Role.MUNICIPAL_STAFF)
        entry = registry_services.registry_entry_create(
            org=org, actor=clerk, direction="in", channel="electronic", epigraph="Instància",
            summary="Instància genèrica", parties=[NURIA],
        )  # fmt: skip
        entry.refresh_from_db()
        receipt = Document.objects.get(pk=entry.receipt_id)
        code = format_verification_code(receipt.verification_code or "")

        backups = self.folder / "backups"
        made = run(
            ["bash", "deploy/backup.sh"],
            DATABASE_URL=database_url(connection.settings_dict["NAME"]),
            MEDIA_ROOT=str(self.media),
            BACKUP_DIR=str(backups),
        )
        self.assertEqual(made.returncode, 0, made.stderr)
        backup = Path(made.stdout.strip().splitlines()[-1])
        self.assertEqual(
            sorted(path.name for path in backup.iterdir()),
            ["INFO", "SHA256SUMS", "database.dump", "media.tar.gz"],
        )

        restored_url = self.fresh_database()
        restored_media = self.folder / "restored-media"
        restored = run(
            ["bash", "deploy/restore.sh", str(backup)],
            DATABASE_URL=restored_url,
            MEDIA_ROOT=str(restored_media),
        )
        self.assertEqual(restored.returncode, 0, restored.stdout + restored.stderr)
        self.assertIn("Restored from", restored.stdout)

        # The restored copy alone, in a process of its own: audit_verify, then /verify/.
        audit = run(
            [sys.executable, "manage.py", "audit_verify"],
            DATABASE_URL=restored_url,
            MEDIA_ROOT=str(restored_media),
        )
        self.assertEqual(audit.returncode, 0, audit.stdout + audit.stderr)
        self.assertIn("alpha", audit.stdout)
        script = (
            "import hashlib, json, sys, django; django.setup()\n"
            "from django.test import Client\n"
            "client = Client(HTTP_HOST='localhost')\n"
            "page = client.get('/verify/', {'code': sys.argv[1]})\n"
            "download = client.get(f'/verify/{sys.argv[1]}/download/')\n"
            "body = b''.join(download.streaming_content) if download.status_code == 200 else b''\n"
            "print(json.dumps([page.status_code, page.content.decode(), download.status_code,"
            " hashlib.sha256(body).hexdigest()]))\n"
        )
        checked = run(
            [sys.executable, "-c", script, code],
            DATABASE_URL=restored_url,
            MEDIA_ROOT=str(restored_media),
            DJANGO_SETTINGS_MODULE="ajunta.settings",
        )
        self.assertEqual(checked.returncode, 0, checked.stderr)
        page_status, page, download_status, digest = json.loads(checked.stdout.splitlines()[-1])
        self.assertEqual(page_status, 200)
        self.assertIn(receipt.sha256, page)
        self.assertEqual(download_status, 200)
        self.assertEqual(digest, receipt.sha256)
        self.assertEqual(
            digest, hashlib.sha256((self.media / receipt.file.name).read_bytes()).hexdigest()
        )

        # Restoring again over the restored database is refused, and so is a damaged backup.
        again = run(
            ["bash", "deploy/restore.sh", str(backup)],
            DATABASE_URL=restored_url,
            MEDIA_ROOT=str(self.folder / "other-media"),
        )
        self.assertEqual(again.returncode, 2, again.stderr)
        self.assertIn("already has", again.stderr)
        with open(backup / "database.dump", "r+b") as dump:
            dump.seek(100)
            dump.write(b"\x00damaged\x00")
        damaged = run(
            ["bash", "deploy/restore.sh", str(backup)],
            DATABASE_URL=self.fresh_database(),
            MEDIA_ROOT=str(self.folder / "third-media"),
        )
        self.assertNotEqual(damaged.returncode, 0)
        self.assertIn("FAILED", damaged.stdout + damaged.stderr)
