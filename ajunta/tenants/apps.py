from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TenantsConfig(AppConfig):
    name = "ajunta.tenants"
    label = "tenants"
    verbose_name = _("Organizations")

    def ready(self) -> None:
        from ajunta.core.activity import register_sentences
        from ajunta.tenants.activity import SENTENCES

        register_sentences(SENTENCES)
        from ajunta.core.models import Role
        from ajunta.core.modules import Module, register_module
        from ajunta.core.tenancy import register_permissions

        provider = {Role.PROVIDER_ADMIN, Role.PROVIDER_TECHNICIAN}
        office = {Role.MUNICIPAL_ADMIN, Role.MUNICIPAL_STAFF}
        register_permissions(
            {
                # The provider's own work: its members, their fees and agreements.
                "members.view": provider,
                "members.manage": {Role.PROVIDER_ADMIN},
                "site.edit": {Role.PROVIDER_ADMIN},
                "training.manage": provider,
                # A member's staff see the provider's sessions and enrol their council.
                "training.enrol": office,
            }
        )
        # Shown only where Organization.uses_module("members") holds: the provider.
        register_module(
            Module(
                code="members",
                label=_("Members"),
                url_name="members_dashboard",
                permission="members.view",
                links=(
                    (_("Members and applications"), "memberships", None),
                    (_("Fees"), "fees", None),
                    (_("Agreements"), "agreements", None),
                    (_("Services catalogue"), "catalogue", None),
                    (_("Training and visits"), "training_sessions", None),
                    (_("Public website"), "site_pages", "site.edit"),
                ),
                order=5,
                figures="ajunta.tenants.selectors.work_figures",
            )
        )
        # A member's side of training: on when its agreement includes the "training" service.
        register_module(
            Module(
                code="training",
                label=_("Training"),
                url_name="member_training",
                permission="training.enrol",
                links=((_("Training sessions and visits"), "member_training", None),),
                order=60,
            )
        )
