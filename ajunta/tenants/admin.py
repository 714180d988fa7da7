from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ajunta.tenants import services
from ajunta.tenants.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ine_code", "dir3_code", "population", "comarca", "is_provider"]
    list_filter = ["kind", "is_provider", "autonomous_community_code"]
    search_fields = ["name", "slug", "ine_code", "dir3_code"]
    prepopulated_fields = {"slug": ["name"]}

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["slug"] if obj else []

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # organizations own registered data: never deleted

    def save_model(self, request: HttpRequest, obj: Organization, form: Any, change: bool) -> None:
        values = {
            f: form.cleaned_data[f] for f in services.EDITABLE_FIELDS if f in form.cleaned_data
        }
        if change:
            original = Organization.objects.get(pk=obj.pk)
            services.organization_update(org=original, actor=request.user, **values)
        else:
            created = services.organization_create(actor=request.user, slug=obj.slug, **values)
            obj.pk = created.pk
