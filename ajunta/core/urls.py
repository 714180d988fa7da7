"""Tenant pages of core, mounted under /o/<org_slug>/."""

from django.urls import path

from ajunta.core import views
from ajunta.core.documents_views import DocumentDownloadView, DocumentsView

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("api-tokens/", views.APITokensView.as_view(), name="api_tokens"),
    path("documents/", DocumentsView.as_view(), name="documents"),
    path("documents/<uuid:pk>/download/", DocumentDownloadView.as_view(), name="document_download"),
]
