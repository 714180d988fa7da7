"""Register of persons pages, mounted under /o/<org_slug>/persons/."""

from django.urls import path

from ajunta.persons import views

urlpatterns = [
    path("", views.PersonListView.as_view(), name="persons_list"),
    path("new/", views.PersonFormView.as_view(), name="persons_new"),
    path("lookup/", views.PersonLookupView.as_view(), name="persons_lookup"),
    path("<int:pk>/", views.PersonView.as_view(), name="persons_person"),
    path("<int:pk>/edit/", views.PersonFormView.as_view(), name="persons_edit"),
    path("<int:pk>/export/", views.PersonExportView.as_view(), name="persons_export"),
]
