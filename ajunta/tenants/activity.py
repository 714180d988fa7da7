"""The sentences of the organizations' audit actions (core.activity)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "organization.create": _("%(actor)s created the organization %(object)s"),
    "organization.update": _("%(actor)s changed the organization's profile"),
    "catalogue_service.create": _("%(actor)s added the service %(object)s to the catalogue"),
    "catalogue_service.update": _("%(actor)s changed the catalogue service %(object)s"),
    "agreement.create": _("%(actor)s drew up the agreement %(object)s"),
    "public_page.create": _("%(actor)s published the page %(object)s"),
    "training_session.create": _("%(actor)s scheduled the training session %(object)s"),
    "role.grant": _("%(actor)s granted a role to %(object)s"),
    "role.revoke": _("%(actor)s withdrew a role from %(object)s"),
}
