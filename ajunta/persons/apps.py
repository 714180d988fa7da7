from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonsConfig(AppConfig):
    name = "ajunta.persons"
    label = "persons"
    verbose_name = _("Register of persons")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        # Personal data of citizens and businesses: municipal office roles only, as the registry.
        register_permissions(
            {
                "persons.view": office,
                "persons.manage": office,
                "persons.merge": {Role.MUNICIPAL_ADMIN},
            }
        )
        register_module(
            Module(
                code="persons",
                label=_("Persons"),
                url_name="persons_list",
                permission="persons.view",
                links=((_("Register of persons"), "persons_list", None),),
                order=15,
            )
        )
