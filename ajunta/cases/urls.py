"""Case pages, mounted under /o/<org_slug>/cases/."""

from django.urls import path

from ajunta.cases import eni_import_views, views

urlpatterns = [
    path("", views.CaseListView.as_view(), name="cases_list"),
    path("new/", views.CaseNewView.as_view(), name="cases_new"),
    path("eni-import/", eni_import_views.EniImportView.as_view(), name="cases_eni_import"),
    path("<int:pk>/", views.CaseView.as_view(), name="cases_case"),
    path("<int:pk>/do/<slug:action>/", views.CaseActionView.as_view(), name="cases_case_action"),
    path("<int:pk>/documents/<int:doc>/", views.CaseDocumentView.as_view(), name="cases_document"),
    path(
        "<int:pk>/documents/<int:doc>/v<int:version>/",
        views.CaseDocumentDownloadView.as_view(),
        name="cases_document_download",
    ),
    path("<int:pk>/index.pdf", views.CaseIndexPdfView.as_view(), name="cases_case_index_pdf"),
    path("<int:pk>/eni/", views.CaseEniExportView.as_view(), name="cases_case_eni"),
    path(
        "notifications/<int:pk>/proof.pdf",
        views.NotificationProofView.as_view(),
        name="cases_notification_proof",
    ),
    path("tasks/", views.MyTasksView.as_view(), name="cases_my_tasks"),
    path("tasks/<int:pk>/done/", views.TaskDoneView.as_view(), name="cases_task_done"),
    path("procedures/", views.ProcedureListView.as_view(), name="cases_procedures"),
    path("procedures/new/", views.ProcedureFormView.as_view(), name="cases_procedure_new"),
    path("procedures/<int:pk>/", views.ProcedureFormView.as_view(), name="cases_procedure"),
    path(
        "procedures/templates/<int:pk>/adopt/",
        views.ProcedureAdoptView.as_view(),
        name="cases_procedure_adopt",
    ),
    path("templates/", views.DocumentTemplateListView.as_view(), name="cases_templates"),
    path("templates/new/", views.DocumentTemplateFormView.as_view(), name="cases_template_new"),
    path("templates/<int:pk>/", views.DocumentTemplateFormView.as_view(), name="cases_template"),
    path("decrees/", views.DecreeListView.as_view(), name="cases_decrees"),
    path("decrees/book.pdf", views.DecreeBookPdfView.as_view(), name="cases_decrees_pdf"),
    path("decrees/new/", views.DecreeNewView.as_view(), name="cases_decree_new"),
    path("decrees/<int:pk>/", views.DecreeView.as_view(), name="cases_decree"),
    path("decrees/<int:pk>/pdf/", views.DecreePdfView.as_view(), name="cases_decree_pdf"),
    path("settings/", views.CasesSettingsView.as_view(), name="cases_settings"),
]

# The yearly decrees book closed with its diligence (issue 18).
from ajunta.cases import decree_views  # noqa: E402

urlpatterns += [
    path(
        "decrees/books/", decree_views.DecreeBookClosuresView.as_view(), name="cases_decree_books"
    ),
    path(
        "decrees/books/<int:year>.pdf",
        decree_views.DecreeBookClosedPdfView.as_view(),
        name="cases_decree_book_pdf",
    ),
    path(
        "decrees/<int:pk>/send-for-signature/",
        decree_views.DecreeSendForSignatureView.as_view(),
        name="cases_decree_send_for_signature",
    ),
    path(
        "<int:pk>/documents/<int:doc>/send-for-signature/",
        decree_views.CaseDocumentSendForSignatureView.as_view(),
        name="cases_document_send_for_signature",
    ),
]
