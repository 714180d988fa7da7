"""Demo data of the cybersecurity module: the real KEV/NVD excerpts, one incident with its clocks
running for Manresa, and part of its ENS measures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from ajunta.core.feeds import read_feed
from ajunta.security import selectors, services
from ajunta.security.tests.base import DATA


def seed(*, orgs: dict[str, Any], users: dict[str, Any], stdout: Any) -> None:
    manresa = orgs.get("manresa")
    admin = users.get("secretaria.manresa") or users.get("provider.admin")
    if manresa is None or selectors.incidents(org=manresa).exists():
        stdout.write("  security: already seeded")
        return
    services.nvd_import(data=read_feed(str(DATA / "nvd-excerpt.json")), source="demo")
    services.kev_import(data=read_feed(str(DATA / "kev-excerpt.json")), source="demo")
    aware = timezone.now() - dt.timedelta(hours=30)
    incident = services.incident_create(
        org=manresa, actor=admin, title="Correu de pesca amb credencials robades",
        category="fraud", level="high", detected_at=aware, aware_at=aware,
        affected_services="Correu electrònic", personal_data=True,
        personal_data_description="Adreces i noms del padró en un full de càlcul enviat",
    )  # fmt: skip
    services.incident_event_add(org=manresa, actor=admin, incident=incident,
                                text="Contrasenya canviada i sessions tancades", action=True)  # fmt: skip
    for code, state in (("mp.info.6", "applied"), ("op.acc.6", "partial"), ("op.exp.4", "partial")):
        services.ens_measure_save(org=manresa, actor=admin, code=code, state=state,
                                  evidence="Demo", review_date=timezone.localdate() + dt.timedelta(days=180))  # fmt: skip
    stdout.write("  security: KEV and NVD excerpts, one incident with its clocks, ENS measures")
