"""Cybersecurity API, mounted under /api/v1/."""

from rest_framework.routers import SimpleRouter

from ajunta.security import api

router = SimpleRouter(use_regex_path=False)
router.register(
    "o/<slug:org_slug>/security/exposures", api.ExposureViewSet, basename="security-exposure"
)
router.register(
    "o/<slug:org_slug>/security/incidents", api.IncidentViewSet, basename="security-incident"
)

urlpatterns = router.urls
