"""Reads of background work."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import QuerySet

from ajunta.jobs.models import TaskRun, TaskRunStatus
from ajunta.jobs.services import progress_key

if TYPE_CHECKING:
    from ajunta.tenants.models import Organization


def task_runs(*, org: Organization) -> QuerySet[TaskRun]:
    return TaskRun.objects.filter(organization=org).select_related("created_by")


def task_run(*, org: Organization, pk: int) -> TaskRun:
    """The run of `org`, or DoesNotExist (another organization's run does not exist here)."""
    return task_runs(org=org).get(pk=pk)


def task_run_progress(run: TaskRun) -> tuple[int, int]:
    """(done, total): from the cache while the run works, from the row once it finished."""
    if run.status == TaskRunStatus.RUNNING:
        found = cache.get(progress_key(run.pk))
        if found:
            return int(found[0]), int(found[1])
    return run.done, run.total
