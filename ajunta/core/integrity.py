"""Records that prove themselves: a registered record carries the SHA-256 of its legal content.

A model whose rows must not change once registered (a registry entry, its interested parties and
attachments, a decree in the book, a notification; later the minutes and the cemetery titles)
subclasses `SealedRecord` and lists in `SEALED_FIELDS` the fields that are its legal content. A
dotted name reads a related row (`document.sha256`); a foreign key is named by its column
(`destination_unit_id`). The service that registers the row

1. calls `seal(row)` before the INSERT (or the UPDATE that registers it): the hash is computed
   from the values in memory, so sealing adds no query to a filing;
2. puts `seal_commitments(row, ...)` under the key "seals" of the `changes` of the audit event of
   that write: the event (and so the chain) commits to each row's hash and to a short digest of
   each sealed field, which is how a later check names the field that differs.

From then on the database refuses an UPDATE of the sealed columns and a DELETE of the row
(`sealed_trigger_sql`, installed by each app's migration), and `verify_records` (run by
`manage.py audit_verify` and the nightly job) recomputes every hash and reports any row changed,
deleted or inserted outside the services. A row whose `content_hash` is still empty is not
registered yet (a draft decree) and may change; `must_be_sealed` says when it should be sealed.

The canonical form: JSON with sorted keys and no spaces, of {"record": app_label.model,
"content": {field: value}} where the content holds `organization_id` and every sealed field,
datetimes in UTC ISO 8601 with microseconds, dates ISO, decimals and UUIDs as text. It must never
change: a new form means a migration that re-seals every row, with its audit events.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.apps import apps
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from ajunta.core.audit import _canonical_json
from ajunta.core.models import AuditEvent

SEALS_KEY = "seals"
FIELD_DIGEST_CHARS = 12  # enough to name the field that differs; the row's hash is the full SHA-256


class SealedRecord(models.Model):
    """Abstract base of a registered record whose legal content must never change."""

    content_hash = models.CharField(
        _("content hash"), max_length=64, blank=True, default="", editable=False
    )

    # The fields that are the record's legal content (organization_id is always added).
    SEALED_FIELDS: ClassVar[tuple[str, ...]] = ()
    # What verification selects with the row to name it (`sealed_reference`).
    SEALED_RELATED: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    def sealed_reference(self) -> str:
        """How a report names the row: the entry's number, the decree's number..."""
        return str(self)

    def must_be_sealed(self) -> bool:
        """Whether the row is registered, so that an empty `content_hash` is a fault."""
        return True


# --- the hash ------------------------------------------------------------------------------------
def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    return value


def _read(row: Any, path: str) -> Any:
    value = row
    for part in path.split("."):
        if value is None:
            return None
        value = getattr(value, part)
    return _plain(value)


def content_fields(fields: Iterable[str]) -> tuple[str, ...]:
    return ("organization_id", *fields)


def record_content(row: SealedRecord) -> dict[str, Any]:
    """The legal content of a row as the hash sees it."""
    return {name: _read(row, name) for name in content_fields(type(row).SEALED_FIELDS)}


def content_hash(label: str, content: dict[str, Any]) -> str:
    """SHA-256 of the canonical form of a record's content (also used by the backfill migrations)."""
    payload = _canonical_json({"record": label, "content": content})
    return hashlib.sha256(payload.encode()).hexdigest()


def field_digests(content: dict[str, Any]) -> dict[str, str]:
    return {
        name: hashlib.sha256(_canonical_json(value).encode()).hexdigest()[:FIELD_DIGEST_CHARS]
        for name, value in content.items()
    }


def commitment(label: str, pk: Any, reference: str, content: dict[str, Any]) -> dict[str, Any]:
    """What the audit event of the registering write holds for one row."""
    return {
        "record": label,
        "id": pk,
        "ref": reference,
        "sha256": content_hash(label, content),
        "fields": field_digests(content),
    }


def seal(row: SealedRecord) -> str:
    """Set the row's `content_hash` from its values in memory (no query); returns it."""
    row.content_hash = content_hash(row._meta.label_lower, record_content(row))
    return row.content_hash


def seal_commitments(*rows: SealedRecord) -> list[dict[str, Any]]:
    """The "seals" of the audit event that registers `rows` (after their INSERT: they need a pk)."""
    result = []
    for row in rows:
        assert row.pk is not None and row.content_hash, "seal and save the row first"
        item = commitment(
            row._meta.label_lower, row.pk, row.sealed_reference(), record_content(row)
        )
        assert item["sha256"] == row.content_hash, "the row changed after it was sealed"
        result.append(item)
    return result


# --- the database refuses changes ----------------------------------------------------------------
def sealed_columns(model: type[models.Model], fields: Iterable[str]) -> list[str]:
    """The columns of `fields` the database guards (dotted fields live in other tables)."""
    names = [name for name in content_fields(fields) if "." not in name] + ["content_hash"]
    fields_of = [model._meta.get_field(name) for name in names]
    return [f.column for f in fields_of if isinstance(f, models.Field)]


def sealed_trigger_sql(vendor: str, table: str, columns: list[str]) -> tuple[list[str], list[str]]:
    """(create, drop) statements for the triggers that refuse, on a sealed row (content_hash not
    empty), an UPDATE that changes one of `columns` and any DELETE.

    On PostgreSQL a superuser can step past them with `SET session_replication_role = replica`
    (or ALTER TABLE ... DISABLE TRIGGER); verification still finds what they change.
    """
    name = f"{table}_sealed"
    if vendor == "postgresql":
        changed = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in columns)
        create = [
            f"""CREATE OR REPLACE FUNCTION {name}() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is a sealed record: % refused (annul or rectify it through Ajunta)',
        TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql""",
            f"""CREATE TRIGGER {name}_update BEFORE UPDATE ON "{table}" FOR EACH ROW
WHEN (OLD.content_hash <> '' AND ({changed})) EXECUTE FUNCTION {name}()""",
            f"""CREATE TRIGGER {name}_delete BEFORE DELETE ON "{table}" FOR EACH ROW
WHEN (OLD.content_hash <> '') EXECUTE FUNCTION {name}()""",
        ]
        drop = [
            f'DROP TRIGGER IF EXISTS {name}_update ON "{table}"',
            f'DROP TRIGGER IF EXISTS {name}_delete ON "{table}"',
            f"DROP FUNCTION IF EXISTS {name}()",
        ]
        return create, drop
    if vendor == "sqlite":
        changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)
        message = f"{table} is a sealed record: %s refused (annul or rectify it through Ajunta)"
        create = [
            f"""CREATE TRIGGER {name}_update BEFORE UPDATE ON "{table}" FOR EACH ROW
WHEN OLD.content_hash <> '' AND ({changed})
BEGIN SELECT RAISE(ABORT, '{message % "UPDATE"}'); END""",
            f"""CREATE TRIGGER {name}_delete BEFORE DELETE ON "{table}" FOR EACH ROW
WHEN OLD.content_hash <> ''
BEGIN SELECT RAISE(ABORT, '{message % "DELETE"}'); END""",
        ]
        drop = [f"DROP TRIGGER IF EXISTS {name}_update", f"DROP TRIGGER IF EXISTS {name}_delete"]
        return create, drop
    return [], []


def sealed_trigger_operations(table: str, columns: list[str]) -> tuple[Any, Any]:
    """(forwards, backwards) for a migration's RunPython that installs a table's triggers.

    The columns are written out in the migration: a later change of SEALED_FIELDS comes with a
    migration of its own that re-installs the triggers (and re-seals the rows).
    """

    def forwards(apps: Any, schema_editor: Any) -> None:
        create, _drop = sealed_trigger_sql(schema_editor.connection.vendor, table, columns)
        for statement in create:
            schema_editor.execute(statement, params=None)

    def backwards(apps: Any, schema_editor: Any) -> None:
        _create, drop = sealed_trigger_sql(schema_editor.connection.vendor, table, columns)
        for statement in drop:
            schema_editor.execute(statement, params=None)

    return forwards, backwards


def sealed_models() -> list[type[SealedRecord]]:
    return [m for m in apps.get_models() if issubclass(m, SealedRecord)]


def all_sealed_trigger_sql(vendor: str) -> tuple[list[str], list[str]]:
    """(create, drop) for every sealed table: what a test flush on SQLite steps around."""
    create: list[str] = []
    drop: list[str] = []
    for model in sealed_models():
        columns = sealed_columns(model, model.SEALED_FIELDS)
        more_create, more_drop = sealed_trigger_sql(vendor, model._meta.db_table, columns)
        create += more_create
        drop += more_drop
    return create, drop


# --- sealing the rows registered before the seals existed (data migrations) -------------------
BACKFILL_ACTION = "core.records.seal"
BACKFILL_BATCH = 500


def backfill_seals(
    apps: Any,
    *,
    label: str,
    fields: tuple[str, ...],
    reference: Any,
    related: tuple[str, ...] = (),
    only: dict[str, Any] | None = None,
) -> int:
    """Seal the rows of `label` that have no hash yet and commit their hashes to each
    organization's audit chain, in events `core.records.seal` of at most 500 rows each.

    For data migrations: works on historical models (`apps`), with the sealed fields written out
    in the migration. `reference(row)` names a row in reports; `only` filters the rows to seal
    (a decree is sealed only once it is in the book). Returns how many rows it sealed.
    """
    model = apps.get_model(label)
    rows = model._default_manager.filter(content_hash="", **(only or {})).order_by(
        "organization_id", "pk"
    )
    paths = {path.rsplit(".", 1)[0] for path in fields if "." in path} | set(related)
    if paths:
        rows = rows.select_related(*sorted(paths))
    by_org: dict[Any, list[dict[str, Any]]] = {}
    pending: list[Any] = []
    count = 0
    for row in rows.iterator(chunk_size=BACKFILL_BATCH):
        content = {name: _read(row, name) for name in content_fields(fields)}
        item = commitment(label.lower(), row.pk, reference(row), content)
        row.content_hash = item["sha256"]
        pending.append(row)
        by_org.setdefault(row.organization_id, []).append(item)
        count += 1
        if len(pending) >= BACKFILL_BATCH:
            model._default_manager.bulk_update(pending, ["content_hash"])
            pending = []
    if pending:
        model._default_manager.bulk_update(pending, ["content_hash"])
    for org_id, items in by_org.items():
        for start in range(0, len(items), BACKFILL_BATCH):
            _append_backfill_event(apps, org_id, items[start : start + BACKFILL_BATCH])
    return count


def _append_backfill_event(apps: Any, org_id: Any, items: list[dict[str, Any]]) -> None:
    """audit_record, written for historical models: one event on the organization's chain."""
    import json

    from django.utils import timezone

    from ajunta.core.audit import _json_float, event_hash

    chain_model = apps.get_model("core", "AuditChain")
    event_model = apps.get_model("core", "AuditEvent")
    key = f"org:{org_id}" if org_id is not None else "platform"
    head, _created = chain_model._default_manager.select_for_update().get_or_create(key=key)
    changes = {"reason": "sealed by the migration that introduced the seals", SEALS_KEY: items}
    event = event_model(
        chain=key,
        seq=head.last_seq + 1,
        organization_id=org_id,
        actor=None,
        actor_repr="",
        action=BACKFILL_ACTION,
        object_type="",
        object_id="",
        changes=json.loads(_canonical_json(changes), parse_float=_json_float),
        ip=None,
        created_at=timezone.now(),
        prev_hash=head.last_hash,
    )
    event.hash = event_hash(event)
    event.save(force_insert=True)
    head.last_seq, head.last_hash = event.seq, event.hash
    head.save(update_fields=["last_seq", "last_hash"])


# --- verification --------------------------------------------------------------------------------
@dataclass
class RecordProblem:
    organization_id: int
    record: str  # model label
    pk: Any
    reference: str
    reason: str
    fields: list[str] = field(default_factory=list)


@dataclass
class RecordsReport:
    checked: dict[int, int] = field(default_factory=dict)  # organization -> sealed rows
    problems: list[RecordProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _commitments(org_id: int) -> dict[tuple[str, str], dict[str, Any]]:
    """(record label, pk) -> the last commitment of the organization's audit events."""
    events = AuditEvent.objects.filter(organization_id=org_id, changes__has_key=SEALS_KEY)
    result: dict[tuple[str, str], dict[str, Any]] = {}
    for changes in events.order_by("seq").values_list("changes", flat=True).iterator(2000):
        for item in changes.get(SEALS_KEY) or []:
            result[(item["record"], str(item["id"]))] = item
    return result


def _rows(model: type[SealedRecord], org_id: int) -> Iterator[SealedRecord]:
    related = {path.rsplit(".", 1)[0] for path in model.SEALED_FIELDS if "." in path}
    related |= set(model.SEALED_RELATED)
    where: dict[str, Any] = {"organization_id": org_id}  # every sealed model is a TenantModel
    queryset = model._default_manager.filter(**where).order_by("pk")
    if related:
        queryset = queryset.select_related(*sorted(related))
    return queryset.iterator(chunk_size=2000)


def _differing(content: dict[str, Any], committed: dict[str, Any] | None) -> list[str]:
    if committed is None:
        return []
    theirs = committed.get("fields") or {}
    return [name for name, digest in field_digests(content).items() if theirs.get(name) != digest]


def _check_row(
    row: SealedRecord, committed: dict[str, Any] | None, org_id: int
) -> RecordProblem | None:
    label = row._meta.label_lower
    content = record_content(row)

    def problem(reason: str) -> RecordProblem:
        return RecordProblem(
            org_id, label, row.pk, row.sealed_reference(), reason, _differing(content, committed)
        )

    if not row.content_hash:
        if committed is not None:
            return problem("its hash was removed outside the services")
        return problem("registered but never sealed") if row.must_be_sealed() else None
    if content_hash(label, content) != row.content_hash:
        return problem("changed outside the services: its content no longer matches its hash")
    if committed is None:
        return problem("no audit event commits to it (written outside the services)")
    if committed.get("sha256") != row.content_hash:
        return problem("its hash is not the one the audit chain committed to")
    return None


def _organizations() -> list[int]:
    ids: set[int] = set()
    for model in sealed_models():
        rows = model._default_manager.values_list("organization_id", flat=True)  # type: ignore[misc]
        ids |= set(rows.distinct())
    events = AuditEvent.objects.filter(changes__has_key=SEALS_KEY, organization__isnull=False)
    ids |= set(events.values_list("organization_id", flat=True).distinct())
    return sorted(ids)


def verify_records(orgs: list[Any] | None = None) -> RecordsReport:
    """Recompute the hash of every sealed row and compare it with its audit commitment.

    Finds rows changed outside the services (by hand in SQL, past the triggers), rows whose hash
    was rewritten to match, rows inserted without an audit event, and committed rows deleted.
    """
    org_ids: list[int] = [org.pk for org in orgs] if orgs is not None else _organizations()
    report = RecordsReport()
    for org_id in org_ids:
        committed = _commitments(org_id)
        report.checked[org_id] = 0
        for model in sealed_models():
            for row in _rows(model, org_id):
                key = (row._meta.label_lower, str(row.pk))
                found = _check_row(row, committed.pop(key, None), org_id)
                report.checked[org_id] += 1
                if found is not None:
                    report.problems.append(found)
        for (label, pk), item in committed.items():
            report.problems.append(
                RecordProblem(
                    org_id, label, pk, item.get("ref", ""), "deleted outside the services"
                )
            )
    return report


def describe(problem: RecordProblem) -> str:
    """One line for a report: which record, of which organization, and what differs."""
    try:
        with translation.override("en"):  # the report's other words are English too
            name = str(apps.get_model(problem.record)._meta.verbose_name)
    except LookupError:
        name = problem.record
    where = f"{name} {problem.reference} ({problem.record} #{problem.pk})"
    fields = f"; fields that differ: {', '.join(problem.fields)}" if problem.fields else ""
    return f"{where}: {problem.reason}{fields}"
