"""The worker's side of background work (ajunta.jobs.services)."""

from celery import shared_task

from ajunta.jobs import services


@shared_task(name=services.TASK_NAME)
def task_run_execute(pk: int) -> str:
    return services.task_run_execute(pk=pk).status
