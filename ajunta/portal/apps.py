from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """The citizens' side (seu electrònica). A face over the other apps' services: no models."""

    name = "ajunta.portal"
    label = "portal"
    verbose_name = _("Citizen portal")
