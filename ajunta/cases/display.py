"""Display values of the case pages, computed once per page in Python.

A list page of 50 rows spent most of its time in the template engine: a `{% url %}`, three
`|date` filters, `get_status_display` and an `{% include %}` of the deadline badge per row. Here
the same values come from one `reverse()`, one lookup of each date format and one dict of status
labels per page; the strings and their translations are the ones the templates used.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format, localize
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import get_current_timezone, is_aware
from django.utils.translation import gettext, ngettext

from ajunta.cases.models import CaseStatus
from ajunta.cases.selectors import DeadlineSignal, deadline_signal_of

# A stand-in primary key: reverse() once with it, then put each row's key in its place.
_PK_MARK = 2_147_483_647


def url_for_pk(name: str, *args: Any) -> Callable[[Any], str]:
    """`pk -> reverse(name, args=[*args, pk])` for a URL whose last argument is the primary key,
    with one reverse() however many rows there are."""
    head, _mark, tail = reverse(name, args=[*args, _PK_MARK]).rpartition(str(_PK_MARK))
    return lambda pk: f"{head}{int(pk)}{tail}"


# Format characters that read only the day (django.utils.dateformat.DateFormat): a format made
# of these alone shows the same for every time of a day, so one formatting serves the whole day.
DAY_FORMAT_CHARACTERS = frozenset("bdDEFjlLmMnNoStwWyYz")


class DateDisplay:
    """`|date:"<format>"` of many values with the format and the time zone looked up once (in the
    active language and time zone) and datetimes shown in that time zone, as the template filter
    does. Each day (or time) is formatted once."""

    def __init__(self, format_name: str) -> None:
        self.format = get_format(format_name)
        self.timezone = get_current_timezone()
        self.day_only = "\\" not in self.format and all(
            char in DAY_FORMAT_CHARACTERS for char in self.format if char.isalpha()
        )
        self.shown: dict[Any, str] = {}

    def local(self, value: Any) -> Any:
        """An aware datetime in the current time zone, as templates show it; anything else as is."""
        if isinstance(value, dt.datetime) and is_aware(value):
            return value.astimezone(self.timezone)
        return value

    def __call__(self, value: dt.date | dt.datetime) -> str:
        value = self.local(value)
        key = value.date() if self.day_only and isinstance(value, dt.datetime) else value
        if key not in self.shown:
            self.shown[key] = dateformat.format(value, self.format)
        return self.shown[key]


def status_labels() -> dict[str, str]:
    """What get_status_display() shows for each status, in the active language."""
    return {value: str(label) for value, label in CaseStatus.choices}


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


def person_name(first_name: str, last_name: str, username: str) -> str:
    """User.get_full_name(), or the username when it is empty."""
    return f"{first_name} {last_name}".strip() or username


def case_list_rows(
    *, org: Any, rows: Iterable[dict[str, Any]], today: dt.date
) -> list[dict[str, Any]]:
    """The rows of the case list (selectors.case_list_rows) with their display values."""
    case_url = url_for_pk("cases_case", org.slug)
    short_date = DateDisplay("SHORT_DATE_FORMAT")
    labels = status_labels()
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
                "procedure": row["procedure__name"],
                "responsible": responsible,
                "status": label,
                "due_date": due_date.isoformat() if due_date else "",
                "due_on": short_date(due_date) if due_date else "",
                "deadline": badges.get((signal, label))
                or badges.setdefault((signal, label), deadline_badge(signal, label)),
            }
        )
    return shown
