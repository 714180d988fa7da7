"""Tenant pages of the tenants app, mounted under /o/<org_slug>/."""

from django.urls import path

from ajunta.tenants import views

urlpatterns = [
    path("profile/", views.OrganizationProfileView.as_view(), name="org_profile"),
    path("settings/calendar/", views.CalendarSettingsView.as_view(), name="calendar_settings"),
    path(
        "settings/calendar/holidays/<int:pk>/delete/",
        views.LocalHolidayDeleteView.as_view(),
        name="local_holiday_delete",
    ),
    path("people/", views.PeopleView.as_view(), name="people"),
    # The provider's own work (module "members")
    path("members/", views.MembersDashboardView.as_view(), name="members_dashboard"),
    path("members/list/", views.MembershipListView.as_view(), name="memberships"),
    path("members/new/", views.MembershipNewView.as_view(), name="membership_new"),
    path("members/import/", views.MemberImportView.as_view(), name="members_import"),
    path("members/<int:pk>/", views.MembershipView.as_view(), name="membership"),
    path("members/fees/", views.FeesView.as_view(), name="fees"),
    path("members/fees/<int:year>.csv", views.FeesCsvView.as_view(), name="fees_csv"),
    path("members/fees/<int:year>.pdf", views.FeesPdfView.as_view(), name="fees_pdf"),
    path("members/catalogue/", views.CatalogueView.as_view(), name="catalogue"),
    path(
        "members/catalogue/<int:pk>/",
        views.CatalogueServiceView.as_view(),
        name="catalogue_service",
    ),
    path("members/agreements/", views.AgreementListView.as_view(), name="agreements"),
    path("members/agreements/<int:pk>/", views.AgreementView.as_view(), name="agreement"),
    path("members/training/", views.TrainingSessionsView.as_view(), name="training_sessions"),
    path(
        "members/training/<int:pk>/",
        views.TrainingSessionView.as_view(),
        name="training_session",
    ),
    path("members/training.ics", views.TrainingFeedView.as_view(), name="training_feed"),
    path("members/site/", views.SitePagesView.as_view(), name="site_pages"),
    path("members/site/edit/", views.SitePageEditView.as_view(), name="site_page_edit"),
    path("members/site/identity/", views.SiteIdentityView.as_view(), name="site_identity"),
    # A member's side of training (module "training")
    path("training/", views.MemberTrainingView.as_view(), name="member_training"),
    path("training.ics", views.MemberTrainingFeedView.as_view(), name="member_training_feed"),
]
