from django.urls import path

from ajunta.appointments import public_views as views

urlpatterns = [
    path("", views.ServicesView.as_view(), name="appointments_public_services"),
    path("services/<int:service_id>/", views.SlotsView.as_view(), name="appointments_public_slots"),
    path(
        "services/<int:service_id>/book/", views.BookView.as_view(), name="appointments_public_book"
    ),
    path(
        "services/<int:service_id>/waiting-list/",
        views.WaitingListView.as_view(),
        name="appointments_public_waiting",
    ),
    path("verify/<str:token>/", views.VerifyView.as_view(), name="appointments_public_verify"),
    path(
        "b/<str:locator>/<str:token>/",
        views.BookingView.as_view(),
        name="appointments_public_booking",
    ),
    path(
        "b/<str:locator>/<str:token>/appointment.ics",
        views.BookingIcsView.as_view(),
        name="appointments_public_ics",
    ),
    path(
        "b/<str:locator>/<str:token>/cancel/",
        views.BookingCancelView.as_view(),
        name="appointments_public_cancel",
    ),
    path(
        "b/<str:locator>/<str:token>/move/",
        views.BookingMoveView.as_view(),
        name="appointments_public_move",
    ),
    path(
        "feeds/desk/<int:desk_id>/<str:token>.ics",
        views.DeskFeedView.as_view(),
        name="appointments_desk_feed",
    ),
]
