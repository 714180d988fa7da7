"""The statistics' bar charts: a label is wrapped, never cut short without its whole text."""

from __future__ import annotations

import re

from django.test import SimpleTestCase

from ajunta.core.charts import LABEL_CHARS, bar_chart, label_lines

CATEGORY = "Plataforma d'administració electrònica > Seu electrònica > Tràmits i formularis"


class ChartLabelTests(SimpleTestCase):
    def test_a_long_category_wraps_onto_two_lines_with_every_word(self) -> None:
        lines = label_lines(CATEGORY)
        self.assertEqual(len(lines), 2)
        self.assertEqual(" ".join(lines), CATEGORY)
        self.assertTrue(all(len(line) <= LABEL_CHARS for line in lines))
        svg = bar_chart([(CATEGORY, 3)], title="Per categoria").svg
        self.assertEqual(len(re.findall(r"<tspan ", svg)), 2)
        self.assertNotIn("…", svg)

    def test_what_still_does_not_fit_is_shortened_and_the_chart_keeps_it_whole(self) -> None:
        label = " > ".join([CATEGORY, "Serveis de telecomunicacions i de ciberseguretat"])
        lines = label_lines(label)
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[-1].endswith("…"))
        chart = bar_chart([(label, 3), ("Xarxa", 1)], title="Per categoria")
        whole = label.replace("'", "&#x27;").replace(">", "&gt;")
        self.assertIn(f"<title>{whole}: 3</title>", chart.svg)  # the bar's tooltip
        self.assertIn(whole, str(chart))  # and the table
        self.assertEqual(len(re.findall(r"<tspan ", chart.svg)), 3)  # two lines, then one

    def test_short_labels_stay_on_one_line(self) -> None:
        self.assertEqual(label_lines("Manresa"), ["Manresa"])
        svg = bar_chart([("Manresa", 2)], title="Per municipi").svg
        self.assertIn(">Manresa</tspan>", svg)
        self.assertNotIn("…", svg)
