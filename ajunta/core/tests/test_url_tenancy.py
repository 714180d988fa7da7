"""Every URL is either tenant-scoped or on an explicit allow-list, and the check itself works."""

from django.http import HttpResponse
from django.test import SimpleTestCase
from django.urls import include, path

from ajunta.core.testing import find_unscoped_views


def leaky_view(request, org_slug):
    return HttpResponse("every organization's data")


urlpatterns = [
    path("", include("ajunta.urls")),
    path("o/<slug:org_slug>/leak/", leaky_view, name="leak"),
]


class UrlTenancyTests(SimpleTestCase):
    def test_every_view_is_tenant_scoped_or_allow_listed(self):
        self.assertEqual(find_unscoped_views(), [])

    def test_an_unscoped_view_is_reported(self):
        problems = find_unscoped_views(__name__)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("o/<slug:org_slug>/leak/", problems[0])
