from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    name = "ajunta.security"
    label = "security"
    verbose_name = _("Cybersecurity")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions
        from ajunta.security import posture_checks

        provider = {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN}
        # The provider runs the cybersecurity service; a member's administrator (the secretary)
        # sees its exposures and records its incidents and ENS measures.
        register_permissions(
            {
                "security.view": provider | {Role.MUNICIPAL_ADMIN},
                "security.manage": provider | {Role.MUNICIPAL_ADMIN},
            }
        )
        register_module(
            Module(
                code="security",
                label=_("Cybersecurity"),
                url_name="security_home",
                permission="security.view",
                links=(
                    (_("Exposed devices"), "security_exposures", None),
                    (_("Who still runs…"), "security_who_runs", None),
                    (_("Security incidents"), "security_incidents", None),
                    (_("ENS conformity"), "security_ens", None),
                ),
                order=45,
                figures="ajunta.security.selectors.work_figures",
            )
        )
        posture_checks.register()
