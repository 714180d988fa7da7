"""Writes of the helpdesk. Each is atomic and audited in the chain of the ticket's municipality.

Lifecycle: new → assigned → in progress → pending → solved → closed. The requester accepts a
solution (closed) or reopens it (in progress, counted); solved tickets close by themselves after
the provider's N business days.

SLA clocks run in the provider's business hours (core.calendar, holidays included):
- time to own: from opening until a technician takes the ticket;
- time to resolve: from opening until solved, standing still while the ticket is pending or
  solved. The business seconds spent paused are kept on the ticket, so the due instant is always
  `opened_at + target + paused` in business time. A change of priority, agreement level or
  target recomputes it from there and loses no paused time.
Breaches and escalations are history rows; the periodic job (`sla_escalate`) writes them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.assets import selectors as asset_selectors
from ajunta.core.audit import audit_record
from ajunta.core.calendar import BusinessCalendar, calendar_for
from ajunta.core.documents import document_store, documents_remove_orphan_files
from ajunta.core.languages import LANGUAGE_CODES, Translations, translated_columns
from ajunta.core.numbering import next_number
from ajunta.helpdesk import notifications, selectors
from ajunta.helpdesk.models import (
    OPEN_STATUSES,
    Article,
    Category,
    Channel,
    EscalationAction,
    EscalationEvent,
    EscalationRule,
    FollowUp,
    HelpdeskSettings,
    NotificationEvent,
    NotificationPreference,
    Priority,
    SlaBreach,
    SlaKind,
    SlaTarget,
    Survey,
    TechnicianGroup,
    Ticket,
    TicketAsset,
    TicketAttachment,
    TicketStatus,
    TicketTask,
    TicketType,
    default_priority_matrix,
)

MAX_ATTACHMENTS = 10
MAX_MINUTES = 24 * 60


# --- helpers -------------------------------------------------------------------------------------
def _limit(errors: dict[str, Any], field: str, value: str, limit: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("This field is required.")
    elif len(value) > limit:
        errors[field] = _("At most %(limit)d characters.") % {"limit": limit}
    return value


def _minutes(errors: dict[str, Any], field: str, value: Any) -> int:
    try:
        minutes = int(value or 0)
    except (TypeError, ValueError):
        minutes = -1
    if not 0 <= minutes <= MAX_MINUTES:
        errors[field] = _("Between 0 and %(most)d minutes.") % {"most": MAX_MINUTES}
    return max(minutes, 0)


def _level(value: Any, field: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if number not in Priority.values:
        raise ValidationError({field: _("Choose a value from 1 (very low) to 5 (very high).")})
    return number


def priority_for(matrix: dict[str, Any], urgency: int, impact: int) -> int:
    """The priority the provider's matrix gives an urgency and an impact."""
    value = matrix.get(f"{urgency}-{impact}") or default_priority_matrix()[f"{urgency}-{impact}"]
    return int(value)


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _provider(org: Any) -> Any:
    provider = selectors.provider_for(org=org)
    if provider is None:
        raise ValidationError(_("No provider runs this platform yet: tickets cannot be opened."))
    return provider


def _locked(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def _visible(org: Any, ticket: Ticket) -> None:
    """A ticket reached under `org`'s slug must be one `org` may see: else it does not exist."""
    if not (ticket.organization_id == org.pk or ticket.provider_id == org.pk):
        raise Ticket.DoesNotExist


def _staff_side(org: Any, ticket: Ticket) -> bool:
    return bool(ticket.provider_id == org.pk)


def _save(ticket: Ticket, fields: Sequence[str]) -> None:
    ticket.save(update_fields=[*fields, "updated_at"])


# --- SLA clocks ----------------------------------------------------------------------------------
def _calendar(ticket: Ticket) -> BusinessCalendar:
    return calendar_for(ticket.provider)


def _apply_sla(ticket: Ticket, cal: BusinessCalendar | None = None) -> list[str]:
    """Set the targets and due instants from the level and priority in force; the fields changed."""
    target = selectors.sla_target(
        provider=ticket.provider_id, level=ticket.sla_level, priority=ticket.priority
    )
    if target is None:
        ticket.own_target_minutes = ticket.resolve_target_minutes = None
        ticket.own_due_at = ticket.resolve_due_at = None
    else:
        cal = cal or _calendar(ticket)
        ticket.own_target_minutes = target.own_minutes
        ticket.resolve_target_minutes = target.resolve_minutes
        ticket.own_due_at = cal.add_business_seconds(ticket.opened_at, target.own_minutes * 60)
        ticket.resolve_due_at = cal.add_business_seconds(
            ticket.opened_at, target.resolve_minutes * 60 + ticket.paused_business_seconds
        )
    return [
        "own_target_minutes",
        "resolve_target_minutes",
        "own_due_at",
        "resolve_due_at",
    ]


def _pause(ticket: Ticket, now: dt.datetime) -> list[str]:
    if ticket.paused_since is not None:
        return []
    ticket.paused_since = now
    return ["paused_since"]


def _resume(ticket: Ticket, now: dt.datetime) -> list[str]:
    if ticket.paused_since is None:
        return []
    cal = _calendar(ticket)
    ticket.paused_business_seconds += cal.business_seconds_between(ticket.paused_since, now)
    ticket.paused_since = None
    return ["paused_since", "paused_business_seconds", *_apply_sla(ticket, cal)]


def _record_breach(ticket: Ticket, kind: str, due_at: dt.datetime, now: dt.datetime) -> bool:
    """Keep a breach in history (once per clock and due instant). True when it is new."""
    _row, created = SlaBreach.objects.get_or_create(
        organization_id=ticket.organization_id,
        ticket=ticket,
        kind=kind,
        due_at=due_at,
        defaults={"detected_at": now, "level": ticket.sla_level, "priority": ticket.priority},
    )
    if created:
        audit_record(
            org=ticket.organization, actor=None, action="helpdesk.sla.breach", obj=ticket,
            changes={"number": ticket.number, "clock": kind, "due_at": due_at},
        )  # fmt: skip
    return created


def _check_resolve_breach(ticket: Ticket, now: dt.datetime) -> None:
    """At solving time: was the clock already past due when it stopped?"""
    stopped = ticket.paused_since or now
    if ticket.resolve_due_at is not None and ticket.resolve_due_at < stopped:
        _record_breach(ticket, SlaKind.RESOLVE, ticket.resolve_due_at, now)


def _own(ticket: Ticket, now: dt.datetime) -> list[str]:
    if ticket.owned_at is not None:
        return []
    ticket.owned_at = now
    if ticket.own_due_at is not None and ticket.own_due_at < now:
        _record_breach(ticket, SlaKind.OWN, ticket.own_due_at, now)
    return ["owned_at"]


# --- configuration (the provider's) --------------------------------------------------------------
def _require_provider(org: Any) -> None:
    if not getattr(org, "is_provider", False):
        raise ValidationError(_("Only the provider configures the helpdesk."))


@transaction.atomic
def category_create(
    *,
    org: Any,
    actor: Any,
    name: str,
    parent: Category | None = None,
    translations: Translations | None = None,
) -> Category:
    """`name` is in the active language; `translations` gives the others (`{"es": {"name": ...}}`).
    The path (`full_name`) is kept in every language, a missing name read as the given one."""
    _require_provider(org)
    columns = translated_columns(("name",), translations)
    errors: dict[str, Any] = {}
    name = _limit(errors, "name", name, 120, True)
    if ">" in name:
        errors["name"] = _("A category name cannot contain >.")
    if parent is not None and parent.organization_id != org.pk:
        errors["parent"] = _("Choose one of the provider's categories.")
    if errors:
        raise ValidationError(errors)
    full_name = f"{parent.full_name} > {name}" if parent else name
    if len(full_name) > 500:
        raise ValidationError({"name": _("The category tree is too deep.")})
    if Category.objects.filter(organization=org, full_name=full_name).exists():
        raise ValidationError({"name": _("This category already exists.")})
    for language in LANGUAGE_CODES:
        own = columns.get(f"name_{language}") or name
        above = (getattr(parent, f"full_name_{language}") or parent.full_name) if parent else ""
        columns[f"full_name_{language}"] = f"{above} > {own}" if parent else own
    category = Category.objects.create(
        organization=org, parent=parent, name=name, full_name=full_name, **columns
    )
    audit_record(org=org, actor=actor, action="helpdesk.category.create", obj=category,
                 changes={"full_name": full_name, **columns})  # fmt: skip
    return category


@transaction.atomic
def category_set_active(*, org: Any, actor: Any, category: Category, is_active: bool) -> Category:
    if category.organization_id != org.pk:
        raise Category.DoesNotExist
    if category.is_active != is_active:
        category.is_active = is_active
        category.save(update_fields=["is_active"])
        audit_record(org=org, actor=actor, action="helpdesk.category.update", obj=category,
                     changes={"is_active": [not is_active, is_active]})  # fmt: skip
    return category


@transaction.atomic
def group_create(
    *, org: Any, actor: Any, name: str, members: Sequence[Any] = ()
) -> TechnicianGroup:
    _require_provider(org)
    errors: dict[str, Any] = {}
    name = _limit(errors, "name", name, 120, True)
    allowed = set(selectors.technicians(provider=org).values_list("pk", flat=True))
    if any(member.pk not in allowed for member in members):
        errors["members"] = _("Members must be the provider's technicians.")
    if TechnicianGroup.objects.filter(organization=org, name=name).exists():
        errors["name"] = _("A group with this name already exists.")
    if errors:
        raise ValidationError(errors)
    group = TechnicianGroup.objects.create(organization=org, name=name)
    group.members.set(members)
    audit_record(org=org, actor=actor, action="helpdesk.group.create", obj=group,
                 changes={"name": name, "members": sorted(m.pk for m in members)})  # fmt: skip
    return group


@transaction.atomic
def sla_target_set(
    *, org: Any, actor: Any, level: str, priority: int, own_minutes: int, resolve_minutes: int
) -> SlaTarget:
    """Set one target; open tickets under it get their due instants recomputed (paused time kept)."""
    _require_provider(org)
    priority = _level(priority, "priority")
    errors: dict[str, Any] = {}
    level = _limit(errors, "level", level, 40, True)
    for field, value in (("own_minutes", own_minutes), ("resolve_minutes", resolve_minutes)):
        if not isinstance(value, int) or not 1 <= value <= 60 * 24 * 365:
            errors[field] = _("A whole number of business minutes, at least 1.")
    if not errors and own_minutes > resolve_minutes:
        errors["own_minutes"] = _("The time to own cannot be longer than the time to resolve.")
    if errors:
        raise ValidationError(errors)
    target, _created = SlaTarget.objects.get_or_create(
        organization=org, level=level, priority=priority,
        defaults={"own_minutes": own_minutes, "resolve_minutes": resolve_minutes},
    )  # fmt: skip
    old = [target.own_minutes, target.resolve_minutes]
    target.own_minutes, target.resolve_minutes = own_minutes, resolve_minutes
    target.save(update_fields=["own_minutes", "resolve_minutes"])
    audit_record(org=org, actor=actor, action="helpdesk.sla_target.set", obj=target,
                 changes={"level": level, "priority": priority,
                          "minutes": [old, [own_minutes, resolve_minutes]]})  # fmt: skip
    cal = calendar_for(org)
    affected = Ticket.objects.select_for_update().filter(
        provider=org, sla_level=level, priority=priority, status__in=OPEN_STATUSES
    )
    for ticket in affected:
        ticket.provider = org
        _save(ticket, _apply_sla(ticket, cal))
    return target


@transaction.atomic
def escalation_rule_create(
    *, org: Any, actor: Any, kind: str, percent: int, action: str,
    group: TechnicianGroup | None = None,
) -> EscalationRule:  # fmt: skip
    _require_provider(org)
    errors: dict[str, Any] = {}
    if kind not in SlaKind.values:
        errors["kind"] = _("Choose time to own or time to resolve.")
    if action not in EscalationAction.values:
        errors["action"] = _("Unknown action.")
    if not isinstance(percent, int) or not 1 <= percent <= 1000:
        errors["percent"] = _("A percentage between 1 and 1000.")
    if action == EscalationAction.REASSIGN and group is None:
        errors["group"] = _("Say which group to reassign to.")
    if group is not None and group.organization_id != org.pk:
        errors["group"] = _("Choose one of the provider's groups.")
    if (
        not errors
        and EscalationRule.objects.filter(
            organization=org, kind=kind, percent=percent, action=action
        ).exists()
    ):
        errors["percent"] = _("This rule already exists.")
    if errors:
        raise ValidationError(errors)
    rule = EscalationRule.objects.create(
        organization=org, kind=kind, percent=percent, action=action, group=group
    )
    audit_record(org=org, actor=actor, action="helpdesk.escalation_rule.create", obj=rule,
                 changes={"kind": kind, "percent": percent, "action": action,
                          "group": group.pk if group else None})  # fmt: skip
    return rule


@transaction.atomic
def helpdesk_settings_set(
    *, org: Any, actor: Any, auto_close_business_days: int, survey_delay_hours: int,
    survey_rate_percent: int, priority_matrix: dict[str, Any] | None = None,
) -> HelpdeskSettings:  # fmt: skip
    _require_provider(org)
    errors: dict[str, Any] = {}
    if not isinstance(auto_close_business_days, int) or not 1 <= auto_close_business_days <= 90:
        errors["auto_close_business_days"] = _("Between 1 and 90 business days.")
    if not isinstance(survey_delay_hours, int) or not 0 <= survey_delay_hours <= 720:
        errors["survey_delay_hours"] = _("Between 0 and 720 hours.")
    if not isinstance(survey_rate_percent, int) or not 0 <= survey_rate_percent <= 100:
        errors["survey_rate_percent"] = _("Between 0 and 100.")
    matrix = default_priority_matrix()
    if priority_matrix is not None:
        if not isinstance(priority_matrix, dict) or set(priority_matrix) != set(matrix):
            errors["priority_matrix"] = _(
                "Give a priority for every urgency and impact from 1 to 5 ('urgency-impact')."
            )
        elif any(v not in Priority.values for v in priority_matrix.values()):
            errors["priority_matrix"] = _("Each priority is a number from 1 to 5.")
        else:
            matrix = {key: int(value) for key, value in priority_matrix.items()}
    if errors:
        raise ValidationError(errors)
    row, _created = HelpdeskSettings.objects.select_for_update().get_or_create(organization=org)
    old = {
        "auto_close_business_days": row.auto_close_business_days,
        "survey_delay_hours": row.survey_delay_hours,
        "survey_rate_percent": row.survey_rate_percent,
    }
    row.auto_close_business_days = auto_close_business_days
    row.survey_delay_hours = survey_delay_hours
    row.survey_rate_percent = survey_rate_percent
    row.priority_matrix = matrix
    row.save()
    audit_record(org=org, actor=actor, action="helpdesk.settings.update", obj=row,
                 changes={"old": old, "auto_close_business_days": auto_close_business_days,
                          "survey_delay_hours": survey_delay_hours,
                          "survey_rate_percent": survey_rate_percent, "priority_matrix": matrix})  # fmt: skip
    return row


# --- tickets -------------------------------------------------------------------------------------
def _clean_ticket(
    org: Any, provider: Any, data: dict[str, Any], attachments: Sequence[Any]
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    data["title"] = _limit(errors, "title", data["title"], 200, True)
    data["description"] = _limit(errors, "description", data["description"], 20000, True)
    if data["ticket_type"] not in TicketType.values:
        errors["ticket_type"] = _("Say whether it is an incident or a service request.")
    if data["channel"] not in Channel.values:
        errors["channel"] = _("Unknown channel.")
    category = data.get("category")
    if category is not None and (category.organization_id != provider.pk or not category.is_active):
        errors["category"] = _("Choose one of the provider's active categories.")
    for field in ("urgency", "impact"):
        try:
            data[field] = _level(data[field], field)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    member = data["member"]
    if member is None or member.pk == provider.pk:
        errors["member"] = _("Say which member municipality asks.")
    requester = data.get("requester")
    if (
        requester is not None
        and member is not None
        and not (selectors.member_users(org=member).filter(pk=requester.pk).exists())
    ):
        errors["requester"] = _("The requester must be someone of that municipality.")
    if len(attachments) > MAX_ATTACHMENTS:
        errors["attachments"] = _("At most %(count)d attachments.") % {"count": MAX_ATTACHMENTS}
    if member is not None and "member" not in errors:
        try:
            data["assets"] = _member_assets(member, data.get("assets") or ())
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            data["service"] = _requestable_service(member, provider, data.get("service"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if data["service"] is not None:
            # A ticket naming a catalogue service is a service request, whatever the form said.
            data["ticket_type"] = TicketType.REQUEST
            errors.pop("ticket_type", None)
    if errors:
        raise ValidationError(errors)
    return data


MAX_TICKET_ASSETS = 50


def _member_assets(member: Any, given: Sequence[Any]) -> list[Any]:
    """The member's assets among `given` (assets or ids), or a field error naming the others.

    Read through the inventory's selector under the member's own slug, so another
    organization's asset is simply not found there, whatever the caller's side.
    """
    ids: list[int] = []
    for item in given:
        value = getattr(item, "pk", item)
        try:
            ids.append(int(value))
        except (TypeError, ValueError):
            raise ValidationError({"assets": _("Unknown asset.")}) from None
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_TICKET_ASSETS:
        raise ValidationError(
            {"assets": _("At most %(count)d assets.") % {"count": MAX_TICKET_ASSETS}}
        )
    if not ids:
        return []
    found = {a.pk: a for a in asset_selectors.assets_for_ids(org=member, ids=ids)}
    if len(found) != len(ids):
        raise ValidationError({"assets": _("Choose assets of the municipality that asks.")})
    return [found[pk] for pk in ids]


def _requestable_service(member: Any, provider: Any, service: Any) -> Any:
    """The catalogue service (row or code) `member` may request from `provider`, or None."""
    if service is None or service == "":
        return None
    code = getattr(service, "code", service)
    for offered in selectors.services_requestable(member=member, provider=provider):
        if offered.code == code:
            if getattr(service, "pk", offered.pk) != offered.pk:
                break
            return offered
    raise ValidationError(
        {"service": _("Choose one of the services this municipality may request.")}
    )


def ticket_create(
    *,
    org: Any,
    actor: Any,
    title: str,
    description: str,
    ticket_type: str = TicketType.INCIDENT,
    category: Category | None = None,
    urgency: int = Priority.MEDIUM,
    impact: int = Priority.MEDIUM,
    member: Any = None,
    requester: Any = None,
    requester_email: str = "",
    channel: str = Channel.WEB,
    attachments: Sequence[Any] = (),
    opened_at: dt.datetime | None = None,
    external_reference: str = "",
    notify: bool = True,
    assets: Sequence[Any] = (),
    service: Any = None,
    idempotency_key: str = "",
    idempotency_digest: str = "",
) -> Ticket:
    """Open a ticket for a member municipality, all or nothing.

    With an `idempotency_key` (core.idempotency) a second call by the same user with that key
    returns the ticket the first one opened, or raises IdempotencyKeyReused when its
    `idempotency_digest` differs; two calls racing leave one ticket (a unique constraint).

    `assets` (assets or ids) must be the member's own; `service` (a catalogue service or its
    code) one the member may request from the provider, and it makes the ticket a request.
    Under a member's slug (`org` is the member) the actor asks for themself. Under the provider's
    slug, provider staff open it on behalf of `member`, naming the `requester` there if known.
    `attachments` are uploads; each goes through core.documents (size and type checked).
    """
    provider = _provider(org)
    if not getattr(org, "is_provider", False):
        member, requester = org, requester or _user(actor)
    data = _clean_ticket(org, provider, {
        "title": title, "description": description, "ticket_type": ticket_type,
        "category": category, "urgency": urgency, "impact": impact, "member": member,
        "requester": requester, "channel": channel, "actor": _user(actor) if member is org else None,
        "assets": assets, "service": service,
    }, attachments)  # fmt: skip
    matrix = selectors.helpdesk_settings(provider=provider).priority_matrix
    opened = opened_at or timezone.now()
    year = timezone.localtime(opened).year
    # Everything but the number is prepared here, SLA clocks included: the counter row of the
    # provider's series stays locked from next_number() to the commit, so only the inserts (and
    # storing any attachments) run then.
    ticket = Ticket(
        organization=member,
        provider=provider,
        year=year,
        ticket_type=data["ticket_type"],
        category=category,
        title=data["title"],
        description=data["description"],
        channel=data["channel"],
        urgency=data["urgency"],
        impact=data["impact"],
        priority=priority_for(matrix, data["urgency"], data["impact"]),
        requester=requester,
        requester_email=(requester_email or getattr(requester, "email", "") or "")[:254],
        created_by=_user(actor),
        opened_at=opened,
        sla_level=selectors.sla_level_for(member),
        external_reference=(external_reference or "")[:120],
        service=data["service"],
        idempotency_key=idempotency_key,
        idempotency_digest=idempotency_digest,
    )
    _apply_sla(ticket, calendar_for(provider))
    if idempotency_key:
        existing = _ticket_for_key(provider, actor, idempotency_key, idempotency_digest)
        if existing is not None:
            return existing
    stored: list[str] = []
    try:
        with transaction.atomic():
            # The number first, as every numbered write does: the provider's counter is always
            # locked before a member's audit-chain head (document_store appends to that chain),
            # so a filing with attachments and one without cannot wait on each other for ever.
            ticket.sequence = next_number(org=provider, series="helpdesk.ticket", year=year)
            ticket.number = f"{year}-{ticket.sequence:06d}"
            documents = []
            for index, upload in enumerate(attachments):
                try:
                    document = document_store(org=member, actor=actor, uploaded_file=upload)
                except ValidationError as exc:
                    name = getattr(upload, "name", "")
                    raise ValidationError(
                        {f"attachments[{index}]": [f"{name}: {m}" for m in exc.messages]}
                    ) from exc
                stored.append(document.file.name)
                documents.append(document)
            now = timezone.now()
            ticket.save(force_insert=True)
            TicketAttachment.objects.bulk_create(
                TicketAttachment(organization=member, ticket=ticket, document=d,
                                 added_by=_user(actor), added_at=now)
                for d in documents
            )  # fmt: skip
            TicketAsset.objects.bulk_create(
                TicketAsset(organization=member, ticket=ticket, asset=a) for a in data["assets"]
            )
            audit_record(
                org=member, actor=actor, action="helpdesk.ticket.create", obj=ticket,
                changes={
                    "number": ticket.number, "title": ticket.title, "type": ticket.ticket_type,
                    "channel": ticket.channel, "urgency": ticket.urgency,
                    "priority": ticket.priority, "requester": requester.pk if requester else None,
                    "on_behalf": getattr(org, "is_provider", False),
                    "attachments": [{"name": d.name, "sha256": d.sha256} for d in documents],
                    "assets": [a.pk for a in data["assets"]],
                    "service": ticket.service.code if ticket.service else None,
                },
            )  # fmt: skip
            if notify:
                notifications.ticket_event(ticket, NotificationEvent.CREATED, actor=actor)
            return ticket
    except IntegrityError:
        documents_remove_orphan_files(stored)
        # A retry with the same key that raced this one and committed first: its ticket.
        existing = (
            _ticket_for_key(provider, actor, idempotency_key, idempotency_digest)
            if idempotency_key
            else None
        )
        if existing is None:
            raise
        return existing
    except BaseException:
        documents_remove_orphan_files(stored)
        raise


class IdempotencyKeyReused(Exception):
    """The key of an earlier ticket came back with a different request: nothing is opened."""

    def __init__(self, ticket: Ticket) -> None:
        super().__init__(ticket.number)
        self.ticket = ticket


def _ticket_for_key(provider: Any, actor: Any, key: str, digest: str) -> Ticket | None:
    """The ticket this user opened with `key`; IdempotencyKeyReused when `digest` differs."""
    existing = Ticket.objects.filter(
        provider=provider, created_by=_user(actor), idempotency_key=key
    ).first()
    if existing is not None and existing.idempotency_digest != digest:
        raise IdempotencyKeyReused(existing)
    return existing


@transaction.atomic
def ticket_assets_set(*, org: Any, actor: Any, ticket: Ticket, assets: Sequence[Any]) -> Ticket:
    """Name the assets a ticket affects (replacing the list), from the member's inventory.

    Provider staff do it under the provider's slug, the member's staff on their own ticket. The
    audit keeps which assets were added and which removed.
    """
    _visible(org, ticket)
    ticket = _locked(ticket)
    chosen = _member_assets(ticket.organization, assets)
    current = {
        row.asset_id: row for row in TicketAsset.objects.filter(organization=ticket.organization,
                                                                ticket=ticket)
    }  # fmt: skip
    wanted = {a.pk for a in chosen}
    added = [a for a in chosen if a.pk not in current]
    removed = sorted(pk for pk in current if pk not in wanted)
    if not added and not removed:
        return ticket
    TicketAsset.objects.filter(
        organization=ticket.organization, ticket=ticket, asset_id__in=removed
    ).delete()  # the link is a working note, not registered data: the audit keeps its history
    TicketAsset.objects.bulk_create(
        TicketAsset(organization=ticket.organization, ticket=ticket, asset=a) for a in added
    )
    _save(ticket, [])
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.assets",
                 obj=ticket, changes={"number": ticket.number,
                                      "added": [a.pk for a in added], "removed": removed})  # fmt: skip
    return ticket


@transaction.atomic
def ticket_assign(
    *,
    org: Any,
    actor: Any,
    ticket: Ticket,
    technician: Any = None,
    group: TechnicianGroup | None = None,
    round_robin: bool = False,
) -> Ticket:
    """Assign to a technician, to a group, or to the group's next technician in turn."""
    _visible(org, ticket)
    if not _staff_side(org, ticket):
        raise ValidationError(_("Only provider staff assign tickets."))
    ticket = _locked(ticket)
    if not ticket.is_open:
        raise ValidationError(_("A solved or closed ticket cannot be reassigned."))
    if group is not None and group.organization_id != ticket.provider_id:
        raise ValidationError({"group": _("Choose one of the provider's groups.")})
    if round_robin:
        if group is None:
            raise ValidationError({"group": _("Round-robin needs a group.")})
        technician = _next_in_turn(group)
    if technician is not None and not selectors.is_technician(
        provider=ticket.provider, user=technician
    ):
        raise ValidationError({"technician": _("Choose one of the provider's technicians.")})
    if technician is None and group is None:
        raise ValidationError({"technician": _("Choose a technician or a group.")})
    old = [ticket.assigned_to_id, ticket.assigned_group_id]
    now = timezone.now()
    fields = ["assigned_to", "assigned_group", "status"]
    ticket.assigned_to = technician
    if group is not None:
        ticket.assigned_group = group
    if technician is not None:
        fields += _own(ticket, now)
    if ticket.status == TicketStatus.NEW and technician is not None:
        ticket.status = TicketStatus.ASSIGNED
    _save(ticket, fields)
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.assign", obj=ticket,
                 changes={"number": ticket.number, "assignment": [old, [ticket.assigned_to_id,
                          ticket.assigned_group_id]], "round_robin": round_robin})  # fmt: skip
    if technician is not None:
        notifications.ticket_event(ticket, NotificationEvent.ASSIGNED, actor=actor)
    return ticket


def _next_in_turn(group: TechnicianGroup) -> Any:
    """The member after the last one given a ticket, by id, wrapping round."""
    group = TechnicianGroup.objects.select_for_update().get(pk=group.pk)
    members = list(group.members.order_by("pk"))
    if not members:
        raise ValidationError({"group": _("This group has no technicians.")})
    last = group.last_assigned_id or 0
    chosen = next((m for m in members if m.pk > last), members[0])
    group.last_assigned = chosen
    group.save(update_fields=["last_assigned"])
    return chosen


@transaction.atomic
def ticket_classify(
    *,
    org: Any,
    actor: Any,
    ticket: Ticket,
    impact: int | None = None,
    urgency: int | None = None,
    category: Category | None = None,
    ticket_type: str | None = None,
) -> Ticket:
    """The technician sets the impact (and may correct urgency, category, type): the priority
    follows the matrix and a new priority recomputes the SLA, keeping the time spent paused."""
    _visible(org, ticket)
    if not _staff_side(org, ticket):
        raise ValidationError(_("Only provider staff classify tickets."))
    ticket = _locked(ticket)
    if not ticket.is_open:
        raise ValidationError(_("A solved or closed ticket cannot be reclassified."))
    old = {f: getattr(ticket, f) for f in ("impact", "urgency", "priority", "category_id",
                                             "ticket_type")}  # fmt: skip
    if impact is not None:
        ticket.impact = _level(impact, "impact")
    if urgency is not None:
        ticket.urgency = _level(urgency, "urgency")
    if category is not None:
        if category.organization_id != ticket.provider_id:
            raise ValidationError({"category": _("Choose one of the provider's categories.")})
        ticket.category = category
    if ticket_type is not None:
        if ticket_type not in TicketType.values:
            raise ValidationError({"ticket_type": _("Unknown type.")})
        if ticket.service_id is not None and ticket_type != TicketType.REQUEST:
            # It names a catalogue service: it stays a request (the service is what is asked).
            raise ValidationError(
                {"ticket_type": _("A ticket that names a catalogue service is a service request.")}
            )
        ticket.ticket_type = ticket_type
    matrix = selectors.helpdesk_settings(provider=ticket.provider).priority_matrix
    ticket.priority = priority_for(matrix, ticket.urgency, ticket.impact)
    fields = ["impact", "urgency", "priority", "category", "ticket_type"]
    if ticket.priority != old["priority"]:
        fields += _apply_sla(ticket)
    _save(ticket, fields)
    new = {f: getattr(ticket, f) for f in old}
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.classify",
                 obj=ticket, changes={"number": ticket.number,
                 **{k: [old[k], new[k]] for k in old if old[k] != new[k]}})  # fmt: skip
    return ticket


def _raise_priority(ticket: Ticket, actor: Any) -> None:
    if ticket.priority >= Priority.VERY_HIGH:
        return
    old = ticket.priority
    ticket.priority += 1
    _save(ticket, ["priority", *_apply_sla(ticket)])
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.classify",
                 obj=ticket, changes={"number": ticket.number, "priority": [old, ticket.priority],
                                      "escalation": True})  # fmt: skip


STAFF_STATUSES = (TicketStatus.IN_PROGRESS, TicketStatus.PENDING)


@transaction.atomic
def ticket_set_status(*, org: Any, actor: Any, ticket: Ticket, status: str) -> Ticket:
    """Provider staff move an open ticket to in progress or pending (the clock pauses there)."""
    _visible(org, ticket)
    if not _staff_side(org, ticket):
        raise ValidationError(_("Only provider staff change a ticket's status."))
    ticket = _locked(ticket)
    if status not in STAFF_STATUSES:
        raise ValidationError({"status": _("Choose in progress or pending.")})
    if not ticket.is_open:
        raise ValidationError(_("A solved or closed ticket is reopened by its requester."))
    if ticket.status == status:
        return ticket
    now = timezone.now()
    old = ticket.status
    ticket.status = status
    fields = ["status"]
    # A technician who moves the ticket has taken it: the time to own stops.
    if ticket.assigned_to_id is None and _user(actor) is not None:
        ticket.assigned_to = actor
        fields += ["assigned_to", *_own(ticket, now)]
    if status == TicketStatus.PENDING:
        fields += _pause(ticket, now)
    else:
        fields += _resume(ticket, now)
    _save(ticket, fields)
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.status",
                 obj=ticket, changes={"number": ticket.number, "status": [old, status]})  # fmt: skip
    return ticket


def _clean_uploads(attachments: Sequence[Any]) -> None:
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("At most %(count)d attachments.") % {"count": MAX_ATTACHMENTS}}
        )


def followup_add(
    *,
    org: Any,
    actor: Any,
    ticket: Ticket,
    body: str,
    is_private: bool = False,
    minutes_spent: int = 0,
    attachments: Sequence[Any] = (),
) -> FollowUp:
    """Add a follow-up. The requester's answer to a pending ticket sets it back in progress;
    only provider staff write private follow-ups or log time."""
    _visible(org, ticket)
    staff = _staff_side(org, ticket)
    errors: dict[str, Any] = {}
    body = _limit(errors, "body", body, 20000, True)
    minutes = _minutes(errors, "minutes_spent", minutes_spent)
    if not staff and (is_private or minutes):
        errors["is_private"] = _("Only provider staff write private follow-ups or log time.")
    if errors:
        raise ValidationError(errors)
    _clean_uploads(attachments)
    stored: list[str] = []
    try:
        with transaction.atomic():
            ticket = _locked(ticket)
            if ticket.status == TicketStatus.CLOSED:
                raise ValidationError(_("This ticket is closed."))
            now = timezone.now()
            followup = FollowUp.objects.create(
                organization_id=ticket.organization_id, ticket=ticket, author=_user(actor),
                body=body, is_private=is_private, minutes_spent=minutes, created_at=now,
            )  # fmt: skip
            _attach(ticket, actor, attachments, is_private, now, stored)
            fields: list[str] = []
            if staff:
                if ticket.assigned_to_id is None and ticket.is_open and not is_private:
                    ticket.assigned_to = _user(actor)
                    fields += ["assigned_to", *_own(ticket, now)]
                if ticket.status in (TicketStatus.NEW, TicketStatus.ASSIGNED) and not is_private:
                    ticket.status = TicketStatus.IN_PROGRESS
                    fields.append("status")
            elif ticket.status == TicketStatus.PENDING:
                ticket.status = TicketStatus.IN_PROGRESS
                fields += ["status", *_resume(ticket, now)]
            _save(ticket, fields)
            audit_record(
                org=ticket.organization, actor=actor, action="helpdesk.followup.add",
                obj=followup, changes={"number": ticket.number, "private": is_private,
                                       "minutes": minutes, "status": ticket.status},
            )  # fmt: skip
            if not is_private:
                notifications.ticket_event(ticket, NotificationEvent.FOLLOWUP, actor=actor)
            return followup
    except BaseException:
        documents_remove_orphan_files(stored)
        raise


def _attach(
    ticket: Ticket, actor: Any, uploads: Sequence[Any], is_private: bool, now: dt.datetime,
    stored: list[str],
) -> None:  # fmt: skip
    for index, upload in enumerate(uploads):
        try:
            document = document_store(org=ticket.organization, actor=actor, uploaded_file=upload)
        except ValidationError as exc:
            name = getattr(upload, "name", "")
            raise ValidationError(
                {f"attachments[{index}]": [f"{name}: {m}" for m in exc.messages]}
            ) from exc
        stored.append(document.file.name)
        TicketAttachment.objects.create(
            organization_id=ticket.organization_id, ticket=ticket, document=document,
            is_private=is_private, added_by=_user(actor), added_at=now,
        )  # fmt: skip


@transaction.atomic
def ticket_solve(
    *, org: Any, actor: Any, ticket: Ticket, solution: str, minutes_spent: int = 0
) -> Ticket:
    """Provider staff give the solution; the resolve clock stops until accepted or reopened."""
    _visible(org, ticket)
    if not _staff_side(org, ticket):
        raise ValidationError(_("Only provider staff solve tickets."))
    errors: dict[str, Any] = {}
    solution = _limit(errors, "solution", solution, 20000, True)
    minutes = _minutes(errors, "minutes_spent", minutes_spent)
    if errors:
        raise ValidationError(errors)
    ticket = _locked(ticket)
    if not ticket.is_open:
        raise ValidationError(_("Only an open ticket can be solved."))
    now = timezone.now()
    _check_resolve_breach(ticket, now)
    fields = ["status", "solved_at", *_pause(ticket, now)]
    if ticket.assigned_to_id is None:
        ticket.assigned_to = _user(actor)
        fields += ["assigned_to", *_own(ticket, now)]
    old = ticket.status
    ticket.status = TicketStatus.SOLVED
    ticket.solved_at = now
    _save(ticket, fields)
    FollowUp.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, kind=FollowUp.Kind.SOLUTION,
        author=_user(actor), body=solution, minutes_spent=minutes, created_at=now,
    )  # fmt: skip
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.solve", obj=ticket,
                 changes={"number": ticket.number, "status": [old, ticket.status],
                          "minutes": minutes})  # fmt: skip
    notifications.ticket_event(ticket, NotificationEvent.SOLVED, actor=actor)
    return ticket


def _requester_side(org: Any, ticket: Ticket) -> None:
    # The municipality answers for its own tickets; provider staff may record it on its behalf.
    _visible(org, ticket)


@transaction.atomic
def ticket_accept(*, org: Any, actor: Any, ticket: Ticket, comment: str = "") -> Ticket:
    _requester_side(org, ticket)
    errors: dict[str, Any] = {}
    comment = _limit(errors, "comment", comment, 20000, False)
    if errors:
        raise ValidationError(errors)
    ticket = _locked(ticket)
    if ticket.status != TicketStatus.SOLVED:
        raise ValidationError(_("Only a solved ticket can be accepted."))
    now = timezone.now()
    _close(ticket, actor, now, reason="accepted")
    FollowUp.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, kind=FollowUp.Kind.ACCEPTANCE,
        author=_user(actor), body=comment or _("Solution accepted."), created_at=now,
    )  # fmt: skip
    return ticket


def _close(ticket: Ticket, actor: Any, now: dt.datetime, reason: str) -> None:
    ticket.status = TicketStatus.CLOSED
    ticket.closed_at = now
    _save(ticket, ["status", "closed_at"])
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.close", obj=ticket,
                 changes={"number": ticket.number, "reason": reason})  # fmt: skip


@transaction.atomic
def ticket_reopen(*, org: Any, actor: Any, ticket: Ticket, reason: str) -> Ticket:
    """The requester refuses the solution: back in progress, the clock runs again, counted."""
    _requester_side(org, ticket)
    errors: dict[str, Any] = {}
    reason = _limit(errors, "reason", reason, 20000, True)
    if errors:
        raise ValidationError(errors)
    ticket = _locked(ticket)
    if ticket.status != TicketStatus.SOLVED:
        raise ValidationError(_("Only a solved ticket can be reopened."))
    now = timezone.now()
    ticket.status = TicketStatus.IN_PROGRESS if ticket.assigned_to_id else TicketStatus.NEW
    ticket.solved_at = None
    ticket.reopen_count += 1
    _save(ticket, ["status", "solved_at", "reopen_count", *_resume(ticket, now)])
    FollowUp.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, kind=FollowUp.Kind.REOPENING,
        author=_user(actor), body=reason, created_at=now,
    )  # fmt: skip
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.reopen",
                 obj=ticket, changes={"number": ticket.number, "reopen_count": ticket.reopen_count})  # fmt: skip
    notifications.ticket_event(ticket, NotificationEvent.FOLLOWUP, actor=actor)
    return ticket


@transaction.atomic
def task_add(
    *, org: Any, actor: Any, ticket: Ticket, description: str, technician: Any = None,
    minutes_spent: int = 0,
) -> TicketTask:  # fmt: skip
    _visible(org, ticket)
    if not _staff_side(org, ticket):
        raise ValidationError(_("Only provider staff add tasks."))
    errors: dict[str, Any] = {}
    description = _limit(errors, "description", description, 500, True)
    minutes = _minutes(errors, "minutes_spent", minutes_spent)
    if technician is not None and not selectors.is_technician(
        provider=ticket.provider_id, user=technician
    ):
        errors["technician"] = _("Choose one of the provider's technicians.")
    if errors:
        raise ValidationError(errors)
    if ticket.status == TicketStatus.CLOSED:
        raise ValidationError(_("This ticket is closed."))
    task = TicketTask.objects.create(
        organization_id=ticket.organization_id, ticket=ticket, description=description,
        assigned_to=technician or _user(actor), minutes_spent=minutes,
        created_by=_user(actor), created_at=timezone.now(),
    )  # fmt: skip
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.task.add", obj=task,
                 changes={"number": ticket.number, "description": description,
                          "minutes": minutes})  # fmt: skip
    return task


@transaction.atomic
def task_complete(*, org: Any, actor: Any, task: TicketTask, minutes_spent: int = 0) -> TicketTask:
    """Mark a task done, adding the minutes it took to those already logged."""
    ticket = task.ticket
    _visible(org, ticket)
    if not _staff_side(org, ticket):
        raise ValidationError(_("Only provider staff complete tasks."))
    errors: dict[str, Any] = {}
    minutes = _minutes(errors, "minutes_spent", minutes_spent)
    if errors:
        raise ValidationError(errors)
    task = TicketTask.objects.select_for_update().get(pk=task.pk)
    if task.is_done:
        raise ValidationError(_("This task is already done."))
    task.is_done = True
    task.done_at = timezone.now()
    task.minutes_spent += minutes
    task.save(update_fields=["is_done", "done_at", "minutes_spent"])
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.task.complete", obj=task,
                 changes={"minutes": minutes})  # fmt: skip
    return task


@transaction.atomic
def article_link(*, org: Any, actor: Any, ticket: Ticket, article: Article) -> Ticket:
    _visible(org, ticket)
    if not _staff_side(org, ticket) or article.organization_id != ticket.provider_id:
        raise ValidationError(_("Only provider staff link the provider's articles."))
    ticket.articles.add(article)
    audit_record(org=ticket.organization, actor=actor, action="helpdesk.ticket.link_article",
                 obj=ticket, changes={"number": ticket.number, "article": article.pk})  # fmt: skip
    return ticket


# --- periodic jobs -------------------------------------------------------------------------------
def sla_recompute(*, provider: Any, actor: Any = None) -> int:
    """Recompute the due instants of the provider's open tickets from its calendar and its
    members' agreements as they are now.

    For a change of business hours or holidays (GLPI keeps day targets computed over a holiday
    added later) and of a member's agreement level. The paused time already counted is kept.
    Returns how many tickets moved.
    """
    cal = calendar_for(provider)
    levels: dict[int, str] = {}  # member -> its agreement's level today, read once per member
    moved = 0
    rows = Ticket.objects.filter(provider=provider, status__in=OPEN_STATUSES).only("pk")
    for pk in rows.values_list("pk", flat=True).iterator(chunk_size=500):
        with transaction.atomic():
            ticket = Ticket.objects.select_for_update().select_related("organization").get(pk=pk)
            ticket.provider = provider
            if ticket.organization_id not in levels:
                levels[ticket.organization_id] = selectors.sla_level_for(ticket.organization)
            before = (ticket.own_due_at, ticket.resolve_due_at, ticket.sla_level)
            ticket.sla_level = levels[ticket.organization_id]
            fields = _apply_sla(ticket, cal)
            if (ticket.own_due_at, ticket.resolve_due_at, ticket.sla_level) != before:
                _save(ticket, ["sla_level", *fields])
                moved += 1
    if moved:
        audit_record(org=provider, actor=actor, action="helpdesk.sla.recompute",
                     object_type="helpdesk.ticket", changes={"tickets": moved})  # fmt: skip
    return moved


def tickets_auto_close(*, now: dt.datetime | None = None) -> int:
    """Close solved tickets left unanswered for the provider's N business days. The count."""
    now = now or timezone.now()
    closed = 0
    solved = Ticket.objects.filter(status=TicketStatus.SOLVED).select_related(
        "provider", "organization"
    )
    calendars: dict[int, tuple[BusinessCalendar, int]] = {}
    for ticket in solved.iterator(chunk_size=500):
        if ticket.provider_id not in calendars:
            days = selectors.helpdesk_settings(provider=ticket.provider).auto_close_business_days
            calendars[ticket.provider_id] = (calendar_for(ticket.provider), days)
        cal, days = calendars[ticket.provider_id]
        assert ticket.solved_at is not None
        solved_local = timezone.localtime(ticket.solved_at, cal.tz)
        close_day = cal.add_business_days(solved_local.date(), days)
        close_at = dt.datetime.combine(close_day, solved_local.time(), tzinfo=cal.tz)
        if now < close_at:
            continue
        with transaction.atomic():
            locked = _locked(ticket)
            if locked.status != TicketStatus.SOLVED:
                continue
            locked.organization, locked.provider = ticket.organization, ticket.provider
            _close(locked, None, now, reason="auto_close")
            closed += 1
    return closed


def _threshold(
    cal: BusinessCalendar, ticket: Ticket, kind: str, percent: int
) -> tuple[dt.datetime, dt.datetime] | None:
    """(due instant, instant when `percent` of the clock's target has passed)."""
    if kind == SlaKind.OWN:
        if ticket.owned_at is not None or ticket.own_target_minutes is None:
            return None
        assert ticket.own_due_at is not None
        seconds = ticket.own_target_minutes * 60 * percent // 100
        return ticket.own_due_at, cal.add_business_seconds(ticket.opened_at, seconds)
    if ticket.resolve_target_minutes is None or ticket.paused_since is not None:
        return None
    assert ticket.resolve_due_at is not None
    seconds = ticket.resolve_target_minutes * 60 * percent // 100
    moment = cal.add_business_seconds(ticket.opened_at, seconds + ticket.paused_business_seconds)
    return ticket.resolve_due_at, moment


RUNNING_STATUSES = (TicketStatus.NEW, TicketStatus.ASSIGNED, TicketStatus.IN_PROGRESS)


def _escalation_work(
    ticket: Ticket, rules: list[EscalationRule], cal: BusinessCalendar, now: dt.datetime
) -> tuple[list[tuple[str, dt.datetime]], list[tuple[EscalationRule, dt.datetime]]]:
    """(breaches to record, rules to fire) for one ticket, leaving out what history already has."""
    recorded = {(b.kind, b.due_at) for b in ticket.breaches.all()}
    fired = {(e.rule_id, e.due_at) for e in ticket.escalations.all()}
    raised = {
        e.rule_id for e in ticket.escalations.all() if e.action == EscalationAction.RAISE_PRIORITY
    }
    breaches: list[tuple[str, dt.datetime]] = []
    if ticket.owned_at is None and ticket.own_due_at and ticket.own_due_at <= now:
        breaches.append((SlaKind.OWN, ticket.own_due_at))
    if ticket.paused_since is None and ticket.resolve_due_at and ticket.resolve_due_at <= now:
        breaches.append((SlaKind.RESOLVE, ticket.resolve_due_at))
    to_fire = []
    for rule in rules:
        if rule.pk in raised:
            continue  # its own change of due instant must not raise the priority again and again
        found = _threshold(cal, ticket, rule.kind, rule.percent)
        if found is not None and found[1] <= now and (rule.pk, found[0]) not in fired:
            to_fire.append((rule, found[0]))
    return [b for b in breaches if b not in recorded], to_fire


def sla_escalate(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Record breaches of running clocks and fire the escalation rules whose threshold passed.

    Idempotent: a breach is kept once per clock and due instant, a rule fires once per ticket and
    due instant (a due instant moved by a change of priority arms it again). The scan reads
    without locks; a ticket with something to do is locked and checked again before acting, so
    a technician's change made meanwhile is never overwritten.
    """
    now = now or timezone.now()
    counts = {"breaches": 0, "escalations": 0}
    running = (
        Ticket.objects.filter(status__in=RUNNING_STATUSES)
        .select_related("provider", "organization")
        .prefetch_related("escalations", "breaches")
    )
    rules: dict[int, list[EscalationRule]] = {}
    calendars: dict[int, BusinessCalendar] = {}
    for snapshot in running.iterator(chunk_size=500):
        if snapshot.provider_id not in rules:
            rules[snapshot.provider_id] = list(
                selectors.escalation_rules(provider=snapshot.provider)
            )
            calendars[snapshot.provider_id] = calendar_for(snapshot.provider)
        cal, provider_rules = calendars[snapshot.provider_id], rules[snapshot.provider_id]
        if not any(_escalation_work(snapshot, provider_rules, cal, now)):
            continue
        with transaction.atomic():
            ticket = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("provider", "organization", "assigned_to", "assigned_group")
                .get(pk=snapshot.pk)
            )
            if ticket.status not in RUNNING_STATUSES:
                continue
            breaches, to_fire = _escalation_work(ticket, provider_rules, cal, now)
            for kind, due_at in breaches:
                counts["breaches"] += _record_breach(ticket, kind, due_at, now)
            for rule, due_at in to_fire:
                event = EscalationEvent.objects.create(
                    organization_id=ticket.organization_id, ticket=ticket, rule=rule,
                    due_at=due_at, fired_at=now, action=rule.action,
                )  # fmt: skip
                _escalate(ticket, rule, event)
                counts["escalations"] += 1
    return counts


def _escalate(ticket: Ticket, rule: EscalationRule, event: EscalationEvent) -> None:
    if rule.action == EscalationAction.REASSIGN and rule.group is not None:
        technician = None
        if rule.group.members.exists():
            technician = _next_in_turn(rule.group)
        ticket.assigned_group = rule.group
        ticket.assigned_to = technician
        fields = ["assigned_group", "assigned_to"]
        if technician is not None:
            fields += _own(ticket, event.fired_at)
            if ticket.status == TicketStatus.NEW:
                ticket.status = TicketStatus.ASSIGNED
                fields.append("status")
        _save(ticket, fields)
        event.detail = str(technician or rule.group)[:200]
        event.save(update_fields=["detail"])
    elif rule.action == EscalationAction.RAISE_PRIORITY:
        _raise_priority(ticket, None)
    audit_record(org=ticket.organization, actor=None, action="helpdesk.sla.escalate", obj=ticket,
                 changes={"number": ticket.number, "rule": rule.pk, "action": rule.action,
                          "clock": rule.kind, "percent": rule.percent})  # fmt: skip
    notifications.ticket_event(ticket, NotificationEvent.SLA_WARNING, actor=None, rule=rule)


def _surveyed(ticket: Ticket, rate: int) -> bool:
    """A stable sample: the same ticket is always in or out for a given rate."""
    digest = hashlib.sha256(f"survey:{ticket.pk}".encode()).digest()
    return int.from_bytes(digest[:2], "big") % 100 < rate


def surveys_send(*, now: dt.datetime | None = None) -> int:
    """Send the satisfaction survey of tickets closed at least the provider's delay ago."""
    now = now or timezone.now()
    sent = 0
    closed = Ticket.objects.filter(status=TicketStatus.CLOSED, survey__isnull=True).select_related(
        "provider", "organization", "requester"
    )
    settings_of: dict[int, HelpdeskSettings] = {}
    for ticket in closed.iterator(chunk_size=500):
        if ticket.provider_id not in settings_of:
            settings_of[ticket.provider_id] = selectors.helpdesk_settings(provider=ticket.provider)
        config = settings_of[ticket.provider_id]
        assert ticket.closed_at is not None
        if ticket.closed_at + dt.timedelta(hours=config.survey_delay_hours) > now:
            continue
        sent += _survey_send(ticket, config=config, now=now, actor=None)
    return sent


@transaction.atomic
def surveys_send_now(*, org: Any, actor: Any, now: dt.datetime | None = None) -> int:
    """The provider's "send surveys now": every closed ticket of its members that has no survey
    yet gets it at once, without waiting the delay; the sampling rate still applies. Returns how
    many were sent; the provider's chain records the request and each survey its own sending."""
    if not getattr(org, "is_provider", False):
        raise Ticket.DoesNotExist  # only the provider sends surveys (a member's slug: 404)
    now = now or timezone.now()
    config = selectors.helpdesk_settings(provider=org)
    closed = Ticket.objects.filter(
        provider=org, status=TicketStatus.CLOSED, survey__isnull=True
    ).select_related("provider", "organization", "requester")
    sent = sum(
        _survey_send(ticket, config=config, now=now, actor=actor)
        for ticket in closed.iterator(chunk_size=500)
    )
    audit_record(org=org, actor=actor, action="helpdesk.surveys.send_now", obj=org,
                 changes={"sent": sent})  # fmt: skip
    return sent


def _survey_send(ticket: Ticket, *, config: HelpdeskSettings, now: dt.datetime, actor: Any) -> int:
    """Send `ticket`'s survey if it is in the sample: 1 when sent, else 0."""
    if ticket.channel == Channel.IMPORT or not _surveyed(ticket, config.survey_rate_percent):
        return 0
    with transaction.atomic():
        survey, created = Survey.objects.get_or_create(
            ticket=ticket, defaults={"organization_id": ticket.organization_id, "sent_at": now}
        )
        if not created:
            return 0
        audit_record(org=ticket.organization, actor=actor, action="helpdesk.survey.send",
                     obj=survey, changes={"number": ticket.number})  # fmt: skip
        notifications.ticket_event(ticket, NotificationEvent.SURVEY, actor=actor)
    return 1


@transaction.atomic
def survey_answer(*, org: Any, actor: Any, ticket: Ticket, score: Any, comment: str = "") -> Survey:
    if ticket.organization_id != org.pk:
        raise Ticket.DoesNotExist
    errors: dict[str, Any] = {}
    comment = _limit(errors, "comment", comment, 2000, False)
    try:
        value = int(score)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        errors["score"] = _("A score from 1 to 5.")
    if errors:
        raise ValidationError(errors)
    survey = Survey.objects.select_for_update().filter(ticket=ticket).first()
    if survey is None:
        raise ValidationError(_("No survey was sent for this ticket."))
    if survey.answered_at is not None:
        raise ValidationError(_("This survey was already answered."))
    survey.score, survey.comment, survey.answered_at = value, comment, timezone.now()
    survey.save(update_fields=["score", "comment", "answered_at"])
    audit_record(org=org, actor=actor, action="helpdesk.survey.answer", obj=survey,
                 changes={"number": ticket.number, "score": value})  # fmt: skip
    return survey


# --- preferences and knowledge base --------------------------------------------------------------
@transaction.atomic
def notification_preference_set(
    *, org: Any, actor: Any, event: str, enabled: bool
) -> NotificationPreference:
    if event not in NotificationEvent.values:
        raise ValidationError({"event": _("Unknown event.")})
    row, _created = NotificationPreference.objects.update_or_create(
        organization=org, user=actor, event=event, defaults={"enabled": bool(enabled)}
    )
    audit_record(org=org, actor=actor, action="helpdesk.preference.set", obj=row,
                 changes={"event": event, "enabled": bool(enabled)})  # fmt: skip
    return row


@transaction.atomic
def article_save(
    *, org: Any, actor: Any, title: str, body: str, is_public: bool = False,
    category: Category | None = None, article: Article | None = None,
) -> Article:  # fmt: skip
    """Create an article, or update `article`; the audit keeps what changed."""
    _require_provider(org)
    errors: dict[str, Any] = {}
    title = _limit(errors, "title", title, 200, True)
    body = _limit(errors, "body", body, 50000, True)
    if category is not None and category.organization_id != org.pk:
        errors["category"] = _("Choose one of the provider's categories.")
    clash = Article.objects.filter(organization=org, title=title)
    if article is not None:
        if article.organization_id != org.pk:
            raise Article.DoesNotExist
        clash = clash.exclude(pk=article.pk)
    if clash.exists():
        errors["title"] = _("An article with this title already exists.")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    if article is None:
        article = Article(organization=org, author=_user(actor), created_at=now)
    old = {"title": article.title, "is_public": article.is_public}
    article.title, article.body, article.is_public = title, body, bool(is_public)
    article.category, article.updated_at = category, now
    article.save()
    audit_record(org=org, actor=actor, action="helpdesk.article.save", obj=article,
                 changes={"old": old, "title": title, "is_public": article.is_public})  # fmt: skip
    return article


# --- import of historical tickets ------------------------------------------------------------------
IMPORT_COLUMNS = (
    "reference", "municipality", "opened_at", "closed_at", "title", "description", "category",
    "type", "urgency", "impact", "technician", "minutes",
)  # fmt: skip
MAX_IMPORT_ROWS = 20000


def _import_row(
    provider: Any, index: int, raw: dict[str, str], members: dict[str, Any],
    categories: dict[str, Category], technicians: dict[str, Any],
) -> dict[str, Any]:  # fmt: skip
    errors: list[str] = []
    value = {k: (raw.get(k) or "").strip() for k in IMPORT_COLUMNS}
    member = members.get(value["municipality"].lower())
    if member is None:
        errors.append(_("unknown municipality %(code)s") % {"code": value["municipality"]})
    opened = _parse_moment(value["opened_at"])
    closed = _parse_moment(value["closed_at"]) if value["closed_at"] else None
    if opened is None:
        errors.append(_("opened_at is not a date and time (YYYY-MM-DD HH:MM)"))
    if value["closed_at"] and closed is None:
        errors.append(_("closed_at is not a date and time (YYYY-MM-DD HH:MM)"))
    if opened and closed and closed < opened:
        errors.append(_("closed before it was opened"))
    category = categories.get(value["category"].lower()) if value["category"] else None
    if value["category"] and category is None:
        errors.append(_("unknown category %(name)s") % {"name": value["category"]})
    technician = technicians.get(value["technician"].lower()) if value["technician"] else None
    if value["technician"] and technician is None:
        errors.append(_("unknown technician %(name)s") % {"name": value["technician"]})
    minutes = value["minutes"] or "0"
    if not minutes.isdigit() or int(minutes) > 100000:
        errors.append(_("minutes is not a whole number"))
    if errors:
        raise ValidationError({f"row {index}": errors})
    return {
        "member": member, "opened_at": opened, "closed_at": closed, "title": value["title"],
        "description": value["description"] or value["title"], "category": category,
        "ticket_type": value["type"] or TicketType.INCIDENT, "urgency": value["urgency"] or 3,
        "impact": value["impact"] or 3, "technician": technician, "minutes": int(minutes),
        "reference": value["reference"],
    }  # fmt: skip


def _parse_moment(text: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


@transaction.atomic
def tickets_import(*, org: Any, actor: Any, rows: Sequence[dict[str, str]]) -> list[Ticket]:
    """Import historical tickets (e.g. from GestinBages or GLPI), all or none.

    Each gets a number of the year it was opened, the old number as its external reference, its
    technician's time as a private follow-up, and is closed at `closed_at` (left open without).
    No e-mails are sent and no survey will be.
    """
    _require_provider(org)
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationError(_("At most %(count)d rows at once.") % {"count": MAX_IMPORT_ROWS})
    members: dict[str, Any] = {}
    for member in selectors.members_of(provider=org):
        for key in (member.slug, member.ine_code[:5], member.ine_code):
            if key:
                members[key.lower()] = member
    categories = {c.full_name.lower(): c for c in selectors.categories(provider=org)}
    technicians = {u.username.lower(): u for u in selectors.technicians(provider=org)}
    errors: dict[str, Any] = {}
    cleaned = []
    for index, raw in enumerate(rows, start=2):  # row 1 is the header
        try:
            cleaned.append(_import_row(org, index, raw, members, categories, technicians))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    imported = []
    for index, row in enumerate(cleaned, start=2):
        try:
            ticket = ticket_create(
                org=org, actor=actor, member=row["member"], title=row["title"],
                description=row["description"], category=row["category"],
                ticket_type=row["ticket_type"], urgency=row["urgency"], impact=row["impact"],
                channel=Channel.IMPORT, opened_at=row["opened_at"],
                external_reference=row["reference"], notify=False,
            )  # fmt: skip
        except ValidationError as exc:
            raise ValidationError({f"row {index}": exc.messages}) from exc
        fields = ["assigned_to", "owned_at"]
        ticket.assigned_to, ticket.owned_at = row["technician"], row["opened_at"]
        if row["minutes"] or row["closed_at"]:
            FollowUp.objects.create(
                organization_id=ticket.organization_id, ticket=ticket, author=row["technician"],
                kind=FollowUp.Kind.SOLUTION if row["closed_at"] else FollowUp.Kind.COMMENT,
                body=_("Imported from the previous helpdesk."), is_private=True,
                minutes_spent=row["minutes"], created_at=row["closed_at"] or row["opened_at"],
            )  # fmt: skip
        if row["closed_at"]:
            ticket.status = TicketStatus.CLOSED
            ticket.solved_at = ticket.closed_at = row["closed_at"]
            fields += ["status", "solved_at", "closed_at"]
        _save(ticket, fields)
        imported.append(ticket)
    audit_record(org=org, actor=actor, action="helpdesk.ticket.import", object_type="helpdesk.ticket",
                 changes={"count": len(imported), "numbers": [t.number for t in imported][:1000]})  # fmt: skip
    return imported
