from django.conf import settings
from django.urls import URLPattern, URLResolver, include, path

from ajunta.portal import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.PortalHomeView.as_view(), name="portal_home"),
    path("signup/", views.SignupView.as_view(), name="portal_signup"),
    path("file/", views.FileView.as_view(), name="portal_file"),
    path("filings/<int:entry_id>/", views.FilingView.as_view(), name="portal_filing"),
    path(
        "filings/<int:entry_id>/documents/<uuid:document_id>/",
        views.FilingDocumentView.as_view(),
        name="portal_document",
    ),
    path("notifications/", views.PortalNotificationsView.as_view(), name="portal_notifications"),
    path(
        "notifications/<int:pk>/",
        views.PortalNotificationView.as_view(),
        name="portal_notification",
    ),
    path(
        "notifications/<int:pk>/document/",
        views.PortalNotificationDocumentView.as_view(),
        name="portal_notification_document",
    ),
    path(
        "notifications/<int:pk>/proof.pdf",
        views.PortalNotificationProofView.as_view(),
        name="portal_notification_proof",
    ),
    path("cases/", views.PortalCasesView.as_view(), name="portal_cases"),
    path("cases/<int:pk>/", views.PortalCaseView.as_view(), name="portal_case"),
    path(
        "cases/<int:pk>/documents/<int:doc>/",
        views.PortalCaseDocumentView.as_view(),
        name="portal_case_document",
    ),
]

if settings.OIDC_RP_CLIENT_ID:
    # oidc_authentication_init, oidc_authentication_callback, oidc_logout
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
