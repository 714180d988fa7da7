"""The administration site for platform operators: desks and weekly schedules (with their intervals),
which the municipal pages do not edit yet. Writes here bypass the services: keep it to setup."""

from django.contrib import admin

from ajunta.appointments.models import Desk, Office, Schedule, ScheduleInterval, Service


class ScheduleIntervalInline(admin.TabularInline):
    model = ScheduleInterval
    extra = 2


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ["desk", "name", "valid_from", "valid_until"]
    list_select_related = ["desk__office"]
    inlines = [ScheduleIntervalInline]


@admin.register(Desk)
class DeskAdmin(admin.ModelAdmin):
    list_display = ["name", "office", "organization", "is_active"]
    list_select_related = ["office", "organization"]
    filter_horizontal = ["services"]


admin.site.register(Office)
admin.site.register(Service)
