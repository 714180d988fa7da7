"""Meetings API, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ajunta.meetings import api

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/meetings/bodies", api.BodyViewSet, basename="meetings-body")
router.register(
    "o/<slug:org_slug>/meetings/sessions", api.SessionViewSet, basename="meetings-session"
)
router.register("o/<slug:org_slug>/meetings/items", api.ItemViewSet, basename="meetings-item")
router.register(
    "o/<slug:org_slug>/meetings/convocations",
    api.ConvocationViewSet,
    basename="meetings-convocation",
)
router.register(
    "o/<slug:org_slug>/meetings/minutes", api.MinutesViewSet, basename="meetings-minutes"
)

urlpatterns = router.urls
