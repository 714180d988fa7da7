"""The kinds of background work, each a function that does it and reports its progress.

A kind's runner gets the run and a `progress(done, total)` callback, and returns the result (a
dict shown on the run's page through the kind's `describe`) or, for an export, a dict with
`file_name` and `content` (bytes) that the run keeps for download. A ValidationError is the
user's mistake (shown as it is); anything else is a failure of ours (logged, shown by its kind).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Kind:
    code: str
    title: Promise | str
    run: Callable[..., dict[str, Any]]
    describe: Callable[[dict[str, Any]], str]
    back_url_name: str = ""  # where the run's page links back to (an org-scoped URL name)


KINDS: dict[str, Kind] = {}


def register_kind(kind: Kind) -> None:
    if kind.code in KINDS:
        raise ValueError(f"Background kind {kind.code!r} is already registered.")
    KINDS[kind.code] = kind


def title_of(code: str) -> str:
    kind = KINDS.get(code)
    return str(kind.title) if kind else code


# --- the IT inventory's CSV import ------------------------------------------------------------
def assets_csv_import(*, run: Any, progress: Progress) -> dict[str, Any]:
    from ajunta.assets import services
    from ajunta.core.tenancy import organization_model

    owner = organization_model().objects.get(pk=run.params["owner_id"])
    outcome = services.assets_import_csv(
        org=owner, actor=run.created_by, text=run.input_text, progress=progress
    )
    return {"created": outcome.created, "updated": outcome.updated, "unchanged": outcome.unchanged}


def describe_assets_csv_import(result: dict[str, Any]) -> str:
    return gettext(
        "CSV imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged."
    ) % {key: result.get(key, 0) for key in ("created", "updated", "unchanged")}


# --- the IT inventory's CSV export -------------------------------------------------------------
def assets_csv_export(*, run: Any, progress: Progress) -> dict[str, Any]:
    from ajunta.assets import selectors
    from ajunta.assets.views import csv_rows

    rows = selectors.assets(org=run.organization, **run.params.get("filters", {}))
    total = run.total
    parts: list[str] = []
    for number, line in enumerate(csv_rows(rows)):
        parts.append(line)
        if number % 1000 == 0:
            progress(max(number - 1, 0), total)  # the first two lines are the BOM and headers
    count = max(len(parts) - 2, 0)
    return {
        "rows": count,
        "file_name": f"inventari-{run.organization.slug}.csv",
        "content": "".join(parts).encode("utf-8"),
    }


def describe_assets_csv_export(result: dict[str, Any]) -> str:
    return gettext("The CSV is ready: %(rows)d assets.") % {"rows": result.get("rows", 0)}


def register_builtin() -> None:
    register_kind(
        Kind(
            code="assets.csv_export",
            title=_("Export of assets to CSV"),
            run=assets_csv_export,
            describe=describe_assets_csv_export,
            back_url_name="assets_list",
        )
    )
    register_kind(
        Kind(
            code="assets.csv_import",
            title=_("Import of assets from CSV"),
            run=assets_csv_import,
            describe=describe_assets_csv_import,
            back_url_name="assets_list",
        )
    )
