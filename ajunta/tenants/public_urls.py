"""The provider's public website, mounted at the site root."""

from django.urls import path

from ajunta.tenants import public_views

urlpatterns = [
    path("", public_views.home, name="site_home"),
    path("about/<slug:slug>/", public_views.page, name="site_page"),
    path("news/", public_views.news_list, name="site_news"),
    path("news/<slug:slug>/", public_views.news_item, name="site_news_item"),
    path("members/", public_views.members, name="site_members"),
    path("services/", public_views.catalogue, name="site_services"),
    path("join/", public_views.apply, name="site_apply"),
    path("legal/<slug:which>/", public_views.legal, name="site_legal"),
    path("site/logo", public_views.site_logo, name="site_logo"),
    path(
        "calendar/<slug:org_slug>/<str:token>/training.ics",
        public_views.training_feed,
        name="training_feed_public",
    ),
]
