"""The sentences of the inventory's codes: its history lines and its audit actions (core.activity)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    # An asset's history lines (AssetChange.code); the actor is shown beside them.
    "assets.history.created": _("Asset created"),
    "assets.history.changed": _("Changed: %(fields)s"),
    "assets.history.inventory_created": _("Created from an inventory"),
    "assets.history.inventory_changed": _("Inventory changed: %(fields)s"),
    # Audit actions.
    "assets.asset_create": _("%(actor)s created the asset %(object)s"),
    "assets.asset_update": _("%(actor)s changed the asset %(object)s"),
    "assets.inventory_import": _("%(actor)s imported an inventory of %(object)s"),
    "assets.security_record_save": _("%(actor)s saved the security record"),
    "assets.agent_token_rotate": _("%(actor)s issued a new inventory agent token"),
    "assets.agent_token_revoke": _("%(actor)s revoked the inventory agent token"),
}
