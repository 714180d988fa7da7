"""The audit chain: every service write appends one AuditEvent, hash-linked per organization.

Each event stores the SHA-256 of a canonical serialization of itself including the previous
event's hash, so changing, removing or reordering any stored event breaks the chain from that
point on. `audit_verify` recomputes a chain and names the first broken event.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ajunta.core.locking import lock_or_create
from ajunta.core.models import AuditChain, AuditEvent
from ajunta.core.request_context import current_ip

PLATFORM_CHAIN = "platform"


def chain_key(org: Any) -> str:
    return f"org:{org.pk}" if org is not None else PLATFORM_CHAIN


def _canonical_json(value: Any) -> str:
    return json.dumps(
        value, cls=DjangoJSONEncoder, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )


def event_hash(event: AuditEvent) -> str:
    payload = {
        "chain": event.chain,
        "seq": event.seq,
        "organization": event.organization_id,
        "actor": event.actor_id,
        "actor_repr": event.actor_repr,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "changes": event.changes,
        "ip": event.ip,
        "created_at": event.created_at.astimezone(timezone.UTC).isoformat(),
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical_json(payload).encode()).hexdigest()


def audit_record(
    *,
    org: Any,
    actor: Any,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to `org`'s chain (the platform chain when org is None)."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    # Store exactly what is hashed: JSON round-trip turns dates, decimals and UUIDs into text.
    clean_changes = json.loads(_canonical_json(changes or {}))
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        head = lock_or_create(AuditChain, key=chain_key(org))
        event = AuditEvent(
            chain=head.key,
            seq=head.last_seq + 1,
            organization=org,
            actor=user,
            actor_repr=str(user) if user else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            changes=clean_changes,
            ip=current_ip(),
            created_at=timezone.now(),
            prev_hash=head.last_hash,
        )
        event.hash = event_hash(event)
        event.save(force_insert=True)
        head.last_seq = event.seq
        head.last_hash = event.hash
        head.save(update_fields=["last_seq", "last_hash"])
    return event


def changed_fields(instance: models.Model, fields: list[str], old: dict[str, Any]) -> dict:
    """`{field: [old, new]}` for the fields whose value differs from `old`."""
    result = {}
    for field in fields:
        new = getattr(instance, field)
        if old.get(field) != new:
            result[field] = [old.get(field), new]
    return result


@dataclass
class ChainReport:
    chain: str
    events: int
    broken_at: AuditEvent | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def _events(chain: str) -> Iterator[AuditEvent]:
    return AuditEvent.objects.filter(chain=chain).order_by("seq").iterator(chunk_size=2000)


def verify_chain(chain: str) -> ChainReport:
    report = ChainReport(chain=chain, events=0)
    prev_hash = ""
    expected_seq = 1
    for event in _events(chain):
        report.events += 1
        if event.seq != expected_seq:
            report.broken_at, report.reason = event, f"sequence jumps to {event.seq}, expected {expected_seq}"
            return report
        if event.prev_hash != prev_hash:
            report.broken_at, report.reason = event, "previous hash does not match the event before"
            return report
        if event_hash(event) != event.hash:
            report.broken_at, report.reason = event, "content does not match its hash"
            return report
        prev_hash = event.hash
        expected_seq += 1
    head = AuditChain.objects.filter(key=chain).first()
    if head is not None and (head.last_seq != expected_seq - 1 or head.last_hash != prev_hash):
        report.reason = f"chain head says {head.last_seq} events; events after #{expected_seq - 1} are missing"
        report.broken_at = AuditEvent(chain=chain, seq=expected_seq)
    return report


def verify_all(orgs: list[Any] | None = None) -> list[ChainReport]:
    if orgs is not None:
        keys = [chain_key(org) for org in orgs]
    else:
        keys = sorted(set(AuditChain.objects.values_list("key", flat=True)))
    return [verify_chain(key) for key in keys]
