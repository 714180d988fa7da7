"""Django admin for platform operators (superusers). Writes go through the audited services;
audit events and documents are read-only here."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from ajunta.core import services
from ajunta.core.audit import audit_record
from ajunta.core.models import (
    AuditEvent,
    Document,
    LocalHoliday,
    RoleAssignment,
    StuckWork,
    User,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class AjuntaUserAdmin(UserAdmin):
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("Ajunta", {"fields": ("nif", "phone", "preferred_language")}),
    )

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        fields = sorted(set(form.changed_data) - {"password", "password1", "password2"})
        audit_record(
            org=None, actor=request.user, action="user.update" if change else "user.create", obj=obj,
            changes={"fields": fields, "password_changed": "password" in form.changed_data},
        )  # fmt: skip


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # revoke and grant instead: both are audited

    def save_model(
        self, request: HttpRequest, obj: RoleAssignment, form: Any, change: bool
    ) -> None:
        granted = services.role_grant(
            org=obj.organization, actor=request.user, user=obj.user, role=obj.role
        )
        obj.pk = granted.pk

    def delete_model(self, request: HttpRequest, obj: RoleAssignment) -> None:
        services.role_revoke(org=obj.organization, actor=request.user, user=obj.user, role=obj.role)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(LocalHoliday)
class LocalHolidayAdmin(ReadOnlyAdmin):
    list_display = ["organization", "date", "name"]
    list_filter = ["date"]


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = [
        "chain",
        "seq",
        "created_at",
        "actor_repr",
        "action",
        "object_type",
        "object_id",
    ]
    list_filter = ["action"]
    search_fields = ["object_id", "actor_repr"]


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ["name", "organization", "content_type", "size", "sha256", "registered_at"]


@admin.register(StuckWork)
class StuckWorkAdmin(ReadOnlyAdmin):
    """What the sweep (core.sweep) could not finish: read-only; a row goes when the work is done."""

    list_display = ["kind", "label", "organization", "attempts", "last_failed_at", "alerted_at"]
    list_filter = ["kind"]
    search_fields = ["label", "object_id"]
