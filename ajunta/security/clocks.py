"""The legal clocks of a security incident, computed from the moment the organization became aware.

- NIS2 (Directive (EU) 2022/2555, art. 23.4) for a significant incident, as the Spanish
  transposition applies it to public-sector entities: an early warning within 24 hours, an incident
  notification within 72 hours, a final report within one month of the notification.
- GDPR art. 33.1: a personal-data breach is notified to the supervisory authority within 72 hours.

These are clock hours and a calendar month (date to date, the last day of the month when the date
does not exist), not business days: the CSIRTs and the data-protection authorities take notices
around the clock. Pure functions, no database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

EARLY_WARNING = dt.timedelta(hours=24)
NOTIFICATION = dt.timedelta(hours=72)
GDPR_NOTICE = dt.timedelta(hours=72)
# step code -> the incident's field recording when it was done
STEP_FIELDS = {
    "early_warning": "early_warning_at",
    "notification": "notification_at",
    "final_report": "final_report_at",
    "gdpr": "gdpr_notified_at",
}
STEP_LABELS = {
    "early_warning": _("Early warning to the CSIRT (24 h)"),
    "notification": _("Incident notification to the CSIRT (72 h)"),
    "final_report": _("Final report (one month after the notification)"),
    "gdpr": _("Personal-data breach notice to the authority (GDPR, 72 h)"),
}


def add_month(moment: dt.datetime) -> dt.datetime:
    year, month = (moment.year + 1, 1) if moment.month == 12 else (moment.year, moment.month + 1)
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Step:
    code: str
    due: dt.datetime
    done_at: dt.datetime | None
    now: dt.datetime
    provisional: bool = False  # the final report's date until the notification is sent

    @property
    def label(self) -> str:
        return str(STEP_LABELS[self.code])

    @property
    def overdue(self) -> bool:
        return self.done_at is None and self.now > self.due

    @property
    def late(self) -> bool:
        """Done, but after its due time."""
        return self.done_at is not None and self.done_at > self.due

    @property
    def remaining(self) -> dt.timedelta:
        return self.due - self.now

    @property
    def state(self) -> str:
        """done, late, overdue or pending: for the tag's colour."""
        if self.done_at is not None:
            return "late" if self.late else "done"
        return "overdue" if self.overdue else "pending"


def steps(incident: Any, now: dt.datetime) -> list[Step]:
    """The steps that apply to `incident`, in order of their due time."""
    aware = incident.aware_at
    found = []
    if incident.significant:
        found.append(Step("early_warning", aware + EARLY_WARNING, incident.early_warning_at, now))
        found.append(Step("notification", aware + NOTIFICATION, incident.notification_at, now))
        base = incident.notification_at or aware + NOTIFICATION
        found.append(
            Step("final_report", add_month(base), incident.final_report_at, now,
                 provisional=incident.notification_at is None)
        )  # fmt: skip
    if incident.personal_data:
        found.append(Step("gdpr", aware + GDPR_NOTICE, incident.gdpr_notified_at, now))
    return sorted(found, key=lambda s: (s.due, s.code))
