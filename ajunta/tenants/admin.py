from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ajunta.tenants import services
from ajunta.tenants.models import (
    Agreement,
    CatalogueService,
    FeeRule,
    Membership,
    Organization,
    PublicPage,
    TrainingSession,
)


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Platform operators may look; every write goes through the members pages (audited)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ["applicant_name", "organization", "status", "start_date", "end_date"]
    list_filter = ["status", "organization"]
    search_fields = ["applicant_name", "ine_code"]


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "member", "kind", "start_date", "end_date", "status"]
    list_filter = ["kind", "status", "organization"]


@admin.register(CatalogueService)
class CatalogueServiceAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "organization", "module", "included_in_membership", "price"]


@admin.register(FeeRule)
class FeeRuleAdmin(ReadOnlyAdmin):
    list_display = ["organization", "valid_from", "min_population", "max_population", "amount"]


@admin.register(TrainingSession)
class TrainingSessionAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "kind", "starts_at"]


@admin.register(PublicPage)
class PublicPageAdmin(ReadOnlyAdmin):
    list_display = ["title", "organization", "slug", "language", "kind", "published"]
