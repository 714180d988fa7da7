from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "ajunta.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        # Registry entries hold citizens' personal data: municipal office roles only. Provider
        # staff and elected members get no access unless granted an office role there.
        register_permissions(
            {
                "registry.view": office,
                "registry.create": office,
                "registry.acknowledge": office,
                "registry.annul": {Role.MUNICIPAL_ADMIN},
                "registry.settings": {Role.MUNICIPAL_ADMIN},
            }
        )
        register_module(
            Module(
                code="registry",
                label=_("Registry"),
                url_name="registry_book",
                permission="registry.view",
                links=(
                    (_("Registry book"), "registry_book", None),
                    (_("Register an entry"), "registry_entry_new", "registry.create"),
                    (_("Units and pending entries"), "registry_units", None),
                ),
                order=10,
                figures="ajunta.registry.selectors.work_figures",
            )
        )
