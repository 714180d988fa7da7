"""SIR API, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ajunta.sir import api

router = SimpleRouter(use_regex_path=False)
router.register(
    "o/<slug:org_slug>/sir/interchanges", api.InterchangeViewSet, basename="sir-interchange"
)
router.register("o/<slug:org_slug>/sir/directory", api.DirectoryViewSet, basename="sir-directory")

urlpatterns = [
    path("o/<slug:org_slug>/sir/import/", api.SicresImportView.as_view(), name="sir-import"),
    *router.urls,
]
