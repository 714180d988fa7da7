"""SIR pages, mounted under /o/<org_slug>/sir/."""

from django.urls import path

from ajunta.sir import views

urlpatterns = [
    path("", views.SirTraysView.as_view(), name="sir_trays"),
    path("send/", views.SirSendView.as_view(), name="sir_send"),
    path("interchanges/<int:pk>/", views.SirInterchangeView.as_view(), name="sir_interchange"),
    path(
        "interchanges/<int:pk>/accept/",
        views.SirDecisionView.as_view(decision="accept"),
        name="sir_accept",
    ),
    path(
        "interchanges/<int:pk>/reject/",
        views.SirDecisionView.as_view(decision="reject"),
        name="sir_reject",
    ),
    path(
        "interchanges/<int:pk>/forward/",
        views.SirDecisionView.as_view(decision="forward"),
        name="sir_forward",
    ),
    path("directory/", views.SirDirectoryView.as_view(), name="sir_directory"),
    path("directory/search/", views.SirDirectorySearchView.as_view(), name="sir_directory_search"),
]
