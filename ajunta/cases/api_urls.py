"""Case API, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ajunta.cases import api, eni_import_api

router = SimpleRouter(use_regex_path=False)
router.register(
    "o/<slug:org_slug>/cases/procedures", api.ProcedureViewSet, basename="cases-procedure"
)
router.register(
    "o/<slug:org_slug>/cases/procedure-templates", api.TemplateViewSet, basename="cases-template"
)
router.register("o/<slug:org_slug>/cases/files", api.CaseViewSet, basename="cases-case")
router.register(
    "o/<slug:org_slug>/cases/files/<int:case_pk>/documents",
    api.CaseDocumentViewSet,
    basename="cases-document",
)
router.register(
    "o/<slug:org_slug>/cases/notifications", api.NotificationViewSet, basename="cases-notification"
)
router.register(
    "o/<slug:org_slug>/cases/document-templates",
    api.DocumentTemplateViewSet,
    basename="cases-document-template",
)
router.register("o/<slug:org_slug>/cases/tasks", api.TaskViewSet, basename="cases-task")
router.register("o/<slug:org_slug>/cases/decrees", api.DecreeViewSet, basename="cases-decree")

urlpatterns = [
    path(
        "o/<slug:org_slug>/cases/eni-import/",
        eni_import_api.EniImportView.as_view(),
        name="cases-eni-import",
    ),
    *router.urls,
]
