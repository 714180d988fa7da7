"""Helpdesk API, mounted under /api/v1/."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from ajunta.helpdesk import api

router = SimpleRouter(use_regex_path=False)
router.register("o/<slug:org_slug>/helpdesk/tickets", api.TicketViewSet, basename="helpdesk-ticket")
router.register(
    "o/<slug:org_slug>/helpdesk/categories", api.CategoryViewSet, basename="helpdesk-category"
)
router.register(
    "o/<slug:org_slug>/helpdesk/articles", api.ArticleViewSet, basename="helpdesk-article"
)

urlpatterns = [
    *router.urls,
    path(
        "o/<slug:org_slug>/helpdesk/assets/<int:asset_id>/tickets/",
        api.AssetTicketsView.as_view(),
        name="helpdesk-asset-tickets",
    ),
    path(
        "o/<slug:org_slug>/helpdesk/sla-targets/",
        api.SlaTargetsView.as_view(),
        name="helpdesk-sla-targets",
    ),
    path(
        "o/<slug:org_slug>/helpdesk/preferences/",
        api.PreferencesView.as_view(),
        name="helpdesk-preferences",
    ),
    path(
        "o/<slug:org_slug>/helpdesk/reports/time/",
        api.TimeReportView.as_view(),
        name="helpdesk-time-report",
    ),
]
