from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeetingsConfig(AppConfig):
    name = "ajunta.meetings"
    label = "meetings"
    verbose_name = _("Collegiate bodies")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        register_permissions(
            {
                # Members read their bodies, sessions and documents; the secretary's office
                # prepares, convenes, records and writes the minutes.
                "meetings.view": office | {Role.ELECTED_MEMBER},
                "meetings.manage": office,
            }
        )
        register_module(
            Module(
                code="meetings",
                label=_("Collegiate bodies"),
                url_name="meetings_home",
                permission="meetings.view",
                links=(
                    (_("My sessions"), "meetings_mine", None),
                    (_("Bodies and sessions"), "meetings_home", None),
                    (_("New body"), "meetings_body_new", "meetings.manage"),
                ),
                order=45,
                figures="ajunta.meetings.selectors.work_figures",
            )
        )
