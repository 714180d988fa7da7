from django.test import SimpleTestCase

from ajunta.core.charts import VALUE_ROOM, WIDTH, bar_chart


class BarChartTests(SimpleTestCase):
    def test_labels_are_escaped_and_bars_scaled_to_the_largest(self):
        chart = bar_chart([("<script>", 10), ("B", 5)], title="Members & fees")
        html = str(chart)
        self.assertNotIn("<script>", html)
        self.assertIn("&lt;script&gt;", html)
        self.assertIn(f'width="{float(WIDTH - VALUE_ROOM)}"', chart.svg)
        self.assertIn(f'width="{(WIDTH - VALUE_ROOM) / 2}"', chart.svg)
        self.assertIn("Members &amp; fees", html)

    def test_the_numbers_are_a_table_for_screen_readers_and_the_drawing_is_hidden(self):
        html = str(bar_chart([("Manresa", 12), ("Mura", 2.5)], title="Tickets"))
        self.assertIn('aria-hidden="true"', html)
        self.assertIn('<tr><th scope="row">Manresa</th><td>12</td></tr>', html)
        self.assertIn('<tr><th scope="row">Mura</th><td>2.50</td></tr>', html)

    def test_no_rows_say_so_and_draw_nothing(self):
        html = str(bar_chart([], title="x", empty="No data for this period."))
        self.assertEqual(html.count("<rect"), 0)
        self.assertIn("No data for this period.", html)

    def test_long_labels_are_shortened_in_the_drawing_only(self):
        label = (
            "Servei d'assistència tècnica i manteniment d'equips informàtics municipals"
            " i de les seves xarxes de comunicacions"
        )  # more than two lines of the drawing
        chart = bar_chart([(label, 3)], title="x")
        self.assertIn("…", chart.svg)
        self.assertIn(label.replace("'", "&#x27;"), chart.svg)  # the bar's tooltip keeps it whole
