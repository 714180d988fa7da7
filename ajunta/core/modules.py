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
        if has_permission(roles, module.permission) and org_uses_module(org, module.code)
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
