from django.urls import path

from ajunta.noticeboard import views

urlpatterns = [
    path("", views.BoardView.as_view(), name="noticeboard_list"),
    path("new/", views.EdictNewView.as_view(), name="noticeboard_new"),
    path("<int:pk>/", views.EdictView.as_view(), name="noticeboard_edict"),
    path("<int:pk>/withdraw/", views.EdictWithdrawView.as_view(), name="noticeboard_withdraw"),
    path("<int:pk>/certify/", views.EdictCertifyView.as_view(), name="noticeboard_certify"),
    path(
        "<int:pk>/document/",
        views.EdictFileView.as_view(),
        {"which": "document"},
        name="noticeboard_document",
    ),
    path(
        "<int:pk>/certificate/",
        views.EdictFileView.as_view(),
        {"which": "certificate"},
        name="noticeboard_certificate",
    ),
]
