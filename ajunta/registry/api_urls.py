"""Registry API, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ajunta.registry import api

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/registry/entries", api.EntryViewSet, basename="registry-entry")
router.register("o/<slug:org_slug>/registry/units", api.UnitViewSet, basename="registry-unit")

urlpatterns = router.urls
