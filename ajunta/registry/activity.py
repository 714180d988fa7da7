"""The sentences of the registry's audit actions (core.activity)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "registry.entry.create": _("%(actor)s registered the entry %(object)s"),
    "registry.entry.acknowledge": _("%(actor)s acknowledged the entry %(object)s"),
    "registry.entry.annul": _("%(actor)s annulled the entry %(object)s"),
    "registry.entry.receipt": _("%(actor)s issued the receipt of the entry %(object)s"),
    "registry.unit.create": _("%(actor)s created the unit %(object)s"),
    "registry.unit.update": _("%(actor)s changed the unit %(object)s"),
    "registry.settings.update": _("%(actor)s changed the registry's settings"),
}
