"""core.display: list rows built in Python show what the template tags showed."""

from __future__ import annotations

import datetime as dt

from django.template import Context, Template
from django.test import SimpleTestCase
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from ajunta.core.display import DateDisplay, choice_labels, row_url
from ajunta.core.models import Role


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
                    # compared as a template shows them: escaped ("d'agost" has an apostrophe)
                    self.assertEqual(
                        escape(short(value)), short_filter.render(context), (language, value)
                    )
                    if isinstance(value, dt.datetime):
                        self.assertEqual(
                            escape(full(value)), full_filter.render(context), (language, value)
                        )


class RowHelpersTests(SimpleTestCase):
    def test_row_url_is_reverse(self) -> None:
        url = row_url("registry_entry", "sant-fruitos")
        for pk in (1, 42, 2_147_483_646):
            self.assertEqual(url(pk), reverse("registry_entry", args=["sant-fruitos", pk]))

    def test_choice_labels_are_the_display_in_the_active_language(self) -> None:
        with translation.override("es"):
            labels = choice_labels(Role)
        self.assertEqual(labels[Role.ELECTED_MEMBER], "Cargo electo")
        self.assertEqual(set(labels), set(Role.values))
