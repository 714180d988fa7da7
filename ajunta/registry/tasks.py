"""Background jobs of the registry. Each is also reachable without a worker (see services)."""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from ajunta.registry import services
from ajunta.registry.models import RegistryEntry


@shared_task(autoretry_for=(Exception,), retry_backoff=5, retry_backoff_max=300, max_retries=10)
def registry_receipt_issue(entry_id: int, actor_id: int | None = None) -> str:
    """Render, seal and store an entry's receipt after its filing committed; retried until done."""
    # A worker job, not a request: it acts on the entry's own organization.
    entry = RegistryEntry.objects.select_related("organization").get(pk=entry_id)
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    receipt = services.registry_entry_receipt_issue(
        org=entry.organization, actor=actor, entry=entry
    )
    return receipt.sha256
