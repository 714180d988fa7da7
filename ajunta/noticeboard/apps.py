from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticeboardConfig(AppConfig):
    name = "ajunta.noticeboard"
    label = "noticeboard"
    verbose_name = _("Notice board")

    def ready(self) -> None:
        from ajunta.core.activity import register_sentences
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions
        from ajunta.noticeboard.activity import SENTENCES

        register_sentences(SENTENCES)
        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        register_permissions(
            {
                "noticeboard.view": office | {Role.ELECTED_MEMBER},
                "noticeboard.publish": office,
                # Withdrawing an edict before its time is the secretary's call.
                "noticeboard.withdraw": {Role.MUNICIPAL_ADMIN},
            }
        )
        # Every council must keep a notice board; it comes with the case-file service (edicts
        # publish acts of case files), so that service's agreement switches it on.
        register_module(
            Module(
                code="noticeboard",
                label=_("Notice board"),
                url_name="noticeboard_list",
                permission="noticeboard.view",
                links=(
                    (_("Notice board"), "noticeboard_list", None),
                    (_("Publish an edict"), "noticeboard_new", "noticeboard.publish"),
                ),
                order=25,
                figures="ajunta.noticeboard.selectors.work_figures",
                service_module="cases",
            )
        )
