"""Reads of the helpdesk. Every read of tenant data takes the organization.

Under a member's slug a user sees that member's tickets only; under the provider's slug, provider
staff see the tickets of every member the provider serves. Private follow-ups, tasks and private
attachments are for provider staff only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from ajunta.core.languages import is_translated, localized
from ajunta.core.models import PROVIDER_ROLES, RoleAssignment, User
from ajunta.core.modules import Figure
from ajunta.helpdesk.models import (
    DEFAULT_SLA_LEVEL,
    OPEN_STATUSES,
    Article,
    Category,
    EscalationRule,
    FollowUp,
    HelpdeskSettings,
    NotificationPreference,
    SlaBreach,
    SlaTarget,
    TechnicianGroup,
    Ticket,
    TicketAsset,
    TicketAttachment,
    TicketStatus,
    TicketTask,
)
from ajunta.tenants import selectors as tenant_selectors
from ajunta.tenants.models import CatalogueService, Organization


# --- the provider and its configuration ----------------------------------------------------------
def provider_for(*, org: Any) -> Organization | None:
    """The provider that serves `org` (itself when it is the provider)."""
    if getattr(org, "is_provider", False):
        return org
    return Organization.objects.filter(is_provider=True).order_by("pk").first()


def sla_level_for(org: Any) -> str:
    """The level of the member's agreement in force today, which selects its SLA targets
    ("standard" without an agreement)."""
    return tenant_selectors.sla_level_for(org, timezone.localdate())


def helpdesk_settings(*, provider: Any) -> HelpdeskSettings:
    """The provider's settings row, or an unsaved one holding the defaults."""
    row = HelpdeskSettings.objects.filter(organization=provider).first()
    return row or HelpdeskSettings(organization=provider)


def categories(*, provider: Any, active_only: bool = False) -> QuerySet[Category]:
    rows = Category.objects.filter(organization=provider)
    return rows.filter(is_active=True) if active_only else rows


def groups(*, provider: Any) -> QuerySet[TechnicianGroup]:
    return TechnicianGroup.objects.filter(organization=provider).prefetch_related("members")


def sla_targets(*, provider: Any) -> QuerySet[SlaTarget]:
    return SlaTarget.objects.filter(organization=provider)


def sla_target(*, provider: Any, level: str, priority: int) -> SlaTarget | None:
    """The target of `level` for `priority`; a level with no target of its own for that
    priority falls back to the standard level's, so that no ticket goes without a clock."""
    targets = SlaTarget.objects.filter(
        organization=provider, level__in={level, DEFAULT_SLA_LEVEL}, priority=priority
    )
    by_level = {target.level: target for target in targets}
    return by_level.get(level) or by_level.get(DEFAULT_SLA_LEVEL)


def escalation_rules(*, provider: Any) -> QuerySet[EscalationRule]:
    return EscalationRule.objects.filter(organization=provider).select_related("group")


def technicians(*, provider: Any) -> QuerySet[Any]:
    """Users holding a provider role in the provider organization, by name."""
    user_ids = RoleAssignment.objects.filter(organization=provider, role__in=PROVIDER_ROLES)
    return User.objects.filter(pk__in=user_ids.values("user_id")).order_by(
        "first_name", "last_name", "username"
    )


def is_technician(*, provider: Any, user: Any) -> bool:
    return RoleAssignment.objects.filter(
        organization=provider, user=user, role__in=PROVIDER_ROLES
    ).exists()


def members_of(*, provider: Any) -> QuerySet[Organization]:
    """The organizations the provider serves."""
    return tenant_selectors.members(provider=provider)


def member_by_code(*, provider: Any, code: str) -> Organization | None:
    """A member by its slug or INE code (5 or 6 digits)."""
    code = code.strip().lower()
    rows = members_of(provider=provider)
    return rows.filter(slug=code).first() or (
        rows.filter(ine_code__startswith=code[:5]).first()
        if code.isdigit() and len(code) >= 5
        else None
    )


def member_users(*, org: Any) -> QuerySet[Any]:
    """People with a role in a member organization: whom a ticket can be opened for."""
    user_ids = RoleAssignment.objects.filter(organization=org)
    return User.objects.filter(pk__in=user_ids.values("user_id")).order_by(
        "first_name", "last_name", "username"
    )


# --- tickets -------------------------------------------------------------------------------------
QUEUES = ("all", "open", "mine", "group", "unassigned")


# An open ticket whose resolve clock runs (not paused) and is past due, or due within a day.
SLA_AT_RISK_WITHIN = dt.timedelta(hours=24)


def _sla_late(now: dt.datetime) -> Q:
    return Q(status__in=OPEN_STATUSES, paused_since__isnull=True, resolve_due_at__lt=now)


def _sla_at_risk(now: dt.datetime) -> Q:
    return Q(
        status__in=OPEN_STATUSES,
        paused_since__isnull=True,
        resolve_due_at__gte=now,
        resolve_due_at__lt=now + SLA_AT_RISK_WITHIN,
    )


SLA_FILTERS = {"late": _sla_late, "risk": _sla_at_risk}


def tickets(
    *,
    org: Any,
    queue: str = "all",
    user: Any = None,
    status: str = "",
    priority: int | None = None,
    member: Any = None,
    category: Any = None,
    service: Any = None,
    q: str = "",
    sla: str = "",
) -> QuerySet[Ticket]:
    """The tickets `org` may see, newest first: its own, or every member's for the provider.

    Queues (provider staff): `mine` (assigned to `user`), `group` (to one of `user`'s groups),
    `unassigned` (no technician yet), `open` (not solved or closed).
    """
    rows: QuerySet[Ticket] = (
        Ticket.objects.filter(provider=org)
        if getattr(org, "is_provider", False)
        else Ticket.objects.filter(organization=org)
    )
    if queue != "all" and status == "":
        rows = rows.filter(status__in=OPEN_STATUSES)
    if queue == "mine":
        rows = rows.filter(assigned_to=user)
    elif queue == "group":
        rows = rows.filter(
            assigned_group__in=TechnicianGroup.objects.filter(members=user).values("pk")
        )
    elif queue == "unassigned":
        rows = rows.filter(assigned_to__isnull=True)
    if status:
        rows = rows.filter(status=status)
    if priority:
        rows = rows.filter(priority=priority)
    if member is not None:
        rows = rows.filter(organization=member)
    if category is not None:
        rows = rows.filter(category=category)
    if service is not None:
        rows = rows.filter(service=service)
    if q:
        text = q.strip()
        rows = rows.filter(Q(number__icontains=text) | Q(title__icontains=text))
    if sla in SLA_FILTERS:
        rows = rows.filter(SLA_FILTERS[sla](timezone.now()))
    return rows.select_related(
        "organization", "category", "assigned_to", "assigned_group", "requester", "service"
    ).order_by("-opened_at", "-id")


def _column_of(model: type[Model], key: str, column: str) -> Subquery:
    """`column` of the `model` row the ticket's foreign key `key` points at (NULL without one)."""
    rows = model._default_manager.filter(pk=OuterRef(key)).order_by()
    if is_translated(model, column):  # one column, in the reader's language
        return Subquery(rows.rewrite(False).values(value=localized(column)))  # type: ignore[attr-defined]
    return Subquery(rows.values(column))


# A list shows one or two columns of each related row. Read by scalar subqueries rather than
# joins: PostgreSQL plans a six-way join on the ticket table (seventeen indexes) in ~10 ms, more
# than the rest of the query; each subquery is planned alone, in microseconds, and the rows of
# one page cost an index probe apiece. PostgreSQL leaves them out of the page's COUNT(*).
_QUEUE_COLUMNS = {
    "organization_name": (Organization, "organization_id", "name"),
    "category_full_name": (Category, "category_id", "full_name"),
    "service_name": (CatalogueService, "service_id", "name"),
    "group_name": (TechnicianGroup, "assigned_group_id", "name"),
    "technician_first_name": (User, "assigned_to_id", "first_name"),
    "technician_last_name": (User, "assigned_to_id", "last_name"),
    "technician_username": (User, "assigned_to_id", "username"),
}
_API_COLUMNS = {
    "organization_slug": (Organization, "organization_id", "slug"),
    "category_full_name": (Category, "category_id", "full_name"),
    "service_code": (CatalogueService, "service_id", "code"),
    "group_name": (TechnicianGroup, "assigned_group_id", "name"),
    "technician_username": (User, "assigned_to_id", "username"),
    "requester_username": (User, "requester_id", "username"),
}
QUEUE_FIELDS = (
    "id", "number", "ticket_type", "title", "status", "priority", "resolve_due_at",
    "paused_since",
)  # fmt: skip
API_FIELDS = (
    "id", "number", "ticket_type", "title", "status", "urgency", "impact", "priority",
    "channel", "opened_at", "own_due_at", "resolve_due_at", "owned_at", "solved_at",
    "closed_at", "reopen_count", "sla_level",
)  # fmt: skip


def _list_values(
    rows: QuerySet[Ticket], fields: tuple[str, ...], related: dict[str, Any]
) -> QuerySet[Any]:
    annotations = {name: _column_of(*spec) for name, spec in related.items()}
    return rows.select_related(None).values(*fields, **annotations)


def ticket_queue_rows(rows: QuerySet[Ticket]) -> QuerySet[Any]:
    """What the queue page shows of `rows` (from `tickets()`), as dicts, in the same order."""
    return _list_values(rows, QUEUE_FIELDS, _QUEUE_COLUMNS)


def ticket_api_rows(rows: QuerySet[Ticket]) -> QuerySet[Any]:
    """What the API's ticket list shows of `rows` (from `tickets()`), as dicts, in order."""
    return _list_values(rows, API_FIELDS, _API_COLUMNS)


def affected_assets() -> QuerySet[TicketAsset]:
    """Ticket-asset links with their asset, for prefetching (the inventory's big columns left)."""
    return (
        TicketAsset.objects.select_related("asset")
        .defer("asset__raw_sections", "asset__local_admins")
        .order_by("asset__name", "asset_id")
    )


def asset_tickets(*, org: Any, asset_id: int) -> QuerySet[Ticket]:
    """The tickets naming asset `asset_id` that `org` may see: its own, or any member's for the
    provider (the inventory's asset page lists them)."""
    linked = TicketAsset.objects.filter(asset_id=asset_id).values("ticket_id")
    # Joined: the service, all the list shows of another table (see _QUEUE_COLUMNS on joins).
    return tickets(org=org).filter(pk__in=linked).select_related(None).select_related("service")


def services_requestable(*, member: Any, provider: Any) -> list[Any]:
    """The provider's catalogue services `member` may ask for in a ticket."""
    return [
        s
        for s in tenant_selectors.requestable_services(member=member)
        if s.organization_id == provider.pk
    ]


def catalogue_services(*, provider: Any) -> QuerySet[Any]:
    """The provider's catalogue, active or not: the queue filters tickets by any of them."""
    return tenant_selectors.catalogue_services(org=provider, active_only=False)


def ticket_get(*, org: Any, pk: Any, staff: bool) -> Ticket:
    """One ticket `org` may see, with what its page shows. DoesNotExist for anyone else's.

    Without `staff`, private follow-ups and attachments and the internal tasks are left out.
    """
    followups = FollowUp.objects.select_related("author").order_by("created_at", "id")
    attachments = TicketAttachment.objects.select_related("document").order_by("added_at", "id")
    if not staff:
        followups = followups.filter(is_private=False)
        attachments = attachments.filter(is_private=False)
    prefetches: list[Any] = [
        Prefetch("followups", queryset=followups),
        Prefetch("attachments", queryset=attachments),
        Prefetch("articles", queryset=Article.objects.order_by("title")),
        Prefetch("affected_assets", queryset=affected_assets()),
    ]
    if staff:
        prefetches += [
            Prefetch("tasks", queryset=TicketTask.objects.select_related("assigned_to")),
            Prefetch("breaches", queryset=SlaBreach.objects.order_by("detected_at")),
            "escalations",
        ]
    # Joined: the relations nearly every ticket has. The group, the service and who opened it
    # are read when shown (a query each, none when empty): joining all eight tables cost
    # PostgreSQL 7-10 ms to plan, for a 0.1 ms lookup by primary key; four cost 0.5 ms.
    joined = ("organization", "category", "requester", "assigned_to")
    rows = tickets(org=org).select_related(None).select_related(*joined)
    return rows.prefetch_related(*prefetches).get(pk=pk)


def breaches(*, org: Any) -> QuerySet[SlaBreach]:
    rows = SlaBreach.objects.select_related("ticket", "ticket__organization")
    if getattr(org, "is_provider", False):
        return rows.filter(ticket__provider=org)
    return rows.filter(organization=org)


def notification_enabled(*, org: Any, user: Any, event: str) -> bool:
    return not NotificationPreference.objects.filter(
        organization=org, user=user, event=event, enabled=False
    ).exists()


def notifications_disabled(*, users: list[int], event: str) -> set[tuple[int, int]]:
    """(organization id, user id) pairs where one of `users` switched `event` off."""
    if not users:
        return set()
    return set(
        NotificationPreference.objects.filter(
            user__in=users, event=event, enabled=False
        ).values_list("organization_id", "user_id")
    )


def notification_preferences(*, org: Any, user: Any) -> dict[str, bool]:
    return dict(
        NotificationPreference.objects.filter(organization=org, user=user).values_list(
            "event", "enabled"
        )
    )


# --- knowledge base ------------------------------------------------------------------------------
def articles(*, org: Any, q: str = "") -> QuerySet[Article]:
    """The provider's articles; a member's staff see only the public ones."""
    provider = provider_for(org=org)
    rows = Article.objects.filter(organization=provider).select_related("category")
    if not getattr(org, "is_provider", False):
        rows = rows.filter(is_public=True)
    for word in q.split():
        rows = rows.filter(Q(title__icontains=word) | Q(body__icontains=word))
    return rows.order_by("title")


def open_statuses() -> tuple[str, ...]:
    return tuple(str(s) for s in OPEN_STATUSES)


def month_bounds(year: int, month: int) -> tuple[dt.datetime, dt.datetime]:
    """The first instant of the month and of the next, in the platform's time zone."""
    tz = timezone.get_default_timezone()
    start = dt.datetime(year, month, 1, tzinfo=tz)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return start, end


def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    """The dashboard's helpdesk figures, in one query: for the provider, its queue (open by state,
    unassigned, SLA at risk and breached); for a member, its own open tickets to the provider."""
    from django.db.models import Count
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    now = timezone.now()
    is_open = Q(status__in=OPEN_STATUSES)
    counts = tickets(org=org).aggregate(
        open=Count("pk", filter=is_open),
        new=Count("pk", filter=Q(status=TicketStatus.NEW)),
        pending=Count("pk", filter=Q(status=TicketStatus.PENDING)),
        unassigned=Count("pk", filter=is_open & Q(assigned_to__isnull=True)),
        risk=Count("pk", filter=_sla_at_risk(now)),
        late=Count("pk", filter=_sla_late(now)),
    )
    queue = reverse("helpdesk_queue", args=[org.slug])
    if not getattr(org, "is_provider", False):
        return [
            Figure(_("My organization's open tickets"), counts["open"], f"{queue}?queue=open"),
            Figure(
                _("Waiting for our answer"),
                counts["pending"],
                f"{queue}?queue=open&status=pending",
                tone="warn" if counts["pending"] else "",
            ),
        ]
    return [
        Figure(_("Open tickets"), counts["open"], f"{queue}?queue=open"),
        Figure(_("New"), counts["new"], f"{queue}?queue=open&status=new"),
        Figure(
            _("Unassigned"),
            counts["unassigned"],
            f"{queue}?queue=unassigned",
            tone="warn" if counts["unassigned"] else "",
        ),
        Figure(
            _("SLA at risk (due within 24 hours)"),
            counts["risk"],
            f"{queue}?queue=open&sla=risk",
            tone="warn" if counts["risk"] else "ok",
        ),
        Figure(
            _("SLA breached"),
            counts["late"],
            f"{queue}?queue=open&sla=late",
            tone="danger" if counts["late"] else "ok",
        ),
    ]


def tickets_created_with_key(*, org: Any, user: Any, key: str) -> Ticket | None:
    """The ticket `user` opened under `org`'s slug with this Idempotency-Key, if any."""
    rows = Ticket.objects.filter(created_by=user, idempotency_key=key)
    if getattr(org, "is_provider", False):
        return rows.filter(provider=org).first()
    return rows.filter(organization=org).first()
