from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "ajunta.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from ajunta.core import checks, logs, metrics

        del checks  # imported for its side effect: it registers the system checks

        # The request id travels with queued tasks; task outcomes feed /metrics (docs/operations.md).
        logs.connect_celery_signals()
        metrics.connect_celery_signals()
