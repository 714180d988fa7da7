"""Incident timeline codes, rendered in the reader's language."""

from django.utils.translation import gettext as _


def event_label(code: str) -> str:
    labels = {
        "detected": _("Incident detected"),
        "aware": _("Became aware of the incident (the legal clocks start)"),
        "updated": _("Details changed"),
        "note": "",
        "action": _("Action taken"),
        "step_early_warning": _("Early warning sent to the CSIRT"),
        "step_notification": _("Incident notification sent to the CSIRT"),
        "step_final_report": _("Final report sent"),
        "step_gdpr": _("Personal-data breach notified to the authority"),
        "status_open": _("Reopened"),
        "status_contained": _("Contained"),
        "status_closed": _("Closed"),
    }
    return labels.get(code, code)
