from django.contrib import admin

from ajunta.security.models import Vulnerability


@admin.register(Vulnerability)
class VulnerabilityAdmin(admin.ModelAdmin):
    list_display = ["cve_id", "known_exploited", "cvss_score", "kev_added"]
    search_fields = ["cve_id", "kev_product"]
