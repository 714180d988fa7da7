"""Writes of the tenants app: organizations, memberships, the services catalogue, agreements, fee
rules, training sessions and public pages. Each is atomic and audited in the provider's chain
(an organization's own changes in its own chain)."""

import csv
import datetime as dt
import functools
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ajunta.core.audit import audit_record
from ajunta.core.languages import Translations, translated_columns
from ajunta.core.models import Role, RoleAssignment
from ajunta.core.modules import MODULES
from ajunta.core.validators import validate_ine_code
from ajunta.tenants.models import (
    MEMBERS_MODULE,
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
    PublicPage,
    SessionKind,
    SiteIdentity,
    TrainingSession,
)

EDITABLE_FIELDS = (
    "name", "kind", "is_provider", "ine_code", "dir3_code", "population", "population_year",
    "province_code", "autonomous_community_code", "comarca", "language",
)  # fmt: skip
# Where Catalan is an official language (INE codes: Balearic Islands, Catalonia, Valencian
# Community) an organization starts in Catalan; elsewhere in Spanish. Its administrator may change it.
CATALAN_SPEAKING_COMMUNITIES = frozenset({"04", "09", "10"})


def default_language(autonomous_community_code: str) -> str:
    return "ca" if autonomous_community_code in CATALAN_SPEAKING_COMMUNITIES else "es"


@transaction.atomic
def organization_create(*, actor: Any, slug: str, **fields: Any) -> Organization:
    if not fields.get("language"):
        fields["language"] = default_language(fields.get("autonomous_community_code", ""))
    org = Organization(slug=slug, **fields)
    org.full_clean()
    org.save(force_insert=True)
    audit_record(
        org=org, actor=actor, action="organization.create", obj=org,
        changes={"slug": slug, **{k: fields[k] for k in sorted(fields)}},
    )  # fmt: skip
    return org


@transaction.atomic
def organization_update(*, org: Organization, actor: Any, **fields: Any) -> Organization:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    changes = {k: [getattr(org, k), v] for k, v in fields.items() if getattr(org, k) != v}
    if not changes:
        return org
    for key, value in fields.items():
        setattr(org, key, value)
    org.full_clean()
    org.save(update_fields=list(changes))
    audit_record(org=org, actor=actor, action="organization.update", obj=org, changes=changes)
    return org


def _actor_repr(actor: Any) -> str:
    return (actor.get_username() if actor is not None else "system")[:200]


def _today() -> dt.date:
    return timezone.localdate()


# --- membership -----------------------------------------------------------------------------------
# Which status may follow which: an application is decided once (a rejected body applies again);
# a member may be suspended and reinstated; a member that left may rejoin on the same record, which
# keeps one membership per member and provider with its whole history.
TRANSITIONS: dict[str, frozenset[str]] = {
    MembershipStatus.APPLIED: frozenset({MembershipStatus.ACTIVE, MembershipStatus.REJECTED}),
    MembershipStatus.ACTIVE: frozenset({MembershipStatus.SUSPENDED, MembershipStatus.LEFT}),
    MembershipStatus.SUSPENDED: frozenset({MembershipStatus.ACTIVE, MembershipStatus.LEFT}),
    MembershipStatus.LEFT: frozenset({MembershipStatus.ACTIVE}),
    MembershipStatus.REJECTED: frozenset(),
}


def _membership_event(
    *, org: Organization, actor: Any, membership: Membership, from_status: str, on: dt.date,
    reason: str = "",
) -> None:  # fmt: skip
    MembershipEvent.objects.create(
        organization=org, membership=membership, from_status=from_status,
        to_status=membership.status, on=on, reason=reason, actor_repr=_actor_repr(actor),
    )  # fmt: skip
    audit_record(
        org=org, actor=actor, action=f"membership.{membership.status}", obj=membership,
        changes={"status": [from_status, membership.status], "on": on, "reason": reason},
    )  # fmt: skip


def _check_not_already_member(
    org: Organization, *, ine_code: str, member: Any = None, name: str = ""
) -> None:
    open_statuses = [MembershipStatus.APPLIED, MembershipStatus.ACTIVE, MembershipStatus.SUSPENDED]
    rows = Membership.objects.filter(organization=org, status__in=open_statuses)
    if name and rows.filter(applicant_name__iexact=name.strip()).exists():
        raise ValidationError(
            {"applicant_name": _("This body is already a member or has applied.")}
        )
    if member is not None and rows.filter(member=member).exists():
        raise ValidationError(_("This body is already a member or has applied."))
    if ine_code and rows.filter(ine_code=ine_code).exists():
        raise ValidationError({"ine_code": _("This body is already a member or has applied.")})


@transaction.atomic
def membership_apply(
    *, org: Organization, actor: Any, applicant_name: str, applicant_kind: str,
    ine_code: str = "", population: int | None = None, contact_name: str = "",
    contact_email: str = "", contact_phone: str = "", notes: str = "",
) -> Membership:  # fmt: skip
    """Record an application to join `org` (the provider), from the public site or by staff."""
    if applicant_kind == OrganizationKind.MUNICIPALITY and not ine_code:
        raise ValidationError({"ine_code": _("A municipality applies with its INE code.")})
    if applicant_kind == OrganizationKind.PROVIDER:
        raise ValidationError({"applicant_kind": _("Choose the kind of local body.")})
    _check_not_already_member(org, ine_code=ine_code, name=applicant_name)
    membership = Membership(
        organization=org, status=MembershipStatus.APPLIED, applicant_name=applicant_name.strip(),
        applicant_kind=applicant_kind, ine_code=ine_code, population=population,
        contact_name=contact_name, contact_email=contact_email, contact_phone=contact_phone,
        notes=notes, applied_on=_today(),
    )  # fmt: skip
    membership.full_clean()
    membership.save(force_insert=True)
    _membership_event(org=org, actor=actor, membership=membership, from_status="", on=_today())
    admins = _provider_admin_emails(org)
    if admins:
        subject = _("New membership application: %(name)s") % {"name": membership.applicant_name}
        body = _("%(name)s applied to join on %(date)s. Decide it in Ajunta, Members.") % {
            "name": membership.applicant_name,
            "date": membership.applied_on.isoformat(),
        }
        transaction.on_commit(lambda: send_mail(str(subject), str(body), None, admins))
    return membership


def _provider_admin_emails(org: Organization) -> list[str]:
    return [
        e
        for e in RoleAssignment.objects.filter(
            organization=org, role=Role.PROVIDER_ADMIN
        ).values_list("user__email", flat=True)
        if e
    ]


def _tell_applicant(org: Organization, membership: Membership) -> None:
    """Answer the application at the contact address it gave (after the transaction commits)."""
    if not membership.contact_email:
        return
    if membership.status == MembershipStatus.ACTIVE:
        subject = _("Your membership of %(provider)s is approved") % {"provider": org.name}
    else:
        subject = _("Your application to %(provider)s was not approved") % {"provider": org.name}
    body = membership.decision_reason or str(subject)
    to = [membership.contact_email]
    transaction.on_commit(lambda: send_mail(str(subject), body, None, to))


DATA = Path(__file__).resolve().parent / "data"


@functools.cache
def _communities_by_province() -> dict[str, str]:
    """INE province code -> autonomous community code, from the INE municipality list."""
    with open(DATA / "municipios_ine_2025.csv", encoding="utf-8", newline="") as handle:
        return {row["CPRO"]: row["CODAUTO"] for row in csv.DictReader(handle)}


def autonomous_community_for(ine_code: str, default: str) -> str:
    """The autonomous community of a municipality (it selects the holidays of its calendar)."""
    return _communities_by_province().get(ine_code[:2], default) if ine_code else default


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "member"
    slug, n = base, 1
    while Organization.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _member_for(org: Organization, actor: Any, membership: Membership) -> Organization:
    """The organization of an approved application: the existing one with its INE code, or new."""
    if membership.member_id:
        return membership.member  # type: ignore[return-value]
    if membership.ine_code and membership.applicant_kind == OrganizationKind.MUNICIPALITY:
        existing = Organization.objects.filter(
            kind=OrganizationKind.MUNICIPALITY, ine_code=membership.ine_code
        ).first()
        if existing is not None:
            return existing
    province = membership.ine_code[:2]
    community = autonomous_community_for(membership.ine_code, org.autonomous_community_code)
    fields: dict[str, Any] = {
        "name": membership.applicant_name, "kind": membership.applicant_kind,
        "ine_code": membership.ine_code, "population": membership.population,
        "province_code": province, "autonomous_community_code": community,
    }  # fmt: skip
    if membership.ine_code and membership.applicant_kind == OrganizationKind.MUNICIPALITY:
        fields["dir3_code"] = f"L01{membership.ine_code}"
    return organization_create(actor=actor, slug=_unique_slug(membership.applicant_name), **fields)


@transaction.atomic
def membership_approve(
    *, org: Organization, actor: Any, membership: Membership, start_date: dt.date | None = None,
    reason: str = "",
) -> Membership:  # fmt: skip
    membership = Membership.objects.select_for_update().get(pk=membership.pk, organization=org)
    _check_transition(membership, MembershipStatus.ACTIVE)
    member = _member_for(org, actor, membership)
    if (
        Membership.objects.filter(organization=org, member=member)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(_("This body already has a membership record: reinstate that one."))
    from_status = membership.status
    membership.member = member
    membership.status = MembershipStatus.ACTIVE
    membership.start_date = start_date or _today()
    membership.decision_reason = reason
    membership.save(update_fields=["member", "status", "start_date", "decision_reason"])
    _membership_event(
        org=org, actor=actor, membership=membership, from_status=from_status,
        on=membership.start_date, reason=reason,
    )  # fmt: skip
    _tell_applicant(org, membership)
    return membership


def _check_transition(membership: Membership, to_status: str) -> None:
    if to_status not in TRANSITIONS[membership.status]:
        raise ValidationError(
            _("A membership that is %(from)s cannot become %(to)s.")
            % {
                "from": MembershipStatus(membership.status).label,
                "to": MembershipStatus(to_status).label,
            }
        )


@transaction.atomic
def membership_set_status(
    *, org: Organization, actor: Any, membership: Membership, status: str, reason: str,
    on: dt.date | None = None,
) -> Membership:  # fmt: skip
    """Reject an application, suspend, reinstate or record a member's leaving, with a reason."""
    if status == MembershipStatus.ACTIVE and membership.status == MembershipStatus.APPLIED:
        return membership_approve(org=org, actor=actor, membership=membership, reason=reason)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    membership = Membership.objects.select_for_update().get(pk=membership.pk, organization=org)
    _check_transition(membership, status)
    from_status = membership.status
    on = on or _today()
    membership.status = status
    membership.decision_reason = reason
    fields = ["status", "decision_reason"]
    if status == MembershipStatus.LEFT:
        membership.end_date = on
        fields.append("end_date")
    elif from_status == MembershipStatus.LEFT:  # rejoining: a new term starts
        membership.start_date, membership.end_date = on, None
        fields += ["start_date", "end_date"]
    membership.save(update_fields=fields)
    _membership_event(
        org=org, actor=actor, membership=membership, from_status=from_status, on=on, reason=reason
    )
    if from_status == MembershipStatus.APPLIED:
        _tell_applicant(org, membership)
    return membership


@transaction.atomic
def membership_enter(
    *, org: Organization, actor: Any, member: Organization, start_date: dt.date, notes: str = ""
) -> Membership:
    """Staff record an existing organization as an active member (e.g. since before Ajunta)."""
    if member.pk == org.pk:
        raise ValidationError(_("The provider is not its own member."))
    _check_not_already_member(org, ine_code="", member=member)
    if Membership.objects.filter(organization=org, member=member).exists():
        raise ValidationError(_("This body already has a membership record: reinstate that one."))
    membership = Membership(
        organization=org, member=member, status=MembershipStatus.ACTIVE,
        applicant_name=member.name, applicant_kind=member.kind, ine_code=member.ine_code,
        population=member.population, notes=notes, applied_on=start_date, start_date=start_date,
    )  # fmt: skip
    membership.full_clean()
    membership.save(force_insert=True)
    _membership_event(org=org, actor=actor, membership=membership, from_status="", on=start_date)
    return membership


# --- CSV import of members ------------------------------------------------------------------------
@dataclass
class ImportReport:
    dry_run: bool
    rows: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # members added
    updated: list[str] = field(default_factory=list)  # population corrected

    @property
    def imported(self) -> bool:
        return not self.dry_run and not self.errors


IMPORT_COLUMNS = ("ine_code", "name", "population")
IMPORT_MAX_BYTES = 2 * 1024 * 1024


def _parse_member_rows(text: str, report: ImportReport) -> list[tuple[int, str, str, int]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in IMPORT_COLUMNS if c not in header]
    if missing:
        report.errors.append((1, _("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)}))
        return []
    reader.fieldnames = header
    good: list[tuple[int, str, str, int]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        report.rows += 1
        code = (row.get("ine_code") or "").strip()
        name = " ".join((row.get("name") or "").split())
        raw_population = (row.get("population") or "").strip().replace(".", "")
        problems = []
        try:
            validate_ine_code(code)
            if not code:
                raise ValidationError(_("The INE code is missing."))
        except ValidationError as error:
            problems.extend(error.messages)
        if not name:
            problems.append(_("The name is missing."))
        elif len(name) > 200:
            problems.append(_("The name is longer than 200 characters."))
        if not raw_population.isdigit():
            problems.append(_("The population must be a whole number."))
        if code and code in seen:
            problems.append(_("Same INE code as line %(line)s.") % {"line": seen[code]})
        if problems:
            report.errors.append((line, " ".join(str(p) for p in problems)))
            continue
        seen[code] = line
        good.append((line, code, name, int(raw_population)))
    return good


@transaction.atomic
def members_import_csv(
    *, org: Organization, actor: Any, content: bytes, dry_run: bool = True
) -> ImportReport:
    """Import active member municipalities from CSV (ine_code, name, population).

    Every bad row is reported by line and reason. Nothing is written in a dry run, nor while any
    row is bad: the file is fixed and sent again, so a half-imported list never happens.
    """
    report = ImportReport(dry_run=dry_run)
    if len(content) > IMPORT_MAX_BYTES:
        report.errors.append((0, _("The file is larger than 2 MB.")))
        return report
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.errors.append((0, _("The file is not UTF-8 text.")))
        return report
    rows = _parse_member_rows(text, report)
    plan: list[tuple[str, str, int, Organization | None]] = []
    existing = {
        o.ine_code: o
        for o in Organization.objects.filter(
            kind=OrganizationKind.MUNICIPALITY, ine_code__in=[r[1] for r in rows]
        )
    }
    members_now = set(
        Membership.objects.filter(organization=org, member__in=existing.values()).values_list(
            "member__ine_code", flat=True
        )
    )
    for _line, code, name, population in rows:
        if code in members_now:
            report.updated.append(name)
        else:
            report.created.append(name)
        plan.append((code, name, population, existing.get(code)))
    if dry_run or report.errors:
        return report
    for code, name, population, found in plan:
        if found is None:
            found = organization_create(
                actor=actor, slug=_unique_slug(name), name=name,
                kind=OrganizationKind.MUNICIPALITY, ine_code=code, dir3_code=f"L01{code}",
                population=population, province_code=code[:2],
                autonomous_community_code=autonomous_community_for(
                    code, org.autonomous_community_code
                ),
            )  # fmt: skip
        elif found.population != population:
            organization_update(org=found, actor=actor, population=population)
        if code not in members_now:
            membership_enter(org=org, actor=actor, member=found, start_date=_today())
    audit_record(
        org=org, actor=actor, action="membership.import", object_type="tenants.membership",
        changes={"rows": report.rows, "created": len(report.created),
                 "updated": len(report.updated)},
    )  # fmt: skip
    return report


# --- services catalogue ---------------------------------------------------------------------------
CATALOGUE_FIELDS = (
    "name", "description", "module", "requestable_by", "included_in_membership", "price",
    "is_active",
)  # fmt: skip


# The platform's modules, also before their apps register them (core.modules): a catalogue may
# be set up first.
PLATFORM_MODULES = frozenset({"registry", "sir", "cases", "helpdesk", "assets", "training"})


def module_codes() -> list[str]:
    """Modules a catalogue service may switch on: every one but the provider's own."""
    # A module switched on by another's service (the notice board, by case files) has no service.
    own = {code for code, module in MODULES.items() if not module.service_module}
    return sorted((PLATFORM_MODULES | own) - {MEMBERS_MODULE})


def _clean_service(service: CatalogueService) -> None:
    errors: dict[str, Any] = {}
    if service.module and service.module not in module_codes():
        errors["module"] = _("Unknown module: use one of %(codes)s.") % {
            "codes": ", ".join(module_codes())
        }
    if not service.included_in_membership and service.price is None:
        errors["price"] = _("A service not included in membership needs a price.")
    if errors:
        raise ValidationError(errors)
    service.full_clean()


@transaction.atomic
def catalogue_service_create(
    *,
    org: Organization,
    actor: Any,
    code: str,
    translations: Translations | None = None,
    **fields: Any,
) -> CatalogueService:
    """`name` and `description` are in the active language; `translations` gives the others."""
    columns = translated_columns(("name", "description"), translations)
    unknown = set(fields) - set(CATALOGUE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    if CatalogueService.objects.filter(organization=org, code=code).exists():
        raise ValidationError({"code": _("A service with this code already exists.")})
    service = CatalogueService(organization=org, code=code, **fields, **columns)
    _clean_service(service)
    service.save(force_insert=True)
    audit_record(
        org=org, actor=actor, action="catalogue_service.create", obj=service,
        changes={"code": code, **fields, **columns},
    )  # fmt: skip
    return service


@transaction.atomic
def catalogue_service_update(
    *, org: Organization, actor: Any, service: CatalogueService, **fields: Any
) -> CatalogueService:
    unknown = set(fields) - set(CATALOGUE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    service = CatalogueService.objects.select_for_update().get(pk=service.pk, organization=org)
    changes = {k: [getattr(service, k), v] for k, v in fields.items() if getattr(service, k) != v}
    if not changes:
        return service
    for key, value in fields.items():
        setattr(service, key, value)
    _clean_service(service)
    service.save(update_fields=list(changes))
    if "module" in changes:
        _refresh_agreement_modules(service.agreements.values_list("member_id", flat=True))
    audit_record(
        org=org, actor=actor, action="catalogue_service.update", obj=service, changes=changes
    )
    return service


# --- agreements -----------------------------------------------------------------------------------
def _refresh_agreement_modules(member_ids: Iterable[int]) -> None:
    """Copy each member's services agreements (terms and modules) onto Organization.agreement_modules,
    which uses_module() reads without a query. Called in the same transaction as every write that
    changes them: an agreement created, extended or annulled, a service's module changed."""
    for member_id in set(member_ids):
        spans: dict[int, list[Any]] = {}
        rows = (
            Agreement.objects.filter(member_id=member_id, kind=AgreementKind.SERVICES)
            .exclude(status=AgreementStatus.ANNULLED)
            .values_list("pk", "start_date", "end_date", "extended", "services__module")
            .order_by("start_date", "pk")
        )
        for pk, start, end, extended, module in rows:
            span = spans.setdefault(pk, [start.isoformat(), end.isoformat(), extended, []])
            if module and module not in span[3]:
                span[3].append(module)
        value = [[a, b, c, sorted(m)] for a, b, c, m in spans.values()] or None
        Organization.objects.filter(pk=member_id).update(agreement_modules=value)


@transaction.atomic
def agreement_create(
    *, org: Organization, actor: Any, member: Organization, title: str, start_date: dt.date,
    end_date: dt.date, kind: str = AgreementKind.SERVICES, services: Iterable[CatalogueService] = (),
    support_hours_per_year: int | None = None, sla_level: str = "standard", scope: str = "",
) -> Agreement:  # fmt: skip
    """Sign an agreement with a member (services) or a sponsor (sponsorship).

    A new services agreement replaces any extended earlier one from its start date on.
    """
    errors: dict[str, Any] = {}
    if member.pk == org.pk:
        errors["member"] = _("The provider does not sign agreements with itself.")
    if end_date < start_date:
        errors["end_date"] = _("The agreement ends before it starts.")
    services = list(services)
    if any(s.organization_id != org.pk for s in services):
        errors["services"] = _("Only services of this catalogue.")
    if kind == AgreementKind.SPONSORSHIP and services:
        errors["services"] = _("A sponsorship agreement lists no services.")
    if errors:
        raise ValidationError(errors)
    agreement = Agreement(
        organization=org, member=member, kind=kind, title=title, start_date=start_date,
        end_date=end_date, support_hours_per_year=support_hours_per_year, sla_level=sla_level,
        scope=scope,
    )  # fmt: skip
    agreement.full_clean()
    agreement.save(force_insert=True)
    agreement.services.set(services)
    _refresh_agreement_modules([member.pk])
    audit_record(
        org=org, actor=actor, action="agreement.create", obj=agreement,
        changes={
            "member": member.pk, "kind": kind, "title": title, "start_date": start_date,
            "end_date": end_date, "services": sorted(s.code for s in services),
            "support_hours_per_year": support_hours_per_year, "sla_level": sla_level,
        },
    )  # fmt: skip
    return agreement


@transaction.atomic
def agreement_extend(*, org: Organization, actor: Any, agreement: Agreement) -> Agreement:
    """Keep the agreement in force past its end until a new one is signed."""
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk, organization=org)
    if agreement.status == AgreementStatus.ANNULLED:
        raise ValidationError(_("An annulled agreement cannot be extended."))
    if not agreement.extended:
        agreement.extended = True
        agreement.save(update_fields=["extended"])
        _refresh_agreement_modules([agreement.member_id])
        audit_record(
            org=org, actor=actor, action="agreement.extend", obj=agreement,
            changes={"extended": [False, True]},
        )  # fmt: skip
    return agreement


@transaction.atomic
def agreement_annul(
    *, org: Organization, actor: Any, agreement: Agreement, reason: str
) -> Agreement:
    """Annul an agreement entered by mistake. It stays on record, marked, with the reason."""
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason.")})
    agreement = Agreement.objects.select_for_update().get(pk=agreement.pk, organization=org)
    if agreement.status == AgreementStatus.ANNULLED:
        raise ValidationError(_("This agreement is already annulled."))
    agreement.status = AgreementStatus.ANNULLED
    agreement.annulment_reason = reason
    agreement.save(update_fields=["status", "annulment_reason"])
    _refresh_agreement_modules([agreement.member_id])
    audit_record(
        org=org, actor=actor, action="agreement.annul", obj=agreement,
        changes={"status": ["signed", "annulled"], "reason": reason},
    )  # fmt: skip
    return agreement


EXPIRY_ALERT_DAYS = 90


@transaction.atomic
def agreement_expiry_alerts_send(*, on: dt.date | None = None) -> int:
    """Warn each provider's administrators, once, of agreements ending within 90 days.

    Run daily (Celery beat `tenants.agreement_expiry_alerts` or `manage.py agreement_expiry_alerts`).
    Returns how many agreements were announced.
    """
    on = on or _today()
    due = list(
        Agreement.objects.select_for_update()
        .filter(
            status=AgreementStatus.SIGNED,
            extended=False,
            expiry_alert_sent_on__isnull=True,
            end_date__gte=on,
            end_date__lte=on + dt.timedelta(days=EXPIRY_ALERT_DAYS),
        )
        .select_related("organization", "member")
        .order_by("organization_id", "end_date")
    )
    by_provider: dict[int, list[Agreement]] = {}
    for agreement in due:
        by_provider.setdefault(agreement.organization_id, []).append(agreement)
    for items in by_provider.values():
        provider = items[0].organization
        admins = _provider_admin_emails(provider)
        lines = [f"- {a.title} ({a.member.name}): {a.end_date.isoformat()}" for a in items]
        send_mail(
            subject=str(_("Agreements about to end")),
            message="\n".join([str(_("These agreements end within 90 days:")), *lines]),
            from_email=None,
            recipient_list=admins,
        )
        for agreement in items:
            agreement.expiry_alert_sent_on = on
            agreement.save(update_fields=["expiry_alert_sent_on"])
            audit_record(
                org=provider, actor=None, action="agreement.expiry_alert", obj=agreement,
                changes={"end_date": agreement.end_date},
            )  # fmt: skip
    return len(due)


# --- fees -----------------------------------------------------------------------------------------
@transaction.atomic
def fee_rule_create(
    *, org: Organization, actor: Any, valid_from: dt.date, amount: Decimal,
    min_population: int = 0, max_population: int | None = None,
    payer: str = FeePayer.MEMBER, sponsor: Organization | None = None,
) -> FeeRule:  # fmt: skip
    """Add a fee rule. Rules are never edited: a later rule for the same bracket replaces it."""
    errors: dict[str, Any] = {}
    if max_population is not None and max_population < min_population:
        errors["max_population"] = _("The bracket ends before it starts.")
    if amount < 0:
        errors["amount"] = _("A fee cannot be negative.")
    if payer == FeePayer.SPONSOR and sponsor is None:
        errors["sponsor"] = _("Name the sponsor who pays.")
    if payer == FeePayer.MEMBER and sponsor is not None:
        errors["sponsor"] = _("Only a rule paid by a sponsor names one.")
    if errors:
        raise ValidationError(errors)
    rule = FeeRule(
        organization=org, valid_from=valid_from, min_population=min_population,
        max_population=max_population, amount=amount, payer=payer, sponsor=sponsor,
    )  # fmt: skip
    rule.full_clean()
    rule.save(force_insert=True)
    audit_record(
        org=org, actor=actor, action="fee_rule.create", obj=rule,
        changes={
            "valid_from": valid_from, "min_population": min_population,
            "max_population": max_population, "amount": str(amount), "payer": payer,
            "sponsor": sponsor.pk if sponsor else None,
        },
    )  # fmt: skip
    return rule


# --- training sessions and visits -----------------------------------------------------------------
@transaction.atomic
def training_session_create(
    *, org: Organization, actor: Any, kind: str, title: str, starts_at: dt.datetime,
    ends_at: dt.datetime, description: str = "", place: str = "", capacity: int | None = None,
    max_population: int | None = None, visited: Organization | None = None,
) -> TrainingSession:  # fmt: skip
    errors: dict[str, Any] = {}
    if ends_at <= starts_at:
        errors["ends_at"] = _("The session ends before it starts.")
    if kind == SessionKind.VISIT and visited is None:
        errors["visited"] = _("Say which member is visited.")
    if errors:
        raise ValidationError(errors)
    session = TrainingSession(
        organization=org, kind=kind, title=title, starts_at=starts_at, ends_at=ends_at,
        description=description, place=place, capacity=capacity, max_population=max_population,
        visited=visited,
    )  # fmt: skip
    session.full_clean()
    session.save(force_insert=True)
    audit_record(
        org=org, actor=actor, action="training_session.create", obj=session,
        changes={"kind": kind, "title": title, "starts_at": starts_at, "ends_at": ends_at},
    )  # fmt: skip
    if visited is not None:
        enrolment_add(org=org, actor=actor, session=session, member=visited)
    return session


@transaction.atomic
def enrolment_add(
    *, org: Organization, actor: Any, session: TrainingSession, member: Organization,
    participants: int = 1,
) -> Enrolment:  # fmt: skip
    """Enrol a member in one of the provider's sessions (by the member's staff or the provider's)."""
    session = TrainingSession.objects.select_for_update().get(pk=session.pk, organization=org)
    if not Membership.objects.filter(
        organization=org, member=member, status=MembershipStatus.ACTIVE
    ).exists():
        raise ValidationError(_("Only active members enrol."))
    if Enrolment.objects.filter(organization=org, session=session, member=member).exists():
        raise ValidationError(_("This member is already enrolled."))
    if participants < 1:
        raise ValidationError({"participants": _("At least one participant.")})
    if session.max_population is not None and (member.population or 0) > session.max_population:
        raise ValidationError(
            _("This session is for members up to %(n)s inhabitants.")
            % {"n": session.max_population}
        )
    if session.capacity is not None:
        taken = sum(session.enrolments.values_list("participants", flat=True))
        if taken + participants > session.capacity:
            raise ValidationError(_("No places left in this session."))
    enrolment = Enrolment.objects.create(
        organization=org, session=session, member=member, participants=participants
    )
    audit_record(
        org=org, actor=actor, action="enrolment.add", obj=enrolment,
        changes={"session": session.pk, "member": member.pk, "participants": participants},
    )  # fmt: skip
    return enrolment


@transaction.atomic
def attendance_record(
    *, org: Organization, actor: Any, enrolment: Enrolment, attended: bool
) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk, organization=org)
    if enrolment.attended is not attended:
        before = enrolment.attended
        enrolment.attended = attended
        enrolment.save(update_fields=["attended"])
        audit_record(
            org=org, actor=actor, action="enrolment.attendance", obj=enrolment,
            changes={"attended": [before, attended]},
        )  # fmt: skip
    return enrolment


# --- public website -------------------------------------------------------------------------------
PAGE_FIELDS = ("kind", "title", "body", "menu_order", "published", "published_on")


@transaction.atomic
def public_page_save(
    *, org: Organization, actor: Any, slug: str, language: str, **fields: Any
) -> PublicPage:
    """Create or change one language version of a public page. Every change is audited."""
    unknown = set(fields) - set(PAGE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    page = (
        PublicPage.objects.select_for_update()
        .filter(organization=org, slug=slug, language=language)
        .first()
    )
    created = page is None
    if page is None:
        page = PublicPage(organization=org, slug=slug, language=language)
        fields.setdefault("published_on", _today())
    changes = {k: [getattr(page, k, None), v] for k, v in fields.items()}
    for key, value in fields.items():
        setattr(page, key, value)
    page.full_clean()
    page.save()
    audit_record(
        org=org, actor=actor, action="public_page.create" if created else "public_page.update",
        obj=page, changes={"slug": slug, "language": language, **changes},
    )  # fmt: skip
    return page


# --- the website's identity -----------------------------------------------------------------------
SITE_IDENTITY_FIELDS = (
    "legal_name", "tax_id", "address", "postcode", "town", "phone", "email", "opening_hours",
    "facebook", "instagram", "x", "youtube", "linkedin", "mastodon", "dpo_name", "dpo_email",
    "accessibility_conformance", "accessibility_exceptions", "accessibility_statement_date",
    "accessibility_review_date",
)  # fmt: skip
LOGO_TYPES = {"image/png", "image/jpeg", "image/svg+xml", "image/webp"}


@transaction.atomic
def site_identity_save(
    *,
    org: Organization,
    actor: Any,
    logo_file: Any = None,
    translations: Translations | None = None,
    **fields: Any,
) -> SiteIdentity:
    """Set who publishes the public website (address, contact, hours, social links, the
    data-protection officer, the accessibility statement's facts); only a provider has one."""
    from ajunta.core.documents import document_register, document_store

    if not org.is_provider:
        raise ValidationError(_("Only the provider publishes the public website."))
    unknown = set(fields) - set(SITE_IDENTITY_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {sorted(unknown)}")
    identity = SiteIdentity.objects.select_for_update().filter(organization=org).first()
    created = identity is None
    if identity is None:
        identity = SiteIdentity(organization=org)
    columns = translated_columns(("opening_hours", "accessibility_exceptions"), translations)
    changes = {k: [str(getattr(identity, k, "") or ""), str(v or "")] for k, v in fields.items()}
    changes = {k: v for k, v in changes.items() if v[0] != v[1]}
    for key, value in {**fields, **columns}.items():
        setattr(identity, key, value)
    if logo_file is not None:
        logo = document_store(org=org, actor=actor, uploaded_file=logo_file)
        if logo.content_type not in LOGO_TYPES:
            raise ValidationError({"logo": _("The logo must be a PNG, JPEG, WebP or SVG image.")})
        if logo.registered_at is None:
            logo = document_register(org=org, actor=actor, document=logo)
        identity.logo = logo
        changes["logo"] = ["", logo.sha256]
    identity.full_clean(exclude=["organization", "logo"])
    identity.save()
    audit_record(
        org=org, actor=actor, action="site.identity.create" if created else "site.identity.update",
        obj=identity, changes=changes,
    )  # fmt: skip
    return identity
