"""Reads of the IT inventory. Every read takes the organization whose page asks.

The provider keeps the inventory of all its members: under the provider's slug, `visible_assets`
covers every organization's assets; under a municipality's slug, only that municipality's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any, NamedTuple

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ajunta.assets import posture
from ajunta.assets.models import (
    COMPUTER_KINDS,
    MOBILE_KINDS,
    AgentToken,
    Asset,
    AssetChange,
    AssetStatus,
    InstalledSoftware,
    SecurityRecord,
)
from ajunta.core.modules import Figure
from ajunta.tenants import selectors as tenant_selectors

ISSUES = (
    "os_eol", "support_unknown", "software_eol", "no_antivirus", "firewall_off", "unencrypted",
    "silent",
)  # fmt: skip


def is_provider(org: Any) -> bool:
    return bool(getattr(org, "is_provider", False))


def visible_assets(org: Any) -> QuerySet[Asset]:
    """The assets `org`'s pages may show: its own, or every member's for the provider."""
    if is_provider(org):
        members = tenant_selectors.members(provider=org).values("pk")
        return Asset.objects.filter(Q(organization=org) | Q(organization__in=members))
    return Asset.objects.filter(organization=org)


def organizations_in_scope(org: Any) -> list[Any]:
    """The organizations whose inventory `org`'s pages cover, by name."""
    if is_provider(org):
        return [org, *tenant_selectors.members(provider=org)]
    return [org]


class OrganizationChoice(NamedTuple):
    pk: int
    name: str


def organization_choices_in_scope(org: Any) -> list[OrganizationChoice]:
    """`organizations_in_scope` as (pk, name) pairs: all a filter needs (the list page and its
    CSV). A provider has a thousand members: as model instances they took longer to build than
    the rest of its list page."""
    choices = [OrganizationChoice(org.pk, org.name)]
    if is_provider(org):
        members = tenant_selectors.members(provider=org).values_list("pk", "name")
        choices.extend(OrganizationChoice(pk, name) for pk, name in members)
    return choices


def _silent_before(on: dt.date) -> dt.datetime:
    day = on - dt.timedelta(days=posture.SILENT_DAYS)
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def issue_filter(issue: str, on: dt.date) -> Q:
    """Active assets with `issue`, as a filter (the same rules as the organization's score)."""
    computers = Q(kind__in=COMPUTER_KINDS)
    return {
        "os_eol": Q(os_eol_date__lte=on),
        "support_unknown": Q(
            kind__in=posture.SUPPORT_KINDS, os_eol_date__isnull=True, os_eol_label=""
        ),
        "software_eol": Q(software_eol_date__lte=on),
        "no_antivirus": computers
        & (Q(antivirus_enabled=False) | Q(antivirus_enabled=True, antivirus_up_to_date=False)),
        "firewall_off": computers & Q(firewall_enabled=False),
        "unencrypted": Q(kind__in=COMPUTER_KINDS | MOBILE_KINDS, disk_encrypted=False),
        "silent": Q(last_inventory_at__lt=_silent_before(on)),
    }[issue]


def assets(
    *,
    org: Any,
    q: str = "",
    kind: str = "",
    status: str = "",
    organization: Any = None,
    issue: str = "",
    software: str = "",
    on: dt.date | None = None,
) -> QuerySet[Asset]:
    """`org`'s visible assets by name, filtered (`software`: with a program whose name has it;
    `organization`: one of the organizations in scope, or its pk)."""
    rows = visible_assets(org)
    if organization is not None:
        rows = rows.filter(organization=organization)
    if q:
        term = q.strip()
        rows = rows.filter(
            Q(name__icontains=term)
            | Q(inventory_tag__iexact=term)
            | Q(serial__iexact=term)
            | Q(holder__icontains=term)
            | Q(model__icontains=term)
        )
    if software:
        programs = InstalledSoftware.objects.filter(name__icontains=software.strip())
        if not is_provider(org):
            programs = programs.filter(organization=org)
        rows = rows.filter(pk__in=programs.values("asset_id"))
    if kind:
        rows = rows.filter(kind=kind)
    if status:
        rows = rows.filter(status=status)
    if issue in ISSUES:
        rows = rows.exclude(status=AssetStatus.RETIRED).filter(
            issue_filter(issue, on or posture.today())
        )
    # Lists never show the raw inventory sections: leave those (large) columns in the database.
    return (
        rows.select_related("organization")
        .defer("raw_sections", "local_admins")
        .order_by("name", "id")
    )


# What the asset list page shows of each asset (and `__str__` needs), and no more: the page reads
# these as dicts, so no model instance is built per row and the inventory columns stay unread.
LIST_COLUMNS = (
    "pk", "name", "inventory_tag", "serial", "manufacturer", "model", "kind", "os_name",
    "os_eol_date", "status", "last_inventory_at",
)  # fmt: skip


def asset_list_values(rows: QuerySet[Asset], *, with_organization: bool = False) -> QuerySet[Any]:
    """A page of `assets(...)` as the list page's rows: dicts of LIST_COLUMNS (and
    `organization__name` when the page names each asset's organization), in the same order.

    Count the page on `assets(...)` itself, not on these: a count of values() keeps every column
    (and the organization join) in its subquery, where the model's count reads the index only.
    """
    columns = (*LIST_COLUMNS, "organization__name") if with_organization else LIST_COLUMNS
    return rows.values(*columns)


def asset_get(*, org: Any, pk: Any) -> Asset:
    """One asset `org` may see, with its software and interfaces. DoesNotExist otherwise."""
    return (
        visible_assets(org)
        .select_related("organization")
        .prefetch_related("interfaces", "ports")
        .get(pk=pk)
    )


def asset_software(*, asset: Asset) -> QuerySet[Any]:
    return asset.software.order_by("name", "version")


def asset_changes(*, asset: Asset) -> QuerySet[AssetChange]:
    return asset.changes.select_related("actor").order_by("-at", "-id")


def assets_for_ids(*, org: Any, ids: Iterable[int]) -> list[Asset]:
    """The assets among `ids` that `org` may see, by name (for the helpdesk: a ticket's assets)."""
    return list(assets(org=org).filter(pk__in=list(ids)))


def security_record(*, org: Any) -> SecurityRecord | None:
    return SecurityRecord.objects.filter(organization=org).first()


def active_agent_token(*, org: Any) -> AgentToken | None:
    return AgentToken.objects.filter(organization=org, revoked_at__isnull=True).first()


def agent_tokens_by_org(*, orgs: list[Any]) -> dict[int, AgentToken]:
    rows = AgentToken.objects.filter(organization__in=orgs, revoked_at__isnull=True)
    return {token.organization_id: token for token in rows}


# --- posture -------------------------------------------------------------------------------------
def posture_counts(*, orgs: list[Any], on: dt.date | None = None) -> dict[int, posture.OrgCounts]:
    """Issue counts of active assets, per organization, in one query."""
    on = on or posture.today()
    aggregates = {"assets": Count("id")}
    aggregates.update({issue: Count("id", filter=issue_filter(issue, on)) for issue in ISSUES})
    rows = (
        Asset.objects.filter(organization__in=orgs)
        .exclude(status=AssetStatus.RETIRED)
        .values("organization")
        .annotate(**aggregates)
        .order_by()
    )
    counts = {org.pk: posture.OrgCounts() for org in orgs}
    for row in rows:
        org_id = row.pop("organization")
        counts[org_id] = posture.OrgCounts(**row)
    ids = [org.pk for org in orgs]
    for code, issue in posture.ORG_ISSUES.items():
        for org_id, found in issue.counter(ids, on).items():
            if org_id in counts:
                counts[org_id].extra[code] = found
    return counts


def org_posture(*, org: Any, on: dt.date | None = None) -> posture.Posture:
    counts = posture_counts(orgs=[org], on=on)[org.pk]
    return posture.org_posture(counts, security_record(org=org), on)


def posture_ranking(*, provider: Any, on: dt.date | None = None) -> list[dict[str, Any]]:
    """Every organization the provider serves, worst score first: a fixed number of queries.

    Organizations with no inventory ("no data": `row["no_data"]`) come after all the scored
    ones, by name: their score says nothing about their devices, and ranked among the rest they
    buried the members who need action."""
    on = on or posture.today()
    orgs = organizations_in_scope(provider)
    counts = posture_counts(orgs=orgs, on=on)
    records = {r.organization_id: r for r in SecurityRecord.objects.filter(organization__in=orgs)}
    rows = []
    for org in orgs:
        result = posture.org_posture(counts[org.pk], records.get(org.pk), on)
        rows.append(
            {
                "org": org,
                "counts": counts[org.pk],
                "posture": result,
                "no_data": counts[org.pk].no_data,
            }
        )
    rows.sort(key=lambda row: (row["no_data"], row["posture"].score, row["org"].name))
    return rows


def issue_examples(
    *, org: Any, on: dt.date | None = None, limit: int = 5
) -> dict[str, list[Asset]]:
    """A few named assets per issue, for the organization's list of actions."""
    on = on or posture.today()
    active = Asset.objects.filter(organization=org).exclude(status=AssetStatus.RETIRED)
    return {
        issue: list(active.filter(issue_filter(issue, on)).order_by("name", "id")[:limit])
        for issue in ISSUES
    }


# --- alerts --------------------------------------------------------------------------------------
def alerts(*, org: Any, on: dt.date | None = None) -> dict[str, QuerySet[Asset]]:
    """Active assets needing attention: warranty ending, OS end of life (past or near), silent."""
    on = on or posture.today()
    active = visible_assets(org).exclude(status=AssetStatus.RETIRED).select_related("organization")
    return {
        "warranty": active.filter(
            warranty_end__gte=on,
            warranty_end__lte=on + dt.timedelta(days=posture.WARRANTY_SOON_DAYS),
        ).order_by("warranty_end", "id"),
        "os_eol": active.filter(
            os_eol_date__lte=on + dt.timedelta(days=posture.EOL_SOON_DAYS)
        ).order_by("os_eol_date", "name", "id"),
        "silent": active.filter(last_inventory_at__lt=_silent_before(on)).order_by(
            "last_inventory_at", "id"
        ),
    }


def alert_counts_by_organization(*, on: dt.date | None = None) -> dict[int, dict[str, int]]:
    """For the daily alert job, across every organization: how many assets need attention."""
    on = on or posture.today()
    rows = (
        Asset.objects.exclude(status=AssetStatus.RETIRED)
        .values("organization")
        .annotate(
            warranty=Count(
                "id",
                filter=Q(
                    warranty_end__gte=on,
                    warranty_end__lte=on + dt.timedelta(days=posture.WARRANTY_SOON_DAYS),
                ),
            ),
            os_eol=Count(
                "id", filter=Q(os_eol_date__lte=on + dt.timedelta(days=posture.EOL_SOON_DAYS))
            ),
            silent=Count("id", filter=Q(last_inventory_at__lt=_silent_before(on))),
        )
        .order_by()
    )
    found = {}
    for row in rows:
        org_id = row.pop("organization")
        if any(row.values()):
            found[org_id] = row
    return found


def ajunta_mfa_counts(*, org: Any) -> tuple[int, int]:
    """(people with a role in `org` who use two-step verification in Ajunta, people with a role):
    a fact the posture page shows beside the recorded MFA coverage of e-mail and remote access."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from ajunta.core.models import RoleAssignment

    people = RoleAssignment.objects.filter(organization=org).values("user_id").distinct()
    total = people.count()
    protected = (
        TOTPDevice.objects.filter(user_id__in=people, confirmed=True)
        .values("user_id")
        .distinct()
        .count()
    )
    return protected, total


def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    """For the provider: the members' security posture, spread by band and the five worst (a
    fixed number of queries, see posture_ranking). A municipality: its own score."""
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    url = reverse("assets_posture", args=[org.slug])
    if not is_provider(org):
        counts = posture_counts(orgs=[org], on=today)[org.pk]
        if counts.no_data:
            return [Figure(_("Our security posture (out of 100)"), str(_("no data")), url, tone="warn",
                           hint=_("No device inventoried yet."))]  # fmt: skip
        own = posture.org_posture(counts, security_record(org=org), today)
        tone = {"ok": "ok", "warn": "warn"}.get(own.level, "danger")
        return [Figure(_("Our security posture (out of 100)"), own.score, url, tone=tone)]
    everyone = [row for row in posture_ranking(provider=org, on=today) if row["org"] != org]
    ranking = [row for row in everyone if not row["no_data"]]
    bands = {"ok": 0, "warn": 0, "bad": 0}
    for row in ranking:
        bands[row["posture"].level] += 1
    worst = [(row["org"].name, url, row["posture"].score) for row in ranking[:5]]
    no_data = len(everyone) - len(ranking)
    return [
        Figure(_("Members with a good posture (80 or more)"), bands["ok"], url, tone="ok"),
        Figure(_("Members to watch (50 to 79)"), bands["warn"], url, tone="warn"),
        Figure(
            _("Members at risk (under 50)"),
            bands["bad"],
            url,
            tone="danger" if bands["bad"] else "ok",
        ),
        Figure(_("The five worst postures"), len(worst), url, items=worst),
        Figure(
            _("Members with no inventory (no data)"),
            no_data,
            url + "#no-data",
            tone="warn" if no_data else "ok",
        ),
    ]


# --- for the security module (ajunta.security reads the fleet through these) ----------------------
def fleet_programs(*, organization_ids: list[int] | None = None) -> QuerySet[Any]:
    """Installed programs of active assets as dicts (organization_id, asset_id, name, version),
    of `organization_ids` or of every organization: what vulnerability matching reads."""
    rows = InstalledSoftware.objects.exclude(asset__status=AssetStatus.RETIRED)
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=organization_ids)
    return rows.values("organization_id", "asset_id", "name", "version").order_by("asset_id", "id")


def fleet_systems(*, organization_ids: list[int] | None = None) -> QuerySet[Any]:
    """Operating systems of active assets as dicts (organization_id, asset_id=pk, os_name,
    os_version)."""
    rows = Asset.objects.exclude(status=AssetStatus.RETIRED).exclude(os_name="")
    if organization_ids is not None:
        rows = rows.filter(organization_id__in=organization_ids)
    return rows.values("organization_id", "pk", "os_name", "os_version").order_by("pk")


def who_runs(*, org: Any, q: str, limit: int = 500) -> list[dict[str, Any]]:
    """Who still runs a program or an operating system whose name contains `q`, across the
    organizations `org` sees: one row per organization, program and version, with how many active
    devices, most devices first."""
    term = q.strip()
    if len(term) < 2:
        return []
    orgs = [o.pk for o in organization_choices_in_scope(org)]
    programs = (
        InstalledSoftware.objects.filter(organization_id__in=orgs, name__icontains=term)
        .exclude(asset__status=AssetStatus.RETIRED)
        .values("organization_id", "organization__name", "name", "version")
        .annotate(devices=Count("asset_id", distinct=True))
        .order_by("-devices", "organization__name", "name", "version")[:limit]
    )
    systems = (
        Asset.objects.filter(organization_id__in=orgs, os_name__icontains=term)
        .exclude(status=AssetStatus.RETIRED)
        .values("organization_id", "organization__name", "os_name", "os_version")
        .annotate(devices=Count("id"))
        .order_by("-devices", "organization__name")[:limit]
    )
    rows = [dict(row) for row in programs]
    rows += [
        {"organization_id": r["organization_id"], "organization__name": r["organization__name"],
         "name": r["os_name"], "version": r["os_version"], "devices": r["devices"]}
        for r in systems
    ]  # fmt: skip
    rows.sort(key=lambda r: (-r["devices"], r["organization__name"], r["name"], r["version"]))
    return rows[:limit]
