from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "ajunta.registry"
    label = "registry"
    verbose_name = _("Registry")

    def ready(self) -> None:
        from ajunta.core.activity import register_sentences
        from ajunta.registry.activity import SENTENCES

        register_sentences(SENTENCES)
        from ajunta.persons.services import register_person_records, register_person_reference
        from ajunta.registry.selectors import person_records

        register_person_reference("registry.InterestedParty")
        register_person_records(person_records)
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.sweep import Sweeper, register_sweeper
        from ajunta.core.tenancy import register_permissions
        from ajunta.registry import selectors, services

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
        # A receipt a dead worker never issued is issued by the sweep (docs/security.md).
        register_sweeper(
            Sweeper(
                kind="registry.receipt",
                pending=selectors.entries_without_receipt,
                finish=services.registry_entry_receipt_sweep,
                describe=lambda entry: entry.number,
            )
        )
