"""The statistics' bar charts: a label is wrapped, never cut short without its whole text."""

from __future__ import annotations

import re

from django.test import SimpleTestCase

from ajunta.helpdesk.reports import bar_chart, label_lines

CATEGORY = "Plataforma d'administració electrònica > Seu electrònica"


class ChartLabelTests(SimpleTestCase):
    def test_a_long_category_wraps_onto_two_lines_with_every_word(self) -> None:
        lines = label_lines(CATEGORY)
        self.assertEqual(len(lines), 2)
        self.assertEqual(" ".join(lines), CATEGORY)
        self.assertTrue(all(len(line) <= 34 for line in lines))

    def test_what_still_does_not_fit_is_shortened_and_the_chart_keeps_it_whole(self) -> None:
        label = (
            "Serveis de telecomunicacions i de ciberseguretat > Correu brossa i pesca > Antivirus"
        )
        lines = label_lines(label)
        self.assertEqual(len(lines), 2)
        self.assertTrue(lines[-1].endswith("…"))
        svg = str(bar_chart([(label, 3), ("Xarxa", 1)], "Per categoria"))
        self.assertIn(f"<title>{label.replace('>', '&gt;')}</title>", svg)
        self.assertEqual(len(re.findall(r"<tspan ", svg)), 3)  # two lines, then one

    def test_short_labels_stay_on_one_line(self) -> None:
        self.assertEqual(label_lines("Manresa"), ["Manresa"])
        svg = str(bar_chart([("Manresa", 2)], "Per municipi"))
        self.assertIn(">Manresa</tspan>", svg)
        self.assertNotIn("…", svg)
