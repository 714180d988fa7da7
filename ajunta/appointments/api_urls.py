"""Appointments API, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ajunta.appointments import api

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/appointments/offices", api.OfficeViewSet, basename="appt-office")
router.register(
    "o/<slug:org_slug>/appointments/services", api.ServiceViewSet, basename="appt-service"
)
router.register("o/<slug:org_slug>/appointments/desks", api.DeskViewSet, basename="appt-desk")
router.register(
    "o/<slug:org_slug>/appointments/bookings", api.BookingViewSet, basename="appt-booking"
)
router.register(
    "o/<slug:org_slug>/appointments/closures", api.ClosureViewSet, basename="appt-closure"
)

urlpatterns = [
    *router.urls,
    path(
        "site/<slug:org_slug>/appointments/services/<int:service_id>/slots/",
        api.PublicSlotsView.as_view(),
        name="appt-public-slots",
    ),
    path(
        "site/<slug:org_slug>/appointments/verifications/",
        api.PublicVerificationView.as_view(),
        name="appt-public-verification",
    ),
    path(
        "site/<slug:org_slug>/appointments/verifications/<str:token>/confirm/",
        api.PublicConfirmView.as_view(),
        name="appt-public-confirm",
    ),
]
