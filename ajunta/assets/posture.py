"""Security posture: a score out of 100 with the reasons behind it, for an asset and for an
organization, and the concrete actions that would raise it.

Pure functions over what selectors read: no queries here. Weights are deliberately simple and
written out below, so that a municipality can see why it lost each point.

Fail closed (issue 19): what we cannot tell is a finding, not a pass. A device whose support
status is unknown (an operating system or firmware the end-of-life data does not know, or none
reported) loses points and says "check it"; an organization with no inventory at all has no score
("no data") and is ranked apart, never as if it were healthy or as if it were the worst.

Device kinds plug in: `SUPPORT_CHECKS` says, per asset kind, what its support status rests on
(the operating system for computers and phones; the firmware for network devices and printers,
which the network inventory fills), and other apps add findings with `register_asset_check`
(one asset) and `register_org_issue` (an organization's share of affected devices), as the
security app does for known exploited vulnerabilities.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ajunta.assets.models import COMPUTER_KINDS, MOBILE_KINDS, AssetKind, EnsStatus

SILENT_DAYS: int = getattr(settings, "ASSETS_SILENT_DAYS", 30)
EOL_SOON_DAYS: int = getattr(settings, "ASSETS_EOL_SOON_DAYS", 180)
WARRANTY_SOON_DAYS: int = getattr(settings, "ASSETS_WARRANTY_SOON_DAYS", 60)
BACKUP_MAX_AGE_DAYS = 7
RESTORE_TEST_MAX_AGE_DAYS = 365
MAX_LOCAL_ADMINS = 2

# Points an asset loses.
ASSET_WEIGHTS = {
    "os_eol": 40,
    "support_unknown": 20,
    "os_eol_soon": 10,
    "software_eol": 15,
    "no_antivirus": 25,
    "antivirus_outdated": 15,
    "firewall_off": 15,
    "unencrypted_portable": 15,
    "unencrypted": 5,
    "secure_boot_off": 5,
    "silent": 10,
    "many_admins": 5,
}
# Points an organization loses: inventory issues in proportion to its share of active assets.
ORG_SHARE_WEIGHTS = {
    "os_eol": 30,
    "support_unknown": 15,
    "software_eol": 10,
    "no_antivirus": 20,
    "firewall_off": 10,
    "unencrypted": 10,
    "silent": 5,
}
ORG_WEIGHTS = {
    "no_backup": 10,
    "backup_old": 5,
    "no_offline_copy": 5,
    "no_restore_test": 5,
    "mfa": 10,
    "ens_not_started": 5,
    "ens_in_progress": 2,
    "no_officer": 5,
}
PORTABLE_KINDS = frozenset({AssetKind.LAPTOP}) | MOBILE_KINDS
# What each kind's support status rests on: "os" (the operating system's end of life) or
# "firmware" (network devices and printers: unknown until the network inventory reports a firmware
# whose support the end-of-life data knows). Kinds not listed ("other") have no support status.
SUPPORT_CHECKS: dict[str, str] = {
    **{kind: "os" for kind in COMPUTER_KINDS | MOBILE_KINDS},
    AssetKind.NETWORK_DEVICE: "firmware",
    AssetKind.FIREWALL: "firmware",
    AssetKind.PRINTER: "firmware",
}
SUPPORT_KINDS = frozenset(SUPPORT_CHECKS)


@dataclass
class Reason:
    code: str
    points: int
    text: str
    action: str = ""


@dataclass
class Posture:
    reasons: list[Reason] = field(default_factory=list)

    @property
    def score(self) -> int:
        return max(0, 100 - sum(r.points for r in self.reasons))

    @property
    def level(self) -> str:
        """'ok', 'warn' or 'bad', for the badge colour."""
        return "ok" if self.score >= 80 else "warn" if self.score >= 50 else "bad"

    def add(self, code: str, points: float, text: str, action: str = "") -> None:
        self.reasons.append(Reason(code=code, points=round(points), text=text, action=action))


def today() -> dt.date:
    from django.utils import timezone

    return timezone.localdate()


def silent_since(last_inventory_at: dt.datetime | None, on: dt.date) -> int | None:
    """Days since the last inventory, or None for an asset no agent ever reported."""
    if last_inventory_at is None:
        return None
    return (on - last_inventory_at.date()).days


@dataclass(frozen=True)
class OrgIssue:
    """A finding another app counts per organization (`register_org_issue`)."""

    code: str
    weight: int  # points lost when every active device has it
    # (organization ids, day) -> {organization id: devices affected}; a query or two for all.
    counter: Callable[[list[int], dt.date], dict[int, int]]
    text: Callable[[int], str]  # the reason for n devices
    action: Any


ORG_ISSUES: dict[str, OrgIssue] = {}
# (asset, day) -> [(code, points, text, action)]: findings of one asset from another app.
ASSET_CHECKS: list[Callable[[Any, dt.date], list[tuple[str, int, str, str]]]] = []


def register_org_issue(issue: OrgIssue) -> None:
    ORG_ISSUES[issue.code] = issue


def register_asset_check(check: Callable[[Any, dt.date], list[tuple[str, int, str, str]]]) -> None:
    if check not in ASSET_CHECKS:
        ASSET_CHECKS.append(check)


def support_unknown(asset: Any) -> bool:
    """Whether `asset`'s kind has a support status and the end-of-life data does not know it."""
    return asset.kind in SUPPORT_KINDS and asset.os_eol_date is None and not asset.os_eol_label


def _support_unknown_reason(asset: Any, posture: Posture) -> None:
    if SUPPORT_CHECKS.get(asset.kind) == "firmware":
        text = _("Firmware support status unknown: check it.")
        action = _(
            "Find the firmware version and the vendor's end of support; record it or update it."
        )
    elif asset.os_name:
        text = _("Support status of %(os)s unknown: check it.") % {"os": asset.os_label}
        action = _(
            "Check whether the vendor still ships security updates for this release; if it does "
            "not, upgrade it."
        )
    else:
        text = _("No operating system reported: support status unknown, check it.")
        action = _("Run the inventory agent on it, or record its operating system by hand.")
    posture.add("support_unknown", ASSET_WEIGHTS["support_unknown"], text, action)


def asset_posture(asset: Any, on: dt.date | None = None, *, checks: bool = True) -> Posture:
    """`asset`'s score. `checks`: also run the other apps' checks (`register_asset_check`), which
    may read the database (one asset's known vulnerabilities...)."""
    on = on or today()
    posture = Posture()
    if support_unknown(asset):
        _support_unknown_reason(asset, posture)
    if asset.os_eol_date is not None:
        when = date_format(asset.os_eol_date, "SHORT_DATE_FORMAT")
        if asset.os_eol_date <= on:
            posture.add(
                "os_eol",
                ASSET_WEIGHTS["os_eol"],
                _("%(os)s is past its end of life (%(date)s): no more security updates.")
                % {"os": asset.os_eol_label, "date": when},
                _("Upgrade the operating system or replace the device."),
            )
        elif (asset.os_eol_date - on).days <= EOL_SOON_DAYS:
            posture.add(
                "os_eol_soon",
                ASSET_WEIGHTS["os_eol_soon"],
                _("%(os)s reaches its end of life on %(date)s.")
                % {"os": asset.os_eol_label, "date": when},
                _("Plan the upgrade before that date."),
            )
    if asset.software_eol_date is not None and asset.software_eol_date <= on:
        posture.add(
            "software_eol",
            ASSET_WEIGHTS["software_eol"],
            _("Unsupported software installed: %(software)s.")
            % {"software": asset.software_eol_label},
            _("Uninstall it or upgrade to a supported version."),
        )
    if asset.kind in COMPUTER_KINDS:
        if asset.antivirus_enabled is False:
            posture.add(
                "no_antivirus",
                ASSET_WEIGHTS["no_antivirus"],
                _("No active antivirus."),
                _("Install or enable an antivirus."),
            )
        elif asset.antivirus_enabled and asset.antivirus_up_to_date is False:
            posture.add(
                "antivirus_outdated",
                ASSET_WEIGHTS["antivirus_outdated"],
                _("The antivirus signatures are out of date."),
                _("Update the antivirus and check why it stopped updating."),
            )
        if asset.firewall_enabled is False:
            posture.add(
                "firewall_off",
                ASSET_WEIGHTS["firewall_off"],
                _("The firewall is off."),
                _("Turn the firewall on."),
            )
        if asset.secure_boot is False:
            posture.add(
                "secure_boot_off",
                ASSET_WEIGHTS["secure_boot_off"],
                _("Secure Boot is off or unsupported."),
                _("Enable Secure Boot in the firmware settings."),
            )
        if len(asset.local_admins or []) > MAX_LOCAL_ADMINS:
            posture.add(
                "many_admins",
                ASSET_WEIGHTS["many_admins"],
                _("%(count)d local administrator accounts.") % {"count": len(asset.local_admins)},
                _("Keep at most two local administrators; users work without admin rights."),
            )
    if asset.disk_encrypted is False and (asset.kind in COMPUTER_KINDS | MOBILE_KINDS):
        portable = asset.kind in PORTABLE_KINDS
        posture.add(
            "unencrypted_portable" if portable else "unencrypted",
            ASSET_WEIGHTS["unencrypted_portable" if portable else "unencrypted"],
            _("The disk is not encrypted."),
            _("Turn on disk encryption (BitLocker, FileVault, LUKS)."),
        )
    days = silent_since(asset.last_inventory_at, on)
    if days is not None and days > SILENT_DAYS:
        posture.add(
            "silent",
            ASSET_WEIGHTS["silent"],
            ngettext("No inventory for %(days)d day.", "No inventory for %(days)d days.", days)
            % {"days": days},
            _("Check that the device is on and its inventory agent runs."),
        )
    if checks and asset.pk:
        for check in ASSET_CHECKS:
            for code, points, text, action in check(asset, on):
                posture.add(code, points, text, action)
    return posture


@dataclass
class OrgCounts:
    """What selectors.posture_counts reads for one organization (active assets only)."""

    assets: int = 0
    os_eol: int = 0
    support_unknown: int = 0
    software_eol: int = 0
    no_antivirus: int = 0
    firewall_off: int = 0
    unencrypted: int = 0
    silent: int = 0
    # Findings other apps count (ORG_ISSUES): {code: devices}.
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def no_data(self) -> bool:
        """No active device inventoried: nothing to score the devices on."""
        return self.assets == 0


def org_posture(counts: OrgCounts, record: Any, on: dt.date | None = None) -> Posture:
    """The organization's score: its assets' issues in proportion, plus its own security records."""
    on = on or today()
    posture = Posture()
    texts = {
        "os_eol": (
            lambda n: ngettext(
                "%(count)d device past its OS end of life.",
                "%(count)d devices past their OS end of life.",
                n,
            ),
            _("Upgrade or replace them: they get no security updates."),
        ),
        "support_unknown": (
            lambda n: ngettext(
                "%(count)d device whose support status is unknown: check it.",
                "%(count)d devices whose support status is unknown: check them.",
                n,
            ),
            _(
                "Find out whether their operating system or firmware still gets security "
                "updates; upgrade what does not."
            ),
        ),
        "software_eol": (
            lambda n: ngettext(
                "%(count)d device with unsupported software installed.",
                "%(count)d devices with unsupported software installed.",
                n,
            ),
            _(
                "Uninstall it or upgrade to a supported version (Office 2016 and 2019 ended in "
                "October 2025)."
            ),
        ),
        "no_antivirus": (
            lambda n: ngettext(
                "%(count)d computer without an active, up-to-date antivirus.",
                "%(count)d computers without an active, up-to-date antivirus.",
                n,
            ),
            _("Install, enable or update the antivirus."),
        ),
        "firewall_off": (
            lambda n: ngettext(
                "%(count)d computer with the firewall off.",
                "%(count)d computers with the firewall off.",
                n,
            ),
            _("Turn the firewall on."),
        ),
        "unencrypted": (
            lambda n: ngettext(
                "%(count)d device with an unencrypted disk.",
                "%(count)d devices with an unencrypted disk.",
                n,
            ),
            _("Turn on disk encryption, laptops and phones first."),
        ),
        "silent": (
            lambda n: ngettext(
                "%(count)d device silent for more than %(days)d days.",
                "%(count)d devices silent for more than %(days)d days.",
                n,
            ),
            _("Find them: switched off, retired, or the agent stopped."),
        ),
    }
    if counts.assets:
        for code, weight in ORG_SHARE_WEIGHTS.items():
            found = getattr(counts, code)
            if found:
                text, action = texts[code]
                posture.add(
                    code,
                    weight * found / counts.assets,
                    text(found) % {"count": found, "days": SILENT_DAYS},
                    action,
                )
        for code, found in counts.extra.items():
            issue = ORG_ISSUES.get(code)
            if issue is not None and found:
                posture.add(code, issue.weight * found / counts.assets, issue.text(found),
                            str(issue.action))  # fmt: skip
    _record_reasons(posture, record, on)
    return posture


def _record_reasons(posture: Posture, record: Any, on: dt.date) -> None:
    last = record.backup_last_success if record else None
    if last is None:
        posture.add(
            "no_backup",
            ORG_WEIGHTS["no_backup"],
            _("No successful backup recorded."),
            _("Record the date of the last successful backup, or set backups up."),
        )
    elif (on - last).days > BACKUP_MAX_AGE_DAYS:
        posture.add(
            "backup_old",
            ORG_WEIGHTS["backup_old"],
            _("The last successful backup is %(days)d days old.") % {"days": (on - last).days},
            _("Check the backup job: it should succeed at least weekly."),
        )
    if not (record and record.backup_offline_copy):
        posture.add(
            "no_offline_copy",
            ORG_WEIGHTS["no_offline_copy"],
            _("No offline or immutable backup copy."),
            _("Keep a copy ransomware cannot reach (offline, off-site or immutable)."),
        )
    test = record.backup_last_restore_test if record else None
    if test is None or (on - test).days > RESTORE_TEST_MAX_AGE_DAYS:
        posture.add(
            "no_restore_test",
            ORG_WEIGHTS["no_restore_test"],
            _("No restore test in the last year."),
            _("Restore a backup to check it works, and record the date."),
        )
    coverage = record.mfa_coverage if record else None
    if coverage is None:
        posture.add(
            "mfa",
            ORG_WEIGHTS["mfa"] / 2,
            _("MFA coverage not recorded."),
            _("Record which share of staff accounts use a second factor."),
        )
    elif coverage < 100:
        posture.add(
            "mfa",
            ORG_WEIGHTS["mfa"] * (100 - coverage) / 100,
            _("Only %(percent)d%% of staff accounts use MFA.") % {"percent": coverage},
            _("Turn on a second factor for every account, e-mail and remote access first."),
        )
    status = record.ens_status if record else EnsStatus.NOT_STARTED
    if status == EnsStatus.NOT_STARTED:
        posture.add(
            "ens",
            ORG_WEIGHTS["ens_not_started"],
            _("Adaptation to the ENS (Esquema Nacional de Seguridad) not started."),
            _("Categorise the systems and start the ENS adaptation plan."),
        )
    elif status == EnsStatus.IN_PROGRESS:
        posture.add(
            "ens",
            ORG_WEIGHTS["ens_in_progress"],
            _("ENS adaptation in progress."),
            _("Finish the adaptation and issue the declaration of conformity."),
        )
    if not (record and record.security_officer.strip()):
        posture.add(
            "no_officer",
            ORG_WEIGHTS["no_officer"],
            _("No security officer named."),
            _("Name the security officer (responsable de seguridad) required by the ENS."),
        )
