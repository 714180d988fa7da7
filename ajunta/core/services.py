"""Writes of core data: roles, calendar settings, MFA and API tokens. Each is atomic and audited."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from ajunta.core.audit import audit_record
from ajunta.core.authentication import holds_provider_role, token_expires_at
from ajunta.core.models import BusinessHours, LocalHoliday, Role, RoleAssignment
from ajunta.core.tenancy import mfa_required


@transaction.atomic
def role_grant(*, org: Any, actor: Any, user: Any, role: str) -> RoleAssignment:
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    assignment, created = RoleAssignment.objects.get_or_create(
        organization=org, user=user, role=role
    )
    if created:
        audit_record(
            org=org, actor=actor, action="role.grant", obj=assignment,
            changes={"user": user.username, "role": role},
        )  # fmt: skip
    return assignment


@transaction.atomic
def role_revoke(*, org: Any, actor: Any, user: Any, role: str) -> None:
    deleted, _rows = RoleAssignment.objects.filter(organization=org, user=user, role=role).delete()
    if deleted:
        audit_record(
            org=org, actor=actor, action="role.revoke", object_type="core.roleassignment",
            changes={"user": user.username, "role": role},
        )  # fmt: skip


@transaction.atomic
def local_holiday_add(*, org: Any, actor: Any, date: dt.date, name: str) -> LocalHoliday:
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("Give the holiday a name.")})
    duplicate = ValidationError({"date": _("There is already a local holiday on that date.")})
    if LocalHoliday.objects.filter(organization=org, date=date).exists():
        raise duplicate
    try:
        with transaction.atomic():  # a concurrent request may have added it since the check
            holiday = LocalHoliday.objects.create(organization=org, date=date, name=name)
    except IntegrityError as exc:
        raise duplicate from exc
    audit_record(
        org=org, actor=actor, action="calendar.local_holiday.add", obj=holiday,
        changes={"date": date, "name": name},
    )  # fmt: skip
    return holiday


@transaction.atomic
def local_holiday_remove(*, org: Any, actor: Any, holiday: LocalHoliday) -> None:
    if holiday.organization_id != org.pk:
        raise LocalHoliday.DoesNotExist
    audit_record(
        org=org, actor=actor, action="calendar.local_holiday.remove", obj=holiday,
        changes={"date": holiday.date, "name": holiday.name},
    )  # fmt: skip
    holiday.delete()


@transaction.atomic
def business_hours_set(
    *, org: Any, actor: Any, ranges: list[tuple[int, dt.time, dt.time]]
) -> list[BusinessHours]:
    """Replace the organization's weekly business hours with `ranges` (weekday, opens, closes)."""
    for weekday, opens, closes in ranges:
        if not 0 <= weekday <= 6:
            raise ValidationError({"weekday": _("The weekday must be 0 (Monday) to 6 (Sunday).")})
        if opens >= closes:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})
    by_day: dict[int, list[tuple[dt.time, dt.time]]] = {}
    for weekday, opens, closes in sorted(ranges):
        previous = by_day.setdefault(weekday, [])
        if previous and opens < previous[-1][1]:
            raise ValidationError({"opens": _("Two ranges on the same day overlap.")})
        previous.append((opens, closes))
    old = [(h.weekday, h.opens, h.closes) for h in BusinessHours.objects.for_org(org)]
    BusinessHours.objects.for_org(org).delete()
    rows = BusinessHours.objects.bulk_create(
        BusinessHours(organization=org, weekday=w, opens=o, closes=c) for w, o, c in sorted(ranges)
    )
    audit_record(
        org=org, actor=actor, action="calendar.business_hours.set", object_type="core.businesshours",
        changes={"before": [list(r) for r in old], "after": [list(r) for r in sorted(ranges)]},
    )  # fmt: skip
    return rows


def totp_secret_base32(device: TOTPDevice) -> str:
    return base64.b32encode(device.bin_key).decode()


@transaction.atomic
def mfa_confirm_device(*, actor: Any, device: TOTPDevice) -> None:
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit_record(org=None, actor=actor, action="user.mfa.enable", obj=device)


@transaction.atomic
def api_token_issue(*, actor: Any, user: Any, second_factor_verified: bool = False) -> Token:
    """A new API token for `user` (replacing any old one). It carries exactly the user's roles.

    A user who must use a second factor (every provider role) gets one only once that factor was
    verified for this issue (`second_factor_verified`: a verified session, or a code checked by
    `issue_token --otp`); their token lives API_TOKEN_TTL_DAYS_PROVIDER days.
    """
    if mfa_required(user) and not second_factor_verified:
        raise ValidationError(
            _("An API token for this user is issued only after their second factor is verified.")
        )
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    expires_at = token_expires_at(token.created, provider=holds_provider_role(user))
    audit_record(
        org=None, actor=actor, action="user.api_token.issue",
        changes={"user": user.username, "second_factor": second_factor_verified,
                 "expires_at": expires_at},
    )  # fmt: skip
    return token


def provider_admin_emails() -> list[str]:
    """The e-mail addresses of the provider's administrators (the platform's operators)."""
    emails = (
        RoleAssignment.objects.filter(role=Role.PROVIDER_ADMIN)
        .exclude(user__email="")
        .values_list("user__email", flat=True)
        .distinct()
    )
    return sorted(emails)


@transaction.atomic
def integrity_alert_send(*, findings: list[str]) -> int:
    """Tell the provider's administrators that the nightly verification found tampering: broken
    audit chains or registered records changed outside the services. Returns how many addresses
    were written to; the alert itself is an event of the platform's audit chain."""
    recipients = provider_admin_emails()
    if not findings:
        return 0
    subject = _("Ajunta: %(count)d record(s) or audit chain(s) fail verification") % {
        "count": len(findings)
    }
    body = "\n".join([
        _("The nightly verification found changes made outside Ajunta's services:"),
        "",
        *[f"- {line}" for line in findings],
        "",
        _("Run `manage.py audit_verify` to see the full report, and compare with the backups."),
    ])  # fmt: skip
    if recipients:
        transaction.on_commit(lambda: send_mail(subject, body, None, recipients))
    audit_record(
        org=None, actor=None, action="core.integrity.alert",
        changes={"findings": len(findings), "recipients": len(recipients)},
    )  # fmt: skip
    return len(recipients)


@transaction.atomic
def api_token_revoke(*, org: Any, actor: Any, user: Any) -> bool:
    """Revoke `user`'s API token: by its owner (`org` None) or by an admin of `org`, where the
    user holds a role (the selector api_tokens(org=) is the only way to reach it). Audited in
    `org`'s chain, or the platform's; False when there was no token."""
    deleted, _rows = Token.objects.filter(user=user).delete()
    if deleted:
        audit_record(
            org=org, actor=actor, action="user.api_token.revoke", object_type="authtoken.token",
            changes={"user": user.username},
        )  # fmt: skip
    return bool(deleted)
