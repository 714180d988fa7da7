"""The public pages of collegiate bodies, mounted under /public/<org_slug>/meetings/."""

from django.urls import path

from ajunta.meetings import public_views

urlpatterns = [
    path("", public_views.sessions, name="meetings_public"),
    path("sessions/<int:pk>/", public_views.session, name="meetings_public_session"),
    path(
        "sessions/<int:pk>/popolo.json", public_views.session_popolo, name="meetings_public_popolo"
    ),
    path("sessions/<int:pk>/minutes.akn.xml", public_views.minutes_akn, name="meetings_public_akn"),
]
