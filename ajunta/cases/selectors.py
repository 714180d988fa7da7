"""Reads of the case module. Each takes the organization; another organization's rows never show.

Provider templates are the one read across organizations: procedures the provider marked as
templates, which hold no personal data and are offered to every member.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

from ajunta.cases.models import (
    ACTIVE_STATUSES,
    Case,
    CaseDocument,
    CaseDocumentVersion,
    CaseParty,
    CaseStatus,
    CaseStatusEvent,
    CaseTask,
    DeadlineEvent,
    Decree,
    DecreeStatus,
    DocumentTemplate,
    Notification,
    NotificationStatus,
    Procedure,
    Visibility,
)
from ajunta.core.calendar import calendar_for
from ajunta.core.languages import localized
from ajunta.core.models import RoleAssignment, User
from ajunta.core.modules import Figure
from ajunta.registry.services import normalize_text

DUE_SOON_DAYS = 7
# PostgreSQL only: the stored, GIN-indexed tsvector column made by migration 0003.
FULL_TEXT_MATCH = "cases_case.search_vector @@ plainto_tsquery('simple'::regconfig, %s)"


# --- procedures ----------------------------------------------------------------------------------
def procedures(*, org: Any, active_only: bool = False) -> QuerySet[Procedure]:
    rows = Procedure.objects.filter(organization=org)
    return rows.filter(is_active=True) if active_only else rows


def procedure_get(*, org: Any, pk: Any) -> Procedure:
    return procedures(org=org).get(pk=pk)


def procedure_templates() -> QuerySet[Procedure]:
    """The provider's templates, offered to every member organization."""
    return (
        Procedure.objects.filter(is_template=True, is_active=True, organization__is_provider=True)
        .select_related("organization")
        .order_by("name", "pk")
    )


def adopted_template_ids(*, org: Any) -> set[int]:
    return set(
        Procedure.objects.filter(organization=org, adopted_from__isnull=False).values_list(
            "adopted_from_id", flat=True
        )
    )


# --- case files ----------------------------------------------------------------------------------
def text_search(rows: QuerySet[Case], text: str) -> QuerySet[Case]:
    """Cases whose number, subject, procedure or parties contain every word of `text`."""
    query = normalize_text(text).strip()[:200]
    if not query:
        return rows
    if connection.vendor == "postgresql":
        match = RawSQL(FULL_TEXT_MATCH, [query], output_field=BooleanField())  # noqa: S611  (constant SQL, query as a parameter)
        return rows.filter(match)
    for word in query.split():
        rows = rows.filter(search_document__contains=word)
    return rows


def cases(
    *,
    org: Any,
    q: str = "",
    status: str = "",
    procedure: Any = None,
    responsible: Any = None,
    overdue_on: dt.date | None = None,
    party_id_number: str = "",
) -> QuerySet[Case]:
    rows: QuerySet[Case] = Case.objects.filter(organization=org).select_related(
        "procedure", "responsible"
    )
    if q:
        rows = text_search(rows, q)
    if status:
        rows = rows.filter(status=status)
    if procedure is not None:
        rows = rows.filter(procedure=procedure)
    if responsible is not None:
        rows = rows.filter(responsible=responsible)
    if overdue_on is not None:
        rows = rows.filter(status=CaseStatus.OPEN, due_date__lt=overdue_on)
    if party_id_number:
        rows = rows.filter(
            pk__in=CaseParty.objects.filter(
                organization=org, id_number=party_id_number.strip().upper()
            ).values("case")
        )
    return rows


# What a row of the case list shows: read as plain values, not as model instances with every
# column (the list of a big municipality pages through hundreds of thousands of case files).
CASE_LIST_COLUMNS = (
    "pk", "number", "opened_at", "subject", "status", "due_date",
    "responsible_id", "responsible__first_name", "responsible__last_name", "responsible__username",
)  # fmt: skip


def case_list_rows(rows: QuerySet[Case]) -> QuerySet[Any]:
    """`rows` (from cases()) as dicts of the columns the case list shows, in the same order."""
    return rows.values(*CASE_LIST_COLUMNS, procedure_name=localized("procedure__name"))


# What a case of the API's list shows (api.CaseListSerializer).
CASE_API_LIST_COLUMNS = (
    "number", "subject", "status", "phase", "opened_at", "start_date", "due_date", "extended",
    "procedure__code", "responsible__username",
)  # fmt: skip


def case_api_list_rows(rows: QuerySet[Case]) -> QuerySet[Case]:
    """`rows` (from cases()) with only the columns the API's case list shows."""
    return rows.only(*CASE_API_LIST_COLUMNS)


def case_get_brief(*, org: Any, pk: Any) -> Case:
    """One case of `org` with its procedure and responsible person, and nothing else."""
    return cases(org=org).get(pk=pk)


def case_get(*, org: Any, pk: Any) -> Case:
    """One case of `org` with everything its page shows, in a fixed number of queries."""
    return (
        Case.objects.filter(organization=org)
        .select_related("procedure", "responsible", "responsible_unit", "origin_entry")
        .prefetch_related(
            Prefetch("parties", queryset=CaseParty.objects.order_by("position")),
            Prefetch(
                "documents",
                queryset=CaseDocument.objects.select_related("document", "signed_by").order_by(
                    "position"
                ),
            ),
            Prefetch("tasks", queryset=CaseTask.objects.select_related("assignee")),
            Prefetch("deadline_events", queryset=DeadlineEvent.objects.order_by("created_at")),
            Prefetch(
                "status_events",
                queryset=CaseStatusEvent.objects.select_related("created_by").order_by(
                    "created_at", "id"
                ),
            ),
            Prefetch("related_cases", queryset=Case.objects.only("pk", "number", "subject")),
            Prefetch("decrees", queryset=Decree.objects.order_by("created_at")),
            Prefetch(
                "notifications",
                queryset=Notification.objects.select_related(
                    "party", "case_document", "registry_entry"
                ).order_by("made_available_at"),
            ),
        )
        .get(pk=pk)
    )


def overdue_cases(*, org: Any, today: dt.date) -> QuerySet[Case]:
    return cases(org=org, overdue_on=today).select_related("responsible")


@dataclass(frozen=True)
class DeadlineSignal:
    state: str  # "none", "suspended", "ok", "soon", "today", "overdue", "closed"
    days: int | None = None  # calendar days left (negative: days overdue)

    @property
    def overdue_days(self) -> int:
        return -self.days if self.days is not None and self.days < 0 else 0


def deadline_signal(case: Case, today: dt.date) -> DeadlineSignal:
    return deadline_signal_of(status=case.status, due_date=case.due_date, today=today)


def deadline_signal_of(*, status: str, due_date: dt.date | None, today: dt.date) -> DeadlineSignal:
    """The deadline signal of a case in `status` due on `due_date` (for rows read as values)."""
    if status not in ACTIVE_STATUSES:
        return DeadlineSignal("closed")
    if status == CaseStatus.SUSPENDED:
        return DeadlineSignal("suspended")
    if due_date is None:
        return DeadlineSignal("none")
    days = (due_date - today).days
    if days < 0:
        return DeadlineSignal("overdue", days)
    if days == 0:
        return DeadlineSignal("today", 0)
    return DeadlineSignal("soon" if days <= DUE_SOON_DAYS else "ok", days)


def today_for(org: Any) -> dt.date:
    return calendar_for(org).today()


# --- documents -----------------------------------------------------------------------------------
def case_document_get(*, org: Any, case: Case, pk: Any) -> CaseDocument:
    return (
        CaseDocument.objects.filter(organization=org, case=case)
        .select_related("document", "case", "signed_by")
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=CaseDocumentVersion.objects.select_related(
                    "document", "created_by"
                ).order_by("version"),
            )
        )
        .get(pk=pk)
    )


def case_documents(*, org: Any, case: Case) -> QuerySet[CaseDocument]:
    return CaseDocument.objects.filter(organization=org, case=case).select_related(
        "document", "signed_by"
    )


def version_get(*, org: Any, case_document: CaseDocument, version: int) -> CaseDocumentVersion:
    return CaseDocumentVersion.objects.select_related("document").get(
        organization=org, case_document=case_document, version=version
    )


# --- tasks ---------------------------------------------------------------------------------------
def tasks(*, org: Any, assignee: Any = None, open_only: bool = False) -> QuerySet[CaseTask]:
    rows = CaseTask.objects.filter(organization=org).select_related("case", "assignee")
    if assignee is not None:
        rows = rows.filter(assignee=assignee)
    if open_only:
        rows = rows.filter(done_at__isnull=True)
    return rows.order_by("done_at", "due_date", "id")


def task_get(*, org: Any, pk: Any) -> CaseTask:
    return tasks(org=org).get(pk=pk)


def overdue_tasks(*, org: Any, today: dt.date) -> QuerySet[CaseTask]:
    return tasks(org=org, open_only=True).filter(due_date__lt=today)


@dataclass(frozen=True)
class Alerts:
    overdue_cases: int  # open cases past their due date that this person is responsible for
    overdue_tasks: int  # this person's pending tasks past their due date


def alerts(*, org: Any, user: Any, today: dt.date) -> Alerts:
    return Alerts(
        overdue_cases=cases(org=org, overdue_on=today, responsible=user).count(),
        overdue_tasks=overdue_tasks(org=org, today=today).filter(assignee=user).count(),
    )


def staff(*, org: Any) -> QuerySet[User]:
    """People who may handle case files in `org` (they hold `cases.view` there): who a case or a
    task may be given to."""
    from ajunta.core.tenancy import PERMISSIONS

    holders = RoleAssignment.objects.filter(organization=org, role__in=PERMISSIONS["cases.view"])
    return User.objects.filter(pk__in=holders.values("user")).order_by(
        "first_name", "last_name", "username"
    )


def staff_get(*, org: Any, pk: Any) -> User:
    return staff(org=org).get(pk=pk)


# --- decrees -------------------------------------------------------------------------------------
def decrees(*, org: Any, status: str = "") -> QuerySet[Decree]:
    rows = Decree.objects.filter(organization=org).select_related("case", "signed_by", "noted_by")
    return rows.filter(status=status) if status else rows


def decree_get(*, org: Any, pk: Any) -> Decree:
    return decrees(org=org).select_related("document").get(pk=pk)


def decree_book(
    *, org: Any, date_from: dt.date | None = None, date_to: dt.date | None = None
) -> QuerySet[Decree]:
    """Numbered decrees in book order, for a period of taking-note dates (inclusive)."""
    rows = decrees(org=org, status=DecreeStatus.NUMBERED)
    cal = calendar_for(org)
    if date_from:
        rows = rows.filter(noted_at__gte=dt.datetime.combine(date_from, dt.time.min, cal.tz))
    if date_to:
        end = dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, cal.tz)
        rows = rows.filter(noted_at__lt=end)
    return rows.order_by("year", "sequence")


def cases_for_decree(*, org: Any) -> QuerySet[Case]:
    return (
        Case.objects.filter(organization=org)
        .filter(Q(status=CaseStatus.OPEN) | Q(status=CaseStatus.SUSPENDED))
        .only("pk", "number", "subject")
    )


# --- notifications, ENI exports ------------------------------------------------------------------
def notifications(*, org: Any, case: Any = None) -> QuerySet[Notification]:
    rows = Notification.objects.filter(organization=org).select_related(
        "case", "party", "case_document", "registry_entry"
    )
    return rows.filter(case=case) if case is not None else rows


def notification_get(*, org: Any, pk: Any) -> Notification:
    return notifications(org=org).select_related("case_document__document").get(pk=pk)


# --- the citizen's side --------------------------------------------------------------------------
# A citizen reads only what concerns them: rows whose interested party carries the identity
# number of their account (user.nif), in any organization. Anyone else's is missing.
def _citizen_nif(user: Any) -> str:
    return (getattr(user, "nif", "") or "").strip().upper()


def citizen_notifications(*, user: Any) -> QuerySet[Notification]:
    nif = _citizen_nif(user)
    if not nif:
        return Notification.objects.none()
    return Notification.objects.filter(id_number=nif).select_related(
        "organization", "case", "case_document__document", "registry_entry", "party"
    )


def citizen_pending_notifications(*, user: Any, now: dt.datetime) -> list[Notification]:
    """The citizen's notifications still waiting to be opened, the most urgent first, each with
    `days_left` before it is deemed rejected (art. 43: 10 calendar days). One query."""
    from ajunta.cases.services import NOTIFICATION_DAYS

    rows = list(
        citizen_notifications(user=user)
        .filter(status=NotificationStatus.AVAILABLE)
        .order_by("made_available_at", "pk")
    )
    for row in rows:
        row.days_left = max(NOTIFICATION_DAYS - (now - row.made_available_at).days, 0)  # type: ignore[attr-defined]
    return rows


def citizen_notification_get(*, user: Any, pk: Any) -> Notification:
    return citizen_notifications(user=user).get(pk=pk)


def citizen_cases(*, user: Any) -> QuerySet[Case]:
    nif = _citizen_nif(user)
    if not nif:
        return Case.objects.none()
    return (
        Case.objects.filter(pk__in=CaseParty.objects.filter(id_number=nif).values("case"))
        .select_related("organization", "procedure")
        .order_by("-opened_at", "-id")
    )


def citizen_case_get(*, user: Any, pk: Any) -> Case:
    return (
        citizen_cases(user=user)
        .prefetch_related(
            Prefetch(
                "documents",
                queryset=CaseDocument.objects.filter(visibility=Visibility.PUBLISHED)
                .select_related("document")
                .order_by("position"),
                to_attr="published_documents",
            )
        )
        .get(pk=pk)
    )


def citizen_published_document(*, user: Any, case_pk: Any, pk: Any) -> CaseDocument:
    case = citizen_cases(user=user).get(pk=case_pk)
    return CaseDocument.objects.select_related("document", "organization").get(
        case=case, pk=pk, visibility=Visibility.PUBLISHED
    )


def entries_without_case(*, org: Any, limit: int = 20) -> list[Any]:
    """The latest incoming registry entries of `org` that no case file started from yet: the
    applications waiting to be opened as cases."""
    from ajunta.registry import selectors as registry_selectors

    opened = Case.objects.filter(organization=org, origin_entry__isnull=False).values(
        "origin_entry"
    )
    rows = registry_selectors.entries(org=org, direction="in", status="registered")
    return list(rows.exclude(pk__in=opened)[:limit])


# --- document templates --------------------------------------------------------------------------
def document_templates(*, org: Any, active_only: bool = False) -> QuerySet[DocumentTemplate]:
    rows = DocumentTemplate.objects.filter(organization=org)
    return rows.filter(is_active=True) if active_only else rows


def document_template_get(*, org: Any, pk: Any) -> DocumentTemplate:
    return document_templates(org=org).get(pk=pk)


def notifications_unalerted(*, before: dt.datetime, limit: int) -> list[Notification]:
    """Notifications of every organization made available before `before`, still waiting, whose
    party was never alerted (a dead worker, a mail server down): the sweep's work (core.sweep)."""
    return list(
        Notification.objects.filter(
            alerted_at__isnull=True,
            status=NotificationStatus.AVAILABLE,
            made_available_at__lt=before,
        )
        .select_related("organization")
        .order_by("made_available_at", "pk")[:limit]
    )


def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    """What is due: my open tasks, case deadlines overdue and this week, notifications waiting for
    the citizen (with the fewest days left), decrees waiting for a signature. Four queries."""
    from django.db.models import Count, Min
    from django.urls import reverse
    from django.utils import timezone
    from django.utils.translation import gettext_lazy as _
    from django.utils.translation import ngettext

    from ajunta.cases.services import NOTIFICATION_DAYS

    week_end = today + dt.timedelta(days=7)
    open_cases = Q(status=CaseStatus.OPEN)
    deadlines = Case.objects.filter(organization=org).aggregate(
        overdue=Count("pk", filter=open_cases & Q(due_date__lt=today)),
        this_week=Count("pk", filter=open_cases & Q(due_date__gte=today, due_date__lte=week_end)),
    )
    my_tasks = tasks(org=org, assignee=user, open_only=True).count()
    waiting = (
        notifications(org=org)
        .filter(status="available")
        .aggregate(n=Count("pk"), first=Min("made_available_at"))
    )
    to_sign = decrees(org=org, status=DecreeStatus.DRAFT).count()
    base = reverse("cases_list", args=[org.slug])
    hint = ""
    if waiting["first"] is not None:
        left = NOTIFICATION_DAYS - (timezone.now() - waiting["first"]).days
        hint = ngettext(
            "the oldest is deemed rejected in %(days)d day",
            "the oldest is deemed rejected in %(days)d days",
            max(left, 0),
        ) % {"days": max(left, 0)}
    return [
        Figure(_("My open tasks"), my_tasks, reverse("cases_my_tasks", args=[org.slug])),
        Figure(
            _("Case deadlines overdue"),
            deadlines["overdue"],
            f"{base}?overdue=on",
            tone="danger" if deadlines["overdue"] else "ok",
        ),
        Figure(
            _("Case deadlines this week"),
            deadlines["this_week"],
            f"{base}?status=open",
            tone="warn" if deadlines["this_week"] else "",
        ),
        Figure(
            _("Notifications waiting for the citizen"),
            waiting["n"],
            f"{base}?status=open",
            tone="warn" if waiting["n"] else "",
            hint=hint,
        ),
        Figure(
            _("Decrees to sign"),
            to_sign,
            reverse("cases_decrees", args=[org.slug]),
            tone="warn" if to_sign else "",
        ),
    ]


def person_records(*, org: Any, person_ids: list[int]) -> list[Any]:
    """The case files and notifications of these persons (persons.services.PersonRecord): two
    queries."""
    from django.urls import reverse
    from django.utils.translation import gettext

    from ajunta.persons.services import PersonRecord

    parties = (
        CaseParty.objects.filter(organization=org, person_id__in=person_ids)
        .select_related("case")
        .order_by("-case__opened_at", "-id")
    )
    records = [
        PersonRecord(
            kind="case",
            kind_label=gettext("Case file"),
            reference=party.case.number,
            title=party.case.subject,
            url=reverse("cases_case", args=[org.slug, party.case_id]),
            at=party.case.opened_at,
            role=party.get_role_display(),
            filed_as=f"{party.full_name} · {party.address}".strip(" ·"),
        )
        for party in parties
    ]
    notifications = (
        Notification.objects.filter(organization=org, party__person_id__in=person_ids)
        .select_related("case", "case_document", "registry_entry")
        .order_by("-made_available_at")
    )
    records += [
        PersonRecord(
            kind="notification",
            kind_label=gettext("Notification"),
            reference=n.registry_entry.number,
            title=f"{n.case.number} · {n.case_document.title}",
            url=reverse("cases_case", args=[org.slug, n.case_id]),
            at=n.made_available_at,
            role=n.get_status_display(),
        )
        for n in notifications
    ]
    return records
