"""Reads of collegiate bodies, sessions, items and minutes: every one takes the organization."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ajunta.core.modules import Figure
from ajunta.meetings import rules
from ajunta.meetings.models import (
    AgendaItem,
    AttendanceEvent,
    Body,
    BodyKind,
    Convocation,
    ItemStatus,
    Member,
    Minutes,
    MinutesStatus,
    Office,
    Session,
    SessionKind,
    SessionStatus,
)


# --- bodies and members ----------------------------------------------------------------------------
def bodies(*, org: Any) -> QuerySet[Body]:
    return Body.objects.filter(organization=org).annotate(
        member_count=Count(
            "members", filter=Q(members__end__isnull=True) & ~Q(members__office=Office.SECRETARY)
        )
    )


def body_get(*, org: Any, pk: Any) -> Body:
    return Body.objects.get(organization=org, pk=pk)


def members(*, org: Any, body: Body, on: dt.date | None = None) -> QuerySet[Member]:
    """The body's members in office on `on` (default: every seat, past ones too)."""
    rows = Member.objects.filter(organization=org, body=body).select_related("user")
    if on is not None:
        rows = rows.filter(start__lte=on).filter(Q(end__isnull=True) | Q(end__gte=on))
    return rows


def member_get(*, org: Any, pk: Any) -> Member:
    return Member.objects.select_related("body").get(organization=org, pk=pk)


def my_members(*, org: Any, user: Any, on: dt.date) -> QuerySet[Member]:
    return (
        Member.objects.filter(organization=org, user=user, start__lte=on)
        .filter(Q(end__isnull=True) | Q(end__gte=on))
        .select_related("body")
    )


def ordinary_period(body: Body, population: int | None) -> int | None:
    """Months between ordinary sessions: the stricter of the law (plenary) and the own rules."""
    legal = rules.ordinary_period_months(population or 0) if body.kind == BodyKind.PLENARY else None
    periods = [p for p in (legal, body.own_period_months) if p]
    return min(periods) if periods else None


def next_ordinary_due(body: Body, population: int | None) -> dt.date | None:
    """The day by which the next ordinary session must be held (None: no rule or no session yet)."""
    months = ordinary_period(body, population)
    last = (
        Session.objects.filter(
            organization=body.organization_id, body=body, kind=SessionKind.ORDINARY
        )
        .exclude(status=SessionStatus.DRAFT)
        .order_by("-starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    if not months or last is None:
        return None
    day = timezone.localtime(last).date()
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    import calendar

    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


# --- sessions --------------------------------------------------------------------------------------
def sessions(*, org: Any, body: Body | None = None) -> QuerySet[Session]:
    rows = Session.objects.filter(organization=org).select_related("body")
    return rows.filter(body=body) if body is not None else rows


def session_get(*, org: Any, pk: Any) -> Session:
    return Session.objects.select_related("body", "agenda_document").get(organization=org, pk=pk)


def items(*, org: Any, session: Session, included_only: bool = False) -> QuerySet[AgendaItem]:
    rows = AgendaItem.objects.filter(organization=org, session=session).select_related(
        "case", "minutes_of"
    )
    if included_only:
        rows = rows.exclude(status__in=[ItemStatus.PROPOSED, ItemStatus.WITHDRAWN])
    return rows.order_by("position", "pk")


def item_get(*, org: Any, pk: Any) -> AgendaItem:
    return AgendaItem.objects.select_related("session__body", "case").get(organization=org, pk=pk)


def convocations(*, org: Any, session: Session) -> QuerySet[Convocation]:
    return Convocation.objects.filter(organization=org, session=session).select_related("member")


def convocation_get(*, org: Any, pk: Any) -> Convocation:
    return Convocation.objects.select_related("session", "member").get(organization=org, pk=pk)


def attendance(*, org: Any, session: Session) -> QuerySet[AttendanceEvent]:
    return AttendanceEvent.objects.filter(organization=org, session=session).select_related(
        "member"
    )


def presence(
    events: list[AttendanceEvent], at: dt.datetime | None = None
) -> dict[int, AttendanceEvent]:
    """Who is in the room (or online) at `at`: member id -> their last arrival. `events` in order."""
    inside: dict[int, AttendanceEvent] = {}
    for event in events:
        if at is not None and event.at > at:
            break
        if event.kind == AttendanceEvent.Kind.ARRIVE:
            inside[event.member_id] = event
        else:
            inside.pop(event.member_id, None)
    return inside


@dataclass(frozen=True)
class Quorum:
    present: int  # voting members present
    remote: int  # of them, online
    required: int
    chair: bool  # the mayor (or a deputy mayor replacing them)
    secretary: bool
    weight: Decimal

    @property
    def ok(self) -> bool:
        return self.present >= self.required and self.chair and self.secretary


def quorum_of(
    body: Body, seats: list[Member], events: list[AttendanceEvent], at: dt.datetime | None
) -> Quorum:
    inside = presence(events, at)
    here = [m for m in seats if m.pk in inside]
    voting = [m for m in here if m.votes]
    return Quorum(
        present=len(voting),
        remote=sum(1 for m in voting if inside[m.pk].remote),
        required=rules.quorum(body.legal_members, body.own_quorum),
        chair=any(m.office in (Office.MAYOR, Office.DEPUTY_MAYOR) for m in here),
        secretary=any(m.office == Office.SECRETARY for m in here),
        weight=sum((m.weight for m in voting), Decimal(0)),
    )


def session_seats(*, org: Any, session: Session) -> list[Member]:
    return list(
        members(org=org, body=session.body, on=timezone.localtime(session.starts_at).date())
    )


def session_quorum(*, org: Any, session: Session, at: dt.datetime | None = None) -> Quorum:
    return quorum_of(
        session.body,
        session_seats(org=org, session=session),
        list(attendance(org=org, session=session)),
        at,
    )


def minutes_of(*, org: Any, session: Session) -> Minutes | None:
    return Minutes.objects.filter(organization=org, session=session).first()


def minutes_get(*, org: Any, pk: Any) -> Minutes:
    return Minutes.objects.select_related("session__body", "document").get(organization=org, pk=pk)


def minutes_awaiting_approval(*, org: Any, body: Body) -> QuerySet[Minutes]:
    return Minutes.objects.filter(
        organization=org, session__body=body, status=MinutesStatus.DRAFT
    ).select_related("session")


# --- members' view ---------------------------------------------------------------------------------
def my_pending_convocations(*, org: Any, user: Any) -> QuerySet[Convocation]:
    return (
        Convocation.objects.filter(
            organization=org, member__user=user, acknowledged_at__isnull=True
        )
        .exclude(session__status=SessionStatus.CLOSED)
        .select_related("session__body", "member")
        .order_by("session__starts_at")
    )


def my_sessions(*, org: Any, user: Any, since: dt.datetime) -> QuerySet[Session]:
    """Convened or running sessions of the bodies where the user holds a seat."""
    return (
        Session.objects.filter(
            organization=org,
            body__members__user=user,
            starts_at__gte=since - dt.timedelta(hours=12),
            status__in=[SessionStatus.CONVENED, SessionStatus.OPEN],
        )
        .select_related("body", "agenda_document")
        .distinct()
        .order_by("starts_at")
    )


# --- the public site -------------------------------------------------------------------------------
def public_sessions(*, org: Any) -> QuerySet[Session]:
    """Sessions whose agenda is public (convened or later)."""
    return (
        Session.objects.filter(organization=org)
        .exclude(status=SessionStatus.DRAFT)
        .select_related("body", "minutes")
        .order_by("-starts_at")
    )


def public_session_get(*, org: Any, pk: Any) -> Session:
    return public_sessions(org=org).get(pk=pk)


# --- dashboard -------------------------------------------------------------------------------------
def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    home = reverse("meetings_home", args=[org.slug])
    counts = Session.objects.filter(organization=org).aggregate(
        upcoming=Count("pk", filter=Q(status=SessionStatus.CONVENED)),
        drafts=Count("pk", filter=Q(status=SessionStatus.DRAFT)),
    )
    pending = my_pending_convocations(org=org, user=user).count()
    unsigned = Minutes.objects.filter(organization=org).exclude(status=MinutesStatus.SIGNED).count()
    return [
        Figure(_("Convened sessions"), counts["upcoming"], home),
        Figure(_("Sessions being prepared"), counts["drafts"], home),
        Figure(
            _("Convocations to acknowledge"),
            pending,
            reverse("meetings_mine", args=[org.slug]),
            tone="warn" if pending else "",
        ),
        Figure(_("Minutes not yet signed"), unsigned, home),
    ]


def org_people(*, org: Any) -> QuerySet[Any]:
    """People holding any role in `org`: who a seat may be linked to (their login)."""
    from ajunta.core.models import RoleAssignment, User

    holders = RoleAssignment.objects.filter(organization=org).values("user")
    return User.objects.filter(pk__in=holders).order_by("first_name", "last_name", "username")
