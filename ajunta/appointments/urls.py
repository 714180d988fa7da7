from django.urls import path

from ajunta.appointments import views

urlpatterns = [
    path("", views.AgendaView.as_view(), name="appointments_agenda"),
    path("walk-in/", views.WalkInView.as_view(), name="appointments_walk_in"),
    path(
        "bookings/<int:pk>/<slug:action>/",
        views.BookingActionView.as_view(),
        name="appointments_booking_action",
    ),
    path("screen/<int:office_id>/", views.ScreenView.as_view(), name="appointments_screen"),
    path("statistics/", views.StatsView.as_view(), name="appointments_stats"),
    path("setup/", views.SetupView.as_view(), name="appointments_setup"),
    path("closures/", views.ClosuresView.as_view(), name="appointments_closures"),
    path("usage/", views.UsageView.as_view(), name="appointments_usage"),
]
