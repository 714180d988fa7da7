"""The citizen's own appointments, inside the portal's area (mounted at /portal/appointments/)."""

from django.urls import path

from ajunta.appointments import public_views

urlpatterns = [
    path("", public_views.MyAppointmentsView.as_view(), name="portal_appointments"),
]
