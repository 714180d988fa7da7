"""Signature pages, mounted under /o/<org_slug>/signatures/."""

from django.urls import path

from ajunta.signatures import views

urlpatterns = [
    path("", views.MySignaturesView.as_view(), name="signatures_mine"),
    path("<int:pk>/", views.WorkflowView.as_view(), name="signatures_workflow"),
    path("<int:pk>/document/", views.WorkflowDocumentView.as_view(), name="signatures_document"),
    path("steps/<int:pk>/autofirma/", views.AutofirmaStartView.as_view(),
         name="signatures_autofirma_start"),
    path("steps/<int:pk>/remote/", views.RemoteSignView.as_view(), name="signatures_remote_sign"),
    path("steps/<int:pk>/reject/", views.RejectView.as_view(), name="signatures_reject"),
    path("autofirma/<int:pk>/", views.AutofirmaStatusView.as_view(),
         name="signatures_autofirma_status"),
]  # fmt: skip

# The servlets AutoFirma calls (no organization in the address: the application knows none).
servlet_urlpatterns = [
    path("afirma/retrieve/", views.retrieve_servlet, name="signatures_autofirma_retrieve"),
    path("afirma/storage/", views.storage_servlet, name="signatures_autofirma_storage"),
]
