from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "ajunta.jobs"
    label = "jobs"
    verbose_name = _("Background work")

    def ready(self) -> None:
        from ajunta.core.activity import register_sentences
        from ajunta.core.models import Role
        from ajunta.core.tenancy import register_permissions
        from ajunta.jobs import kinds

        register_sentences(
            {
                "jobs.task_run_start": _("%(actor)s started %(object)s in the background"),
                "jobs.task_run_finish": _("%(object)s finished in the background"),
                "jobs.task_run_fail": _("%(object)s failed in the background"),
            }
        )
        # Whoever may start background work sees the organization's runs, failures included.
        register_permissions(
            {
                "jobs.view": {
                    Role.PROVIDER_ADMIN,
                    Role.PROVIDER_TECHNICIAN,
                    Role.MUNICIPAL_ADMIN,
                    Role.MUNICIPAL_STAFF,
                }
            }
        )
        kinds.register_builtin()
        # The task is registered with Celery here, so that services enqueue it by name.
        from ajunta.jobs import tasks

        del tasks
