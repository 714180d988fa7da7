"""The sentences of the helpdesk's audit actions (core.activity)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "helpdesk.ticket.create": _("%(actor)s opened the ticket %(object)s"),
    "helpdesk.ticket.assign": _("%(actor)s assigned the ticket %(object)s"),
    "helpdesk.ticket.classify": _("%(actor)s classified the ticket %(object)s"),
    "helpdesk.ticket.status": _("%(actor)s changed the state of the ticket %(object)s"),
    "helpdesk.ticket.solve": _("%(actor)s solved the ticket %(object)s"),
    "helpdesk.ticket.close": _("%(actor)s closed the ticket %(object)s"),
    "helpdesk.ticket.reopen": _("%(actor)s reopened the ticket %(object)s"),
    "helpdesk.followup.add": _("%(actor)s answered the ticket %(object)s"),
    "helpdesk.article.save": _("%(actor)s saved the article %(object)s"),
    "helpdesk.category.create": _("%(actor)s created the category %(object)s"),
    "helpdesk.sla.breach": _("The ticket %(object)s missed its service level"),
    "helpdesk.sla.escalate": _("The ticket %(object)s was escalated"),
    "helpdesk.survey.answer": _("%(actor)s answered a satisfaction survey"),
}
