from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HelpdeskConfig(AppConfig):
    name = "ajunta.helpdesk"
    label = "helpdesk"
    verbose_name = _("Helpdesk")

    def ready(self) -> None:
        from ajunta.core.activity import register_sentences
        from ajunta.helpdesk.activity import SENTENCES

        register_sentences(SENTENCES)
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        provider = {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN}
        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        register_permissions(
            {
                # Municipal staff open and follow their own tickets; provider staff open them on
                # a member's behalf and see every member's under the provider's slug.
                "helpdesk.view": office | provider,
                "helpdesk.open": office | provider,
                "helpdesk.work": provider,
                "helpdesk.reports": provider | {Role.MUNICIPAL_ADMIN},
                "helpdesk.settings": {Role.PROVIDER_ADMIN},
            }
        )
        register_module(
            Module(
                code="helpdesk",
                label=_("Helpdesk"),
                url_name="helpdesk_queue",
                permission="helpdesk.view",
                links=(
                    (_("Tickets"), "helpdesk_queue", None),
                    (_("Open a ticket"), "helpdesk_ticket_new", "helpdesk.open"),
                    (_("Knowledge base"), "helpdesk_articles", None),
                    (_("Time spent"), "helpdesk_time_report", "helpdesk.reports"),
                    (_("Statistics"), "helpdesk_stats", "helpdesk.work"),
                    (_("Telecom faults by operator"), "helpdesk_telecom_report", "helpdesk.work"),
                    (_("Helpdesk settings"), "helpdesk_settings", "helpdesk.settings"),
                ),
                order=30,
                figures="ajunta.helpdesk.selectors.work_figures",
            )
        )
