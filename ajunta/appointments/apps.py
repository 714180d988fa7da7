from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "ajunta.appointments"
    label = "appointments"
    verbose_name = _("Appointments")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        register_permissions(
            {
                # Bookings carry citizens' names and NIFs: municipal staff only.
                "appointments.view": office,
                "appointments.attend": office,
                "appointments.settings": {Role.MUNICIPAL_ADMIN},
                # The provider sees how members use the service: counts, never people.
                "appointments.usage": {Role.PROVIDER_ADMIN},
            }
        )
        register_module(
            Module(
                code="appointments",
                label=_("Appointments"),
                url_name="appointments_agenda",
                permission="appointments.view",
                links=(
                    (_("Today's agenda"), "appointments_agenda", None),
                    (_("Statistics"), "appointments_stats", None),
                    (_("Offices and services"), "appointments_setup", "appointments.settings"),
                    (_("Closures"), "appointments_closures", "appointments.settings"),
                ),
                order=45,
                figures="ajunta.appointments.selectors.work_figures",
            )
        )
        # The provider's view of how its members use appointments (counts only).
        register_module(
            Module(
                code="appointments-usage",
                label=_("Appointments across members"),
                url_name="appointments_usage",
                permission="appointments.usage",
                order=46,
            )
        )
