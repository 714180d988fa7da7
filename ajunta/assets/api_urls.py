"""IT inventory API, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ajunta.assets import api

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/assets", api.AssetViewSet, basename="assets-asset")

urlpatterns = router.urls
