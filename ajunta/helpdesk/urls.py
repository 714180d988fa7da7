"""Helpdesk pages, mounted under /o/<org_slug>/helpdesk/."""

from django.urls import path

from ajunta.helpdesk import views, views_telecom

urlpatterns = [
    path("", views.QueueView.as_view(), name="helpdesk_queue"),
    path("tickets/new/", views.TicketNewView.as_view(), name="helpdesk_ticket_new"),
    path("tickets/<int:pk>/", views.TicketView.as_view(), name="helpdesk_ticket"),
    path(
        "tickets/<int:pk>/telecom/<slug:action>/",
        views_telecom.TelecomActionView.as_view(),
        name="helpdesk_telecom_action",
    ),
    path(
        "telecom/operators/",
        views_telecom.OperatorsView.as_view(),
        name="helpdesk_telecom_operators",
    ),
    path(
        "telecom/report/", views_telecom.TelecomReportView.as_view(), name="helpdesk_telecom_report"
    ),
    path(
        "tickets/<int:pk>/<slug:action>/",
        views.TicketActionView.as_view(),
        name="helpdesk_ticket_action",
    ),
    path(
        "tickets/<int:pk>/tasks/<int:task_pk>/done/",
        views.TaskDoneView.as_view(),
        name="helpdesk_task_done",
    ),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/",
        views.AttachmentView.as_view(),
        name="helpdesk_attachment",
    ),
    path(
        "assets/<int:asset_id>/tickets/",
        views.AssetTicketsView.as_view(),
        name="helpdesk_asset_tickets",
    ),
    path("reports/time/", views.TimeReportView.as_view(), name="helpdesk_time_report"),
    path("reports/monthly.pdf", views.MonthlyPdfView.as_view(), name="helpdesk_monthly_pdf"),
    path("stats/", views.StatsView.as_view(), name="helpdesk_stats"),
    path("settings/", views.SettingsView.as_view(), name="helpdesk_settings"),
    path("surveys/send/", views.SurveysSendView.as_view(), name="helpdesk_surveys_send"),
    path(
        "settings/categories/<int:pk>/active/",
        views.CategoryActiveView.as_view(),
        name="helpdesk_category_active",
    ),
    path("preferences/", views.PreferencesView.as_view(), name="helpdesk_preferences"),
    path("kb/", views.ArticlesView.as_view(), name="helpdesk_articles"),
    path("kb/new/", views.ArticleEditView.as_view(), name="helpdesk_article_new"),
    path("kb/<int:pk>/", views.ArticleView.as_view(), name="helpdesk_article"),
    path("kb/<int:pk>/edit/", views.ArticleEditView.as_view(), name="helpdesk_article_edit"),
]
