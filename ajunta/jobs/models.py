"""Background work people can see (docs/operations.md, Background work).

A TaskRun is one import or export that runs in a Celery worker instead of inside the request: the
page that started it redirects to the run's page, which polls its progress (htmx) until it
finishes, then shows the outcome, the file to download when it made one, or the error. Runs are
kept: staff see the organization's runs, failed ones with their error.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ajunta.core.models import TenantModel


class TaskRunStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


FINISHED = (TaskRunStatus.SUCCEEDED, TaskRunStatus.FAILED)


def task_run_output_path(run: TaskRun, filename: str) -> str:
    return f"task-runs/{run.organization_id}/{run.pk}/{filename}"


class TaskRun(TenantModel):
    kind = models.CharField(_("kind"), max_length=60)  # a code of ajunta.jobs.kinds
    status = models.CharField(
        _("status"), max_length=10, choices=TaskRunStatus.choices, default=TaskRunStatus.PENDING
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    started_at = models.DateTimeField(_("began running at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # What the kind needs (ids, filters) and the uploaded text; the input is cleared once done.
    params = models.JSONField(default=dict, blank=True)
    input_text = models.TextField(blank=True)
    total = models.PositiveIntegerField(_("items"), default=0)
    done = models.PositiveIntegerField(_("items done"), default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    output = models.FileField(upload_to=task_run_output_path, max_length=255, blank=True)
    output_name = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="jobs_run_org_created"),
            models.Index(fields=["status", "created_at"], name="jobs_run_status_created"),
        ]

    def __str__(self) -> str:
        from ajunta.jobs.kinds import title_of

        return f"{title_of(self.kind)} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in FINISHED
