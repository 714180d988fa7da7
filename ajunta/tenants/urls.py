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
]
