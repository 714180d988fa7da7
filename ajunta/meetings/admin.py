"""Django admin (platform operators): read-only lists; every write goes through services.py."""

from typing import Any

from django.contrib import admin

from ajunta.meetings.models import AgendaItem, Body, Member, Minutes, Session


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Body)
class BodyAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "organization", "legal_members"]
    list_filter = ["kind"]


@admin.register(Member)
class MemberAdmin(ReadOnlyAdmin):
    list_display = ["name", "office", "body", "start", "end"]


@admin.register(Session)
class SessionAdmin(ReadOnlyAdmin):
    list_display = ["number", "body", "kind", "mode", "starts_at", "status"]
    list_filter = ["status", "kind"]


@admin.register(AgendaItem)
class AgendaItemAdmin(ReadOnlyAdmin):
    list_display = ["title", "session", "position", "status", "result"]


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ["number", "session", "status"]
