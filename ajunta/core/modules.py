"""Modules: the parts of Ajunta an organization's staff see in the navigation and on the dashboard.

Each domain app registers its module in `AppConfig.ready()`; core never imports the apps. A module
shows when the user holds its permission in the organization and the organization uses it: an
organization model may define `uses_module(code)` (membership agreements decide which services a
member receives); without that method every module is on.

Delivering something into a module is a stricter question than showing it (`org_receives_module`):
what lands in a module must land where somebody can open it, so there "unknown" (no agreement on
record, no way to tell) is a refusal, never a pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.urls import reverse
from django.utils.module_loading import import_string

from ajunta.core.tenancy import has_permission


@dataclass(frozen=True)
class Module:
    code: str  # stable identifier, also the catalogue service code that switches it on
    label: Any  # lazy translatable label for the main navigation
    url_name: str  # the module's main page; takes the organization's slug
    permission: str  # who sees it
    # Dashboard quick links: (label, URL name taking the slug, permission or None for the module's).
    links: Sequence[tuple[Any, str, str | None]] = field(default_factory=tuple)
    order: int = 100
    # The dashboard's figures: the dotted path of a selector taking (org, user, roles, today) and
    # returning a list of Figure; one query or a few, however much data there is.
    figures: str = ""
    # The module whose catalogue service switches this one on, when it has none of its own (the
    # notice board comes with case files); empty: its own code.
    service_module: str = ""


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard and the filtered list behind it (or a short ranked list)."""

    label: Any
    value: int | str
    url: str = ""
    tone: str = ""  # "", "ok", "warn" or "danger"
    hint: Any = ""
    # A ranking instead of one number: (label, url, value) rows, e.g. the five worst postures.
    items: Sequence[tuple[Any, str, Any]] = ()


MODULES: dict[str, Module] = {}


def register_module(module: Module) -> None:
    if module.code in MODULES:
        raise ValueError(f"Module {module.code!r} is already registered.")
    MODULES[module.code] = module


def org_uses_module(org: Any, code: str) -> bool:
    uses = getattr(org, "uses_module", None)
    return True if uses is None else bool(uses(code))


def org_receives_module(org: Any, code: str) -> bool:
    """Whether documents may be delivered into `org`'s module `code` (SIR interchanges, ...).

    Unlike `org_uses_module` (navigation), an organization that cannot say which modules it has
    receives nothing: the organization model decides with `receives_module(code)`.
    """
    receives = getattr(org, "receives_module", None)
    return False if receives is None else bool(receives(code))


def modules_for(org: Any, roles: frozenset[str]) -> list[Module]:
    """The modules this user sees in this organization, in navigation order."""
    if org is None:
        return []
    return [
        module
        for module in sorted(MODULES.values(), key=lambda m: (m.order, m.code))
        if has_permission(roles, module.permission)
        and org_uses_module(org, module.service_module or module.code)
    ]


def module_nav(org: Any, roles: frozenset[str]) -> list[tuple[Any, str]]:
    return [(m.label, reverse(m.url_name, args=[org.slug])) for m in modules_for(org, roles)]


def module_sections(org: Any, roles: frozenset[str]) -> list[dict[str, Any]]:
    """One dashboard card per visible module, with the links the user may follow."""
    sections = []
    for module in modules_for(org, roles):
        links = [
            (label, reverse(url_name, args=[org.slug]))
            for label, url_name, permission in module.links
            if has_permission(roles, permission or module.permission)
        ]
        if links:
            sections.append({"title": module.label, "links": links})
    return sections


def module_menu(org: Any, roles: frozenset[str], path: str) -> dict[str, Any]:
    """The side navigation (one group per module, with its pages) and the breadcrumbs of `path`.

    A module's main page is current when `path` is exactly it; the module holding `path` opens.
    """
    groups = []
    crumbs: list[tuple[Any, str]] = []
    for module in modules_for(org, roles):
        url = reverse(module.url_name, args=[org.slug])
        links = []
        for label, url_name, permission in module.links:
            if not has_permission(roles, permission or module.permission):
                continue
            link = reverse(url_name, args=[org.slug])
            if link != url:
                links.append({"label": label, "url": link, "current": link == path})
        inside = path.startswith(url) or any(path.startswith(link["url"]) for link in links)
        groups.append(
            {
                "label": module.label,
                "url": url,
                "current": url == path,
                "open": inside,
                "links": links,
            }
        )
        if inside and not crumbs and path != url:
            crumbs.append((module.label, url))
    return {"groups": groups, "crumbs": crumbs}


def module_figures(org: Any, user: Any, roles: frozenset[str], today: Any) -> list[dict[str, Any]]:
    """The dashboard's work-first figures: one group per visible module that has any."""
    groups = []
    for module in modules_for(org, roles):
        if not module.figures:
            continue
        figures = import_string(module.figures)(org=org, user=user, roles=roles, today=today)
        if figures:
            groups.append({"title": module.label, "code": module.code, "figures": figures})
    return groups
