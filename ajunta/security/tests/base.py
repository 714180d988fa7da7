"""Shared setup: a provider with members Alpha and Beta, devices with programs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ajunta.assets import services as asset_services
from ajunta.assets.models import Asset, InstalledSoftware
from ajunta.core.models import Role
from ajunta.core.testing import TenantTestCase, make_user
from ajunta.tenants.testing import make_provider

DATA = Path(__file__).resolve().parent / "data"


def feed(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def device(org: Any, name: str, programs: list[tuple[str, str]], **fields: Any) -> Asset:
    asset = asset_services.asset_create(org=org, actor=None, kind="desktop", name=name,
                                        os_name="Microsoft Windows 11 Pro", os_version="24H2",
                                        **fields)  # fmt: skip
    for program, version in programs:
        InstalledSoftware.objects.create(
            organization=org, asset=asset, name=program, version=version
        )
    return asset


class SecurityTestCase(TenantTestCase):
    provider: Any
    tech: Any
    old_winrar: Asset
    patched: Asset
    old_7zip_b: Asset

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.provider = make_provider(members=(cls.org_a, cls.org_b))
        cls.tech = make_user("tina", cls.provider, Role.PROVIDER_TECHNICIAN)
        cls.old_winrar = device(cls.org_a, "PC-SECRETARIA", [("WinRAR 6.22 (64-bit)", "6.22.0"),
                                                              ("7-Zip 24.09 (x64)", "24.09")])  # fmt: skip
        cls.patched = device(cls.org_a, "PC-ALCALDIA", [("WinRAR 7.01 (64-bit)", "7.01.0")])
        cls.old_7zip_b = device(cls.org_b, "PC-BETA", [("7-Zip 23.01 (x64)", "23.01")])
