"""Known exploited vulnerabilities in the security posture (assets.posture's plug-ins)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Points an asset loses per known exploited vulnerability it is exposed to (at most twice), and
# the organization's share weight: as heavy as an operating system past its end of life.
ASSET_POINTS = 30
ORG_WEIGHT = 30


def _org_text(count: int) -> str:
    return ngettext(
        "%(count)d device exposed to known exploited vulnerabilities.",
        "%(count)d devices exposed to known exploited vulnerabilities.",
        count,
    ) % {"count": count}


def _counter(organization_ids: list[int], on: dt.date) -> dict[int, int]:
    from ajunta.security import selectors

    return selectors.exploited_devices_by_org(organization_ids, on)


def asset_check(asset: Any, on: dt.date) -> list[tuple[str, int, str, str]]:
    from ajunta.security import selectors

    exploited = [
        e for e in selectors.asset_exposures(asset=asset) if e.vulnerability.known_exploited
    ]
    found = []
    for exposure in exploited[:2]:
        fix = (
            _("Update %(software)s to %(version)s or later.")
            % {"software": exposure.software, "version": exposure.fix_version}
            if exposure.fix_version
            else _("Apply the vendor's fix or uninstall %(software)s.")
            % {"software": exposure.software}
        )
        found.append(
            (
                "known_exploited",
                ASSET_POINTS,
                _("%(software)s %(version)s has %(cve)s, exploited in the wild (CISA KEV).")
                % {
                    "software": exposure.software,
                    "version": exposure.version,
                    "cve": exposure.vulnerability.cve_id,
                },
                fix,
            )
        )
    return found


def register() -> None:
    from ajunta.assets import posture

    posture.register_org_issue(
        posture.OrgIssue(
            code="known_exploited",
            weight=ORG_WEIGHT,
            counter=_counter,
            text=_org_text,
            action=gettext_lazy("Update the programs named on the exposed devices page first."),
        )
    )
    posture.register_asset_check(asset_check)
