from django.urls import path

from ajunta.tenants import api

urlpatterns = [
    path("organizations/", api.MyOrganizationsView.as_view(), name="api-my-organizations"),
    path("o/<slug:org_slug>/", api.OrganizationDetailView.as_view(), name="api-organization"),
]
