"""Registry pages, mounted under /o/<org_slug>/registry/."""

from django.urls import path

from ajunta.registry import views

urlpatterns = [
    path("", views.RegistryBookView.as_view(), name="registry_book"),
    path("book.csv", views.RegistryBookCsvView.as_view(), name="registry_book_csv"),
    path("book.pdf", views.RegistryBookPdfView.as_view(), name="registry_book_pdf"),
    path("entries/new/", views.RegistryEntryNewView.as_view(), name="registry_entry_new"),
    path("entries/<int:pk>/", views.RegistryEntryView.as_view(), name="registry_entry"),
    path(
        "entries/<int:pk>/annul/",
        views.RegistryEntryAnnulView.as_view(),
        name="registry_entry_annul",
    ),
    path(
        "entries/<int:pk>/rectify/",
        views.RegistryEntryRectifyView.as_view(),
        name="registry_entry_rectify",
    ),
    path(
        "entries/<int:pk>/acknowledge/",
        views.RegistryEntryAcknowledgeView.as_view(),
        name="registry_entry_acknowledge",
    ),
    path("units/", views.RegistryUnitsView.as_view(), name="registry_units"),
    path("units/<int:pk>/", views.RegistryUnitView.as_view(), name="registry_unit"),
    path(
        "units/<int:pk>/active/",
        views.RegistryUnitActiveView.as_view(),
        name="registry_unit_active",
    ),
    path("settings/", views.RegistrySettingsView.as_view(), name="registry_settings"),
]
