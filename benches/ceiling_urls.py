"""The app's URLs plus /bench/ceiling/<org_id>/: one indexed query, a tiny JSON answer.

It runs through the same middleware as every page (sessions, CSRF, OTP, CSP...), without
authentication, tenancy, templates or serializers: what Django and PostgreSQL cost at the least.
"""

from django.http import HttpRequest, JsonResponse
from django.urls import path

from ajunta.registry.models import RegistryEntry
from ajunta.urls import urlpatterns as app_urlpatterns


def ceiling(request: HttpRequest, org_id: int) -> JsonResponse:
    # The registry book's first row: registry_entry_org_time (organization_id, filed_at DESC, id DESC).
    number = (
        RegistryEntry.objects.filter(organization_id=org_id)
        .order_by("-filed_at", "-id")
        .values_list("number", flat=True)
        .first()
    )
    return JsonResponse({"number": number})


urlpatterns = [path("bench/ceiling/<int:org_id>/", ceiling, name="bench_ceiling"), *app_urlpatterns]
