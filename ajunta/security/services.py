"""Writes of the cybersecurity module. Each is atomic and audited.

- Vulnerability data (`kev_import`, `nvd_import`): CISA KEV and NVD CVE 2.0 from a file or URL,
  then `exposures_refresh` matches it to every member's inventoried programs and operating systems.
- Exposures (`exposures_refresh`, `exposures_alert`): an asset running a vulnerable version;
  a new *known exploited* one is e-mailed to the member's administrators and the provider's staff.
- Security incidents (`incident_create`, `incident_update`, `incident_event_add`,
  `incident_step_done`, `incident_close`, `incident_alerts`): the NIS2 / GDPR clocks (clocks.py).
- ENS measures (`ens_measure_save`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ajunta.assets import selectors as asset_selectors
from ajunta.core.audit import audit_record
from ajunta.core.languages import language_for
from ajunta.core.models import PROVIDER_ROLES, Role, RoleAssignment
from ajunta.core.numbering import next_number
from ajunta.security import clocks, ens, vulns
from ajunta.security.models import (
    EnsMeasure,
    EnsMeasureState,
    Exposure,
    IncidentEvent,
    IncidentStatus,
    SecurityIncident,
    Vulnerability,
    VulnerableRange,
)
from ajunta.tenants.models import Organization


def _feed_error(exc: Exception) -> ValidationError:
    return ValidationError(
        _("The file is not in the expected format: %(reason)s") % {"reason": exc}
    )


# --- vulnerability data ------------------------------------------------------------------------------
@dataclass
class FeedImport:
    vulnerabilities: int
    new_known_exploited: int
    exposures: RefreshOutcome


@transaction.atomic
def kev_import(*, data: Any, source: str = "", actor: Any = None) -> FeedImport:
    """Mark the CVEs of a CISA KEV catalogue as known exploited (creating those NVD did not bring
    yet), then refresh the exposures and alert on the new known exploited ones."""
    try:
        version, entries = vulns.parse_kev(data)
    except vulns.FeedFormatError as exc:
        raise _feed_error(exc) from exc
    existing = {
        v.cve_id: v for v in Vulnerability.objects.filter(cve_id__in=[e.cve_id for e in entries])
    }
    new_kev = 0
    for entry in entries:
        vuln = existing.get(entry.cve_id) or Vulnerability(cve_id=entry.cve_id)
        if not vuln.known_exploited:
            new_kev += 1
        vuln.known_exploited = True
        vuln.kev_added, vuln.kev_due = entry.added, entry.due
        vuln.kev_ransomware = entry.ransomware
        vuln.kev_vendor, vuln.kev_product, vuln.kev_name = entry.vendor, entry.product, entry.name
        vuln.required_action = entry.required_action
        if not vuln.description:
            vuln.description = entry.description
        vuln.save()
    audit_record(org=None, actor=actor, action="security.kev_import",
                 changes={"catalog": version, "entries": len(entries), "new": new_kev,
                          "source": source[:200]})  # fmt: skip
    outcome = exposures_refresh()
    return FeedImport(vulnerabilities=len(entries), new_known_exploited=new_kev, exposures=outcome)


@transaction.atomic
def nvd_import(*, data: Any, source: str = "", actor: Any = None) -> FeedImport:
    """Store the CVEs of NVD CVE JSON 2.0 with their vulnerable version ranges (replacing the ranges
    of a CVE imported before), then refresh the exposures."""
    try:
        parsed = vulns.parse_nvd(data)
    except vulns.FeedFormatError as exc:
        raise _feed_error(exc) from exc
    existing = {
        v.cve_id: v for v in Vulnerability.objects.filter(cve_id__in=[c.cve_id for c in parsed])
    }
    for cve in parsed:
        vuln = existing.get(cve.cve_id) or Vulnerability(cve_id=cve.cve_id)
        vuln.description = cve.description or vuln.description
        vuln.cvss_score, vuln.severity = cve.cvss_score, cve.severity
        vuln.published, vuln.nvd_modified = cve.published, cve.modified
        vuln.save()
        VulnerableRange.objects.filter(vulnerability=vuln).delete()
        VulnerableRange.objects.bulk_create(
            VulnerableRange(vulnerability=vuln, part=r.part, vendor=r.vendor, product=r.product,
                            version=r.version, start_including=r.start_including,
                            start_excluding=r.start_excluding, end_including=r.end_including,
                            end_excluding=r.end_excluding, criteria=r.criteria)
            for r in cve.ranges
        )  # fmt: skip
    audit_record(org=None, actor=actor, action="security.nvd_import",
                 changes={"cves": len(parsed), "source": source[:200]})  # fmt: skip
    outcome = exposures_refresh()
    return FeedImport(vulnerabilities=len(parsed), new_known_exploited=0, exposures=outcome)


# --- exposures ---------------------------------------------------------------------------------------
@dataclass
class RefreshOutcome:
    opened: int = 0
    resolved: int = 0
    alerts_sent: int = 0


def _candidates(
    organization_ids: list[int] | None,
) -> list[tuple[int, int, str, str, tuple[str, str, str]]]:
    """(organization id, asset id, name, version, CPE product) of every mapped program and OS."""
    found = []
    for row in asset_selectors.fleet_programs(organization_ids=organization_ids).iterator():
        product = vulns.cpe_product(row["name"])
        if product is not None:
            found.append(
                (row["organization_id"], row["asset_id"], row["name"], row["version"], product)
            )
    for row in asset_selectors.fleet_systems(organization_ids=organization_ids).iterator():
        product = vulns.cpe_product(row["os_name"], system=True)
        if product is not None:
            found.append(
                (row["organization_id"], row["pk"], row["os_name"], row["os_version"], product)
            )
    return found


@transaction.atomic
def exposures_refresh(
    *, organization_ids: list[int] | None = None, notify: bool = True
) -> RefreshOutcome:
    """Match the fleet (of `organization_ids`, or everyone's) to the vulnerable version ranges:
    open the exposures found, resolve those no longer found, then alert on new known exploited
    ones. A few queries however large the fleet: programs, ranges of their products, exposures."""
    now = timezone.now()
    candidates = _candidates(organization_ids)
    products = {(p[1], p[2]) for *_rest, p in candidates}
    ranges_by_product: dict[tuple[str, str], list[VulnerableRange]] = {}
    if products:
        query = Q()
        for vendor, product in products:
            query |= Q(vendor=vendor, product=product)
        for rng in VulnerableRange.objects.filter(query).select_related("vulnerability"):
            ranges_by_product.setdefault((rng.vendor, rng.product), []).append(rng)
    wanted: dict[tuple[int, int, str], tuple[int, str, str, str, str]] = {}
    for org_id, asset_id, name, version, (part, vendor, product) in candidates:
        for rng in ranges_by_product.get((vendor, product), []):
            if vulns.in_range(version, rng):
                key = (asset_id, rng.vulnerability_id, name[:255])
                wanted[key] = (org_id, version[:120], vulns.cpe_name(part, vendor, product, version),
                               vulns.fix_version(rng), "")  # fmt: skip
    current = Exposure.objects.filter(resolved_at__isnull=True)
    if organization_ids is not None:
        current = current.filter(organization_id__in=organization_ids)
    outcome = RefreshOutcome()
    seen = set()
    for exposure in current:
        key = (exposure.asset_id, exposure.vulnerability_id, exposure.software)
        if key in wanted:
            seen.add(key)
        else:
            exposure.resolved_at = now
            exposure.save(update_fields=["resolved_at"])
            outcome.resolved += 1
    for key, (org_id, version, cpe, fix, _x) in wanted.items():
        if key in seen:
            continue
        asset_id, vuln_id, software = key
        updated = Exposure.objects.filter(organization_id=org_id, asset_id=asset_id,
                                          vulnerability_id=vuln_id, software=software).update(
            resolved_at=None, version=version, cpe=cpe, fix_version=fix)  # fmt: skip
        if not updated:
            Exposure.objects.create(organization_id=org_id, asset_id=asset_id,
                                    vulnerability_id=vuln_id, software=software, version=version,
                                    cpe=cpe, fix_version=fix, first_seen=now)  # fmt: skip
        outcome.opened += 1
    if outcome.opened or outcome.resolved:
        audit_record(org=None, actor=None, action="security.exposures_refresh",
                     changes={"opened": outcome.opened, "resolved": outcome.resolved})  # fmt: skip
    if notify:
        outcome.alerts_sent = exposures_alert()
    return outcome


def _recipients(org_ids: Iterable[int]) -> dict[int, tuple[Any, set[int]]]:
    """{user pk: (user, organization ids they hear about)}: each organization's administrators,
    and the staff of the providers it is a member of."""
    org_ids = set(org_ids)
    providers: dict[int, set[int]] = {}
    for org in Organization.objects.filter(is_provider=True):
        from ajunta.tenants import selectors as tenant_selectors

        members = set(tenant_selectors.members(provider=org).values_list("pk", flat=True))
        providers[org.pk] = (members | {org.pk}) & org_ids
    assignments = RoleAssignment.objects.filter(
        Q(organization__in=org_ids, role=Role.MUNICIPAL_ADMIN)
        | Q(organization__in=list(providers), role__in=PROVIDER_ROLES)
    ).select_related("user")
    found: dict[int, tuple[Any, set[int]]] = {}
    for assignment in assignments:
        user = assignment.user
        if not user.email or not user.is_active:
            continue
        _user, heard = found.setdefault(user.pk, (user, set()))
        if assignment.organization_id in providers and assignment.role in PROVIDER_ROLES:
            heard.update(providers[assignment.organization_id])
        else:
            heard.add(assignment.organization_id)
    return {pk: row for pk, row in found.items() if row[1]}


def exposures_alert() -> int:
    """E-mail the open exposures to known exploited vulnerabilities nobody was told about yet
    (a new KEV entry that hits a fleet, or a device that installs an exploited version), then mark
    them told. Returns the number of e-mails sent."""
    pending = list(
        Exposure.objects.filter(resolved_at__isnull=True, alerted_at__isnull=True,
                                vulnerability__known_exploited=True)
        .select_related("vulnerability", "organization", "asset")
        .order_by("organization__name", "vulnerability__cve_id")
    )  # fmt: skip
    if not pending:
        return 0
    by_org: dict[int, list[Exposure]] = {}
    for exposure in pending:
        by_org.setdefault(exposure.organization_id, []).append(exposure)
    sent = 0
    for user, org_ids in _recipients(by_org).values():
        rows = [e for org_id in sorted(org_ids) for e in by_org.get(org_id, [])]
        if not rows:
            continue
        with translation.override(language_for(user=user, org=rows[0].organization)):
            lines = [
                _("%(org)s · %(asset)s: %(software)s %(version)s, %(cve)s (known exploited)%(fix)s")
                % {"org": e.organization.name, "asset": e.asset, "software": e.software,
                   "version": e.version, "cve": e.vulnerability.cve_id,
                   "fix": (_("; fixed in %(version)s") % {"version": e.fix_version})
                   if e.fix_version else ""}
                for e in rows
            ]  # fmt: skip
            body = "\n".join(
                [_("Known exploited vulnerabilities (CISA KEV) now affect these devices:"), "",
                 *lines, "", _("Update them first: attackers already use these flaws.")]
            )  # fmt: skip
            sent += send_mail(_("Ajunta: exploited vulnerabilities on your devices"), body, None,
                              [user.email])  # fmt: skip
    Exposure.objects.filter(pk__in=[e.pk for e in pending]).update(alerted_at=timezone.now())
    return sent


# --- incidents -----------------------------------------------------------------------------------------
INCIDENT_FIELDS = (
    "title", "description", "category", "level", "significant", "detected_at", "aware_at",
    "affected_services", "personal_data", "personal_data_description",
)  # fmt: skip


def _check_incident(fields: dict[str, Any], now: dt.datetime) -> None:
    errors: dict[str, str] = {}
    detected, aware = fields.get("detected_at"), fields.get("aware_at")
    if detected and detected > now + dt.timedelta(minutes=5):
        errors["detected_at"] = _("The detection time is in the future.")
    if aware and aware > now + dt.timedelta(minutes=5):
        errors["aware_at"] = _("The moment of becoming aware is in the future.")
    if detected and aware and aware < detected:
        errors["aware_at"] = _("One becomes aware of an incident at or after its detection.")
    if fields.get("personal_data") and not (fields.get("personal_data_description") or "").strip():
        errors["personal_data_description"] = _("Say which personal data (GDPR art. 33.3).")
    if errors:
        raise ValidationError(errors)


def _event(
    incident: SecurityIncident, actor: Any, code: str, text: str = "", at: dt.datetime | None = None
) -> None:
    IncidentEvent.objects.create(organization_id=incident.organization_id, incident=incident,
                                 at=at or timezone.now(), code=code, text=text, actor=actor)  # fmt: skip


def _assets_of(org: Any, asset_ids: Iterable[int]) -> list[Any]:
    ids = list(asset_ids)
    found = asset_selectors.assets_for_ids(org=org, ids=ids)
    if len(found) != len(set(ids)) or any(a.organization_id != org.pk for a in found):
        raise ValidationError({"assets": _("Only devices of this organization.")})
    return found


@transaction.atomic
def incident_create(
    *, org: Any, actor: Any, asset_ids: Iterable[int] = (), **fields: Any
) -> SecurityIncident:
    """Record a security incident of `org` (a member, or the provider itself)."""
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    now = timezone.now()
    fields.setdefault("aware_at", fields.get("detected_at"))
    _check_incident(fields, now)
    assets = _assets_of(org, asset_ids)
    year = timezone.localtime(fields["aware_at"]).year
    number = next_number(org=org, series="security_incident", year=year)
    incident = SecurityIncident(organization=org, number=f"INC-{year}-{number:04d}",
                                created_by=actor, **fields)  # fmt: skip
    incident.full_clean(exclude=["organization", "assets", "created_by"])
    incident.save(force_insert=True)
    incident.assets.set(assets)
    _event(incident, actor, "detected", at=incident.detected_at)
    if incident.aware_at != incident.detected_at:
        _event(incident, actor, "aware", at=incident.aware_at)
    audit_record(org=org, actor=actor, action="security.incident_create", obj=incident,
                 changes={"number": incident.number, "category": incident.category})  # fmt: skip
    return incident


@transaction.atomic
def incident_update(*, org: Any, actor: Any, incident: SecurityIncident,
                    asset_ids: Iterable[int] | None = None, **fields: Any) -> SecurityIncident:  # fmt: skip
    unknown = set(fields) - set(INCIDENT_FIELDS)
    if unknown:
        raise ValidationError(
            _("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))}
        )
    merged = {name: getattr(incident, name) for name in INCIDENT_FIELDS} | fields
    _check_incident(merged, timezone.now())
    changes = {k: str(v) for k, v in fields.items() if getattr(incident, k) != v}
    for key, value in fields.items():
        setattr(incident, key, value)
    incident.full_clean(exclude=["organization", "assets", "created_by"])
    if changes:
        incident.save(update_fields=list(changes))
    if asset_ids is not None:
        incident.assets.set(_assets_of(org, asset_ids))
        changes["assets"] = str(sorted(asset_ids))
    if changes:
        _event(incident, actor, "updated", ", ".join(sorted(changes)))
        audit_record(org=org, actor=actor, action="security.incident_update", obj=incident,
                     changes=changes)  # fmt: skip
    return incident


@transaction.atomic
def incident_event_add(*, org: Any, actor: Any, incident: SecurityIncident, text: str,
                       at: dt.datetime | None = None, action: bool = False) -> IncidentEvent:  # fmt: skip
    """A line in the timeline: an observation, or an action taken (`action`)."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write what happened or what was done.")})
    when = at or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationError({"at": _("That moment is in the future.")})
    event = IncidentEvent.objects.create(organization=org, incident=incident, at=when,
                                         code="action" if action else "note", text=text,
                                         actor=actor)  # fmt: skip
    audit_record(org=org, actor=actor, action="security.incident_event", obj=incident,
                 changes={"code": event.code})  # fmt: skip
    return event


@transaction.atomic
def incident_step_done(*, org: Any, actor: Any, incident: SecurityIncident, step: str,
                       at: dt.datetime | None = None, reference: str = "") -> SecurityIncident:  # fmt: skip
    """Record that a legal step was taken (early warning, notification, final report, GDPR)."""
    if step not in clocks.STEP_FIELDS:
        raise ValidationError({"step": _("Unknown step.")})
    field = clocks.STEP_FIELDS[step]
    if getattr(incident, field) is not None:
        raise ValidationError({"step": _("That step is already recorded.")})
    when = at or timezone.now()
    if when > timezone.now() + dt.timedelta(minutes=5) or when < incident.aware_at:
        raise ValidationError(
            {"at": _("The step is taken after becoming aware, and not in the future.")}
        )
    setattr(incident, field, when)
    incident.save(update_fields=[field])
    _event(incident, actor, f"step_{step}", reference.strip()[:500], at=when)
    audit_record(org=org, actor=actor, action="security.incident_step", obj=incident,
                 changes={"step": step, "at": when.isoformat()})  # fmt: skip
    return incident


@transaction.atomic
def incident_status(
    *, org: Any, actor: Any, incident: SecurityIncident, status: str
) -> SecurityIncident:
    if status not in IncidentStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    if status == incident.status:
        return incident
    incident.status = status
    incident.closed_at = timezone.now() if status == IncidentStatus.CLOSED else None
    incident.save(update_fields=["status", "closed_at"])
    _event(incident, actor, f"status_{status}")
    audit_record(org=org, actor=actor, action="security.incident_status", obj=incident,
                 changes={"status": status})  # fmt: skip
    return incident


def incident_alerts(*, now: dt.datetime | None = None) -> int:
    """E-mail the legal steps of incidents that are overdue (once per step) to the organization's
    administrators and its provider's staff. Returns the number of e-mails sent."""
    now = now or timezone.now()
    overdue: dict[int, list[tuple[SecurityIncident, clocks.Step]]] = {}
    for incident in SecurityIncident.objects.filter(
        status__in=["open", "contained"]
    ).select_related("organization"):
        for step in clocks.steps(incident, now):
            if step.overdue and step.code not in incident.alerted_steps:
                overdue.setdefault(incident.organization_id, []).append((incident, step))
    if not overdue:
        return 0
    sent = 0
    for user, org_ids in _recipients(overdue).values():
        rows = [row for org_id in sorted(org_ids) for row in overdue.get(org_id, [])]
        if not rows:
            continue
        with translation.override(language_for(user=user, org=rows[0][0].organization)):
            lines = [
                _("%(org)s · %(number)s %(title)s: %(step)s was due %(due)s")
                % {"org": i.organization.name, "number": i.number, "title": i.title,
                   "step": step.label, "due": timezone.localtime(step.due).strftime("%Y-%m-%d %H:%M")}
                for i, step in rows
            ]  # fmt: skip
            body = "\n".join([_("Overdue legal steps of security incidents:"), "", *lines])
            sent += send_mail(_("Ajunta: overdue incident notifications"), body, None, [user.email])
    with transaction.atomic():
        for rows in overdue.values():
            for incident, step in rows:
                incident.alerted_steps = [*incident.alerted_steps, step.code]
                incident.save(update_fields=["alerted_steps"])
    return sent


# --- ENS --------------------------------------------------------------------------------------------
@transaction.atomic
def ens_measure_save(*, org: Any, actor: Any, code: str, state: str, evidence: str = "",
                     review_date: dt.date | None = None, justification: str = "",
                     document_ids: Iterable[int] | None = None) -> EnsMeasure:  # fmt: skip
    if code not in ens.measures_by_code():
        raise ValidationError({"code": _("Not a measure of RD 311/2022 Annex II.")})
    if state not in EnsMeasureState.values:
        raise ValidationError({"state": _("Unknown state.")})
    if state == EnsMeasureState.NOT_APPLICABLE and not justification.strip():
        raise ValidationError({"justification": _("Justify why the measure does not apply.")})
    measure, _created = EnsMeasure.objects.get_or_create(organization=org, code=code)
    before = (measure.state, measure.evidence, measure.review_date, measure.justification)
    measure.state, measure.evidence = state, evidence.strip()
    measure.review_date, measure.justification = review_date, justification.strip()
    measure.save()
    if document_ids is not None:
        from ajunta.core.models import Document

        docs = list(Document.objects.filter(organization=org, pk__in=list(document_ids)))
        measure.documents.set(docs)
    after = (measure.state, measure.evidence, measure.review_date, measure.justification)
    if before != after or _created:
        audit_record(org=org, actor=actor, action="security.ens_measure", obj=measure,
                     changes={"code": code, "state": state})  # fmt: skip
    return measure
