"""Reports of the helpdesk (reads only, each taking the organization): time spent per municipality,
technician, category and month with its CSV, statistics with server-drawn SVG charts, and the
monthly PDF report of a municipality.

Under a member's slug only that member's tickets count; under the provider's, every member's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from ajunta.core.calendar import calendar_for
from ajunta.core.charts import BarChart, bar_chart
from ajunta.core.languages import localized
from ajunta.core.pdf import PdfBuilder
from ajunta.helpdesk.models import (
    OPEN_STATUSES,
    FollowUp,
    SlaBreach,
    SlaKind,
    Survey,
    Ticket,
    TicketStatus,
    TicketTask,
)
from ajunta.helpdesk.selectors import month_bounds
from ajunta.tenants import selectors as tenant_selectors

MEDIAN_SAMPLE = 5000  # business-hour medians are computed in Python: over a bounded sample


def _scope(model: Any, org: Any) -> QuerySet[Any]:
    """Rows of `model` (with a `ticket`) that `org` may count."""
    if getattr(org, "is_provider", False):
        return model.objects.filter(ticket__provider=org)
    return model.objects.filter(organization=org)


def _tickets(org: Any) -> QuerySet[Ticket]:
    if getattr(org, "is_provider", False):
        return Ticket.objects.filter(provider=org)
    return Ticket.objects.filter(organization=org)


def period_bounds(year: int, month: int | None) -> tuple[dt.datetime, dt.datetime]:
    if month:
        return month_bounds(year, month)
    return month_bounds(year, 1)[0], month_bounds(year + 1, 1)[0]


# --- time spent -------------------------------------------------------------------------------------
@dataclass
class TimeRow:
    month: dt.date
    municipality: str
    technician: str
    category: str
    minutes: int

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.2f}"


def time_spent(
    *, org: Any, year: int, month: int | None = None, member: Any = None
) -> list[TimeRow]:
    """Minutes logged on follow-ups and tasks, summed per month, municipality, technician and
    category: the hours of technical dedication agreements and invoices need."""
    start, end = period_bounds(year, month)
    tz = timezone.get_default_timezone()
    totals: dict[tuple[Any, ...], int] = {}
    sources: list[tuple[QuerySet[Any], str, str]] = [
        (_scope(FollowUp, org), "created_at", "author"),
        (_scope(TicketTask, org), "created_at", "assigned_to"),
    ]
    for rows, moment, person in sources:
        rows = rows.filter(**{f"{moment}__gte": start, f"{moment}__lt": end}, minutes_spent__gt=0)
        if member is not None:
            rows = rows.filter(organization=member)
        grouped = (
            rows.annotate(month=TruncMonth(moment, tzinfo=tz))
            .values(
                "month",
                "ticket__organization__name",
                f"{person}__first_name",
                f"{person}__last_name",
                f"{person}__username",
                category_path=localized("ticket__category__full_name"),
            )
            .annotate(minutes=Sum("minutes_spent"))
        )
        for row in grouped:
            name = " ".join(
                p for p in (row[f"{person}__first_name"], row[f"{person}__last_name"]) if p
            )
            month_value = row["month"]
            if isinstance(month_value, dt.datetime):
                month_value = timezone.localtime(month_value, tz).date()
            key = (
                month_value,
                row["ticket__organization__name"],
                name or row[f"{person}__username"] or "—",
                row["category_path"] or "—",
            )
            totals[key] = totals.get(key, 0) + int(row["minutes"] or 0)
    return [
        TimeRow(month=k[0], municipality=k[1], technician=k[2], category=k[3], minutes=minutes)
        for k, minutes in sorted(totals.items())
    ]


@dataclass(frozen=True)
class SupportHours:
    """A member's hours of technical support agreed for a year, next to those spent in it."""

    year: int
    agreed: int | None  # the agreement's support_hours_per_year; None without one (or no figure)
    spent_minutes: int

    @property
    def spent(self) -> str:
        return f"{self.spent_minutes / 60:.2f}"

    @property
    def remaining(self) -> str | None:
        if self.agreed is None:
            return None
        return f"{self.agreed - self.spent_minutes / 60:.2f}"

    @property
    def exceeded(self) -> bool:
        return self.agreed is not None and self.spent_minutes > self.agreed * 60


def support_hours(*, org: Any, member: Any, year: int) -> SupportHours:
    """The hours the member's agreement in force grants for `year` and the hours spent on its
    tickets in the whole year (as the time report counts them, seen from `org`).

    The agreement read is the one in force today for the current year, on 31 December for a
    past one and on 1 January for a future one.
    """
    today = timezone.localdate()
    on = min(max(today, dt.date(year, 1, 1)), dt.date(year, 12, 31))
    agreement = tenant_selectors.agreement_in_force(member, on)
    spent = sum(r.minutes for r in time_spent(org=org, year=year, member=member))
    agreed = agreement.support_hours_per_year if agreement is not None else None
    return SupportHours(year=year, agreed=agreed, spent_minutes=spent)


def time_spent_csv(rows: Iterable[TimeRow], support: SupportHours | None = None) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        [_("Month"), _("Municipality"), _("Technician"), _("Category"), _("Minutes"), _("Hours")]
    )
    for row in rows:
        writer.writerow(
            [
                row.month.strftime("%Y-%m"),
                _safe_cell(row.municipality),
                _safe_cell(row.technician),
                _safe_cell(row.category),
                row.minutes,
                row.hours,
            ]
        )
    if support is not None:
        # After the rows, as two labelled lines: the rows keep one shape for spreadsheets.
        writer.writerow([])
        agreed = "" if support.agreed is None else str(support.agreed)
        writer.writerow([str(support.year), "", "", _("Support hours agreed"), "", agreed])
        spent_label = _("Support hours spent")
        writer.writerow(
            [str(support.year), "", "", spent_label, support.spent_minutes, support.spent]
        )
    return buffer.getvalue()


def _safe_cell(value: str) -> str:
    """No spreadsheet formulas from typed text (CSV injection)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# --- statistics -------------------------------------------------------------------------------------
@dataclass
class Stats:
    year: int
    per_month: list[tuple[str, int]]
    by_municipality: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    backlog: list[tuple[str, int]]
    median_own_hours: float | None
    median_resolve_hours: float | None
    solved: int
    solved_in_time: int
    satisfaction: float | None
    surveys_answered: int
    charts: dict[str, BarChart] = field(default_factory=dict)

    @property
    def compliance(self) -> float | None:
        return round(100 * self.solved_in_time / self.solved, 1) if self.solved else None


def _median_hours(
    cal: Any, pairs: Iterable[tuple[dt.datetime, dt.datetime | None]]
) -> float | None:
    values = [cal.business_seconds_between(a, b) / 3600 for a, b in pairs if b is not None]
    return round(statistics.median(values), 1) if values else None


def stats(*, org: Any, year: int, month: int | None = None) -> Stats:
    start, end = period_bounds(year, month)
    tickets = _tickets(org)
    opened = tickets.filter(opened_at__gte=start, opened_at__lt=end)
    tz = timezone.get_default_timezone()
    per_month = {
        timezone.localtime(r["m"], tz).strftime("%Y-%m") if isinstance(r["m"], dt.datetime)
        else r["m"].strftime("%Y-%m"): r["n"]
        for r in opened.annotate(m=TruncMonth("opened_at", tzinfo=tz)).values("m")
        .annotate(n=Count("id")).order_by("m")
    }  # fmt: skip
    by_member = [
        (r["organization__name"], r["n"])
        for r in opened.values("organization__name").annotate(n=Count("id")).order_by("-n")[:15]
    ]
    by_category = [
        (r["category_path"] or "—", r["n"])
        for r in opened.values(category_path=localized("category__full_name"))
        .annotate(n=Count("id"))
        .order_by("-n")[:15]
    ]
    statuses = dict(TicketStatus.choices)
    backlog = [
        (str(statuses[r["status"]]), r["n"])
        for r in tickets.filter(status__in=OPEN_STATUSES)
        .values("status")
        .annotate(n=Count("id"))
        .order_by("status")
    ]
    cal = calendar_for((getattr(org, "is_provider", False) and org) or _provider_of(org))
    own_pairs = opened.exclude(owned_at=None).values_list("opened_at", "owned_at")[:MEDIAN_SAMPLE]
    solved_rows = tickets.filter(solved_at__gte=start, solved_at__lt=end)
    resolve_pairs = solved_rows.values_list("opened_at", "solved_at")[:MEDIAN_SAMPLE]
    solved = solved_rows.count()
    late = (
        _scope(SlaBreach, org)
        .filter(kind=SlaKind.RESOLVE, ticket__in=solved_rows.values("pk"))
        .values("ticket")
        .distinct()
        .count()
    )
    surveys = _scope(Survey, org).filter(answered_at__gte=start, answered_at__lt=end)
    answered = surveys.aggregate(n=Count("id"), avg=Avg("score"))
    result = Stats(
        year=year,
        per_month=sorted(per_month.items()),
        by_municipality=by_member,
        by_category=by_category,
        backlog=backlog,
        median_own_hours=_median_hours(cal, own_pairs),
        median_resolve_hours=_median_hours(cal, resolve_pairs),
        solved=solved,
        solved_in_time=solved - late,
        satisfaction=round(answered["avg"], 2) if answered["avg"] is not None else None,
        surveys_answered=answered["n"],
    )
    result.charts = {
        "per_month": bar_chart(
            result.per_month,
            title=_("Tickets opened per month"),
            empty=_("No data for this period."),
        ),
        "by_municipality": bar_chart(
            result.by_municipality,
            title=_("Tickets by municipality"),
            empty=_("No data for this period."),
        ),
        "by_category": bar_chart(
            result.by_category, title=_("Tickets by category"), empty=_("No data for this period.")
        ),
    }
    return result


def _provider_of(org: Any) -> Any:
    from ajunta.helpdesk.selectors import provider_for

    return provider_for(org=org) or org


# --- the monthly PDF of a municipality --------------------------------------------------------------
def monthly_pdf(*, org: Any, member: Any, year: int, month: int) -> bytes:
    """Tickets opened and solved in the month, SLA compliance, satisfaction and time spent."""
    start, end = month_bounds(year, month)
    scope = _tickets(org).filter(organization=member)
    opened = scope.filter(opened_at__gte=start, opened_at__lt=end).select_related("category")
    figures = stats(org=member, year=year, month=month)
    times = time_spent(org=org, year=year, month=month, member=member)
    total_minutes = sum(row.minutes for row in times)
    period = f"{year}-{month:02d}"
    doc = PdfBuilder(
        title=_("Helpdesk monthly report %(period)s") % {"period": period},
        author=str(getattr(org, "name", "")),
    )
    doc.heading(_("Helpdesk monthly report %(period)s") % {"period": period})
    doc.paragraph(str(member.name), bold=True)
    doc.key_values(
        [
            (_("Tickets opened"), str(opened.count())),
            (_("Tickets solved"), str(figures.solved)),
            (
                _("Solved within the SLA"),
                f"{figures.compliance} %" if figures.compliance is not None else "—",
            ),
            (_("Median time to own (business hours)"), _or_dash(figures.median_own_hours)),
            (_("Median time to resolve (business hours)"), _or_dash(figures.median_resolve_hours)),
            (_("Satisfaction (1-5)"), _or_dash(figures.satisfaction)),
            (_("Time spent (hours)"), f"{total_minutes / 60:.2f}"),
        ]
    )
    doc.heading(_("Tickets opened"), level=2)
    doc.table(
        [_("Number"), _("Title"), _("Category"), _("Status"), _("Priority")],
        [
            [t.number, t.title, t.category.full_name if t.category else "—",
             t.get_status_display(), t.get_priority_display()]
            for t in opened.order_by("opened_at")
        ],
        widths=[0, 70, 45, 0, 0],
        fit=[0, 3, 4],  # the number, the status and the priority never wrap
    )  # fmt: skip
    doc.heading(_("Time spent"), level=2)
    doc.table(
        [_("Technician"), _("Category"), _("Hours")],
        [[row.technician, row.category, row.hours] for row in times],
        widths=[60, 80, 0],
        align=["L", "L", "R"],
        fit=[2],
    )
    return doc.to_bytes()


def _or_dash(value: float | None) -> str:
    return "—" if value is None else str(value)


def open_ticket_count(*, org: Any) -> int:
    return _tickets(org).filter(~Q(status__in=[TicketStatus.SOLVED, TicketStatus.CLOSED])).count()
