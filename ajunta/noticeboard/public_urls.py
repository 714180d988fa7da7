"""The public notice boards, mounted at /board/ (no login)."""

from django.urls import path

from ajunta.noticeboard import views

urlpatterns = [
    path("", views.public_index, name="public_boards"),
    path("<slug:org_slug>/", views.public_board, name="public_board"),
    path("<slug:org_slug>/<int:pk>/", views.public_edict, name="public_edict"),
    path(
        "<slug:org_slug>/<int:pk>/document/",
        views.public_edict_document,
        name="public_edict_document",
    ),
]
