"""Django admin for platform operators: read-mostly views of the helpdesk's tables.

Tickets and their history are written only through helpdesk.services (audited), so the admin
shows them read-only; configuration rows may be corrected here by a superuser.
"""

from typing import Any

from django.contrib import admin

from ajunta.helpdesk.models import (
    Category,
    EscalationRule,
    HelpdeskSettings,
    SlaTarget,
    TechnicianGroup,
    Ticket,
)


@admin.register(Ticket)
class TicketAdmin(admin.ModelAdmin):
    list_display = ["number", "organization", "title", "status", "priority", "opened_at"]
    list_filter = ["status", "priority", "ticket_type"]
    search_fields = ["number", "title"]
    list_select_related = ["organization"]

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


admin.site.register([Category, TechnicianGroup, SlaTarget, EscalationRule, HelpdeskSettings])
