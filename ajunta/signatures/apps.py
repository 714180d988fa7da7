from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SignaturesConfig(AppConfig):
    name = "ajunta.signatures"
    label = "signatures"
    verbose_name = _("Personal signatures")

    def ready(self) -> None:
        from ajunta.core.models import Role
        from ajunta.core.tenancy import register_permissions

        # Whoever is named as a signer signs; these permissions only open the pages.
        register_permissions(
            {
                "signatures.view": {
                    Role.MUNICIPAL_ADMIN,
                    Role.MUNICIPAL_STAFF,
                    Role.ELECTED_MEMBER,
                },
            }
        )
