"""The scheduled imports, from the sources the settings name (files or URLs)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError

from ajunta.assets import services as asset_services
from ajunta.core.feeds import FeedError, read_feed
from ajunta.security import services


def import_configured() -> dict[str, Any]:
    """Import every configured source; a failing one is reported and the others still run."""
    done: dict[str, Any] = {"eol": {}, "errors": []}
    for product in settings.SECURITY_EOL_PRODUCTS:
        source = settings.SECURITY_EOL_URL.format(product=product)
        try:
            result = asset_services.eol_import(
                data=read_feed(source), source=source, product=product
            )
            done["eol"][product] = result.cycles
        except (FeedError, ValidationError) as exc:
            done["errors"].append(f"{source}: {exc}")
    for name, source, importer in (
        ("nvd", settings.SECURITY_NVD_URL, services.nvd_import),
        ("kev", settings.SECURITY_KEV_URL, services.kev_import),
    ):
        if not source:
            continue
        try:
            imported = importer(data=read_feed(source), source=source)
            done[name] = imported.vulnerabilities
        except (FeedError, ValidationError) as exc:
            done["errors"].append(f"{source}: {exc}")
    return done
