"""Core API, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ajunta.core import api
from ajunta.core.documents_api import DocumentViewSet

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/audit-events", api.AuditEventViewSet, basename="audit-event")
router.register("o/<slug:org_slug>/holidays", api.LocalHolidayViewSet, basename="local-holiday")
router.register("o/<slug:org_slug>/documents", DocumentViewSet, basename="document")
router.register("o/<slug:org_slug>/api-tokens", api.APITokenViewSet, basename="api-token")

urlpatterns = [
    path("me/", api.MeView.as_view(), name="api-me"),
    path("me/api-token/", api.MyAPITokenView.as_view(), name="api-my-token"),
    path("o/<slug:org_slug>/calendar/", api.BusinessDaysView.as_view(), name="api-calendar"),
    path("o/<slug:org_slug>/calendar/deadline/", api.DeadlineView.as_view(), name="api-deadline"),
    *router.urls,
]
