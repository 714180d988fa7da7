"""System checks that keep the deployment honest."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register


@register(Tags.security, deploy=True)
def check_storage_and_mail(app_configs: Any, **kwargs: Any) -> list[Error]:
    errors = []
    if settings.SITE_URL.startswith("http://") and not settings.DEBUG:
        errors.append(
            Error(
                "SITE_URL must be https:// in production (it is printed on receipts).",
                id="ajunta.E001",
            )
        )
    return errors
