import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from ajunta.core.modules import Figure
from ajunta.tenants.models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    CatalogueService,
    Enrolment,
    FeePayer,
    FeeRule,
    Membership,
    MembershipEvent,
    MembershipStatus,
    Organization,
    OrganizationKind,
    PageKind,
    PublicPage,
    RequestableBy,
    SiteIdentity,
    TrainingSession,
    pick_in_force,
)


def organization_by_slug(*, slug: str) -> Organization:
    return Organization.objects.get(slug=slug)


def other_organizations(*, org: Organization) -> QuerySet[Organization]:
    """Every organization but `org`: who a provider may sign agreements with or take as sponsor."""
    return Organization.objects.exclude(pk=org.pk).order_by("name")


def members(*, provider: Any) -> QuerySet[Organization]:
    """Organizations that are active members of the provider."""
    return Organization.objects.filter(
        memberships__organization=provider, memberships__status=MembershipStatus.ACTIVE
    ).order_by("name")


MUNICIPALITY_SEARCH_LIMIT = 50


def municipalities() -> QuerySet[Organization]:
    """Where a citizen may file an application, by name: every member municipality, and the
    provider itself (a public body with its registry: an accessibility complaint about its
    website, an application addressed to it)."""
    return Organization.objects.filter(
        Q(kind=OrganizationKind.MUNICIPALITY) | Q(is_provider=True)
    ).order_by("name")


def municipality_search(
    *, q: str, limit: int = MUNICIPALITY_SEARCH_LIMIT
) -> tuple[list[Organization], bool]:
    """(municipalities to offer, whether there are more than shown).

    With no search text the whole list is offered only when it is short: a provincial council may
    serve hundreds of municipalities, so it then waits for a few letters of the name.
    """
    rows = municipalities()
    q = " ".join(q.split())
    if q:
        rows = rows.filter(name__icontains=q)
    found = list(rows[: limit + 1])
    if len(found) <= limit:
        return found, False
    return ([] if not q else found[:limit]), True


# --- the provider ---------------------------------------------------------------------------------
def site_provider() -> Organization | None:
    """The organization that runs this deployment: its public website is the site's root."""
    return Organization.objects.filter(is_provider=True).order_by("pk").first()


# --- memberships ----------------------------------------------------------------------------------
def memberships(
    *, org: Organization, status: str = "", q: str = "", kind: str = ""
) -> QuerySet[Membership]:
    rows = Membership.objects.filter(organization=org).select_related("member")
    if status:
        rows = rows.filter(status=status)
    if kind:
        rows = rows.filter(applicant_kind=kind)
    q = " ".join(q.split())
    if q:
        rows = rows.filter(Q(applicant_name__icontains=q) | Q(ine_code__startswith=q))
    return rows.order_by("applicant_name", "pk")


def membership_events(*, org: Organization, membership: Membership) -> QuerySet[MembershipEvent]:
    return MembershipEvent.objects.filter(organization=org, membership=membership)


def active_members(*, org: Organization) -> QuerySet[Membership]:
    return memberships(org=org, status=MembershipStatus.ACTIVE).filter(member__isnull=False)


def public_members(*, org: Organization, q: str = "") -> QuerySet[Membership]:
    """The transparency list: active members with population and joining date."""
    rows = active_members(org=org)
    q = " ".join(q.split())
    if q:
        rows = rows.filter(member__name__icontains=q)
    return rows.order_by("member__name")


def memberships_of(*, member: Organization) -> QuerySet[Membership]:
    """The member's own membership records (with each provider), for its profile page."""
    return (
        Membership.objects.filter(member=member)
        .exclude(status=MembershipStatus.REJECTED)
        .select_related("organization")
        .order_by("organization__name")
    )


def providers_of(*, member: Organization) -> QuerySet[Organization]:
    """The providers where `member` is an active member."""
    return Organization.objects.filter(
        pk__in=Membership.objects.filter(member=member, status=MembershipStatus.ACTIVE).values(
            "organization"
        )
    )


# --- services catalogue ---------------------------------------------------------------------------
def catalogue_services(
    *, org: Organization, active_only: bool = True, requestable_by: str = ""
) -> QuerySet[CatalogueService]:
    """The catalogue of `org` (a provider). The helpdesk offers these to request."""
    rows = CatalogueService.objects.filter(organization=org)
    if active_only:
        rows = rows.filter(is_active=True)
    if requestable_by:
        rows = rows.filter(requestable_by=requestable_by)
    return rows.order_by("name")


SMALL_MUNICIPALITY_LIMIT = 5000


def requestable_services(*, member: Organization) -> list[CatalogueService]:
    """The catalogue services `member` may ask its providers for (the helpdesk offers them).

    Each service says who may request it: every member, municipalities, municipalities under
    5,000 inhabitants, or provider staff only (never offered to members).
    """
    is_municipality = member.kind == OrganizationKind.MUNICIPALITY
    small = is_municipality and (member.population or 0) < SMALL_MUNICIPALITY_LIMIT
    allowed = {RequestableBy.ALL_MEMBERS}
    if is_municipality:
        allowed.add(RequestableBy.MUNICIPALITIES)
    if small:
        allowed.add(RequestableBy.SMALL_MUNICIPALITIES)
    return list(
        CatalogueService.objects.filter(
            organization__in=providers_of(member=member), is_active=True, requestable_by__in=allowed
        )
        .select_related("organization")
        .order_by("organization__name", "name")
    )


# --- agreements -----------------------------------------------------------------------------------
def agreements(
    *, org: Organization, member: Organization | None = None, kind: str = "",
    expiring_before: dt.date | None = None,
) -> QuerySet[Agreement]:  # fmt: skip
    rows = (
        Agreement.objects.filter(organization=org)
        .select_related("member")
        .prefetch_related("services")
    )
    if member is not None:
        rows = rows.filter(member=member)
    if kind:
        rows = rows.filter(kind=kind)
    if expiring_before is not None:
        rows = rows.filter(
            status=AgreementStatus.SIGNED, extended=False, end_date__lte=expiring_before
        )
    return rows.order_by("-start_date", "pk")


def agreement_in_force(
    org: Organization, on: dt.date, *, kind: str = AgreementKind.SERVICES
) -> Agreement | None:
    """The agreement of member `org` in force on `on` (its term covers it, or it was extended and
    no later one replaced it), with its services; None without one."""
    candidates = {
        a.pk: a
        for a in Agreement.objects.filter(member=org, kind=kind, start_date__lte=on)
        .exclude(status=AgreementStatus.ANNULLED)
        .prefetch_related("services")
    }
    chosen = pick_in_force(
        {pk: (a.start_date, a.end_date, a.extended) for pk, a in candidates.items()}, on
    )
    return candidates.get(chosen) if chosen is not None else None


DEFAULT_SLA_LEVEL = "standard"


def sla_level_for(org: Organization, on: dt.date) -> str:
    """The service level the helpdesk applies to member `org` on `on` ("standard" by default)."""
    agreement = agreement_in_force(org, on)
    return agreement.sla_level if agreement is not None else DEFAULT_SLA_LEVEL


def services_received(*, member: Organization, on: dt.date) -> list[CatalogueService]:
    agreement = agreement_in_force(member, on)
    return list(agreement.services.all()) if agreement is not None else []


# --- fees -----------------------------------------------------------------------------------------
def fee_rules(*, org: Organization) -> QuerySet[FeeRule]:
    return FeeRule.objects.filter(organization=org).select_related("sponsor")


def rule_for(rules: list[FeeRule], population: int, on: dt.date) -> FeeRule | None:
    """The most recent rule in force on `on` whose bracket covers `population`."""
    applicable = [r for r in rules if r.valid_from <= on and r.covers(population)]
    return max(applicable, key=lambda r: (r.valid_from, r.pk)) if applicable else None


@dataclass(frozen=True)
class FeeLine:
    member: Organization
    population: int | None
    rule: FeeRule | None
    amount: Decimal  # the yearly fee of the bracket
    payer: Organization | None  # who is charged it: the member or its sponsor
    member_amount: Decimal  # what the member itself pays

    @property
    def sponsored(self) -> bool:
        return self.payer is not None and self.payer.pk != self.member.pk


def fees_for_year(*, org: Organization, year: int) -> list[FeeLine]:
    """Each member's fee for `year` and who pays it, by the rules in force on 1 January.

    Members that were active at some time in the year count. A rule paid by a sponsor charges the
    sponsor only while a sponsorship agreement with it is in force on 1 January; otherwise the
    member pays. Three queries whatever the number of members.
    """
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rules = list(fee_rules(org=org))
    sponsors_in_force = {
        a.member_id
        for a in Agreement.objects.filter(
            organization=org, kind=AgreementKind.SPONSORSHIP, start_date__lte=first
        ).exclude(status=AgreementStatus.ANNULLED)
        if a.end_date >= first or a.extended
    }
    rows = (
        Membership.objects.filter(
            organization=org,
            member__isnull=False,
            start_date__lte=last,
            status__in=[MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED, MembershipStatus.LEFT],
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=first))
        .select_related("member")
        .order_by("member__name")
    )
    lines = []
    for membership in rows:
        member = membership.member
        assert member is not None
        population = member.population
        rule = rule_for(rules, population or 0, first)
        amount = rule.amount if rule is not None else Decimal("0.00")
        payer: Organization | None = member
        if (
            rule is not None
            and rule.payer == FeePayer.SPONSOR
            and rule.sponsor_id in sponsors_in_force
        ):
            payer = rule.sponsor
        lines.append(
            FeeLine(
                member=member,
                population=population,
                rule=rule,
                amount=amount,
                payer=payer,
                member_amount=amount if payer is member else Decimal("0.00"),
            )
        )
    return lines


def fee_totals_by_payer(lines: list[FeeLine]) -> list[tuple[Organization, Decimal, int]]:
    """(payer, total, members) for a year's fee list, largest first: what to charge each payer."""
    totals: dict[int, tuple[Organization, Decimal, int]] = {}
    for line in lines:
        if line.payer is None:
            continue
        payer, total, count = totals.get(line.payer.pk, (line.payer, Decimal("0.00"), 0))
        totals[line.payer.pk] = (payer, total + line.amount, count + 1)
    return sorted(totals.values(), key=lambda t: (-t[1], t[0].name))


# --- training sessions ----------------------------------------------------------------------------
def training_sessions(
    *, org: Organization, start: dt.date | None = None, end: dt.date | None = None
) -> QuerySet[TrainingSession]:
    rows = TrainingSession.objects.filter(organization=org).select_related("visited")
    if start is not None:
        rows = rows.filter(starts_at__date__gte=start)
    if end is not None:
        rows = rows.filter(starts_at__date__lte=end)
    return rows.order_by("starts_at", "pk")


def enrolments(*, org: Organization, session: TrainingSession) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(organization=org, session=session).select_related("member")


def sessions_for_member(*, member: Organization) -> QuerySet[TrainingSession]:
    """Sessions of the providers `member` belongs to, with the member's own enrolment count."""
    return (
        TrainingSession.objects.filter(organization__in=providers_of(member=member))
        .select_related("organization", "visited")
        .annotate(
            enrolled=Count("enrolments", filter=Q(enrolments__member=member)),
        )
        .order_by("starts_at", "pk")
    )


# --- public website -------------------------------------------------------------------------------
def public_page(
    *, org: Organization, slug: str, language: str, kind: str = ""
) -> PublicPage | None:
    """The published page in `language`, else in the organization's language, else in any."""
    rows = PublicPage.objects.filter(organization=org, slug=slug, published=True)
    if kind:
        rows = rows.filter(kind=kind)
    versions = {p.language: p for p in rows}
    for choice in (language, org.language, *sorted(versions)):
        if choice in versions:
            return versions[choice]
    return None


def _one_per_slug(
    pages: Iterable[PublicPage], language: str, org_language: str
) -> list[PublicPage]:
    best: dict[str, PublicPage] = {}
    rank = {org_language: 1, language: 0}
    for page in pages:
        current = best.get(page.slug)
        if current is None or rank.get(page.language, 2) < rank.get(current.language, 2):
            best[page.slug] = page
    return list(best.values())


def menu_pages(*, org: Organization, language: str) -> list[PublicPage]:
    rows = PublicPage.objects.filter(
        organization=org, published=True, kind=PageKind.PAGE, menu_order__isnull=False
    ).only("slug", "language", "title", "menu_order")
    return sorted(
        _one_per_slug(rows, language, org.language), key=lambda p: (p.menu_order or 0, p.slug)
    )


def news(*, org: Organization, language: str) -> list[PublicPage]:
    rows = PublicPage.objects.filter(organization=org, published=True, kind=PageKind.NEWS)
    return sorted(
        _one_per_slug(rows, language, org.language),
        key=lambda p: (p.published_on, p.slug),
        reverse=True,
    )


def public_pages(*, org: Organization, language: str = "") -> QuerySet[PublicPage]:
    """Every page, published or not, for the staff who edit them."""
    rows = PublicPage.objects.filter(organization=org)
    if language:
        rows = rows.filter(language=language)
    return rows.order_by("kind", "slug", "language")


# --- the provider's dashboard ---------------------------------------------------------------------
SIZE_BRACKETS: list[tuple[int, int | None]] = [
    (0, 499), (500, 999), (1000, 4999), (5000, 19999), (20000, None),
]  # fmt: skip


def size_bracket_label(low: int, high: int | None) -> str:
    return (
        f"{low:,}-{high:,}".replace(",", ".")
        if high is not None
        else f"≥ {low:,}".replace(",", ".")
    )


def dashboard_figures(*, org: Organization, year: int, today: dt.date) -> dict[str, Any]:
    status_counts = dict(
        Membership.objects.filter(organization=org)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    populations = list(active_members(org=org).values_list("member__population", flat=True))
    by_size = []
    for low, high in SIZE_BRACKETS:
        count = sum(
            1 for p in populations if p is not None and p >= low and (high is None or p <= high)
        )
        by_size.append((size_bracket_label(low, high), count))
    unknown = sum(1 for p in populations if p is None)
    fees = fees_for_year(org=org, year=year)
    services_in_use = list(
        catalogue_services(org=org, active_only=False)
        .annotate(
            members=Count(
                "agreements",
                filter=Q(
                    agreements__status=AgreementStatus.SIGNED,
                    agreements__start_date__lte=today,
                )
                & (Q(agreements__end_date__gte=today) | Q(agreements__extended=True)),
                distinct=True,
            )
        )
        .order_by("-members", "name")
    )
    return {
        "by_status": [
            (MembershipStatus(s).label, status_counts.get(s, 0)) for s in MembershipStatus.values
        ],
        "by_size": by_size,
        "size_unknown": unknown,
        "fees_total": sum((f.amount for f in fees), Decimal("0.00")),
        "fees_by_members": sum((f.member_amount for f in fees), Decimal("0.00")),
        "fees_by_sponsors": sum((f.amount - f.member_amount for f in fees), Decimal("0.00")),
        "fee_lines": len(fees),
        "expiring": list(
            agreements(org=org, expiring_before=today + dt.timedelta(days=180)).filter(
                end_date__gte=today
            )[:20]
        ),
        "services_in_use": services_in_use,
    }


def work_figures(
    *, org: Organization, user: Any, roles: frozenset[str], today: dt.date
) -> list[Figure]:
    """The provider's membership work: applications pending, agreements expiring within 90 days,
    training sessions and visits this month. Three queries."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    applied = Membership.objects.filter(organization=org, status=MembershipStatus.APPLIED).count()
    expiring = (
        agreements(org=org, expiring_before=today + dt.timedelta(days=90))
        .filter(end_date__gte=today)
        .count()
    )
    month_start = today.replace(day=1)
    next_month = (month_start + dt.timedelta(days=32)).replace(day=1)
    sessions = training_sessions(
        org=org, start=month_start, end=next_month - dt.timedelta(days=1)
    ).count()
    return [
        Figure(
            _("Membership applications pending"),
            applied,
            reverse("memberships", args=[org.slug]) + "?status=applied",
            tone="warn" if applied else "",
        ),
        Figure(
            _("Agreements expiring within 90 days"),
            expiring,
            reverse("agreements", args=[org.slug]),
            tone="warn" if expiring else "",
        ),
        Figure(
            _("Training sessions and visits this month"),
            sessions,
            reverse("training_sessions", args=[org.slug]),
        ),
    ]


# --- the public website ---------------------------------------------------------------------------
def site_identity(*, org: Organization) -> SiteIdentity | None:
    return SiteIdentity.objects.filter(organization=org).select_related("logo").first()


def site_figures(*, org: Organization) -> dict[str, Any]:
    """What the website says of the provider, computed from the data (never typed): active
    members, the municipalities among them and the people they serve, services offered."""
    members = active_members(org=org)
    totals = members.aggregate(
        members=Count("pk"),
        municipalities=Count("pk", filter=Q(member__kind=OrganizationKind.MUNICIPALITY)),
        population=Sum("member__population"),
    )
    totals["services"] = catalogue_services(org=org).count()
    return totals


def members_by_comarca(*, org: Organization) -> list[tuple[str, int]]:
    """Active members per comarca (the INE data has no coordinates: the 'map' is this chart)."""
    rows = (
        active_members(org=org)
        .values_list("member__comarca")
        .annotate(n=Count("pk"))
        .order_by("-n", "member__comarca")
    )
    return [(comarca or "—", n) for comarca, n in rows]
