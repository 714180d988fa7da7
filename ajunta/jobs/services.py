"""Writes of background work: start a run, and (in the worker) carry it out (docs/operations.md)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from ajunta.core.audit import audit_record
from ajunta.jobs.kinds import KINDS
from ajunta.jobs.models import TaskRun, TaskRunStatus

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from ajunta.core.models import User
    from ajunta.tenants.models import Organization

logger = logging.getLogger(__name__)

TASK_NAME = "ajunta.jobs.tasks.task_run_execute"
# Progress is written to the cache, not the row: the work runs in one transaction (an import is
# all or nothing), and the cache is what the page polling from another process can read.
PROGRESS_KEY = "jobs:progress:{pk}"
PROGRESS_TTL = 24 * 3600


def progress_key(pk: int) -> str:
    return PROGRESS_KEY.format(pk=pk)


def task_run_start(
    *,
    org: Organization,
    actor: User | AnonymousUser,
    kind: str,
    params: dict[str, Any] | None = None,
    input_text: str = "",
    total: int = 0,
) -> TaskRun:
    """Record the run and hand it to a worker once the transaction commits."""
    if kind not in KINDS:
        raise ValueError(f"Unknown background kind {kind!r}.")
    with transaction.atomic():
        run = TaskRun.objects.create(
            organization=org,
            kind=kind,
            created_by=actor if actor.is_authenticated else None,
            params=params or {},
            input_text=input_text,
            total=total,
        )
        audit_record(
            org=org, actor=actor, action="jobs.task_run_start", obj=run,
            changes={"kind": kind, "total": total},
        )  # fmt: skip
        transaction.on_commit(lambda: _enqueue(run.pk))
    return run


def _enqueue(pk: int) -> None:
    # By name, through the app: services never import tasks (docs/architecture.md). Without a
    # broker the task runs here and now (settings: CELERY_TASK_ALWAYS_EAGER).
    from ajunta.celery import app

    app.tasks[TASK_NAME].delay(pk)


def task_run_execute(*, pk: int) -> TaskRun:
    """Carry out a run (the worker's side). A run already started or finished is left alone, so a
    message delivered twice does the work once."""
    claimed = TaskRun.objects.filter(pk=pk, status=TaskRunStatus.PENDING).update(
        status=TaskRunStatus.RUNNING, started_at=timezone.now()
    )
    run = TaskRun.objects.select_related("organization", "created_by").get(pk=pk)
    if not claimed:
        return run
    kind = KINDS[run.kind]
    key = progress_key(pk)

    def progress(done: int, total: int) -> None:
        cache.set(key, (done, total), PROGRESS_TTL)

    progress(0, run.total)
    try:
        result = kind.run(run=run, progress=progress)
    except ValidationError as exc:
        return _fail(run, " ".join(exc.messages))
    except Exception as exc:
        logger.exception("Background run %s (%s) failed", pk, run.kind)
        return _fail(run, f"{type(exc).__name__}: {exc}")
    content = result.pop("content", None)
    file_name = result.pop("file_name", "")
    with transaction.atomic():
        if content is not None:
            run.output.save(file_name, ContentFile(content), save=False)
            run.output_name = file_name
        run.status = TaskRunStatus.SUCCEEDED
        run.result = result
        run.done = run.total or result.get("rows", 0)
        run.finished_at = timezone.now()
        run.input_text = ""  # the upload is not kept once its work is done
        run.save(
            update_fields=[
                "status", "result", "done", "finished_at", "input_text", "output", "output_name",
            ]
        )  # fmt: skip
        audit_record(
            org=run.organization, actor=None, action="jobs.task_run_finish", obj=run,
            changes={"kind": run.kind, "result": result},
        )  # fmt: skip
    cache.delete(key)
    return run


def _fail(run: TaskRun, error: str) -> TaskRun:
    with transaction.atomic():
        run.status = TaskRunStatus.FAILED
        run.error = error[:4000]
        run.finished_at = timezone.now()
        run.input_text = ""
        run.save(update_fields=["status", "error", "finished_at", "input_text"])
        audit_record(
            org=run.organization, actor=None, action="jobs.task_run_fail", obj=run,
            changes={"kind": run.kind, "error": run.error},
        )  # fmt: skip
    cache.delete(progress_key(run.pk))
    return run
