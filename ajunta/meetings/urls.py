"""Meetings pages, mounted under /o/<org_slug>/meetings/."""

from django.urls import path

from ajunta.meetings import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="meetings_home"),
    path("my/", views.MineView.as_view(), name="meetings_mine"),
    path("bodies/new/", views.BodyNewView.as_view(), name="meetings_body_new"),
    path("bodies/<int:pk>/", views.BodyView.as_view(), name="meetings_body"),
    path(
        "bodies/<int:pk>/<slug:action>/",
        views.BodyActionView.as_view(),
        name="meetings_body_action",
    ),
    path("sessions/<int:pk>/", views.SessionView.as_view(), name="meetings_session"),
    path(
        "sessions/<int:pk>/documents/<slug:which>.pdf",
        views.SessionDocumentView.as_view(),
        name="meetings_session_document",
    ),
    path(
        "sessions/<int:pk>/<slug:action>/",
        views.SessionActionView.as_view(),
        name="meetings_session_action",
    ),
    path("items/<int:pk>/", views.ItemView.as_view(), name="meetings_item"),
    path(
        "items/<int:pk>/certificate.pdf",
        views.CertificateView.as_view(),
        name="meetings_item_certificate",
    ),
    path(
        "items/<int:pk>/<slug:action>/", views.ItemActionView.as_view(), name="meetings_item_action"
    ),
    path("minutes/<int:pk>/", views.MinutesView.as_view(), name="meetings_minutes"),
    path(
        "minutes/<int:pk>/<slug:action>/",
        views.MinutesActionView.as_view(),
        name="meetings_minutes_action",
    ),
]
