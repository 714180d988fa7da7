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
]

if settings.OIDC_RP_CLIENT_ID:
    # oidc_authentication_init, oidc_authentication_callback, oidc_logout
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
