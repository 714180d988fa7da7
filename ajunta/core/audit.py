"""The audit chain: every service write appends one AuditEvent, hash-linked per organization.

Each event stores the SHA-256 of a canonical serialization of itself including the previous
event's hash, so changing, removing or reordering any stored event breaks the chain from that
point on. `audit_verify` recomputes a chain and names the first broken event.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import ipaddress
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.utils import timezone

from ajunta.core.locking import lock_or_create
from ajunta.core.models import AuditChain, AuditEvent
from ajunta.core.request_context import current_ip

PLATFORM_CHAIN = "platform"
ACTOR_REPR_MAX = AuditEvent._meta.get_field("actor_repr").max_length or 200


def chain_key(org: Any) -> str:
    return f"org:{org.pk}" if org is not None else PLATFORM_CHAIN


def _canonical_json(value: Any) -> str:
    # NaN and Infinity are not JSON: PostgreSQL refuses them, so refuse them everywhere.
    return json.dumps(
        value,
        cls=DjangoJSONEncoder,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
    )


def _json_float(text: str) -> float | int:
    """A whole-valued float becomes an int, as PostgreSQL's jsonb gives it back.

    jsonb keeps numbers as decimals: 1e+20 is read back as the int 100000000000000000000, so a
    float stored as such would no longer match its hash there (1.0 keeps its ".0", -0.0 loses
    its sign). Non-whole floats round-trip exactly on both databases.
    """
    number = decimal.Decimal(text)
    return int(number) if number == number.to_integral_value() else float(text)


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
        "created_at": event.created_at.astimezone(dt.UTC).isoformat(),
        "prev_hash": event.prev_hash,
    }
    return hashlib.sha256(_canonical_json(payload).encode()).hexdigest()


def _clean_ip(value: str | None) -> str | None:
    """The IP as the database will give it back (IPv6 lowercased and compressed), or None.

    The hash is computed before saving, so it must see the stored form: "2001:DB8::1" would
    otherwise be hashed as sent and read back as "2001:db8::1", and the chain would not verify.
    """
    if not value:
        return None
    try:
        ipaddress.ip_address(value.strip())
        return AuditEvent._meta.get_field("ip").to_python(value)
    except (ValueError, ValidationError):
        return None


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
    clean_changes = json.loads(_canonical_json(changes or {}), parse_float=_json_float)
    user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    # No savepoint inside the caller's transaction: a failure here fails the whole write anyway,
    # and the chain head stays locked for two round trips fewer.
    with transaction.atomic(savepoint=False):
        head = lock_or_create(AuditChain, key=chain_key(org))
        event = AuditEvent(
            chain=head.key,
            seq=head.last_seq + 1,
            organization=org,
            actor=user,
            actor_repr=str(user)[:ACTOR_REPR_MAX] if user else "",
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            changes=clean_changes,
            ip=_clean_ip(current_ip()),
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
    last: AuditEvent | None = None
    for event in _events(chain):
        report.events += 1
        if event.seq != expected_seq:
            report.broken_at = event
            report.reason = f"sequence jumps to {event.seq}, expected {expected_seq}"
            return report
        if event.prev_hash != prev_hash:
            report.broken_at, report.reason = event, "previous hash does not match the event before"
            return report
        if event_hash(event) != event.hash:
            report.broken_at, report.reason = event, "content does not match its hash"
            return report
        prev_hash = event.hash
        expected_seq += 1
        last = event
    count = expected_seq - 1
    head = AuditChain.objects.filter(key=chain).first()
    if head is None:
        if count:
            # Every append locks (and so creates) the head: events without one mean it was removed.
            report.broken_at, report.reason = last, "chain head is missing"
    elif head.last_seq > count:
        report.reason = f"chain head says {head.last_seq} events; events after #{count} are missing"
        report.broken_at = AuditEvent(chain=chain, seq=count + 1)
    elif head.last_seq != count or head.last_hash != prev_hash:
        report.reason = f"chain head (#{head.last_seq}) does not match the last event (#{count})"
        report.broken_at = last or AuditEvent(chain=chain, seq=1)
    return report


def _chain_order(key: str) -> tuple[str, int, str]:
    """org:2 before org:10, organizations before the platform."""
    prefix, _, rest = key.partition(":")
    return prefix, int(rest) if rest.isdigit() else 0, rest


def verify_all(orgs: list[Any] | None = None) -> list[ChainReport]:
    if orgs is not None:
        keys = [chain_key(org) for org in orgs]
    else:
        # Chains named by a head or by an event: a chain whose head row is gone is still checked.
        keys = sorted(
            set(AuditChain.objects.values_list("key", flat=True))
            | set(AuditEvent.objects.values_list("chain", flat=True).distinct()),
            key=_chain_order,
        )
    return [verify_chain(key) for key in keys]
