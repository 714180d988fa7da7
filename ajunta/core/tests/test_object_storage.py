"""Issue 25: documents in S3-compatible object storage, against a real S3 server (moto in server
mode, started here on a free port and spoken to over HTTP by boto3, as MinIO or Ceph would be),
and the disk → S3 migration that verifies every file's SHA-256."""

from __future__ import annotations

import hashlib
import io
import shutil
import socket
import tempfile
from typing import Any

import boto3
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.test import override_settings

from ajunta.core import documents as docs
from ajunta.core import health
from ajunta.core.models import Document
from ajunta.core.testing import TenantTestCase

try:
    from moto.server import ThreadedMotoServer
except ImportError:  # pragma: no cover - `make install` brings it (the dev extra)
    ThreadedMotoServer = None

PDF = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
BUCKET = "ajunta-documents"
KEYS = {"access_key": "ajunta-test", "secret_key": "ajunta-test-secret"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pdf(marker: str) -> bytes:
    return PDF.replace(b"%%EOF", f"% {marker}\n%%EOF".encode())


class S3TestCase(TenantTestCase):
    server: Any
    endpoint: str

    @classmethod
    def setUpClass(cls) -> None:
        if ThreadedMotoServer is None:
            raise AssertionError("moto[server] is needed: `make install` installs the dev extra")
        port = free_port()
        cls.server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        cls.server.start()
        cls.endpoint = f"http://127.0.0.1:{port}"
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls.server.stop()

    def setUp(self) -> None:
        super().setUp()
        self.s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=KEYS["access_key"],
            aws_secret_access_key=KEYS["secret_key"],
        )
        self.s3.create_bucket(Bucket=BUCKET)
        self.addCleanup(self.empty_bucket)
        self.media = tempfile.mkdtemp(prefix="ajunta-test-media-")
        self.addCleanup(shutil.rmtree, self.media, ignore_errors=True)

    def empty_bucket(self) -> None:
        for item in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", []):
            self.s3.delete_object(Bucket=BUCKET, Key=item["Key"])
        self.s3.delete_bucket(Bucket=BUCKET)

    def s3_storages(self, endpoint: str | None = None) -> dict[str, Any]:
        # What settings.py builds from S3_BUCKET, S3_ENDPOINT_URL, S3_REGION and the keys.
        return {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint or self.endpoint,
                    "region_name": "us-east-1",
                    **KEYS,
                    "default_acl": None,
                    "querystring_auth": True,
                    "file_overwrite": False,
                },
            },
        }

    def disk_storages(self) -> dict[str, Any]:
        return {
            **settings.STORAGES,
            "default": {
                "BACKEND": "django.core.files.storage.FileSystemStorage",
                "OPTIONS": {"location": self.media},
            },
        }

    def store(self, marker: str) -> Document:
        return docs.document_store(
            org=self.org_a,
            actor=self.bob,
            uploaded_file=SimpleUploadedFile(f"{marker}.pdf", pdf(marker)),
        )

    def keys(self) -> set[str]:
        return {item["Key"] for item in self.s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


class DocumentsInS3Tests(S3TestCase):
    def test_a_document_goes_to_the_bucket_and_comes_back_verified(self):
        with override_settings(STORAGES=self.s3_storages()):
            document = self.store("one")
            self.assertEqual(self.keys(), {document.file.name})
            body = self.s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
            self.assertEqual(hashlib.sha256(body).hexdigest(), document.sha256)
            with docs.document_open(org=self.org_a, document=document) as handle:
                self.assertEqual(handle.read(), pdf("one"))
            # The same content again is the same object: never written twice, never overwritten.
            again = self.store("one")
            self.assertEqual(again.file.name, document.file.name)
            self.assertEqual(len(self.keys()), 1)

    def test_an_object_altered_in_the_bucket_fails_its_check(self):
        with override_settings(STORAGES=self.s3_storages()):
            document = self.store("two")
            self.s3.put_object(Bucket=BUCKET, Key=document.file.name, Body=b"%PDF-1.7 altered")
            with self.assertRaises(docs.DocumentIntegrityError):
                docs.document_open(org=self.org_a, document=document)

    def test_readyz_reaches_the_bucket_and_says_when_it_cannot(self):
        with override_settings(STORAGES=self.s3_storages()):
            self.assertEqual(health.run_check(health.check_storage, 5), "ok")
        closed = f"http://127.0.0.1:{free_port()}"
        with override_settings(STORAGES=self.s3_storages(endpoint=closed)):
            self.assertTrue(health.run_check(health.check_storage, 5).startswith("error:"))


class StorageMigrationTests(S3TestCase):
    def migrate(self, *args: str) -> str:
        out = io.StringIO()
        with override_settings(STORAGES=self.s3_storages()):
            call_command("storage_migrate", "--source", self.media, *args, stdout=out, stderr=out)
        return out.getvalue()

    def test_every_file_is_copied_and_verified_and_a_rerun_copies_nothing(self):
        with override_settings(STORAGES=self.disk_storages(), MEDIA_ROOT=self.media):
            documents = [self.store(f"doc-{number}") for number in range(3)]
        self.assertEqual(self.keys(), set())

        self.assertIn("3 would copy, 0 already there", self.migrate("--dry-run"))
        self.assertEqual(self.keys(), set())  # a dry run copies nothing

        self.assertIn("3 copied, 0 already there and verified, 0 failed.", self.migrate())
        self.assertEqual(self.keys(), {document.file.name for document in documents})
        for document in documents:
            body = self.s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
            self.assertEqual(hashlib.sha256(body).hexdigest(), document.sha256)

        self.assertIn("0 copied, 3 already there and verified, 0 failed.", self.migrate())
        # And the application reads them from the bucket now.
        with (
            override_settings(STORAGES=self.s3_storages()),
            docs.document_open(org=self.org_a, document=documents[1]) as handle,
        ):
            self.assertEqual(handle.read(), pdf("doc-1"))

    def test_a_file_damaged_on_disk_is_reported_and_not_copied(self):
        with override_settings(STORAGES=self.disk_storages(), MEDIA_ROOT=self.media):
            good, damaged = self.store("good"), self.store("damaged")
        with open(f"{self.media}/{damaged.file.name}", "r+b") as handle:
            handle.write(b"%PDF-9.9")
        with self.assertRaisesMessage(CommandError, "1 file(s) not migrated"):
            self.migrate()
        self.assertEqual(self.keys(), {good.file.name})

    def test_an_object_already_in_the_bucket_with_other_bytes_is_reported(self):
        with override_settings(STORAGES=self.disk_storages(), MEDIA_ROOT=self.media):
            document = self.store("clash")
        self.s3.put_object(Bucket=BUCKET, Key=document.file.name, Body=b"something else")
        with self.assertRaisesMessage(CommandError, "1 file(s) not migrated"):
            self.migrate()
        # Left as it is for a person to look at: never overwritten by the command.
        body = self.s3.get_object(Bucket=BUCKET, Key=document.file.name)["Body"].read()
        self.assertEqual(body, b"something else")

    def test_the_source_must_not_be_the_configured_storage(self):
        with (
            override_settings(STORAGES=self.disk_storages(), MEDIA_ROOT=self.media),
            self.assertRaisesMessage(CommandError, "set S3_* first"),
        ):
            call_command("storage_migrate", "--source", self.media)
