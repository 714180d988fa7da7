"""The sentences of the notice board's audit actions (core.activity)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "noticeboard.edict.publish": _("%(actor)s published the edict %(object)s"),
    "noticeboard.edict.withdraw": _("%(actor)s withdrew the edict %(object)s"),
    "noticeboard.edict.certify": _("The certificate of publication of %(object)s was issued"),
}
