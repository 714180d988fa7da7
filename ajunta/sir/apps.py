from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SirConfig(AppConfig):
    name = "ajunta.sir"
    label = "sir"
    verbose_name = _("SIR interchange")
