"""Display values of the case pages, computed once per page in Python.

A list page of 50 rows spent most of its time in the template engine: a `{% url %}`, three
`|date` filters, `get_status_display` and an `{% include %}` of the deadline badge per row. Here
the same values come from one `reverse()`, one lookup of each date format and one dict of status
labels per page; the strings and their translations are the ones the templates used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.formats import localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from ajunta.cases.models import CaseStatus
from ajunta.cases.selectors import DeadlineSignal, deadline_signal_of
from ajunta.core.display import DateDisplay, choice_labels, person_name, row_url


def deadline_badge(signal: DeadlineSignal, status_label: str) -> SafeString:
    """The deadline badge of a case (of the case list and of the case page).

    The pluralised messages are filled in like {% blocktranslate count %} does (the catalogue's
    text as is, the number localized); the others are escaped like {% translate %}."""
    state = signal.state
    if state in ("overdue", "soon", "ok"):
        if state == "overdue":
            counter = signal.overdue_days
            text = ngettext("Overdue by %(counter)s day", "Overdue by %(counter)s days", counter)
        else:
            counter = signal.days or 0
            text = ngettext("Due in %(counter)s day", "Due in %(counter)s days", counter)
        css = "badge ok" if state == "ok" else "badge warn"
        return format_html(
            '<span class="{}">{}</span>',
            css,
            mark_safe(text % {"counter": localize(counter)}),  # noqa: S308  (our catalogue's text and a number, as blocktranslate renders them)
        )
    if state == "today":
        return format_html('<span class="badge warn">{}</span>', gettext("Due today"))
    if state == "suspended":
        return format_html('<span class="badge">{}</span>', gettext("Deadline suspended"))
    if state == "none":
        return format_html('<span class="badge">{}</span>', gettext("No deadline"))
    return format_html('<span class="badge">{}</span>', status_label)


def case_list_rows(
    *, org: Any, rows: Iterable[dict[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    """The rows of the case list (selectors.case_list_rows) with their display values."""
    case_url = row_url("cases_case", org.slug)
    short_date = DateDisplay("SHORT_DATE_FORMAT")
    labels = choice_labels(CaseStatus)
    badges: dict[tuple[DeadlineSignal, str], SafeString] = {}
    shown = []
    for row in rows:
        status, due_date = row["status"], row["due_date"]
        label = labels.get(status, status)
        signal = deadline_signal_of(status=status, due_date=due_date, today=today)
        responsible = (
            person_name(
                row["responsible__first_name"],
                row["responsible__last_name"],
                row["responsible__username"],
            )
            if row["responsible_id"] is not None
            else "—"
        )
        shown.append(
            {
                "pk": row["pk"],
                "url": case_url(row["pk"]),
                "number": row["number"],
                "opened_at": short_date.local(row["opened_at"]).isoformat(),
                "opened_on": short_date(row["opened_at"]),
                "subject": row["subject"],
                "procedure": row["procedure_name"],
                "responsible": responsible,
                "status": label,
                "due_date": due_date.isoformat() if due_date else "",
                "due_on": short_date(due_date) if due_date else "",
                "deadline": badges.get((signal, label))
                or badges.setdefault((signal, label), deadline_badge(signal, label)),
            }
        )
    return shown
