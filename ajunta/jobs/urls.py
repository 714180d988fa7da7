from django.urls import path

from ajunta.jobs import views

urlpatterns = [
    path("", views.RunListView.as_view(), name="jobs_runs"),
    path("<int:pk>/", views.RunView.as_view(), name="jobs_run"),
    path("<int:pk>/download/", views.RunDownloadView.as_view(), name="jobs_run_download"),
]
