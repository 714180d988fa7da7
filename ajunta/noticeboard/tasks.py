from celery import shared_task

from ajunta.noticeboard import services


@shared_task(name="ajunta.noticeboard.tasks.noticeboard_certify")
def noticeboard_certify() -> int:
    """Issue the certificates of publication of the edicts whose period is over."""
    return services.edicts_certify_due()
