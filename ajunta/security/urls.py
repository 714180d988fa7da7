"""Cybersecurity pages, mounted under /o/<org_slug>/security/."""

from django.urls import path

from ajunta.security import views

urlpatterns = [
    path("", views.HomeView.as_view(), name="security_home"),
    path("exposures/", views.ExposuresView.as_view(), name="security_exposures"),
    path("who-runs/", views.WhoRunsView.as_view(), name="security_who_runs"),
    path("incidents/", views.IncidentListView.as_view(), name="security_incidents"),
    path("incidents/new/", views.IncidentCreateView.as_view(), name="security_incident_new"),
    path("incidents/<int:pk>/", views.IncidentDetailView.as_view(), name="security_incident"),
    path(
        "incidents/<int:pk>/lucia.json",
        views.IncidentExportView.as_view(),
        name="security_incident_export",
    ),
    path(
        "incidents/<int:pk>/report.pdf",
        views.IncidentPdfView.as_view(),
        name="security_incident_pdf",
    ),
    path("ens/", views.EnsView.as_view(), name="security_ens"),
    path("ens/statement.pdf", views.EnsSoaPdfView.as_view(), name="security_ens_pdf"),
    path("ens/<str:code>/", views.EnsMeasureView.as_view(), name="security_ens_measure"),
]
