"""Demo data of the IT inventory: agent inventories and hand-kept assets for Manresa, Mura and
Navarcles, security records, and agent tokens, so the posture ranking has something to rank."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from ajunta.assets import services
from ajunta.assets.models import Asset, SecurityRecord
from ajunta.assets.samples import glpi_document

# (org, device id, host name, serial, (OS full name, version), antivirus on, firewall on)
COMPUTERS = [
    ("manresa", "MAN-SEC-01", "MAN-SECRETARIA-01", "5CG0001AAA", ("Microsoft Windows 11 Pro", "24H2"), True, True),
    ("manresa", "MAN-SEC-02", "MAN-SECRETARIA-02", "5CG0002AAA", ("Microsoft Windows 10 Pro", "22H2"), True, True),
    ("manresa", "MAN-URB-01", "MAN-URBANISME-01", "5CG0003AAA", ("Microsoft Windows 10 Pro", "22H2"), False, True),
    ("manresa", "MAN-SRV-01", "MAN-FITXERS", "CZ0004BBB", ("Microsoft Windows Server 2019 Standard", "1809"), True, True),
    ("manresa", "MAN-SRV-02", "MAN-WEB", "VM-0005", ("Debian GNU/Linux 12 (bookworm)", "12.7"), None, True),
    ("mura", "MUR-01", "MURA-SECRETARIA", "PF0006CCC", ("Microsoft Windows 10 Pro", "22H2"), True, False),
    ("navarcles", "NAV-01", "NAV-ALCALDIA", "PF0007DDD", ("Microsoft Windows 11 Pro", "23H2"), True, True),
    ("navarcles", "NAV-02", "NAV-BIBLIOTECA", "PF0008DDD", ("Ubuntu 22.04.4 LTS", "22.04.4 LTS"), None, True),
]  # fmt: skip
HAND_KEPT = [
    # (org, tag, kind, name, holder, warranty in days from today)
    ("manresa", "MAN-MOB-001", "phone", "Mòbil alcaldia", "Alcaldia", 25),
    ("manresa", "MAN-FW-001", "firewall", "Tallafoc seu", "Informàtica", 400),
    ("mura", "MUR-IMP-001", "printer", "Impressora secretaria", "Secretaria", 40),
    ("navarcles", "NAV-TAB-001", "tablet", "Tauleta brigada", "Brigada", -30),
]
# Programs worth a finding on the posture pages.
EXTRA_SOFTWARE = {
    "MAN-URB-01": [{"name": "Microsoft Office Professional Plus 2016", "version": "16.0.4266.1001"}],
    "MUR-01": [{"name": "TeamViewer", "version": "15.52.3"},
               {"name": "Microsoft Office Home and Business 2019 - ca-es", "version": "16.0.10417"}],
}  # fmt: skip
RECORDS = {
    "manresa": {"backup_offline_copy": True, "mfa_coverage": 70, "ens_category": "medium",
                "ens_status": "in_progress", "security_officer": "Jordi Vila"},
    "navarcles": {"backup_offline_copy": True, "mfa_coverage": 100, "ens_category": "basic",
                  "ens_status": "declared", "security_officer": "Anna Roca"},
}  # fmt: skip


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    actor = users["provider.tech"]
    today = timezone.localdate()
    for slug, device, name, serial, os, antivirus, firewall in COMPUTERS:
        org = orgs[slug]
        document = glpi_document(
            deviceid=device, name=name, serial=serial, uuid=device.lower(), os=os
        )
        body = document["content"]
        body["hardware"]["chassis_type"] = (
            "Desktop" if "SRV" not in device else "Rack Mount Chassis"
        )
        if antivirus is not None:
            body["antivirus"] = [
                {"name": "Microsoft Defender", "enabled": antivirus, "uptodate": antivirus}
            ]
        body["firewalls"] = [{"status": "on" if firewall else "off"}]
        body["softwares"].extend(EXTRA_SOFTWARE.get(device, []))
        services.inventory_import(org=org, actor=None, document=document)
    for slug, tag, kind, name, holder, warranty_days in HAND_KEPT:
        org = orgs[slug]
        if Asset.objects.filter(organization=org, inventory_tag=tag).exists():
            continue
        services.asset_create(
            org=org, actor=actor, kind=kind, inventory_tag=tag, name=name, holder=holder,
            warranty_end=today + dt.timedelta(days=warranty_days), supplier="Informàtica Bages SL",
        )  # fmt: skip
    for slug, fields in RECORDS.items():
        if not SecurityRecord.objects.filter(organization=orgs[slug]).exists():
            services.security_record_save(
                org=orgs[slug], actor=actor,
                backup_last_success=today - dt.timedelta(days=1),
                backup_last_restore_test=today - dt.timedelta(days=120), **fields,
            )  # fmt: skip
    stdout.write(
        "  assets: inventories, hand-kept assets and security records (Manresa, Mura, Navarcles)"
    )
