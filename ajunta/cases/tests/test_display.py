"""The case list's display values built in Python, and its filter form's lighter field template,
show what Django's template filters and field template showed."""

from __future__ import annotations

import datetime as dt
import re

from django.template import Context, Template
from django.test import SimpleTestCase
from django.utils import translation

from ajunta.cases.display import DateDisplay
from ajunta.cases.forms import CaseFilterForm


class DateDisplayTests(SimpleTestCase):
    def test_dates_and_times_show_as_the_date_filter_shows_them(self) -> None:
        short_filter = Template('{{ value|date:"SHORT_DATE_FORMAT" }}')
        full_filter = Template('{{ value|date:"DATETIME_FORMAT" }}')
        values = [
            dt.datetime(2026, 1, 1, 23, 30, tzinfo=dt.UTC),  # 2 January in Madrid
            dt.datetime(2026, 1, 1, 10, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 7, 31, 22, 15, tzinfo=dt.UTC),  # 1 August in Madrid (summer time)
            dt.date(2026, 3, 5),
        ]
        for language in ("ca", "es", "en"):
            with translation.override(language):
                short, full = DateDisplay("SHORT_DATE_FORMAT"), DateDisplay("DATETIME_FORMAT")
                self.assertTrue(short.day_only)
                self.assertFalse(full.day_only)
                for value in values:
                    context = Context({"value": value})
                    self.assertEqual(short(value), short_filter.render(context), (language, value))
                    if isinstance(value, dt.datetime):
                        self.assertEqual(
                            full(value), full_filter.render(context), (language, value)
                        )


class FilterFormMarkupTests(SimpleTestCase):
    def test_the_case_list_filters_render_as_with_djangos_field_template(self) -> None:
        def squeezed(html: str) -> str:
            return re.sub(r"\s+", " ", html).strip()

        states = [
            None,
            {"status": "open", "mine": "on"},
            {"q": '<b>"x"</b>', "overdue": "on"},
            {"q": "x" * 150, "status": "unknown"},  # both fields with errors
        ]
        for language in ("ca", "es", "en"):
            with translation.override(language):
                for data in states:
                    ours, djangos = CaseFilterForm(data), CaseFilterForm(data)
                    for field in djangos.fields.values():
                        field.template_name = None  # type: ignore[attr-defined]
                    for name in ours.fields:
                        self.assertEqual(
                            squeezed(ours[name].as_field_group()),
                            squeezed(djangos[name].as_field_group()),
                            (language, data, name),
                        )
