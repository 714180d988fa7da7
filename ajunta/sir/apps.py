from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SirConfig(AppConfig):
    name = "ajunta.sir"
    label = "sir"
    verbose_name = _("SIR interchange")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.sweep import Sweeper, register_sweeper
        from ajunta.core.tenancy import register_permissions
        from ajunta.sir import services

        # Interchanges carry registry entries (citizens' personal data): municipal office roles.
        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        register_permissions({"sir.view": office, "sir.send": office, "sir.receive": office})
        register_module(
            Module(
                code="sir",
                label=_("SIR interchange"),
                url_name="sir_trays",
                permission="sir.view",
                links=(
                    (_("Pending SIR"), "sir_trays", None),
                    (_("Send an entry by SIR"), "sir_send", "sir.send"),
                    (_("DIR3 directory"), "sir_directory", None),
                ),
                order=15,
            )
        )
        # A SICRES file a dead worker never handed to the transport is handed over by the sweep.
        register_sweeper(
            Sweeper(
                kind="sir.handover",
                pending=services.handovers_pending,
                finish=services.handover_sweep,
                describe=lambda row: row.identifier,
            )
        )
