"""The pages of background work: a run's progress and outcome, and the organization's runs."""

from __future__ import annotations

from typing import Any

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from ajunta.core.tenancy import TenantHttpRequest
from ajunta.core.views import TenantView, is_htmx
from ajunta.jobs import selectors
from ajunta.jobs.kinds import KINDS, title_of
from ajunta.jobs.models import TaskRun, TaskRunStatus

TONES = {
    TaskRunStatus.PENDING: "",
    TaskRunStatus.RUNNING: "warn",
    TaskRunStatus.SUCCEEDED: "ok",
    TaskRunStatus.FAILED: "danger",
}
POLL_SECONDS = 1


class JobsView(TenantView):
    permission = "jobs.view"

    def run_or_404(self, pk: int) -> TaskRun:
        try:
            return selectors.task_run(org=self.request.org, pk=pk)
        except TaskRun.DoesNotExist as exc:
            raise Http404 from exc


def who(run: TaskRun) -> str:
    user = run.created_by
    return (user.get_full_name() or user.get_username()) if user else ""


def when(moment: Any) -> str:
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def run_context(run: TaskRun, org_slug: str) -> dict[str, Any]:
    done, total = selectors.task_run_progress(run)
    kind = KINDS.get(run.kind)
    outcome = kind.describe(run.result) if kind and run.status == TaskRunStatus.SUCCEEDED else ""
    back = ""
    if kind and kind.back_url_name:
        try:
            back = reverse(kind.back_url_name, args=[org_slug])
        except NoReverseMatch:
            back = ""
    status: Any = run.get_status_display()
    if TONES[TaskRunStatus(run.status)]:
        status = {"text": status, "tone": TONES[TaskRunStatus(run.status)]}
    summary = [
        (_("Status"), status),
        (_("Started by"), who(run)),
        (_("Started at"), when(run.created_at)),
    ]
    if run.finished_at:
        summary.append((_("Finished at"), when(run.finished_at)))
    return {
        "run": run,
        "summary": summary,
        "title": title_of(run.kind),
        "done": done,
        "total": total,
        "outcome": outcome,
        "back": back,
        "poll_seconds": POLL_SECONDS,
        "download": reverse("jobs_run_download", args=[org_slug, run.pk]) if run.output else "",
    }


class RunView(JobsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> HttpResponse:
        context = run_context(self.run_or_404(pk), org_slug)
        if is_htmx(request):
            return render(request, "jobs/partials/progress.html", context)
        return render(request, "jobs/run.html", context)


class RunDownloadView(JobsView):
    def get(self, request: TenantHttpRequest, org_slug: str, pk: int) -> FileResponse:
        run = self.run_or_404(pk)
        if not run.output:
            raise Http404
        return FileResponse(
            run.output.open("rb"), as_attachment=True, filename=run.output_name or "download"
        )


class RunListView(JobsView):
    def get(self, request: TenantHttpRequest, org_slug: str) -> HttpResponse:
        runs = list(selectors.task_runs(org=request.org)[:100])
        rows = [
            [
                {"text": f"{title_of(run.kind)} #{run.pk}",
                 "url": reverse("jobs_run", args=[org_slug, run.pk])},
                run.get_status_display(),
                who(run),
                when(run.created_at),
                run.error,
            ]
            for run in runs
        ]  # fmt: skip
        headers = [_("Task"), _("Status"), _("Started by"), _("Started at"), _("Error")]
        return render(request, "jobs/runs.html", {"rows": rows, "headers": headers})
