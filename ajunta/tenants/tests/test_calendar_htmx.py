"""Local holidays are added and removed in place with htmx; errors come back as a swappable 400."""

import datetime as dt

from ajunta.core.models import LocalHoliday
from ajunta.core.testing import TenantTestCase

HX = {"HTTP_HX_REQUEST": "true"}


class CalendarHtmxTests(TenantTestCase):
    url = "/o/alpha/settings/calendar/"

    def test_adding_returns_only_the_section_with_the_new_holiday(self):
        response = self.login(self.alice).post(
            self.url, {"date": "2027-06-24", "name": "Sant Joan"}, **HX
        )
        self.assertEqual(response.status_code, 200)
        html = response.content.decode()
        self.assertTrue(html.lstrip().startswith('<section id="local-holidays"'))
        self.assertNotIn("<html", html)
        self.assertIn("Sant Joan", html)  # shown for the holiday's year, not this year
        self.assertTrue(
            LocalHoliday.objects.filter(organization=self.org_a, date=dt.date(2027, 6, 24)).exists()
        )

    def test_an_error_is_a_400_partial_with_the_message_and_nothing_saved(self):
        LocalHoliday.objects.create(
            organization=self.org_a, date=dt.date(2027, 6, 24), name="Sant Joan"
        )
        response = self.login(self.alice).post(
            self.url, {"date": "2027-06-24", "name": "Again"}, **HX
        )
        self.assertEqual(response.status_code, 400)
        self.assertIn('class="errorlist', response.content.decode())
        self.assertNotIn("<html", response.content.decode())
        self.assertEqual(LocalHoliday.objects.filter(organization=self.org_a).count(), 1)

    def test_removing_returns_the_section_without_it(self):
        holiday = LocalHoliday.objects.create(
            organization=self.org_a, date=dt.date(2027, 6, 24), name="Sant Joan"
        )
        response = self.login(self.alice).post(f"{self.url}holidays/{holiday.pk}/delete/", **HX)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("Sant Joan", response.content.decode().split('role="status"')[-1])
        self.assertFalse(LocalHoliday.objects.filter(pk=holiday.pk).exists())

    def test_the_page_loads_htmx_from_our_own_static_files(self):
        response = self.login(self.bob).get(self.url)
        self.assertContains(
            response, '<script src="/static/vendor/htmx.min.js" defer></script>', html=False
        )
        self.assertNotContains(response, "unpkg")
        self.assertNotContains(response, "hx-post")  # staff may read, not edit
