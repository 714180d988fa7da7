"""Writes of the IT inventory. Each is atomic and audited; assets are retired, never deleted.

- Assets by hand (`asset_create`, `asset_update`) and from CSV (`assets_import_csv`).
- Agent inventories (`inventory_import`): the document is checked against the schema before
  anything is written, the asset is found by agent device id, hardware UUID or serial, and only
  what changed is written, so a re-import is idempotent: it moves `last_inventory_at` and nothing
  else (that heartbeat is neither audited nor kept in the history, or 500 machines reporting
  daily would bury the real changes).
- The agent token (`agent_token_rotate`, `agent_token_revoke`, `agent_token_organization`).
- The organization's security record (`security_record_save`).
- End-of-life data from endoflife.date (`eol_import`), then every asset looked up again.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ajunta.assets import eol, inventory
from ajunta.assets.models import (
    AgentToken,
    Asset,
    AssetChange,
    AssetKind,
    AssetSource,
    AssetStatus,
    EolCycle,
    InstalledSoftware,
    NetworkInterface,
    NetworkPort,
    SecurityRecord,
)
from ajunta.core.audit import audit_record
from ajunta.core.languages import language_for
from ajunta.core.models import PROVIDER_ROLES, Role, RoleAssignment

# What people may set on an asset (the inventory agent fills the rest).
MANUAL_FIELDS = (
    "kind", "inventory_tag", "name", "serial", "manufacturer", "model", "location", "holder",
    "status", "purchase_date", "warranty_end", "supplier", "cost", "notes", "os_name",
    "os_version", "antivirus_enabled", "antivirus_up_to_date", "firewall_enabled",
    "disk_encrypted", "secure_boot", "firmware", "snmp_community",
)  # fmt: skip
SECURITY_FIELDS = (
    "backup_last_success", "backup_offline_copy", "backup_last_restore_test", "mfa_coverage",
    "ens_category", "ens_status", "security_officer",
)  # fmt: skip
# Inventory fields whose change is worth a line in the history; raw sections change every run.
TRACKED_INVENTORY_FIELDS = (
    "name", "serial", "uuid", "manufacturer", "model", "os_name", "os_version", "os_eol_label",
    "software_eol_label", "antivirus_name", "antivirus_enabled", "antivirus_up_to_date", "firewall_enabled",
    "disk_encrypted", "secure_boot", "local_admins", "firmware", "mac_address", "ip_address",
    "snmp_credentials",
)  # fmt: skip
# Identifying fields an inventory without them leaves as they are.
KEEP_WHEN_MISSING = frozenset(
    {"name", "serial", "uuid", "manufacturer", "model", "mac_address", "ip_address", "firmware"}
)
CSV_COLUMNS = (
    "inventory_tag", "kind", "name", "serial", "manufacturer", "model", "location", "holder",
    "status", "purchase_date", "warranty_end", "supplier", "cost", "notes",
)  # fmt: skip
CSV_MAX_ROWS = 5000
# Cells a spreadsheet would run as formulas; the export prefixes them with an apostrophe.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
TOKEN_BYTES = 32
TOKEN_TOUCH_EVERY = dt.timedelta(hours=1)


# --- helpers -------------------------------------------------------------------------------------
def _json_value(value: Any) -> Any:
    if isinstance(value, dt.date | Decimal):
        return str(value)
    return value


def _diff(asset: Asset, old: dict[str, Any], fields: tuple[str, ...] | list[str]) -> dict:
    return {
        name: [_json_value(old.get(name)), _json_value(getattr(asset, name))]
        for name in fields
        if old.get(name) != getattr(asset, name)
    }


def _snapshot(asset: Asset, fields: tuple[str, ...] | list[str]) -> dict[str, Any]:
    return {name: getattr(asset, name) for name in fields}


def _record_change(
    *, org: Any, actor: Any, asset: Asset, source: str, code: str, changes: dict, action: str
) -> None:
    """One line of the asset's history, stored as a code (assets.activity) and the changes."""
    AssetChange.objects.create(
        organization=org,
        asset=asset,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        source=source,
        code=code,
        changes=changes,
    )
    audit_record(org=org, actor=actor, action=action, obj=asset, changes=changes)


def _refresh_os_release(asset: Asset, memo: dict[str, Any] | None = None) -> None:
    release = eol.support_release("", asset.os_name, asset.os_version, memo=memo)
    asset.os_eol_label = release.label if release else ""
    asset.os_eol_date = release.end_of_life if release else None


def _apply_imported_eol(fields: dict[str, Any]) -> None:
    """The reading's OS release by endoflife.date's imported data (the reading itself only knows
    the hand-kept table): one query when a product rule knows the system."""
    if not fields.get("os_name"):
        return
    release = eol.support_release("", fields["os_name"], fields.get("os_version", ""))
    fields["os_eol_label"] = release.label if release else ""
    fields["os_eol_date"] = release.end_of_life if release else None


def _check_tag(org: Any, tag: str, exclude_pk: int | None = None) -> None:
    if not tag:
        return
    # The exclude repeats the partial unique index's condition, so that SQLite uses it.
    clash = Asset.objects.filter(organization=org, inventory_tag=tag).exclude(inventory_tag="")
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"inventory_tag": _("Another asset of this organization has this inventory tag.")}
        )


def _clean(asset: Asset) -> None:
    """Field checks (choices, lengths, cost not negative); uniqueness is checked by the caller."""
    asset.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)


# --- assets by hand ------------------------------------------------------------------------------
@transaction.atomic
def asset_create(*, org: Any, actor: Any, source: str = AssetSource.MANUAL, **fields: Any) -> Asset:
    unknown = set(fields) - set(MANUAL_FIELDS)
    if unknown:
        raise ValueError(f"Not settable by hand: {sorted(unknown)}")
    fields.setdefault("kind", AssetKind.OTHER)
    asset = Asset(organization=org, source=source, **fields)
    _refresh_os_release(asset)
    _clean(asset)
    _check_tag(org, asset.inventory_tag)
    asset.save(force_insert=True)
    _record_change(
        org=org,
        actor=actor,
        asset=asset,
        source=source,
        code="assets.history.created",
        changes={name: _json_value(getattr(asset, name)) for name in fields},
        action="assets.asset_create",
    )
    return asset


@transaction.atomic
def asset_update(
    *, org: Any, actor: Any, asset: Asset, source: str = AssetSource.MANUAL, **fields: Any
) -> Asset:
    """Change what people keep about an asset. Retiring is a status change like any other."""
    if asset.organization_id != org.pk:
        raise ValueError("The asset belongs to another organization.")
    unknown = set(fields) - set(MANUAL_FIELDS)
    if unknown:
        raise ValueError(f"Not settable by hand: {sorted(unknown)}")
    tracked = [*MANUAL_FIELDS, "os_eol_label", "os_eol_date"]
    old = _snapshot(asset, tracked)
    for name, value in fields.items():
        setattr(asset, name, value)
    _refresh_os_release(asset)
    _clean(asset)
    _check_tag(org, asset.inventory_tag, exclude_pk=asset.pk)
    changes = _diff(asset, old, tracked)
    if not changes:
        return asset
    asset.save(update_fields=[*changes, "updated_at"])
    _record_change(
        org=org,
        actor=actor,
        asset=asset,
        source=source,
        code="assets.history.changed",
        changes=changes,
        action="assets.asset_update",
    )
    return asset


# --- agent inventories ---------------------------------------------------------------------------
@dataclass
class ImportOutcome:
    asset: Asset
    created: bool
    changed: list[str] = field(default_factory=list)


def _match(org: Any, reading: inventory.Reading) -> Asset | None:
    """The asset an inventory is about, locked for this transaction (two inventories of one
    machine at once wait for each other): by agent device id, else hardware UUID, else serial
    (the lowest pk among equals); a network device by serial, else MAC address. Its raw sections
    are not read: a full import replaces them, a partial one reads them when it merges.

    The device id first, on its own: it is unique in the organization and wins outright, and it is
    how an agent that reported before is found, so a known machine costs one query. Otherwise the
    keys of a UNION of the UUID and serial lookups, each on its own index (an OR would make SQLite
    scan the organization's assets, and imports would slow down as they grow): a new machine stops
    there, an agent reinstalled on a known one has its asset read whole.
    """
    mine = Asset.objects.filter(organization=org).defer("raw_sections")
    if reading.device_id:
        # The exclude repeats the partial unique index's condition, so that SQLite uses it.
        found = (
            mine.filter(device_id=reading.device_id)
            .exclude(device_id="")
            .select_for_update()
            .first()
        )
        if found is not None:
            return found
    lookups = []
    if reading.uuid and not reading.network:
        lookups.append(mine.filter(uuid=reading.uuid).values_list("pk", "uuid"))
    if reading.serial:
        lookups.append(mine.filter(serial=reading.serial).values_list("pk", "uuid"))
    if reading.network and reading.mac:
        lookups.append(mine.filter(mac_address=reading.mac).values_list("pk", "uuid"))
    if not lookups:
        return None
    query = lookups[0].union(*lookups[1:], all=True) if len(lookups) > 1 else lookups[0]
    candidates = list(query.order_by("pk")[:10])
    if not candidates:
        return None
    # A UUID match before a serial match; the lowest pk among equals.
    best = min(candidates, key=lambda row: (not (reading.uuid and row[1] == reading.uuid), row[0]))
    return mine.select_for_update().get(pk=best[0])


def _sync_software(org: Any, asset: Asset, software: list[inventory.Software]) -> dict:
    """Make the asset's software rows what the inventory lists, deleting and inserting only the
    rows that differ (a new version of one program is one row out and one in, not the whole list
    again). Returns the programs added and removed, by name and version, for the history."""
    current = InstalledSoftware.objects.filter(asset=asset).values_list(
        "pk", "name", "version", "publisher", "installed_on"
    )
    unmatched: dict[tuple[Any, ...], list[int]] = {}
    before = set()
    for pk, *key in current:
        unmatched.setdefault(tuple(key), []).append(pk)
        before.add((key[0], key[1]))
    new_rows = []
    for row in software:
        pks = unmatched.get((row.name, row.version, row.publisher, row.installed_on))
        if pks:
            pks.pop()  # the same row is already there: keep it
        else:
            new_rows.append(row)
    stale = [pk for pks in unmatched.values() for pk in pks]
    if stale:
        InstalledSoftware.objects.filter(asset=asset, pk__in=stale).delete()
    if new_rows:
        InstalledSoftware.objects.bulk_create(
            [InstalledSoftware(organization=org, asset=asset, **vars(row)) for row in new_rows],
            batch_size=500,
        )
    after = {(row.name, row.version) for row in software}
    return {
        "added": sorted(" ".join(pair).strip() for pair in after - before)[:50],
        "removed": sorted(" ".join(pair).strip() for pair in before - after)[:50],
    }


def _add_software(org: Any, asset: Asset, software: list[inventory.Software]) -> None:
    InstalledSoftware.objects.bulk_create(
        [InstalledSoftware(organization=org, asset=asset, **vars(row)) for row in software],
        batch_size=500,
    )


def _replace_interfaces(
    org: Any, asset: Asset, interfaces: list[inventory.Interface], *, fresh: bool = False
) -> None:
    if not fresh:
        NetworkInterface.objects.filter(asset=asset).delete()
    NetworkInterface.objects.bulk_create(
        [NetworkInterface(organization=org, asset=asset, **vars(row)) for row in interfaces],
        batch_size=500,
    )


def _replace_ports(
    org: Any, asset: Asset, ports: list[inventory.Port], *, fresh: bool = False
) -> None:
    if not fresh:
        NetworkPort.objects.filter(asset=asset).delete()
    NetworkPort.objects.bulk_create(
        [NetworkPort(organization=org, asset=asset, **vars(row)) for row in ports],
        batch_size=500,
    )


def inventory_import(
    *,
    org: Any,
    actor: Any,
    document: Any,
    source: str = AssetSource.AGENT,
    received_at: dt.datetime | None = None,
) -> ImportOutcome:
    """Create or update the asset an agent inventory describes. Refuses a document that fails the
    schema (InventoryError, naming the path) before writing anything."""
    arguments = {"org": org, "actor": actor, "document": document, "source": source,
                 "received_at": received_at}  # fmt: skip
    try:
        return _inventory_import(**arguments)
    except IntegrityError:
        # Two inventories of a new machine at once: the other one created it first (the unique
        # device id said so, and rolled this attempt back). Now it is found and updated.
        return _inventory_import(**arguments)


def _lock_organization(org: Any) -> None:
    """Serialise the creation of assets in `org`: two inventories of a new machine (or a network
    device, which has no unique device id) at once must not create it twice. Only taken when
    no asset matched, so known machines never wait for each other.

    FOR NO KEY UPDATE, not FOR UPDATE: it still excludes another creator, but not the KEY SHARE
    lock PostgreSQL takes to check every foreign key to the organization. With FOR UPDATE a
    ticket committing (its FK check on the organization) and an inventory holding the row while
    waiting for the organization's audit-chain head deadlocked (the fault test found it)."""
    from ajunta.tenants.models import Organization

    Organization.objects.select_for_update(no_key=True).filter(pk=org.pk).values_list("pk").first()


@transaction.atomic
def _inventory_import(
    *,
    org: Any,
    actor: Any,
    document: Any,
    source: str,
    received_at: dt.datetime | None,
) -> ImportOutcome:
    inventory.validate_inventory(document)
    itemtype = document.get("itemtype", "Computer")
    if itemtype not in inventory.SUPPORTED_ITEMTYPES:
        raise inventory.InventoryError(
            _("Inventories of type %(itemtype)s are not imported.") % {"itemtype": itemtype}
        )
    reading = inventory.read_inventory(document)
    _apply_imported_eol(reading.fields)
    if reading.network and not (reading.serial or reading.mac):
        # The device id of a network inventory is the scanning agent's: never a match key.
        raise inventory.InventoryError(
            _("The network inventory has no serial number or MAC address to match it by.")
        )
    if not (reading.network or reading.device_id or reading.uuid or reading.serial):
        raise inventory.InventoryError(
            _("The inventory has no device id, hardware UUID or serial number to match it by.")
        )
    now = received_at or timezone.now()
    asset = _match(org, reading)
    if asset is None:
        _lock_organization(org)
        asset = _match(org, reading)
    if asset is None:
        return _inventory_create(org, actor, reading, source, now)
    old = _snapshot(asset, TRACKED_INVENTORY_FIELDS)
    for name, value in reading.fields.items():
        if name in KEEP_WHEN_MISSING and not value:
            continue  # an inventory that lacks the serial does not erase the one we know
        setattr(asset, name, value)
    update = [*reading.fields, "last_inventory_at", "updated_at", "raw_sections"]
    asset.last_inventory_at = now
    if reading.device_id and asset.device_id != reading.device_id:
        asset.device_id = reading.device_id  # the agent was reinstalled: follow its new id
        update.append("device_id")
    if reading.partial:
        # The sections a partial inventory does not carry stay as the last full one left them.
        kept = Asset.objects.filter(pk=asset.pk).values_list("raw_sections", flat=True).get()
        asset.raw_sections = {**(kept or {}), **reading.raw_sections}
    else:
        asset.raw_sections = reading.raw_sections
    changes = _diff(asset, old, TRACKED_INVENTORY_FIELDS)
    if reading.software is not None and asset.software_hash != reading.software_hash:
        changes["software"] = _sync_software(org, asset, reading.software)
        asset.software_hash = reading.software_hash
        update.append("software_hash")
    if reading.interfaces is not None and asset.interfaces_hash != reading.interfaces_hash:
        changes["interfaces"] = len(reading.interfaces)
        _replace_interfaces(org, asset, reading.interfaces)
        asset.interfaces_hash = reading.interfaces_hash
        update.append("interfaces_hash")
    if reading.ports is not None and asset.ports_hash != reading.ports_hash:
        changes["ports"] = len(reading.ports)
        _replace_ports(org, asset, reading.ports)
        asset.ports_hash = reading.ports_hash
        update.append("ports_hash")
    asset.save(update_fields=sorted(set(update)))
    if changes:
        _record_change(
            org=org,
            actor=actor,
            asset=asset,
            source=source,
            code="assets.history.inventory_changed",
            changes=changes,
            action="assets.inventory_import",
        )
    return ImportOutcome(asset=asset, created=False, changed=sorted(changes))


def _inventory_create(
    org: Any, actor: Any, reading: inventory.Reading, source: str, now: dt.datetime
) -> ImportOutcome:
    asset = Asset(
        organization=org,
        kind=reading.kind,
        device_id=reading.device_id,
        source=source,
        last_inventory_at=now,
        software_hash=reading.software_hash,
        interfaces_hash=reading.interfaces_hash,
        ports_hash=reading.ports_hash,
        raw_sections=reading.raw_sections,
        **reading.fields,
    )
    asset.save(force_insert=True)
    if reading.software:
        _add_software(org, asset, reading.software)
    if reading.interfaces:
        _replace_interfaces(org, asset, reading.interfaces, fresh=True)
    if reading.ports:
        _replace_ports(org, asset, reading.ports, fresh=True)
    changes = {
        name: _json_value(reading.fields[name])
        for name in TRACKED_INVENTORY_FIELDS
        if name in reading.fields
    }
    if reading.software is not None:
        changes["software"] = len(reading.software)
    if reading.ports is not None:
        changes["ports"] = len(reading.ports)
    _record_change(
        org=org,
        actor=actor,
        asset=asset,
        source=source,
        code="assets.history.inventory_created",
        changes=changes,
        action="assets.inventory_import",
    )
    return ImportOutcome(asset=asset, created=True, changed=list(changes))


# --- the agent token -----------------------------------------------------------------------------
def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def agent_token_rotate(*, org: Any, actor: Any) -> tuple[AgentToken, str]:
    """A new token for `org`'s agents (shown once); the previous one stops working at once."""
    now = timezone.now()
    AgentToken.objects.filter(organization=org, revoked_at__isnull=True).update(revoked_at=now)
    plain = f"ajt_{secrets.token_urlsafe(TOKEN_BYTES)}"
    token = AgentToken.objects.create(
        organization=org,
        token_hash=token_digest(plain),
        prefix=plain[:10],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        org=org, actor=actor, action="assets.agent_token_rotate", obj=token,
        changes={"prefix": token.prefix},
    )  # fmt: skip
    return token, plain


@transaction.atomic
def agent_token_revoke(*, org: Any, actor: Any) -> int:
    revoked = AgentToken.objects.filter(organization=org, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    if revoked:
        audit_record(org=org, actor=actor, action="assets.agent_token_revoke", changes={})
    return revoked


def agent_token_organization(*, org_slug: str, token: str) -> Any | None:
    """The organization under `org_slug` if `token` is its active agent token, else None (a wrong
    slug and a wrong token alike). One query for both, as every inventory asks; notes when the
    token was last used (hourly)."""
    if not token:
        return None
    found = (
        AgentToken.objects.filter(
            organization__slug=org_slug, token_hash=token_digest(token), revoked_at__isnull=True
        )
        .select_related("organization")
        .only("pk", "last_used_at", "organization")
        .first()
    )
    if found is None:
        return None
    now = timezone.now()
    if found.last_used_at is None or now - found.last_used_at > TOKEN_TOUCH_EVERY:
        AgentToken.objects.filter(pk=found.pk).update(last_used_at=now)
    return found.organization


# --- the organization's security record ----------------------------------------------------------
@transaction.atomic
def security_record_save(*, org: Any, actor: Any, **fields: Any) -> SecurityRecord:
    unknown = set(fields) - set(SECURITY_FIELDS)
    if unknown:
        raise ValueError(f"Unknown security fields: {sorted(unknown)}")
    record = SecurityRecord.objects.select_for_update().filter(organization=org).first()
    created = record is None
    if record is None:
        record = SecurityRecord(organization=org)
    old = {name: getattr(record, name) for name in SECURITY_FIELDS}
    for name, value in fields.items():
        setattr(record, name, value)
    record.full_clean(exclude=["organization"], validate_constraints=False)
    changes = {
        name: [_json_value(old[name]), _json_value(getattr(record, name))]
        for name in SECURITY_FIELDS
        if old[name] != getattr(record, name)
    }
    if not changes and not created:
        return record
    record.save()
    audit_record(org=org, actor=actor, action="assets.security_record_save", obj=record,
                 changes=changes)  # fmt: skip
    return record


# --- CSV -----------------------------------------------------------------------------------------
@dataclass
class CsvOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _csv_value(name: str, raw: str, row_no: int) -> Any:
    value = raw.strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        value = value[1:]  # the export's guard against formulas, undone
    if name in {"purchase_date", "warranty_end"}:
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationError(
                _("Row %(row)d, %(column)s: a date as YYYY-MM-DD.")
                % {"row": row_no, "column": name}
            ) from exc
    if name == "cost":
        if not value:
            return None
        try:
            return Decimal(value.replace(",", "."))
        except InvalidOperation as exc:
            raise ValidationError(
                _("Row %(row)d, cost: a number such as 649.90.") % {"row": row_no}
            ) from exc
    if name == "kind" and value not in AssetKind.values:
        raise ValidationError(
            _("Row %(row)d, kind: one of %(choices)s.")
            % {"row": row_no, "choices": ", ".join(AssetKind.values)}
        )
    if name == "status":
        value = value or AssetStatus.IN_USE
        if value not in AssetStatus.values:
            raise ValidationError(
                _("Row %(row)d, status: one of %(choices)s.")
                % {"row": row_no, "choices": ", ".join(AssetStatus.values)}
            )
    return value


def read_csv(text: str) -> list[dict[str, Any]]:
    """Rows of an asset CSV (the export's columns; `inventory_tag` and `kind` required)."""
    sample = text[:4096]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in ("inventory_tag", "kind") if c not in columns]
    if missing:
        raise ValidationError(
            _("The CSV needs these columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    rows: list[dict[str, Any]] = []
    for row_no, raw in enumerate(reader, start=2):
        if len(rows) >= CSV_MAX_ROWS:
            raise ValidationError(_("At most %(count)d rows per file.") % {"count": CSV_MAX_ROWS})
        raw = {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in raw.items()}
        if not any(value.strip() for value in raw.values()):
            continue
        if not raw.get("inventory_tag", "").strip():
            raise ValidationError(_("Row %(row)d: the inventory tag is empty.") % {"row": row_no})
        rows.append(
            {name: _csv_value(name, raw[name], row_no) for name in CSV_COLUMNS if name in raw}
        )
    return rows


@transaction.atomic
def assets_import_csv(
    *, org: Any, actor: Any, text: str, progress: Callable[[int, int], None] | None = None
) -> CsvOutcome:
    """Create or update assets by inventory tag from a CSV; one bad row refuses the whole file.

    `progress(done, total)` is told every 100 rows (a background run's page shows it: ajunta.jobs).
    """
    rows = read_csv(text)
    tags = [row["inventory_tag"] for row in rows]
    if len(set(tags)) != len(tags):
        raise ValidationError(_("The same inventory tag appears twice in the file."))
    existing = {
        a.inventory_tag: a
        for a in Asset.objects.filter(organization=org, inventory_tag__in=tags).exclude(
            inventory_tag=""
        )
    }
    outcome = CsvOutcome()
    for row_no, row in enumerate(rows, start=2):
        if progress is not None and (row_no - 2) % 100 == 0:
            progress(row_no - 2, len(rows))
        try:
            asset = existing.get(row["inventory_tag"])
            if asset is None:
                asset_create(org=org, actor=actor, source=AssetSource.CSV, **row)
                outcome.created += 1
                continue
            before = asset.updated_at
            asset_update(org=org, actor=actor, asset=asset, source=AssetSource.CSV, **row)
            if asset.updated_at == before:
                outcome.unchanged += 1
            else:
                outcome.updated += 1
        except ValidationError as exc:
            messages = (
                "; ".join(f"{key}: {' '.join(value)}" for key, value in exc.message_dict.items())
                if hasattr(exc, "error_dict")
                else " ".join(exc.messages)
            )
            raise ValidationError(
                _("Row %(row)d: %(errors)s") % {"row": row_no, "errors": messages}
            ) from exc
    if progress is not None:
        progress(len(rows), len(rows))
    return outcome


# --- endoflife.date ------------------------------------------------------------------------------
@dataclass
class EolImport:
    product: str
    cycles: int
    assets_refreshed: int


def eol_import(
    *, data: Any, source: str = "", product: str = "", actor: Any = None, on: dt.date | None = None
) -> EolImport:
    """Store endoflife.date's data for one product (API v1, or a v0 list with `product` named),
    replacing what was imported for it before, then look every asset's OS up again. A ValidationError
    with the reason for data that is not endoflife.date's (nothing is written then)."""
    on = on or timezone.localdate()
    try:
        name, label, cycles = eol.parse_endoflife(data, on)
    except eol.EolDataError as exc:
        raise ValidationError(
            _("Not endoflife.date product data: %(reason)s") % {"reason": exc}
        ) from exc
    name = name or product
    if not name or not cycles:
        raise ValidationError(_("Not endoflife.date product data: no product or no releases."))
    now = timezone.now()
    with transaction.atomic():
        EolCycle.objects.filter(product=name).delete()
        EolCycle.objects.bulk_create(
            EolCycle(
                product=name,
                product_label=label[:160],
                cycle=row.cycle[:80],
                label=row.label,
                release_date=row.release_date,
                eol=row.eol,
                is_eol=row.is_eol,
                latest=row.latest,
                imported_at=now,
                source=source[:500],
            )
            for row in {row.cycle: row for row in cycles}.values()
        )
        audit_record(org=None, actor=actor, action="assets.eol_import",
                     changes={"product": name, "cycles": len(cycles), "source": source[:200]})  # fmt: skip
    refreshed = assets_refresh_os_releases()
    return EolImport(product=name, cycles=len(cycles), assets_refreshed=refreshed)


# --- the OS end-of-life table changed ------------------------------------------------------------
def assets_refresh_os_releases(*, batch_size: int = 2000) -> int:
    """Look every asset's operating system up again in the end-of-life table (after the table
    is updated); returns how many assets changed. Derived data only: one platform audit event."""
    changed: list[Asset] = []
    total = 0
    rows = (
        Asset.objects.exclude(os_name="")
        .only("pk", "os_name", "os_version", "os_eol_label", "os_eol_date")
        .order_by("pk")
    )
    memo: dict[str, Any] = {}
    for asset in rows.iterator(chunk_size=batch_size):
        before = (asset.os_eol_label, asset.os_eol_date)
        _refresh_os_release(asset, memo)
        if (asset.os_eol_label, asset.os_eol_date) != before:
            changed.append(asset)
        if len(changed) >= batch_size:
            total += _save_releases(changed)
            changed = []
    total += _save_releases(changed)
    if total:
        audit_record(
            org=None, actor=None, action="assets.os_releases_refresh", changes={"assets": total}
        )
    return total


def _save_releases(assets: list[Asset]) -> int:
    with transaction.atomic():
        Asset.objects.bulk_update(assets, ["os_eol_label", "os_eol_date"], batch_size=500)
    return len(assets)


# --- alerts --------------------------------------------------------------------------------------
def _alert_lines(name: str, counts: dict[str, int]) -> str:
    return _(
        "%(org)s: %(os_eol)d with the operating system past or near its end of life, "
        "%(warranty)d with the warranty ending soon, %(silent)d silent."
    ) % {"org": name, **counts}


def alerts_notify(*, on: dt.date | None = None) -> int:
    """E-mail each organization's administrators its inventory alerts, and the provider's staff
    a digest of every member's. Returns the number of e-mails sent. The daily job (tasks.py,
    `manage.py assets_alerts`) runs this; the alerts themselves are always on the alerts page."""
    from ajunta.assets import selectors  # reads, kept out of the module's import cycle
    from ajunta.tenants.models import Organization

    found = selectors.alert_counts_by_organization(on=on)
    if not found:
        return 0
    orgs = {org.pk: org for org in Organization.objects.filter(pk__in=found)}
    providers = list(Organization.objects.filter(is_provider=True))
    assignments = RoleAssignment.objects.filter(
        Q(organization__in=list(orgs), role=Role.MUNICIPAL_ADMIN)
        | Q(organization__in=providers, role__in=PROVIDER_ROLES)
    ).select_related("user", "organization")
    recipients: dict[int, tuple[Any, set[int]]] = {}
    for assignment in assignments:
        user = assignment.user
        if not user.email or not user.is_active:
            continue
        _user, org_ids = recipients.setdefault(user.pk, (user, set()))
        org_ids.update(
            found if assignment.organization.is_provider else [assignment.organization_id]
        )
    sent = 0
    for user, org_ids in recipients.values():
        first_org = orgs.get(min(org_ids)) if org_ids else None
        with translation.override(language_for(user=user, org=first_org)):
            lines = [
                _alert_lines(orgs[org_id].name, found[org_id])
                for org_id in sorted(org_ids, key=lambda pk: orgs[pk].name)
                if org_id in orgs
            ]
            if not lines:
                continue
            body = "\n".join(
                [_("Inventory alerts of today:"), "", *lines, "",
                 _("The alerts page of each organization lists the devices.")]
            )  # fmt: skip
            sent += send_mail(_("Ajunta: IT inventory alerts"), body, None, [user.email])
    return sent
