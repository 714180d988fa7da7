"""Every URL is either tenant-scoped or on an explicit allow-list, and the check itself works."""

from django.http import HttpResponse
from django.test import SimpleTestCase
from django.urls import include, path

from ajunta.core.testing import find_unscoped_views
from ajunta.core.views import public


def leaky_view(request, org_slug):
    return HttpResponse("every organization's data")


@public("the provider's published news: no tenant data")
def news_view(request):
    return HttpResponse("news")


urlpatterns = [
    path("", include("ajunta.urls")),
    path("o/<slug:org_slug>/leak/", leaky_view, name="leak"),
    path("planted-news/", news_view, name="planted_news"),
]


class UrlTenancyTests(SimpleTestCase):
    def test_every_view_is_tenant_scoped_or_allow_listed(self):
        self.assertEqual(find_unscoped_views(), [])

    def test_an_unscoped_view_is_reported(self):
        problems = find_unscoped_views(__name__)
        self.assertEqual(len(problems), 1, problems)
        self.assertIn("o/<slug:org_slug>/leak/", problems[0])

    def test_a_view_declared_public_with_a_reason_is_accepted(self):
        problems = find_unscoped_views(__name__)
        self.assertFalse(any("planted-news" in problem for problem in problems), problems)
