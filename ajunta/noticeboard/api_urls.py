"""Notice board API, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ajunta.noticeboard import api

router = SimpleRouter(use_regex_path=False)
router.register(
    "o/<slug:org_slug>/noticeboard/edicts", api.EdictViewSet, basename="noticeboard-edict"
)
urlpatterns = router.urls
