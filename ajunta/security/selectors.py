"""Reads of the cybersecurity module. Every read takes the organization whose page asks: under a
municipality's slug its own data; under the provider's, every member's (the provider runs the
cybersecurity service), like the IT inventory."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from ajunta.assets import selectors as asset_selectors
from ajunta.core.modules import Figure
from ajunta.security import clocks, ens
from ajunta.security.models import EnsMeasure, Exposure, SecurityIncident, Vulnerability


def scope_ids(org: Any) -> list[int]:
    return [choice.pk for choice in asset_selectors.organization_choices_in_scope(org)]


# --- exposures ---------------------------------------------------------------------------------------
def exposures(*, org: Any, q: str = "", known_exploited: bool = False,
              organization: Any = None) -> QuerySet[Exposure]:  # fmt: skip
    """Open exposures `org` may see, worst first: known exploited, ransomware use, CVSS score."""
    rows = Exposure.objects.filter(organization_id__in=scope_ids(org), resolved_at__isnull=True)
    if organization is not None:
        rows = rows.filter(organization=organization)
    if known_exploited:
        rows = rows.filter(vulnerability__known_exploited=True)
    if q:
        term = q.strip()
        rows = rows.filter(Q(software__icontains=term) | Q(vulnerability__cve_id__iexact=term))
    return rows.select_related("vulnerability", "organization", "asset").order_by(
        "-vulnerability__known_exploited", "-vulnerability__kev_ransomware",
        "-vulnerability__cvss_score", "organization__name", "asset__name", "asset_id",
        "vulnerability__cve_id",
    )  # fmt: skip


def exposure_counts(*, org: Any) -> dict[str, int]:
    rows = Exposure.objects.filter(organization_id__in=scope_ids(org), resolved_at__isnull=True)
    return rows.aggregate(
        exposures=Count("id"),
        devices=Count("asset_id", distinct=True),
        exploited_devices=Count("asset_id", distinct=True, filter=Q(vulnerability__known_exploited=True)),
        organizations=Count("organization_id", distinct=True,
                            filter=Q(vulnerability__known_exploited=True)),
    )  # fmt: skip


def asset_exposures(*, asset: Any) -> list[Exposure]:
    return list(
        Exposure.objects.filter(organization_id=asset.organization_id, asset=asset,
                                resolved_at__isnull=True)
        .select_related("vulnerability")
        .order_by("-vulnerability__known_exploited", "-vulnerability__cvss_score")
    )  # fmt: skip


def exploited_devices_by_org(organization_ids: list[int], on: dt.date) -> dict[int, int]:
    """{organization id: active devices with an open exposure to a known exploited vulnerability}
    (posture: assets.posture.register_org_issue)."""
    rows = (
        Exposure.objects.filter(organization_id__in=organization_ids, resolved_at__isnull=True,
                                vulnerability__known_exploited=True)
        .exclude(asset__status="retired")
        .values("organization_id")
        .annotate(devices=Count("asset_id", distinct=True))
        .order_by()
    )  # fmt: skip
    return {row["organization_id"]: row["devices"] for row in rows}


def vulnerability_counts() -> dict[str, int]:
    return Vulnerability.objects.aggregate(
        total=Count("id"), known_exploited=Count("id", filter=Q(known_exploited=True))
    )


# --- incidents ----------------------------------------------------------------------------------------
def incidents(*, org: Any, status: str = "") -> QuerySet[SecurityIncident]:
    rows = SecurityIncident.objects.filter(organization_id__in=scope_ids(org))
    if status:
        rows = rows.filter(status=status)
    return rows.select_related("organization").order_by("-aware_at", "-id")


def incident_get(*, org: Any, pk: Any) -> SecurityIncident:
    """One incident `org` may see. DoesNotExist otherwise."""
    return (
        SecurityIncident.objects.filter(organization_id__in=scope_ids(org))
        .select_related("organization", "created_by")
        .get(pk=pk)
    )


def incident_events(*, incident: SecurityIncident) -> QuerySet[Any]:
    return incident.events.select_related("actor").order_by("at", "id")


def incident_assets(*, incident: SecurityIncident) -> list[Any]:
    return list(incident.assets.order_by("name", "id"))


def overdue_incidents(
    *, org: Any, now: dt.datetime | None = None
) -> list[tuple[SecurityIncident, list[clocks.Step]]]:
    now = now or timezone.now()
    found = []
    for incident in incidents(org=org).filter(status__in=["open", "contained"]):
        late = [s for s in clocks.steps(incident, now) if s.overdue]
        if late:
            found.append((incident, late))
    return found


# --- ENS ---------------------------------------------------------------------------------------------
def ens_category(*, org: Any) -> str:
    record = asset_selectors.security_record(org=org)
    return record.ens_category if record else ""


def ens_rows(*, org: Any) -> list[dict[str, Any]]:
    """Every Annex II measure that applies to `org`'s category, with its recorded state and the
    posture findings that affect it now."""
    category = ens_category(org=org)
    recorded = {
        m.code: m for m in EnsMeasure.objects.filter(organization=org).prefetch_related("documents")
    }
    findings: dict[str, list[str]] = {}
    for reason in asset_selectors.org_posture(org=org).reasons:
        for code in ens.measures_for_finding(reason.code):
            findings.setdefault(code, []).append(reason.text)
    return [
        {"spec": spec, "record": recorded.get(spec.code), "findings": findings.get(spec.code, [])}
        for spec in ens.applicable(category)
    ]


# --- dashboard ----------------------------------------------------------------------------------------
def work_figures(*, org: Any, user: Any, roles: frozenset[str], today: dt.date) -> list[Figure]:
    from django.urls import reverse
    from django.utils.translation import gettext_lazy as _

    counts = exposure_counts(org=org)
    overdue = overdue_incidents(org=org)
    figures = [
        Figure(
            _("Devices exposed to exploited vulnerabilities"),
            counts["exploited_devices"],
            reverse("security_exposures", args=[org.slug]) + "?known_exploited=1",
            tone="danger" if counts["exploited_devices"] else "ok",
        ),
        Figure(
            _("Incidents with overdue legal steps"),
            len(overdue),
            reverse("security_incidents", args=[org.slug]),
            tone="danger" if overdue else "ok",
        ),
    ]
    if asset_selectors.is_provider(org):
        figures.append(
            Figure(_("Members with exploited vulnerabilities"), counts["organizations"],
                   reverse("security_exposures", args=[org.slug]) + "?known_exploited=1",
                   tone="warn" if counts["organizations"] else "ok")
        )  # fmt: skip
    return figures
