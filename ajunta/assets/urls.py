"""IT inventory pages, mounted under /o/<org_slug>/assets/."""

from django.urls import path

from ajunta.assets import agent, views

urlpatterns = [
    path("", views.AssetListView.as_view(), name="assets_list"),
    path("assets.csv", views.AssetCsvView.as_view(), name="assets_csv"),
    path("new/", views.AssetFormView.as_view(), name="assets_new"),
    path("<int:pk>/", views.AssetDetailView.as_view(), name="assets_detail"),
    path("<int:pk>/edit/", views.AssetFormView.as_view(), name="assets_edit"),
    path("posture/", views.PostureView.as_view(), name="assets_posture"),
    path("security/", views.SecurityRecordView.as_view(), name="assets_security"),
    path("alerts/", views.AlertsView.as_view(), name="assets_alerts"),
    path("import/", views.ImportView.as_view(), name="assets_import"),
    path("agent-token/", views.AgentTokenView.as_view(), name="assets_agent_token"),
    # The inventory agents' endpoint: token-authenticated (see assets.agent).
    path("agent/", agent.agent_view(), name="assets_agent"),
]
