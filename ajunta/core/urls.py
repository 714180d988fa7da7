"""Tenant pages of core, mounted under /o/<org_slug>/."""

from django.urls import path

from ajunta.core import views

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
]
