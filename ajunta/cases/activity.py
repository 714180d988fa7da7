"""The sentences of the case files' audit actions (core.activity)."""

from django.utils.translation import gettext_lazy as _

SENTENCES = {
    "cases.case.open": _("%(actor)s opened the case file %(object)s"),
    "cases.case.assign": _("%(actor)s assigned the case file %(object)s"),
    "cases.case.phase": _("%(actor)s moved the case file %(object)s to another phase"),
    "cases.case.suspend": _("%(actor)s suspended the time limit of the case file %(object)s"),
    "cases.case.resume": _("%(actor)s resumed the time limit of the case file %(object)s"),
    "cases.case.close": _("%(actor)s closed the case file %(object)s"),
    "cases.document.add": _("%(actor)s added a document to a case file"),
    "cases.document.sign": _("%(actor)s signed a document"),
    "cases.decree.create": _("%(actor)s drafted the decree %(object)s"),
    "cases.decree.sign": _("%(actor)s signed the decree %(object)s"),
    "cases.notification.send": _("%(actor)s sent a notification"),
    "cases.notification.deemed_rejected": _(
        "A notification was deemed rejected (10 days unopened)"
    ),
    "cases.procedure.create": _("%(actor)s created the procedure %(object)s"),
    "cases.procedure.update": _("%(actor)s changed the procedure %(object)s"),
    "cases.procedure.adopt": _("%(actor)s adopted the procedure %(object)s"),
}
