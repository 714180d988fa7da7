"""Background work people can see (issue 25): a large CSV import runs as a task with a progress
page polled by htmx, its outcome is kept, and a failed one shows its error to staff."""

from __future__ import annotations

import time
from typing import Any
from unittest import mock

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ajunta.assets.models import Asset
from ajunta.core.models import AuditEvent
from ajunta.core.testing import TenantTestCase, files_under, speaking, use_temporary_media
from ajunta.jobs import services
from ajunta.jobs.models import TaskRun, TaskRunStatus


def assets_csv(rows: int, bad_row: int | None = None) -> bytes:
    lines = ["inventory_tag,kind,name"]
    for number in range(1, rows + 1):
        kind = "toaster" if number == bad_row else "desktop"
        lines.append(f"BG-{number:05d},{kind},Ordinador {number}")
    return ("\n".join(lines) + "\n").encode()


@override_settings(LANGUAGE_CODE="en", JOBS_BACKGROUND_ROWS=500)
class BackgroundImportTests(TenantTestCase):
    def post_csv(self, content: bytes, **extra: Any) -> Any:
        return self.client.post(
            reverse("assets_import", args=["alpha"]),
            {"kind": "csv", "file": SimpleUploadedFile("assets.csv", content)},
            **extra,
        )

    def test_5000_rows_run_in_the_background_with_progress_in_the_page(self):
        client = self.login(self.alice)
        seen: list[str] = []
        real_set = cache.set

        def watching_set(key: str, value: Any, *args: Any, **kwargs: Any) -> Any:
            stored = real_set(key, value, *args, **kwargs)
            # Half-way, the page as its polling would see it (htmx asks for the partial).
            if key.startswith("jobs:progress:") and value == (2500, 5000):
                pk = int(key.rsplit(":", 1)[1])
                partial = client.get(
                    reverse("jobs_run", args=["alpha", pk]), HTTP_HX_REQUEST="true"
                )
                seen.append(partial.content.decode())
            return stored

        started = time.monotonic()
        with (
            mock.patch("ajunta.jobs.services.cache.set", side_effect=watching_set),
            self.captureOnCommitCallbacks(execute=True),
        ):
            response = self.post_csv(assets_csv(5000))
        run = TaskRun.objects.get()
        self.assertRedirects(
            response, reverse("jobs_run", args=["alpha", run.pk]), fetch_redirect_response=False
        )
        # While it ran: 2,500 of 5,000, a progress bar, and the block asks for itself every second.
        self.assertEqual(len(seen), 1)
        self.assertIn("2500 of 5000 done", seen[0])
        self.assertIn('<progress id="task-run-progress" max="5000" value="2500">', seen[0])
        self.assertIn('hx-trigger="every 1s"', seen[0])

        run.refresh_from_db()
        self.assertEqual(run.status, TaskRunStatus.SUCCEEDED)
        self.assertEqual(run.result, {"created": 5000, "updated": 0, "unchanged": 0})
        self.assertEqual(run.input_text, "")  # the upload is not kept
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 5000)
        page = client.get(reverse("jobs_run", args=["alpha", run.pk]))
        self.assertContains(page, "CSV imported: 5000 created, 0 updated, 0 unchanged.")
        self.assertNotContains(page, "hx-trigger")  # finished: no more polling
        self.assertLess(time.monotonic() - started, 300)

    def test_a_failed_import_changes_nothing_and_staff_see_the_error(self):
        client = self.login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            response = self.post_csv(assets_csv(800, bad_row=700))
        run = TaskRun.objects.get()
        self.assertEqual(response.status_code, 302)
        run.refresh_from_db()
        self.assertEqual(run.status, TaskRunStatus.FAILED)
        self.assertIn("Row 701", run.error)
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 0)
        self.assertContains(client.get(reverse("jobs_run", args=["alpha", run.pk])), "Row 701")
        # Other staff of the organization see it in the list of background tasks, with the error.
        listing = self.login(self.bob).get(reverse("jobs_runs", args=["alpha"]))
        self.assertContains(listing, "Failed")
        self.assertContains(listing, "Row 701")
        self.assertTrue(
            AuditEvent.objects.filter(organization=self.org_a, action="jobs.task_run_fail").exists()
        )
        # Another organization's staff: the run does not exist for them.
        other = self.login(self.charlie)
        self.assertEqual(other.get(reverse("jobs_run", args=["beta", run.pk])).status_code, 404)
        self.assertEqual(other.get(reverse("jobs_run", args=["alpha", run.pk])).status_code, 404)
        self.assertNotContains(other.get(reverse("jobs_runs", args=["beta"])), "Row 701")

    def test_a_small_file_is_still_imported_in_the_request(self):
        self.login(self.alice)
        answer = self.post_csv(assets_csv(20))
        self.assertRedirects(answer, reverse("assets_list", args=["alpha"]))
        self.assertFalse(TaskRun.objects.exists())
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 20)

    def test_a_run_is_done_once_even_if_its_message_comes_twice(self):
        self.login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            self.post_csv(assets_csv(600))
        run = TaskRun.objects.get()
        self.assertEqual(run.status, TaskRunStatus.SUCCEEDED)
        again = services.task_run_execute(pk=run.pk)
        self.assertEqual(again.status, TaskRunStatus.SUCCEEDED)
        self.assertEqual(again.result, {"created": 600, "updated": 0, "unchanged": 0})
        self.assertEqual(Asset.objects.filter(organization=self.org_a).count(), 600)
        self.assertEqual(
            AuditEvent.objects.filter(action="jobs.task_run_finish", object_id=str(run.pk)).count(),
            1,
        )

    def test_the_list_costs_the_same_queries_for_many_runs(self):
        self.login(self.alice)
        for _ in range(3):
            services.task_run_start(
                org=self.org_a, actor=self.alice, kind="assets.csv_import",
                params={"owner_id": self.org_a.pk}, input_text="", total=0,
            )  # fmt: skip
        url = reverse("jobs_runs", args=["alpha"])
        self.client.get(url)
        with CaptureQueriesContext(connection) as few:
            self.client.get(url)
        for _ in range(10):
            services.task_run_start(
                org=self.org_a, actor=self.bob, kind="assets.csv_import",
                params={"owner_id": self.org_a.pk}, input_text="", total=0,
            )  # fmt: skip
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(url)

    def test_the_pages_speak_catalan(self):
        run = services.task_run_start(
            org=self.org_a, actor=self.alice, kind="assets.csv_import",
            params={"owner_id": self.org_a.pk}, input_text="", total=10,
        )  # fmt: skip
        client = speaking(self.login(self.alice), "ca")
        page = client.get(reverse("jobs_run", args=["alpha", run.pk]))
        self.assertContains(page, "En espera")
        self.assertContains(page, "Importació d&#x27;actius des de CSV")
        self.assertContains(
            client.get(reverse("jobs_runs", args=["alpha"])), "Tasques en segon pla"
        )


@override_settings(LANGUAGE_CODE="en", JOBS_BACKGROUND_ROWS=20)
class BackgroundExportTests(TenantTestCase):
    def test_a_large_export_is_built_in_the_background_and_kept_for_download(self):
        media = use_temporary_media(self)
        for number in range(30):
            Asset.objects.create(
                organization=self.org_a, kind="desktop", inventory_tag=f"EX-{number:03d}"
            )
        Asset.objects.create(organization=self.org_b, kind="desktop", inventory_tag="BETA-1")
        client = self.login(self.alice)
        with self.captureOnCommitCallbacks(execute=True):
            response = client.get(reverse("assets_csv", args=["alpha"]))
        run = TaskRun.objects.get()
        self.assertRedirects(
            response, reverse("jobs_run", args=["alpha", run.pk]), fetch_redirect_response=False
        )
        run.refresh_from_db()
        self.assertEqual(run.status, TaskRunStatus.SUCCEEDED)
        page = client.get(reverse("jobs_run", args=["alpha", run.pk]))
        self.assertContains(page, "The CSV is ready: 30 assets.")
        download_url = reverse("jobs_run_download", args=["alpha", run.pk])
        self.assertContains(page, download_url)
        download = client.get(download_url)
        self.assertEqual(download.status_code, 200)
        self.assertIn('filename="inventari-alpha.csv"', download["Content-Disposition"])
        text = b"".join(download.streaming_content).decode("utf-8-sig")
        self.assertEqual(text.count("EX-0"), 30)
        self.assertNotIn("BETA-1", text)
        self.assertTrue(files_under(media))  # kept in the storage, not in the database
        # Another organization's staff cannot fetch it.
        other = self.login(self.charlie)
        self.assertEqual(
            other.get(reverse("jobs_run_download", args=["beta", run.pk])).status_code, 404
        )

    def test_a_small_export_still_streams_at_once(self):
        Asset.objects.create(organization=self.org_a, kind="desktop", inventory_tag="EX-1")
        response = self.login(self.alice).get(reverse("assets_csv", args=["alpha"]))
        self.assertEqual(response.status_code, 200)
        self.assertIn("EX-1", b"".join(response.streaming_content).decode())
        self.assertFalse(TaskRun.objects.exists())
