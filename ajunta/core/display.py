"""What list pages use to build their rows once per page in Python.

A list page of 50 rows spent more in the template engine than in SQL: a `{% url %}`, `|date`
filters and `get_FOO_display` per row. These give the same strings at a fraction of the cost:
one reverse() per page, each date format looked up once, one dict of choice labels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.urls import reverse
from django.utils import dateformat
from django.utils.formats import get_format
from django.utils.timezone import get_current_timezone, is_aware

_ROW_MARKER = 2_147_483_647  # an int no row of a list page has as its key


def row_url(name: str, *args: Any) -> Callable[[Any], str]:
    """`row_url(name, slug)(pk)` is `reverse(name, args=[slug, pk])` at the cost of one reverse
    for the whole list: `{% url %}` in each of a page's 50 rows costs more than its SQL."""
    head, tail = reverse(name, args=[*args, _ROW_MARKER]).rsplit(str(_ROW_MARKER), 1)
    return lambda pk: f"{head}{int(pk)}{tail}"


def person_name(first_name: str, last_name: str, username: str) -> str:
    """User.get_full_name(), or the username when it is empty, from a row read as values."""
    return f"{first_name} {last_name}".strip() or username


def choice_labels(choices: Any) -> dict[Any, str]:
    """What get_FOO_display() shows for each value of a TextChoices, in the active language."""
    return {value: str(label) for value, label in choices.choices}


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
