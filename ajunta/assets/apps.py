from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssetsConfig(AppConfig):
    name = "ajunta.assets"
    label = "assets"
    verbose_name = _("IT inventory")

    def ready(self) -> None:
        from ajunta.assets.activity import SENTENCES
        from ajunta.core.activity import register_sentences

        register_sentences(SENTENCES)
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        provider = {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN}
        # The provider keeps the inventory; a municipality's office staff see their own
        # equipment and its admin keeps the municipality's own records (backups, ENS, token).
        register_permissions(
            {
                "assets.view": provider | {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF},
                "assets.manage": provider | {Role.MUNICIPAL_ADMIN},
                "assets.agent_token": provider | {Role.MUNICIPAL_ADMIN},
            }
        )
        register_module(
            Module(
                code="assets",
                label=_("IT inventory"),
                url_name="assets_list",
                permission="assets.view",
                links=(
                    (_("Assets"), "assets_list", None),
                    (_("Security posture"), "assets_posture", None),
                    (_("Alerts"), "assets_alerts", None),
                    (_("Import assets"), "assets_import", "assets.manage"),
                    (_("Inventory agent"), "assets_agent_token", "assets.agent_token"),
                ),
                order=40,
                figures="ajunta.assets.selectors.work_figures",
            )
        )
